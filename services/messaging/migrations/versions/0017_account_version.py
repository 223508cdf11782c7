"""messaging: a version per Official Account, bumped by every change to what replicas cache for answering
messages (reply rules and settings, the blacklist, operator bindings); citizens' media found by their digest

Revision ID: messaging_0017
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0017"
down_revision = "messaging_0016"
S = "messaging"


def upgrade():
    op.add_column("accounts", sa.Column("version", sa.BigInteger, nullable=False, server_default="0"), schema=S)
    op.create_index("ix_inbound_media_sha256", "inbound_media", ["sha256"], schema=S)


def downgrade():
    op.drop_index("ix_inbound_media_sha256", "inbound_media", schema=S)
    op.drop_column("accounts", "version", schema=S)
