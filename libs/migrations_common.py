"""Frozen DDL for the tables every service keeps from libs (audit_log, outbox, processed_events).

Migrations call these instead of the live Table definitions so that an old migration means the same thing
after libs changes; a later change to these tables gets a new function here and a new migration.
"""

import sqlalchemy as sa
from alembic import op


def create_audit_log(schema):
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False, index=True),
        sa.Column("target_type", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False, index=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        schema=schema,
    )


def create_outbox(schema):
    op.create_table(
        "outbox",
        sa.Column("event_id", sa.String(32), primary_key=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), index=True),
        schema=schema,
    )


def create_processed_events(schema):
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("handler", sa.String(64), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "handler"),
        schema=schema,
    )


def create_parked_events(schema):
    op.create_table(
        "parked_events",
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("handler", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("replayed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("event_id", "handler"),
        schema=schema,
    )


def widen_audit_request_id(schema):
    """Request ids arrive from ingresses as UUIDs (36) and up to 64 characters (the gateway's limit)."""
    op.alter_column(
        "audit_log",
        "request_id",
        type_=sa.String(64),
        existing_type=sa.String(32),
        existing_nullable=False,
        schema=schema,
    )
