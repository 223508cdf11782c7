"""The two test tiers (`make test` runs both):

- system tier, `pytest` (libs/, tests/): the real system as processes; must NOT run under eventlet's monkey patch;
- service tier, `pytest -p pytest_nameko services`: one nameko service at a time, under eventlet's monkey patch.

A plain `pytest` runs the system tier and says how to run the other; `pytest services` without nameko's plugin stops
with the command to use instead of failing on missing fixtures.
"""

import pytest

SERVICE_TIER = "pytest -p pytest_nameko services"


def _asks_for_service_tier(config):
    return any(str(arg).split("::")[0].rstrip("/").startswith("services") for arg in config.args)


def pytest_configure(config):
    if _asks_for_service_tier(config) and not config.pluginmanager.has_plugin("pytest_nameko"):
        raise pytest.UsageError(f"the service tier needs nameko's pytest plugin and eventlet: run `{SERVICE_TIER}`")


def pytest_terminal_summary(terminalreporter, config):
    if not config.invocation_params.args:  # a plain `pytest`
        terminalreporter.write_line(
            f"(system tier only: the service tier runs apart, `{SERVICE_TIER}`; `make test` runs both)"
        )
