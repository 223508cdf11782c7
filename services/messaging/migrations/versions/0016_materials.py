"""messaging: 素材管理 — images, voice and video as WeChat permanent material, articles published through draft →
publish; mass sends and keyword replies that carry them

Revision ID: messaging_0016
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0016"
down_revision = "messaging_0015"
S = "messaging"


def upgrade():
    op.create_table(
        "materials",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("title", sa.String(64), nullable=False),
        sa.Column("introduction", sa.String(120), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Float),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("media_id", sa.String(128), nullable=False),
        sa.Column("url", sa.String(512), nullable=False),
        sa.Column("inline_url", sa.String(512), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_by_name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_materials_kind", "materials", ["account_id", "kind", sa.text("id DESC")], schema=S)
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False),
        sa.Column("title", sa.String(64), nullable=False),
        sa.Column("author", sa.String(32), nullable=False),
        sa.Column("digest", sa.String(256), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("source_url", sa.String(1024), nullable=False),
        sa.Column("cover_id", sa.Integer, sa.ForeignKey(f"{S}.materials.id"), nullable=False),
        sa.Column("open_comment", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("author_name", sa.String(64), nullable=False),
        sa.Column("approver_id", sa.String(64), nullable=False),
        sa.Column("approver_name", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("reject_reason", sa.String(200), nullable=False),
        sa.Column("draft_media_id", sa.String(128), nullable=False),
        sa.Column("draft_version", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("publish_id", sa.String(64), nullable=False),
        sa.Column("article_id", sa.String(128), nullable=False),
        sa.Column("article_url", sa.String(1024), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_index("ix_articles_status", "articles", ["account_id", "status"], schema=S)
    op.create_index("ix_articles_publish_id", "articles", ["publish_id"], schema=S)
    op.add_column("reply_rules", sa.Column("material_id", sa.Integer, sa.ForeignKey(f"{S}.materials.id")), schema=S)
    op.add_column("mass_sends", sa.Column("material_id", sa.Integer, sa.ForeignKey(f"{S}.materials.id")), schema=S)
    op.add_column("mass_sends", sa.Column("article_id", sa.Integer, sa.ForeignKey(f"{S}.articles.id")), schema=S)
    op.add_column("mass_sends", sa.Column("media_id", sa.String(128), nullable=False, server_default=""), schema=S)


def downgrade():
    op.drop_column("mass_sends", "media_id", schema=S)
    op.drop_column("mass_sends", "article_id", schema=S)
    op.drop_column("mass_sends", "material_id", schema=S)
    op.drop_column("reply_rules", "material_id", schema=S)
    op.drop_table("articles", schema=S)
    op.drop_table("materials", schema=S)
