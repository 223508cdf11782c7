"""messaging: 群发消息 — mass sends (composed, approved by a second staff member, sent in WeChat's batches of
10,000 with a clientmsgid each), who each reached (a follower gets at most 4 a month), and each batch's outcome

Revision ID: messaging_0011
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0011"
down_revision = "messaging_0010"
S = "messaging"


def upgrade():
    op.create_table(
        "mass_sends",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False),
        sa.Column("title", sa.String(60), nullable=False),
        sa.Column("msgtype", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("target", sa.JSON, nullable=False),
        # draft | pending | rejected | sending | sent | failed
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("author_name", sa.String(64), nullable=False),
        sa.Column("approver_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("approver_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("reject_reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("month", sa.String(7), nullable=False, server_default=""),  # YYYY-MM it counts against
        sa.Column("recipients", sa.Integer, nullable=False, server_default="0"),
        sa.Column("skipped", sa.JSON),  # why followers targeted were left out: {"blacklisted": n, "quota": n}
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_index("ix_mass_sends_status", "mass_sends", ["account_id", "status"], schema=S)
    op.create_table(
        "mass_recipients",
        sa.Column("send_id", sa.Integer, sa.ForeignKey(f"{S}.mass_sends.id"), primary_key=True),
        sa.Column("openid", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("batch_no", sa.Integer, nullable=False),
        schema=S,
    )
    # the 4-a-month rule counts a follower's mass messages in the month
    op.create_index("ix_mass_recipients_month", "mass_recipients", ["account_id", "month", "openid"], schema=S)
    op.create_index("ix_mass_recipients_batch", "mass_recipients", ["send_id", "batch_no"], schema=S)
    op.create_table(
        "mass_batches",
        sa.Column("send_id", sa.Integer, sa.ForeignKey(f"{S}.mass_sends.id"), primary_key=True),
        sa.Column("batch_no", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("clientmsgid", sa.String(64), nullable=False, unique=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),  # pending | sent | failed | finished
        sa.Column("msg_id", sa.BigInteger),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total_count", sa.Integer),  # from MASSSENDJOBFINISH
        sa.Column("sent_count", sa.Integer),
        sa.Column("error_count", sa.Integer),
        sa.Column("job_status", sa.String(64), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_mass_batches_msg", "mass_batches", ["msg_id"], schema=S)


def downgrade():
    op.drop_table("mass_batches", schema=S)
    op.drop_table("mass_recipients", schema=S)
    op.drop_table("mass_sends", schema=S)
