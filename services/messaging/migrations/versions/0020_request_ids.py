"""messaging: mass sends, materials and articles keep the key of the request that created them, so that a double
submit or a retried call creates one

Revision ID: messaging_0020
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0020"
down_revision = "messaging_0019"
S = "messaging"
TABLES = ("mass_sends", "materials", "articles")


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column("request_id", sa.String(64)), schema=S)
        op.create_index(f"uq_{table}_request", table, ["account_id", "request_id"], unique=True, schema=S)


def downgrade():
    for table in TABLES:
        op.drop_index(f"uq_{table}_request", table_name=table, schema=S)
        op.drop_column(table, "request_id", schema=S)
