"""SQLAlchemy 2 + psycopg 3 for every service: one engine per process, one session per worker.

psycopg 3's default wait function is C code that blocks eventlet's hub, stalling every green thread of the
service during each query. `wait_select` goes through `select`, which eventlet patches. It must be set before
the first connection, so it happens here, at import, in the one module every service's database goes through.
"""

import os
import threading
import time

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import psycopg.waiting  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from sqlalchemy import MetaData, create_engine, event, exc  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker  # noqa: E402

if os.environ["PSYCOPG_WAIT_FUNC"] == "wait_select":
    psycopg.waiting.wait = psycopg.waiting.wait_select


def schema_base(schema):
    """A declarative base whose tables live in the service's own PostgreSQL schema."""

    class Base(DeclarativeBase):
        metadata = MetaData(schema=schema)

    return Base


_engines = {}
_engines_lock = threading.Lock()


def peak_connections(config):
    """What a nameko service process can use at once: every worker (RPC, event handler, timer) holds one
    session, and one more serves the outbox relay or the token store's refresh lock."""
    return int(config.get("max_workers", 10)) + 1


def make_engine(url, peak=10, idle_seconds=60, ping_after=1.0):
    """A pool of at most `peak` connections, opened only when needed, that gives back what it stops needing.

    Connections are reused last-in first-out, so under light load the same few serve every request and the rest
    sit unused; PostgreSQL closes a session idle for `idle_seconds` (idle_session_timeout), and such a connection
    is replaced before use if load comes back. A busy process keeps what it uses (no open/close churn under load);
    a quiet one drops to the one or two its timers use.

    Only a connection that sat idle for `ping_after` seconds or more is pinged before use (a database restart or
    a terminated backend is found there): under load every checkout would otherwise pay a round trip for a
    connection that was in use a millisecond earlier.
    """
    options = f"-c idle_session_timeout={int(float(idle_seconds) * 1000)}" if idle_seconds else ""
    engine = create_engine(
        url,
        pool_size=peak,
        max_overflow=0,
        pool_use_lifo=True,
        connect_args={"options": options} if options else {},
    )
    # the server's idle timeout, less a margin for the clocks and the time the checkout itself takes
    closed_after = float(idle_seconds) - 2 if idle_seconds else None

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _usable(dbapi_connection, record, proxy):
        idle = time.monotonic() - record.info.get("idle_since", time.monotonic())
        if closed_after is not None and idle >= closed_after:
            raise exc.DisconnectionError("closed by the server's idle_session_timeout")  # the pool opens another
        if idle >= ping_after:
            try:
                alive = engine.dialect.do_ping(dbapi_connection)
            except engine.dialect.loaded_dbapi.Error as error:
                raise exc.DisconnectionError(str(error)) from error
            if not alive:
                raise exc.DisconnectionError("the ping went unanswered")

    return engine


def process_engine(url, peak=10, idle_seconds=60):
    """The process's one engine for `url`: every dependency of a service shares it (and so its pool)."""
    key = (os.getpid(), url)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = make_engine(url, peak, idle_seconds)
        engine.users = getattr(engine, "users", 0) + 1
        return engine


def release_engine(engine):
    """Dispose of the process's engine once its last user is done with it."""
    with _engines_lock:
        engine.users -= 1
        if engine.users > 0:
            return
        for key, value in list(_engines.items()):
            if value is engine:
                del _engines[key]
    engine.dispose()


def service_engine(container):
    config = container.config
    return process_engine(config["DATABASE_URL"], peak_connections(config), config.get("DB_IDLE_SECONDS", 60))


class Database(DependencyProvider):
    """Hands each worker its own Session over the process's one engine."""

    def setup(self):
        self.engine = service_engine(self.container)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.sessions = {}

    def stop(self):
        # workers killed mid-flight never reach worker_teardown: close what they left before disposing
        for session in list(self.sessions.values()):
            session.close()
        self.sessions.clear()
        if self.engine is not None:
            release_engine(self.engine)
            self.engine = None

    kill = stop  # nameko calls kill(), not stop(), when a container is killed

    def get_dependency(self, worker_ctx) -> Session:
        session = self.sessionmaker()
        self.sessions[worker_ctx] = session
        return session

    def worker_teardown(self, worker_ctx):
        session = self.sessions.pop(worker_ctx, None)
        if session is not None:
            session.close()
