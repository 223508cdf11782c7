"""messaging: Official Accounts (every table says which account a row belongs to), and the account's replies
(follow reply, default reply, keyword rules)

One install may serve several accounts (the city's and departments' own). Today one, `main`, is served; the
rows say which account they belong to from now on, so serving a second one adds rows, not columns.

Revision ID: messaging_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0006"
down_revision = "messaging_0005"
S = "messaging"
KEPT_PER_ACCOUNT = ("followers", "inbound_messages", "outbound_messages", "case_tracks")


def upgrade():
    op.create_table(
        "accounts",
        sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.execute(f"INSERT INTO {S}.accounts (id, code, name) VALUES (1, 'main', '微政务')")
    for table in KEPT_PER_ACCOUNT:
        op.add_column(
            table,
            sa.Column(
                "account_id",
                sa.SmallInteger,
                sa.ForeignKey(f"{S}.accounts.id"),
                nullable=False,
                server_default="1",
            ),
            schema=S,
        )
    op.create_table(
        "reply_settings",
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), primary_key=True),
        sa.Column("follow_reply", sa.Text, nullable=False, server_default=""),
        sa.Column("default_reply", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    op.create_table(
        "reply_rules",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False, index=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("match", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("reply_kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("article", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade():
    op.drop_table("reply_rules", schema=S)
    op.drop_table("reply_settings", schema=S)
    for table in KEPT_PER_ACCOUNT:
        op.drop_column(table, "account_id", schema=S)
    op.drop_table("accounts", schema=S)
