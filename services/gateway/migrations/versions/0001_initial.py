"""gateway: staff accounts, sessions, callback dedupe keys, audit

Revision ID: gateway_0001
"""

import sqlalchemy as sa
from alembic import op

from libs.migrations_common import create_audit_log

revision = "gateway_0001"
down_revision = None
S = "gateway"


def upgrade():
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("department_id", sa.Integer),
        sa.Column("active", sa.Boolean, nullable=False),
        schema=S,
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey(f"{S}.staff.id"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "callback_keys",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
        schema=S,
    )
    create_audit_log(S)


def downgrade():
    for table in ("audit_log", "callback_keys", "staff_sessions", "staff"):
        op.drop_table(table, schema=S)
