"""messaging: audit rows keep request ids of up to 64 characters (UUIDs from ingresses are 36)

Revision ID: messaging_0005
"""

import sqlalchemy as sa
from alembic import op

from libs.migrations_common import widen_audit_request_id

revision = "messaging_0005"
down_revision = "messaging_0004"
S = "messaging"


def upgrade():
    widen_audit_request_id(S)


def downgrade():
    op.alter_column("audit_log", "request_id", type_=sa.String(32), existing_type=sa.String(64), schema=S)
