"""The one list of the system's parts. Everything that needs "every service" reads it from here:
migrations (libs/migrate.py), the gateway's readiness check, the test and bench system (libs/testing.py), and
tests/test_shape.py, which checks deploy/Procfile, docker-compose.yml and kubernetes.yaml against it.

Adding a service: create `services/<name>/` (service.py with `<Name>Service`, models.py, migrations/), then add
its name here. Its nameko name, its PostgreSQL schema and its package name are the same word.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    name: str

    @property
    def entry(self):
        """What `nameko run` takes."""
        return f"services.{self.name}.service:{self.name.capitalize()}Service"


# in start order: event consumers before producers (an event published before its consumer's queue exists is lost)
SERVICES = tuple(Service(n) for n in ("messaging", "content", "ratings", "surveys", "cases"))
SERVICE_NAMES = tuple(s.name for s in SERVICES)
# every schema the system owns: the gateway's (staff, sessions, callback keys) and each service's own
SCHEMAS = ("gateway", *SERVICE_NAMES)


def service(name) -> Service:
    for s in SERVICES:
        if s.name == name:
            return s
    raise KeyError(name)


def consumers():
    """Services that handle other services' events (their events.CONSUMES is not empty): they park failures."""
    import importlib

    return tuple(s for s in SERVICES if importlib.import_module(f"services.{s.name}.events").CONSUMES)
