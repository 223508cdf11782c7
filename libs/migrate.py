"""Apply every service's Alembic migrations, each into its own PostgreSQL schema: `python -m libs.migrate`.

Each service keeps `services/<name>/migrations/` (env.py calls `run_env`); its version table lives in its own
schema, so services migrate independently. An advisory lock lets several replicas start at once.
"""

import argparse
import os

from alembic import command, context
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from libs.config import load_config
from services.registry import SCHEMAS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATION_LOCK = 7_245_001


def alembic_config(service, url):
    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(ROOT, "services", service, "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["schema"] = service
    return cfg


def run_env(target_metadata=None):
    """Body of every service's migrations/env.py (online mode only: we always have the database)."""
    cfg = context.config
    schema = cfg.attributes["schema"]
    engine = create_engine(cfg.get_main_option("sqlalchemy.url"), poolclass=NullPool)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        conn.commit()
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=True,
            # autogenerate and `alembic check` compare this service's schema only: the others are not its business
            include_name=lambda name, kind, _parents: kind != "schema" or name == schema,
        )
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
    engine.dispose()


def ensure_database(url):
    """Create the database named in `url` if it does not exist (make up on a fresh machine)."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def upgrade_all(url, services=SCHEMAS):
    ensure_database(url)
    for service in services:
        command.upgrade(alembic_config(service, url), "head")


def check_all(url, services=SCHEMAS):
    """`alembic check` for every schema: fails if a service's models and its migrations disagree."""
    for service in services:
        command.check(alembic_config(service, url))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config")
    args = parser.parse_args()
    url = load_config(args.config)["DATABASE_URL"]
    upgrade_all(url)
    print(f"migrated {', '.join(SCHEMAS)}")


if __name__ == "__main__":
    main()
