"""messaging: 用户管理 — followers' remarks, blacklist, how they came, and what they told us (gender, region);
groups (WeChat tags) and who is in them; the full sync's progress, so that it resumes where it stopped

Revision ID: messaging_0009
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0009"
down_revision = "messaging_0008"
S = "messaging"


def upgrade():
    # trigrams let a remark be found by any part of it across a million followers (trusted since PostgreSQL 13)
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in (
        sa.Column("remark", sa.String(30), nullable=False, server_default=""),
        sa.Column("blacklisted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("subscribe_scene", sa.String(32), nullable=False, server_default=""),
        sa.Column("gender", sa.String(8), nullable=False, server_default=""),
        sa.Column("region", sa.String(32), nullable=False, server_default=""),
        sa.Column("region_source", sa.String(16), nullable=False, server_default=""),
        sa.Column("location_consent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("synced_at", sa.DateTime(timezone=True)),
    ):
        op.add_column("followers", column, schema=S)
    op.create_index(
        "ix_followers_remark",
        "followers",
        ["remark"],
        schema=S,
        postgresql_using="gin",
        postgresql_ops={"remark": "gin_trgm_ops"},
    )
    op.create_index("ix_followers_profile", "followers", ["account_id", "region", "gender"], schema=S)
    op.create_index(
        "ix_followers_blacklisted", "followers", ["account_id"], schema=S, postgresql_where=sa.text("blacklisted")
    )
    op.create_table(
        "tags",
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), primary_key=True),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # WeChat's tag id
        sa.Column("name", sa.String(30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "follower_tags",
        sa.Column("openid", sa.String(64), primary_key=True),
        sa.Column("tag_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False),
        schema=S,
    )
    op.create_index("ix_follower_tags_tag", "follower_tags", ["account_id", "tag_id", "openid"], schema=S)
    op.create_table(
        "follower_syncs",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),  # running | done | failed
        sa.Column("cursor", sa.String(64), nullable=False, server_default=""),  # user/get's next_openid
        sa.Column("total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("fetched", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("started_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    # one sync at a time per account
    op.create_index(
        "uq_follower_syncs_running",
        "follower_syncs",
        ["account_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("status = 'running'"),
    )


def downgrade():
    op.drop_table("follower_syncs", schema=S)
    op.drop_table("follower_tags", schema=S)
    op.drop_table("tags", schema=S)
    for name in ("ix_followers_blacklisted", "ix_followers_profile", "ix_followers_remark"):
        op.drop_index(name, "followers", schema=S)
    for column in (
        "synced_at",
        "location_consent",
        "region_source",
        "region",
        "gender",
        "subscribe_scene",
        "blacklisted",
        "remark",
    ):
        op.drop_column("followers", column, schema=S)
