"""libs.db's pool on a real PostgreSQL: a connection that died while idle is replaced before anyone uses it, and a
busy connection is not pinged on every checkout."""

import time

import pytest
from sqlalchemy import text

from libs.db import make_engine
from libs.testing import PG_BASE, fresh_database


@pytest.fixture(scope="module")
def url():
    with fresh_database(PG_BASE) as url:
        yield url


def backend_pid(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_terminated_while_idle_is_replaced_unnoticed(url):
    engine = make_engine(url, peak=1, idle_seconds=60, ping_after=0.2)
    try:
        first = backend_pid(engine)
        admin = make_engine(url, peak=1, idle_seconds=0)
        with admin.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar()
        admin.dispose()
        time.sleep(0.3)
        second = backend_pid(engine)  # the dead one was found by the ping: no error reaches the caller
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_past_the_idle_timeout_is_replaced_without_a_round_trip(url):
    engine = make_engine(url, peak=1, idle_seconds=3, ping_after=100)
    try:
        first = backend_pid(engine)
        time.sleep(1.5)  # past the timeout less its margin, as the server will close it at 3 s
        assert backend_pid(engine) != first
    finally:
        engine.dispose()


def test_a_busy_connection_is_not_pinged(url):
    engine = make_engine(url, peak=1, idle_seconds=60, ping_after=1.0)
    try:
        backend_pid(engine)
        pings = []
        original = engine.dialect.do_ping
        engine.dialect.do_ping = lambda conn: pings.append(1) or original(conn)
        for _ in range(20):
            backend_pid(engine)
        assert pings == []
        time.sleep(1.1)
        backend_pid(engine)
        assert pings == [1]
    finally:
        engine.dispose()
