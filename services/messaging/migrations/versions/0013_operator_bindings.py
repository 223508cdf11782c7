"""messaging: 公众号助手 — staff members' own WeChat bound to their staff account by scanning a one-time code, so
that the commands they send the account (群发 …) act as them

Revision ID: messaging_0013
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0013"
down_revision = "messaging_0012"
S = "messaging"


def upgrade():
    op.create_table(
        "operator_bindings",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("staff_name", sa.String(64), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("openid", sa.String(64)),
        sa.Column("bound_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index(
        "uq_operator_bindings_openid",
        "operator_bindings",
        ["account_id", "openid"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("openid IS NOT NULL"),
    )
    op.create_index("ix_operator_bindings_staff", "operator_bindings", ["account_id", "staff_id"], schema=S)


def downgrade():
    op.drop_table("operator_bindings", schema=S)
