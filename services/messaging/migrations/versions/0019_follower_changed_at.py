"""messaging: followers.changed_at, when an operator last changed what a full sync also writes, so that a sync
that read WeChat before that change does not undo it

Revision ID: messaging_0019
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0019"
down_revision = "messaging_0018"
S = "messaging"


def upgrade():
    op.add_column("followers", sa.Column("changed_at", sa.DateTime(timezone=True)), schema=S)


def downgrade():
    op.drop_column("followers", "changed_at", schema=S)
