"""content: up to when scheduled changes have been announced

Revision ID: content_0009
"""

import sqlalchemy as sa
from alembic import op

revision = "content_0009"
down_revision = "content_0008"
S = "content"


def upgrade():
    op.create_table(
        "schedule_clock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade():
    op.drop_table("schedule_clock", schema=S)
