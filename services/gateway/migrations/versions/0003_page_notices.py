"""gateway: what a staff page says after a form post redirected to it (post/redirect/get)

Revision ID: gateway_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0003"
down_revision = "gateway_0002"
S = "gateway"


def upgrade():
    op.create_table(
        "page_notices",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        schema=S,
    )


def downgrade():
    op.drop_table("page_notices", schema=S)
