"""gateway: roles as data (seeded from libs.auth.ROLES), the TOTP second factor with recovery codes, idle timeouts
and half-done sign-ins

Revision ID: gateway_0006
"""

import sqlalchemy as sa
from alembic import op

from libs.auth import ROLE_LABELS, ROLES, SECOND_FACTOR_ROLES

revision = "gateway_0006"
down_revision = "gateway_0005"
S = "gateway"


def upgrade():
    roles = op.create_table(
        "roles",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("label", sa.String(32), nullable=False, unique=True),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("permissions", sa.JSON, nullable=False),
        sa.Column("second_factor", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("builtin", sa.Boolean, nullable=False, server_default="false"),
        schema=S,
    )
    # a fresh install starts with the catalogue's roles; a later module that adds a permission grants it to the
    # roles that need it in a migration of its own
    op.bulk_insert(
        roles,
        [
            {
                "code": code,
                "label": ROLE_LABELS[code],
                "scope": scope,
                "permissions": sorted(permissions),
                "second_factor": code in SECOND_FACTOR_ROLES,
                "builtin": True,
            }
            for code, (permissions, scope) in ROLES.items()
        ],
    )
    op.create_table(
        "staff_recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey(f"{S}.staff.id"), nullable=False, index=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.add_column(
        "staff", sa.Column("must_change_password", sa.Boolean, nullable=False, server_default="false"), schema=S
    )
    op.add_column("staff", sa.Column("totp_secret", sa.String(32)), schema=S)
    op.add_column("staff", sa.Column("totp_step", sa.BigInteger), schema=S)
    op.add_column("staff", sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()), schema=S)
    op.add_column("staff_sessions", sa.Column("last_seen_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column("staff_sessions", sa.Column("stage", sa.String(16), nullable=False, server_default="full"), schema=S)
    op.add_column("staff_sessions", sa.Column("pending_secret", sa.String(32)), schema=S)
    op.execute(f"UPDATE {S}.staff_sessions SET last_seen_at = created_at")


def downgrade():
    for column in ("pending_secret", "stage", "last_seen_at"):
        op.drop_column("staff_sessions", column, schema=S)
    for column in ("created_at", "totp_step", "totp_secret", "must_change_password"):
        op.drop_column("staff", column, schema=S)
    op.drop_table("staff_recovery_codes", schema=S)
    op.drop_table("roles", schema=S)
