"""content: the catalogue — department details and leaders, service windows, service types

Revision ID: content_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "content_0003"
down_revision = "content_0002"
S = "content"


def upgrade():
    op.add_column("departments", sa.Column("description", sa.Text, nullable=False, server_default=""), schema=S)
    op.add_column("departments", sa.Column("latitude", sa.Float), schema=S)
    op.add_column("departments", sa.Column("longitude", sa.Float), schema=S)
    op.create_table(
        "leaders",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column(
            "department_id",
            sa.Integer,
            sa.ForeignKey("content.departments.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("title", sa.String(32), nullable=False),
        sa.Column("duties", sa.Text, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
        schema=S,
    )
    op.create_table(
        "windows",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
        schema=S,
    )
    op.create_table(
        "service_types",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("window_id", sa.Integer, sa.ForeignKey("content.windows.id", ondelete="SET NULL"), index=True),
        sa.Column(
            "department_id", sa.Integer, sa.ForeignKey("content.departments.id", ondelete="SET NULL"), index=True
        ),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("summary", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("eligibility", sa.Text, nullable=False),
        sa.Column("materials", sa.JSON, nullable=False),
        sa.Column("fees", sa.String(200), nullable=False),
        sa.Column("time_limit", sa.String(100), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("hours", sa.String(100), nullable=False),
        sa.Column("bookable", sa.Boolean, nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("faq", sa.JSON, nullable=False),
        sa.Column("form_fields", sa.JSON, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
        schema=S,
    )


def downgrade():
    for table in ("service_types", "windows", "leaders"):
        op.drop_table(table, schema=S)
    for column in ("longitude", "latitude", "description"):
        op.drop_column("departments", column, schema=S)
