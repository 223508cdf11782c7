"""messaging: followers, inbound/outbound messages, token store, audit, outbox

Revision ID: messaging_0001
"""

import sqlalchemy as sa
from alembic import op

from libs.migrations_common import create_audit_log, create_outbox, create_processed_events

revision = "messaging_0001"
down_revision = None
S = "messaging"


def upgrade():
    op.create_table(
        "followers",
        sa.Column("openid", sa.String(64), primary_key=True),
        sa.Column("subscribed", sa.Boolean, nullable=False),
        sa.Column("subscribed_at", sa.DateTime(timezone=True)),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True)),
        sa.Column("last_message_at", sa.DateTime(timezone=True)),
        sa.Column("scene", sa.String(64), nullable=False),
        schema=S,
    )
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("dedupe_key", sa.String(128), nullable=False, unique=True),
        sa.Column("openid", sa.String(64), nullable=False, index=True),
        sa.Column("msg_type", sa.String(32), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("openid", sa.String(64), nullable=False, index=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("cause", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "tokens",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    create_audit_log(S)
    create_outbox(S)
    create_processed_events(S)


def downgrade():
    for table in (
        "processed_events",
        "outbox",
        "audit_log",
        "tokens",
        "outbound_messages",
        "inbound_messages",
        "followers",
    ):
        op.drop_table(table, schema=S)
