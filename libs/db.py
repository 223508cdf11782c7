"""SQLAlchemy 2 + psycopg 3 for every service: one engine per process, one session per worker.

psycopg 3's default wait function is C code that blocks eventlet's hub, stalling every green thread of the
service during each query. `wait_select` goes through `select`, which eventlet patches. It must be set before
the first connection, so it happens here, at import, in the one module every service's database goes through.
"""

import os

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import psycopg.waiting  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from sqlalchemy import MetaData, create_engine  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker  # noqa: E402

if os.environ["PSYCOPG_WAIT_FUNC"] == "wait_select":
    psycopg.waiting.wait = psycopg.waiting.wait_select


def schema_base(schema):
    """A declarative base whose tables live in the service's own PostgreSQL schema."""

    class Base(DeclarativeBase):
        metadata = MetaData(schema=schema)

    return Base


def make_engine(url, pool_size=10):
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


class Database(DependencyProvider):
    """Hands each worker its own Session; the engine's pool is sized to the container's max_workers."""

    def __init__(self, url_key="DATABASE_URL"):
        self.url_key = url_key

    def setup(self):
        max_workers = int(self.container.config.get("max_workers", 10))
        self.engine = make_engine(self.container.config[self.url_key], pool_size=max_workers)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.sessions = {}

    def stop(self):
        # workers killed mid-flight never reach worker_teardown: close what they left before disposing
        for session in list(self.sessions.values()):
            session.close()
        self.sessions.clear()
        self.engine.dispose()

    kill = stop  # nameko calls kill(), not stop(), when a container is killed

    def get_dependency(self, worker_ctx) -> Session:
        session = self.sessionmaker()
        self.sessions[worker_ctx] = session
        return session

    def worker_teardown(self, worker_ctx):
        session = self.sessions.pop(worker_ctx, None)
        if session is not None:
            session.close()
