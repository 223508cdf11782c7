"""messaging: the inbox — what each citizen last wrote and when staff last answered, the 1-minute window a click,
follow or scan opens, and who on the staff sent a message

Revision ID: messaging_0008
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0008"
down_revision = "messaging_0007"
S = "messaging"


def upgrade():
    op.add_column("followers", sa.Column("last_content", sa.String(200), nullable=False, server_default=""), schema=S)
    op.add_column("followers", sa.Column("answered_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column("followers", sa.Column("last_event_at", sa.DateTime(timezone=True)), schema=S)
    # the inbox lists citizens by their last message, newest first
    op.create_index(
        "ix_followers_inbox",
        "followers",
        ["account_id", sa.text("last_message_at DESC")],
        schema=S,
        postgresql_where=sa.text("last_message_at IS NOT NULL"),
    )
    op.add_column("outbound_messages", sa.Column("sent_by", sa.String(64), nullable=False, server_default=""), schema=S)
    # a staff answer is found again by its request id (cause "answer:<id>"): a double submit sends once
    op.create_index("ix_outbound_messages_cause", "outbound_messages", ["cause"], schema=S)


def downgrade():
    op.drop_index("ix_outbound_messages_cause", "outbound_messages", schema=S)
    op.drop_column("outbound_messages", "sent_by", schema=S)
    op.drop_index("ix_followers_inbox", "followers", schema=S)
    for column in ("last_event_at", "answered_at", "last_content"):
        op.drop_column("followers", column, schema=S)
