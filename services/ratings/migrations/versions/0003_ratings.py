"""ratings: 市民印象 and 领导点评, the words and tags staff configure, and the copies of others' facts

Revision ID: ratings_0003
"""

import sqlalchemy as sa
from alembic import op

from libs.migrations_common import create_parked_events

revision = "ratings_0003"
down_revision = "ratings_0002"
S = "ratings"
NOW = sa.text("now()")

TAGS = [
    ("办事高效", "positive"),
    ("态度热情", "positive"),
    ("指引清楚", "positive"),
    ("一次办好", "positive"),
    ("流程繁琐", "negative"),
    ("等候太久", "negative"),
    ("态度冷淡", "negative"),
    ("材料要求多", "negative"),
]
# a starting list the moderators extend: insults refuse a text; accusations are held for a moderator's eye
# ("去死" is not one: "过去死板" would be refused)
WORDS = [
    ("傻逼", "reject"),
    ("操你", "reject"),
    ("贱人", "reject"),
    ("贪污", "hold"),
    ("受贿", "hold"),
    ("黑幕", "hold"),
]


def upgrade():
    create_parked_events(S)
    tags = op.create_table(
        "impression_tags",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("label", sa.String(10), nullable=False, unique=True),
        sa.Column("tone", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("tone IN ('positive', 'negative')", name="tag_tone"),
        schema=S,
    )
    op.bulk_insert(tags, [{"label": label, "tone": tone, "sort_order": i} for i, (label, tone) in enumerate(TAGS)])
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("department_id", sa.Integer, nullable=False),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("stars", sa.SmallInteger, nullable=False),
        sa.Column("tag_ids", sa.ARRAY(sa.Integer), nullable=False, server_default="{}"),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("comment_status", sa.String(8), nullable=False, server_default="none"),
        sa.Column("status", sa.String(10), nullable=False, server_default="counted"),
        sa.Column("from_new_follower", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reviewed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("department_id", "openid", "month", name="uq_rating_per_month"),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="rating_stars"),
        sa.CheckConstraint("status IN ('counted', 'flagged', 'discarded')", name="rating_status"),
        sa.CheckConstraint("comment_status IN ('none', 'visible', 'held', 'hidden')", name="rating_comment_status"),
        schema=S,
    )
    op.create_index("ix_ratings_ratings_department_id", "ratings", ["department_id"], schema=S)
    op.create_index("ix_ratings_ratings_openid", "ratings", ["openid"], schema=S)
    op.create_table(
        "citizen_actions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_ratings_citizen_actions_openid_at", "citizen_actions", ["openid", "at"], schema=S)
    op.create_table(
        "follower_backfill",
        sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("after", sa.String(64), nullable=False, server_default=""),
        sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
        schema=S,
    )
    op.create_table(
        "official_comments",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("department_id", sa.Integer, nullable=False),
        sa.Column("official_name", sa.String(32), nullable=False),
        sa.Column("official_title", sa.String(32), nullable=False),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("shown_body", sa.Text, nullable=False, server_default=""),
        sa.Column("flagged_words", sa.ARRAY(sa.String), nullable=False, server_default="{}"),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("reports_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("moderated_by", sa.String(64), nullable=True),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response", sa.Text, nullable=False, server_default=""),
        sa.Column("responded_by", sa.String(64), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'published', 'rejected', 'reported')", name="comment_status"),
        schema=S,
    )
    op.create_index("ix_ratings_official_comments_department_id", "official_comments", ["department_id"], schema=S)
    op.create_index("ix_ratings_official_comments_openid", "official_comments", ["openid"], schema=S)
    op.create_table(
        "comment_reports",
        sa.Column(
            "comment_id", sa.Integer, sa.ForeignKey(f"{S}.official_comments.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("openid", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    words = op.create_table(
        "sensitive_words",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("word", sa.String(20), nullable=False, unique=True),
        sa.Column("action", sa.String(6), nullable=False),
        sa.CheckConstraint("action IN ('hold', 'reject')", name="word_action"),
        schema=S,
    )
    op.bulk_insert(words, [{"word": w, "action": a} for w, a in WORDS])
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("leaders", sa.ARRAY(sa.String), nullable=False, server_default="{}"),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema=S,
    )
    op.create_table(
        "followers",
        sa.Column("openid", sa.String(64), primary_key=True),
        sa.Column("followed_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "department_case_stats",
        sa.Column("department_id", sa.Integer, primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("received", sa.Integer, nullable=False),
        sa.Column("closed", sa.Integer, nullable=False),
        sa.Column("on_time_rate", sa.Float, nullable=True),
        sa.Column("satisfaction_rate", sa.Float, nullable=True),
        sa.Column("overdue", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade():
    for table in (
        "department_case_stats",
        "followers",
        "departments",
        "sensitive_words",
        "comment_reports",
        "official_comments",
        "follower_backfill",
        "citizen_actions",
        "ratings",
        "impression_tags",
        "parked_events",
    ):
        op.drop_table(table, schema=S)
