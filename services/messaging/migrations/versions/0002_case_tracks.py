"""messaging: case_tracks, the case statuses learnt from cases' events

Revision ID: messaging_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0002"
down_revision = "messaging_0001"
S = "messaging"


def upgrade():
    op.create_table(
        "case_tracks",
        sa.Column("number", sa.String(24), primary_key=True),
        sa.Column("openid", sa.String(64), nullable=False, index=True),
        sa.Column("kind_label", sa.String(16), nullable=False),
        sa.Column("status_label", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latest_reply", sa.Text, nullable=False),
        schema=S,
    )


def downgrade():
    op.drop_table("case_tracks", schema=S)
