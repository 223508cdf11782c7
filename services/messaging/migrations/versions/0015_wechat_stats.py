"""messaging: 数据统计 — WeChat's daily figures (followers by source, messages, article reads and shares, API calls)
kept beyond WeChat's short query windows, and which days have been fetched

Revision ID: messaging_0015
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0015"
down_revision = "messaging_0014"
S = "messaging"


def upgrade():
    op.create_table(
        "wechat_stats",
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("metric", sa.String(32), primary_key=True),
        sa.Column("source", sa.String(32), primary_key=True, server_default=""),
        sa.Column("value", sa.BigInteger, nullable=False),
        schema=S,
    )
    op.create_table(
        "wechat_stats_days",
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade():
    op.drop_table("wechat_stats_days", schema=S)
    op.drop_table("wechat_stats", schema=S)
