"""content: news and notices (实时信息发布)

Revision ID: content_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "content_0005"
down_revision = "content_0004"
S = "content"


def upgrade():
    op.create_table(
        "news",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("summary", sa.String(200), nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column(
            "department_id", sa.Integer, sa.ForeignKey("content.departments.id", ondelete="SET NULL"), index=True
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade():
    op.drop_table("news", schema=S)
