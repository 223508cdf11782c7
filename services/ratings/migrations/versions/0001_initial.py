"""ratings: the schema with its audit, outbox and processed-events tables; module tables come in their own issue

Revision ID: ratings_0001
"""

from libs.migrations_common import create_audit_log, create_outbox, create_processed_events

revision = "ratings_0001"
down_revision = None
S = "ratings"


def upgrade():
    create_audit_log(S)
    create_outbox(S)
    create_processed_events(S)


def downgrade():
    from alembic import op

    for table in ("processed_events", "outbox", "audit_log"):
        op.drop_table(table, schema=S)
