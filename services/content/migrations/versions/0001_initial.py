"""content: departments (the first of the content tables), audit, outbox

Revision ID: content_0001
"""

import sqlalchemy as sa
from alembic import op

from libs.migrations_common import create_audit_log, create_outbox

revision = "content_0001"
down_revision = None
S = "content"


def upgrade():
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("remit", sa.Text, nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("hours", sa.String(100), nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
        schema=S,
    )
    create_audit_log(S)
    create_outbox(S)


def downgrade():
    for table in ("outbox", "audit_log", "departments"):
        op.drop_table(table, schema=S)
