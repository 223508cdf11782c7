"""messaging: what citizens send as image, voice or video, downloaded from WeChat before its 3-day expiry into our
own storage (content-addressed)

Revision ID: messaging_0014
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0014"
down_revision = "messaging_0013"
S = "messaging"


def upgrade():
    op.create_table(
        "media_files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "inbound_media",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False),
        sa.Column("inbound_key", sa.String(128), nullable=False, unique=True),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("media_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),  # pending | stored | failed
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("sha256", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_inbound_media_pending", "inbound_media", ["status", "updated_at"], schema=S)


def downgrade():
    op.drop_table("inbound_media", schema=S)
    op.drop_table("media_files", schema=S)
