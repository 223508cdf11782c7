"""gateway: remember each callback's signature, so a signed URL cannot be replayed with another body

Revision ID: gateway_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0002"
down_revision = "gateway_0001"
S = "gateway"


def upgrade():
    op.add_column("callback_keys", sa.Column("signature", sa.String(64)), schema=S)
    op.create_index("ix_callback_keys_signature", "callback_keys", ["signature"], unique=True, schema=S)


def downgrade():
    op.drop_index("ix_callback_keys_signature", table_name="callback_keys", schema=S)
    op.drop_column("callback_keys", "signature", schema=S)
