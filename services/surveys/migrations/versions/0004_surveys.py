"""surveys: 微调研 (surveys, their responses, and who has responded as keyed hashes)

Revision ID: surveys_0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "surveys_0004"
down_revision = "surveys_0003"
S = "surveys"


def upgrade():
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("title", sa.String(60), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("sections", JSONB, nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("status", sa.String(12), nullable=False, server_default="draft"),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_responses", sa.Integer, nullable=True),
        sa.Column("results_public", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("responses_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'published', 'closed')", name="survey_status"),
        schema=S,
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("survey_id", sa.Integer, sa.ForeignKey(f"{S}.surveys.id", ondelete="CASCADE"), nullable=False),
        sa.Column("answers", JSONB, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("openid", sa.String(64), nullable=True),
        schema=S,
    )
    op.create_index("ix_surveys_survey_responses_survey_id", "survey_responses", ["survey_id"], schema=S)
    op.create_table(
        "survey_respondents",
        sa.Column("survey_id", sa.Integer, sa.ForeignKey(f"{S}.surveys.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("respondent", sa.String(64), primary_key=True),
        schema=S,
    )


def downgrade():
    for table in ("survey_respondents", "survey_responses", "surveys"):
        op.drop_table(table, schema=S)
