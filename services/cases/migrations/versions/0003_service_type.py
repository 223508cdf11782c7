"""cases: the service type a case is about (filed from that service's page), with its name as it was then

Revision ID: cases_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "cases_0003"
down_revision = "cases_0002"
S = "cases"


def upgrade():
    op.add_column("cases", sa.Column("service_type_id", sa.Integer), schema=S)
    op.add_column("cases", sa.Column("service_type_name", sa.String(64), nullable=False, server_default=""), schema=S)


def downgrade():
    op.drop_column("cases", "service_type_name", schema=S)
    op.drop_column("cases", "service_type_id", schema=S)
