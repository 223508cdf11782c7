"""messaging: events its handlers could not process, parked for an operator to replay

Revision ID: messaging_0004
"""

from alembic import op

from libs.migrations_common import create_parked_events

revision = "messaging_0004"
down_revision = "messaging_0003"
S = "messaging"


def upgrade():
    create_parked_events(S)


def downgrade():
    op.drop_table("parked_events", schema=S)
