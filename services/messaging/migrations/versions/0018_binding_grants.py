"""messaging: an operator binding keeps the grants its staff member had when they asked for the code (roles are
data now); bindings made before act with none until bound again

Revision ID: messaging_0018
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0018"
down_revision = "messaging_0017"
S = "messaging"


def upgrade():
    op.add_column("operator_bindings", sa.Column("grants", sa.JSON), schema=S)


def downgrade():
    op.drop_column("operator_bindings", "grants", schema=S)
