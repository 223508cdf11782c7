"""messaging: what a failed notification needs to be sent again (its template, its attempt number)

Revision ID: messaging_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0003"
down_revision = "messaging_0002"
S = "messaging"


def upgrade():
    op.add_column("outbound_messages", sa.Column("template", sa.JSON), schema=S)
    op.add_column("outbound_messages", sa.Column("attempt", sa.Integer, nullable=False, server_default="1"), schema=S)
    op.create_index("ix_outbound_messages_status", "outbound_messages", ["status", "created_at"], schema=S)


def downgrade():
    op.drop_index("ix_outbound_messages_status", table_name="outbound_messages", schema=S)
    op.drop_column("outbound_messages", "attempt", schema=S)
    op.drop_column("outbound_messages", "template", schema=S)
