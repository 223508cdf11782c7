"""surveys: 微投票 (votes, their options and ballots)

Revision ID: surveys_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "surveys_0003"
down_revision = "surveys_0002"
S = "surveys"


def upgrade():
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("title", sa.String(60), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("max_choices", sa.SmallInteger, nullable=False, server_default="1"),
        sa.Column("period", sa.String(8), nullable=False, server_default="once"),
        sa.Column("results", sa.String(12), nullable=False, server_default="after_vote"),
        sa.Column("status", sa.String(12), nullable=False, server_default="draft"),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ballots_count", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("status IN ('draft', 'published', 'closed')", name="vote_status"),
        sa.CheckConstraint("period IN ('once', 'daily')", name="vote_period"),
        sa.CheckConstraint("results IN ('live', 'after_vote', 'after_close')", name="vote_results"),
        sa.CheckConstraint("max_choices >= 1", name="vote_max_choices"),
        schema=S,
    )
    op.create_table(
        "vote_options",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("vote_id", sa.Integer, sa.ForeignKey(f"{S}.votes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.SmallInteger, nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("image_url", sa.String(500), nullable=False, server_default=""),
        sa.Column("votes_count", sa.Integer, nullable=False, server_default="0"),
        schema=S,
    )
    op.create_index("ix_surveys_vote_options_vote_id", "vote_options", ["vote_id"], schema=S)
    op.create_table(
        "ballots",
        sa.Column("vote_id", sa.Integer, sa.ForeignKey(f"{S}.votes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("voter", sa.String(64), primary_key=True),
        sa.Column("period_key", sa.String(10), primary_key=True),
        sa.Column("option_ids", sa.ARRAY(sa.Integer), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade():
    for table in ("ballots", "vote_options", "votes"):
        op.drop_table(table, schema=S)
