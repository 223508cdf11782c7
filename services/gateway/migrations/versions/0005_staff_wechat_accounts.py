"""gateway: which Official Accounts a staff member operates ("*" every one); existing staff keep the main one

Revision ID: gateway_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0005"
down_revision = "gateway_0004"
S = "gateway"


def upgrade():
    op.add_column("staff", sa.Column("wechat_accounts", sa.JSON, nullable=False, server_default='["main"]'), schema=S)


def downgrade():
    op.drop_column("staff", "wechat_accounts", schema=S)
