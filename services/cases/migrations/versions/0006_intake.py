"""cases: anonymous reports, the channel a case came by, citizens' photos, answers to a service's questions,
parked events

Revision ID: cases_0006
"""

import sqlalchemy as sa
from alembic import op

from libs.migrations_common import create_parked_events

revision = "cases_0006"
down_revision = "cases_0005"
S = "cases"


def upgrade():
    create_parked_events(S)  # cases now handles events too (a "咨询 …" message becomes an inquiry)
    op.add_column("cases", sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()), schema=S)
    op.add_column("cases", sa.Column("channel", sa.String(16), nullable=False, server_default="h5"), schema=S)
    op.add_column("cases", sa.Column("location", sa.String(200), nullable=False, server_default=""), schema=S)
    op.add_column("cases", sa.Column("answers", sa.JSON, nullable=False, server_default="{}"), schema=S)
    op.create_table(
        "case_files",
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
        "case_photos",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_id", sa.BigInteger, sa.ForeignKey(f"{S}.cases.id"), nullable=False, index=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey(f"{S}.case_files.sha256"), nullable=False),
        sa.Column("thumb_sha256", sa.String(64), sa.ForeignKey(f"{S}.case_files.sha256"), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        schema=S,
    )


def downgrade():
    op.drop_table("parked_events", schema=S)
    op.drop_table("case_photos", schema=S)
    op.drop_table("case_files", schema=S)
    op.drop_column("cases", "answers", schema=S)
    op.drop_column("cases", "location", schema=S)
    op.drop_column("cases", "channel", schema=S)
    op.drop_column("cases", "anonymous", schema=S)
