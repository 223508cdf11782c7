"""messaging: catalogue_cards — content's service types as messaging answers with them (a message no rule matched
gets the best service's card), kept from content's events so the callback never calls content

Revision ID: messaging_0012
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0012"
down_revision = "messaging_0011"
S = "messaging"


def upgrade():
    op.create_table(
        "catalogue_cards",
        sa.Column("service_type_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade():
    op.drop_table("catalogue_cards", schema=S)
