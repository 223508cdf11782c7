"""messaging: the account's custom menus (自定义菜单: a draft operators edit, what WeChat was last given), and each
case's status code beside its label (so a menu click can list the citizen's open cases)

Revision ID: messaging_0007
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0007"
down_revision = "messaging_0006"
S = "messaging"
# the one-time backfill of status from the labels cases used when the rows were written
LABELS = {
    "已提交": "submitted",
    "已受理": "accepted",
    "已派单": "assigned",
    "办理中": "in_progress",
    "已答复": "replied",
    "已办结": "closed",
    "退回重派": "returned",
    "不予受理": "rejected",
    "已合并": "merged",
    "重新办理": "reopened",
}


def upgrade():
    op.create_table(
        "menus",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False),
        sa.Column("tag_id", sa.Integer),  # null: everyone's menu; a tag: that group's conditional menu
        sa.Column("draft", sa.JSON, nullable=False),
        sa.Column("published", sa.JSON),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("wechat_menuid", sa.String(32), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False, server_default=""),
        sa.UniqueConstraint("account_id", "tag_id", name="uq_menus_account_tag", postgresql_nulls_not_distinct=True),
        schema=S,
    )
    op.add_column("case_tracks", sa.Column("status", sa.String(16), nullable=False, server_default=""), schema=S)
    for label, status in LABELS.items():
        op.execute(
            sa.text(f"UPDATE {S}.case_tracks SET status = :status WHERE status_label = :label").bindparams(
                status=status, label=label
            )
        )


def downgrade():
    op.drop_column("case_tracks", "status", schema=S)
    op.drop_table("menus", schema=S)
