"""cases: cases, replies, numbering, audit, outbox

Revision ID: cases_0001
"""

import sqlalchemy as sa
from alembic import op

from libs.migrations_common import create_audit_log, create_outbox, create_processed_events

revision = "cases_0001"
down_revision = None
S = "cases"


def upgrade():
    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("number", sa.String(24), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("openid", sa.String(64), nullable=False, index=True),
        sa.Column("request_id", sa.String(64), nullable=False, unique=True),
        sa.Column("department_id", sa.Integer, index=True),
        sa.Column("accused", sa.String(100), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("occurred_on", sa.Date),
        sa.Column("contact_name", sa.String(32), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "replies",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_id", sa.BigInteger, sa.ForeignKey(f"{S}.cases.id"), nullable=False, index=True),
        sa.Column("request_id", sa.String(64), nullable=False, unique=True),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("staff_name", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "case_counters",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("last", sa.Integer, nullable=False),
        sa.UniqueConstraint("kind", "day"),
        schema=S,
    )
    create_audit_log(S)
    create_outbox(S)
    create_processed_events(S)


def downgrade():
    for table in ("processed_events", "outbox", "audit_log", "case_counters", "replies", "cases"):
        op.drop_table(table, schema=S)
