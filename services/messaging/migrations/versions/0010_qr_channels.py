"""messaging: QR channels (二维码) — a parametric QR code per poster, window or flyer, and each scan or follow
through one, for the channel's funnel

Revision ID: messaging_0010
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0010"
down_revision = "messaging_0009"
S = "messaging"


def upgrade():
    op.create_table(
        "qr_channels",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("scene", sa.String(64), nullable=False),
        sa.Column("permanent", sa.Boolean, nullable=False),
        sa.Column("ticket", sa.String(256), nullable=False),
        sa.Column("url", sa.String(256), nullable=False),  # what the QR code encodes (WeChat's)
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "scene", name="uq_qr_channels_scene"),
        schema=S,
    )
    op.create_table(
        "qr_scans",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.SmallInteger, sa.ForeignKey(f"{S}.accounts.id"), nullable=False),
        sa.Column("scene", sa.String(64), nullable=False),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("follow", sa.Boolean, nullable=False),  # true: the scan made them follow
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_qr_scans_scene", "qr_scans", ["account_id", "scene", "openid"], schema=S)


def downgrade():
    op.drop_table("qr_scans", schema=S)
    op.drop_table("qr_channels", schema=S)
