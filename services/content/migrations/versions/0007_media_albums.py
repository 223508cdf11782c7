"""content: uploaded images (content-addressed) and the photo album

Revision ID: content_0007
"""

import sqlalchemy as sa
from alembic import op

revision = "content_0007"
down_revision = "content_0006"
S = "content"


def upgrade():
    op.create_table(
        "media",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "albums",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("title", sa.String(64), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column(
            "department_id", sa.Integer, sa.ForeignKey("content.departments.id", ondelete="SET NULL"), index=True
        ),
        sa.Column("sort_order", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column(
            "album_id", sa.Integer, sa.ForeignKey("content.albums.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("media_sha256", sa.String(64), sa.ForeignKey("content.media.sha256"), nullable=False),
        sa.Column("thumb_sha256", sa.String(64), sa.ForeignKey("content.media.sha256"), nullable=False),
        sa.Column("caption", sa.String(200), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
        schema=S,
    )


def downgrade():
    for table in ("photos", "albums", "media"):
        op.drop_table(table, schema=S)
