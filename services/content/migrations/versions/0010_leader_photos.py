"""content: leaders' photos

Revision ID: content_0010
"""

import sqlalchemy as sa
from alembic import op

revision = "content_0010"
down_revision = "content_0009"
S = "content"


def upgrade():
    op.add_column("leaders", sa.Column("photo_sha256", sa.String(64), sa.ForeignKey("content.media.sha256")), schema=S)


def downgrade():
    op.drop_column("leaders", "photo_sha256", schema=S)
