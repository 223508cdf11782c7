"""content: service posters (服务海报)

Revision ID: content_0008
"""

import sqlalchemy as sa
from alembic import op

revision = "content_0008"
down_revision = "content_0007"
S = "content"


def upgrade():
    op.create_table(
        "posters",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("title", sa.String(64), nullable=False),
        sa.Column("media_sha256", sa.String(64), sa.ForeignKey("content.media.sha256"), nullable=False),
        sa.Column("link_kind", sa.String(16), nullable=False),
        sa.Column("link_target", sa.String(512), nullable=False),
        sa.Column("active_from", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("active_until", sa.DateTime(timezone=True)),
        sa.Column("sort_order", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade():
    op.drop_table("posters", schema=S)
