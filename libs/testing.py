"""Test infrastructure shared by both test tiers: a fresh database and a fresh RabbitMQ vhost per run.

By default the machine's own PostgreSQL and RabbitMQ are used (CI and this kind of machine start them).
With WZW_TESTCONTAINERS=1 and a reachable Docker engine, throwaway containers are started instead.
"""

import contextlib
import os
import secrets
import time

from nameko.testing.rabbit import Client as RabbitApi
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from libs.migrate import upgrade_all

PG_BASE = os.environ.get("WZW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("WZW_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672")
RABBIT_API = os.environ.get("WZW_TEST_RABBIT_API", "http://guest:guest@127.0.0.1:15672")


def _docker_available():
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def infrastructure():
    """Yields (postgres admin URL, AMQP base URI, RabbitMQ management API URI)."""
    if os.environ.get("WZW_TESTCONTAINERS") != "1" or not _docker_available():
        yield PG_BASE, AMQP_BASE, RABBIT_API
        return
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    with (
        PostgresContainer("postgres:15", driver="psycopg") as pg,
        DockerContainer("rabbitmq:3-management").with_exposed_ports(5672, 15672) as mq,
    ):
        wait_for_logs(mq, "Server startup complete", timeout=120)
        host = mq.get_container_host_ip()
        yield (
            pg.get_connection_url(),
            f"amqp://guest:guest@{host}:{mq.get_exposed_port(5672)}",
            f"http://guest:guest@{host}:{mq.get_exposed_port(15672)}",
        )


def unique_name(prefix="wzw_test"):
    return f"{prefix}_{secrets.token_hex(4)}"


@contextlib.contextmanager
def fresh_database(pg_admin_url, name=None):
    """A new database with every service's migrations applied; dropped afterwards."""
    name = name or unique_name()
    url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade_all(url)
    try:
        yield url
    finally:
        admin = create_engine(pg_admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def fresh_vhost(amqp_base, api_uri, name=None):
    name = name or unique_name()
    api = RabbitApi(api_uri)
    api.create_vhost(name)
    api.set_vhost_permissions(name, "guest", ".*", ".*", ".*")
    try:
        yield f"{amqp_base.rstrip('/')}/{name}"
    finally:
        for _ in range(5):
            try:
                api.delete_vhost(name)
                break
            except Exception:
                time.sleep(1)
