"""surveys: a vote's counts are taken from its ballots; the counter columns every cast queued on are dropped

Revision ID: surveys_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "surveys_0005"
down_revision = "surveys_0004"
S = "surveys"


def upgrade():
    op.drop_column("vote_options", "votes_count", schema=S)
    op.drop_column("votes", "ballots_count", schema=S)


def downgrade():
    op.add_column("votes", sa.Column("ballots_count", sa.Integer, nullable=False, server_default="0"), schema=S)
    op.add_column("vote_options", sa.Column("votes_count", sa.Integer, nullable=False, server_default="0"), schema=S)
    op.execute(f"UPDATE {S}.votes v SET ballots_count = (SELECT count(*) FROM {S}.ballots b WHERE b.vote_id = v.id)")
    op.execute(
        f"UPDATE {S}.vote_options o SET votes_count = (SELECT count(*) FROM {S}.ballots b"
        " WHERE b.vote_id = o.vote_id AND o.id = ANY(b.option_ids))"
    )
