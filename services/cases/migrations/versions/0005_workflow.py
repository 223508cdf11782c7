"""cases: the 12345 workflow — milestones and deadline on each case, its timeline, internal notes, extension
requests, deadline overrides per service type, the citizen's rating

Revision ID: cases_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "cases_0005"
down_revision = "cases_0004"
S = "cases"
TZ = sa.DateTime(timezone=True)


def upgrade():
    for column in (
        sa.Column("department_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("handler_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("handler_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("due_on", sa.Date),
        sa.Column("accepted_at", TZ),
        sa.Column("replied_at", TZ),
        sa.Column("closed_at", TZ),
        sa.Column("escalated_at", TZ),
        sa.Column("merged_into", sa.String(24), nullable=False, server_default=""),
        sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rating", sa.String(16), nullable=False, server_default=""),
        sa.Column("rating_comment", sa.String(500), nullable=False, server_default=""),
        sa.Column("rated_at", TZ),
    ):
        op.add_column("cases", column, schema=S)
    op.create_index("ix_cases_cases_due_on", "cases", ["due_on"], schema=S)
    op.add_column("replies", sa.Column("department_name", sa.String(64), nullable=False, server_default=""), schema=S)
    op.create_table(
        "case_steps",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_id", sa.BigInteger, sa.ForeignKey(f"{S}.cases.id"), nullable=False, index=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("department_name", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        schema=S,
    )
    op.create_table(
        "case_notes",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_id", sa.BigInteger, sa.ForeignKey(f"{S}.cases.id"), nullable=False, index=True),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("staff_name", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        schema=S,
    )
    op.create_table(
        "extension_requests",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_id", sa.BigInteger, sa.ForeignKey(f"{S}.cases.id"), nullable=False, index=True),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", TZ),
        schema=S,
    )
    op.create_table(
        "reply_templates",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(16)),
        sa.Column("service_type_id", sa.Integer),
        sa.Column("title", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        schema=S,
    )
    op.create_table(
        "deadline_overrides",
        sa.Column("service_type_id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("working_days", sa.Integer, nullable=False),
        schema=S,
    )


def downgrade():
    for table in ("deadline_overrides", "reply_templates", "extension_requests", "case_notes", "case_steps"):
        op.drop_table(table, schema=S)
    op.drop_column("replies", "department_name", schema=S)
    op.drop_index("ix_cases_cases_due_on", "cases", schema=S)
    for name in (
        "rated_at",
        "rating_comment",
        "rating",
        "reopen_count",
        "merged_into",
        "escalated_at",
        "closed_at",
        "replied_at",
        "accepted_at",
        "due_on",
        "handler_name",
        "handler_id",
        "department_name",
    ):
        op.drop_column("cases", name, schema=S)
