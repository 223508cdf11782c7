"""content: every change versioned (who, when, what changed, the whole entity)

Revision ID: content_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "content_0006"
down_revision = "content_0005"
S = "content"


def upgrade():
    op.create_table(
        "versions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("changed", sa.JSON, nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("entity_type", "entity_id", "version"),
        schema=S,
    )


def downgrade():
    op.drop_table("versions", schema=S)
