"""content: the search index (公民查询)

Revision ID: content_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "content_0004"
down_revision = "content_0003"
S = "content"


def upgrade():
    op.create_table(
        "search_terms",
        sa.Column("item_type", sa.String(16), primary_key=True),
        sa.Column("item_id", sa.Integer, primary_key=True),
        sa.Column("token", sa.String(32), primary_key=True, index=True),
        sa.Column("weight", sa.Float, nullable=False),
        schema=S,
    )


def downgrade():
    op.drop_table("search_terms", schema=S)
