"""Service-tier tests: one nameko service at a time, on eventlet, against real PostgreSQL and RabbitMQ.

Real: PostgreSQL (a fresh database per run, every migration applied), RabbitMQ (nameko's `rabbit_config`:
a fresh vhost per test), the WeChat sandbox (served in-process on an eventlet WSGI server) for messaging.
Replaced: the other services, which a service-tier test does not start; cross-service behaviour is tested in
tests/, with everything running.
"""

import eventlet

eventlet.monkey_patch()  # before anything else imports socket or threading: nameko needs it

import pytest  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from libs.config import load_config  # noqa: E402
from libs.db import make_engine  # noqa: E402
from libs.testing import PG_BASE, fresh_database  # noqa: E402

TEST_CONFIG = "deploy/config/test.yaml"


@pytest.fixture(scope="session")
def database_url():
    with fresh_database(PG_BASE) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url, pool_size=5)
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
    return config
