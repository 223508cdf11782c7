"""Service-tier tests: one nameko service at a time, on eventlet, against real PostgreSQL and RabbitMQ.

Real: PostgreSQL (a fresh database per run, every migration applied), RabbitMQ (nameko's `rabbit_config`:
a fresh vhost per test), the WeChat sandbox (served in-process on an eventlet WSGI server) for messaging.
Replaced: the other services, which a service-tier test does not start; cross-service behaviour is tested in
tests/, with everything running.
"""

import eventlet

eventlet.monkey_patch()  # before anything else imports socket or threading: nameko needs it

import os  # noqa: E402
import secrets  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from libs.config import load_config  # noqa: E402
from libs.db import make_engine  # noqa: E402
from libs.testing import PG_BASE, fresh_database  # noqa: E402
from libs.wechat.accounts import sandbox_accounts  # noqa: E402

TEST_CONFIG = "deploy/config/wzw.yaml"
# the config reads as production here (WZW_ENV unset), which refuses to take votes without a voter key of its own
os.environ.setdefault("SURVEYS_VOTER_KEY", secrets.token_hex(32))


def pytest_configure(config):
    # Rarely (about one run in thirty), the garbage collector closes one of eventlet's green sockets (nameko's AMQP
    # connections, the in-process sandbox) after its test ended; pytest reports that as an unraisable
    # ResourceWarning, which warnings-as-errors turns into a failed run. It is shown, not fatal, in this tier only.
    config.addinivalue_line("filterwarnings", "default::ResourceWarning")
    config.addinivalue_line("filterwarnings", "default::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="session")
def database_url():
    with fresh_database(PG_BASE) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url, peak=5, idle_seconds=0)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine):
    session = sessionmaker(bind=engine, expire_on_commit=False)()
    yield session
    session.close()


@pytest.fixture
def service_config(rabbit_config, database_url):
    """The test environment's config with this test's vhost and database."""
    config = load_config(TEST_CONFIG)
    config.update(AMQP_URI=rabbit_config["AMQP_URI"], DATABASE_URL=database_url)
    config.pop("LOGGING", None)
    config["WECHAT"]["ACCOUNTS"] = sandbox_accounts()  # a department's own Official Account beside the city's
    config["CACHE"]["PREFIX"] = f"wzw_test_{secrets.token_hex(4)}"  # this test's own keys in the shared Redis
    return config


@pytest.fixture
def worker(db_session):
    """worker_factory with a real session and a real unit of work, acting as `actor` (an Actor): the RPC method
    runs as it would in the service, only the other dependencies (RpcProxy, WeChat) are mocks to set up."""
    from nameko.testing.services import worker_factory

    from libs.unit_of_work import UnitOfWork

    def make(service_cls, actor, **dependencies):
        dependencies.setdefault("config", load_config(TEST_CONFIG))  # the real settings, not a mock's
        instance = worker_factory(service_cls, db=db_session, actor=actor, **dependencies)

        def unit_of_work(as_actor=None):
            return UnitOfWork(
                db_session,
                as_actor or actor,
                audit_log=service_cls.audit_log,
                outbox=getattr(service_cls, "outbox", None),
                contract=getattr(service_cls, "contract", None),
            )

        instance.unit_of_work = unit_of_work
        return instance

    return make


def rpc_proxy(service, config, actor=None):
    """nameko's ServiceRpcProxy, calling as `actor` (carried in context data, as the gateway does)."""
    from nameko.standalone.rpc import ServiceRpcProxy

    context = {"actor": actor.to_header()} if actor is not None else {}
    return ServiceRpcProxy(service, config, context_data=context)
