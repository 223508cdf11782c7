"""gateway: roles as data (seeded from libs.auth.ROLES), the TOTP second factor with recovery codes, idle timeouts
and half-done sign-ins

Revision ID: gateway_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0006"
down_revision = "gateway_0005"
S = "gateway"
# libs/auth.py's roles at this revision, frozen: a later change to the catalogue comes with a migration of its own
# that grants it to the roles that need it
SEED = [
    (
        "admin",
        "系统管理员",
        "all",
        True,
        [
            "appointment.manage",
            "appointment.rules",
            "audit.read",
            "case.assign",
            "case.close",
            "case.extend",
            "case.read",
            "case.read_contact",
            "case.reply",
            "case.supervise",
            "content.edit",
            "ops.events",
            "rating.moderate",
            "rating.respond",
            "staff.manage",
            "survey.manage",
            "wechat.channels",
            "wechat.followers",
            "wechat.inbox",
            "wechat.mass",
            "wechat.mass_approve",
            "wechat.materials",
            "wechat.menu",
            "wechat.replies",
            "wechat.stats",
        ],
    ),
    (
        "dispatcher",
        "受理中心",
        "all",
        False,
        ["appointment.manage", "case.assign", "case.close", "case.read", "case.read_contact", "case.reply"],
    ),
    ("supervisor", "督办", "all", True, ["case.extend", "case.read", "case.supervise"]),
    (
        "head",
        "部门负责人",
        "own",
        False,
        [
            "appointment.manage",
            "case.extend",
            "case.read",
            "case.read_contact",
            "case.reply",
            "case.supervise",
            "rating.respond",
        ],
    ),
    ("handler", "部门办理人", "own", False, ["appointment.manage", "case.read", "case.read_contact", "case.reply"]),
    ("auditor", "审计员", "all", False, ["audit.read"]),
    ("editor", "部门信息编辑", "own", False, ["content.edit"]),
    (
        "operator",
        "公众号运营",
        "all",
        False,
        [
            "rating.moderate",
            "survey.manage",
            "wechat.channels",
            "wechat.followers",
            "wechat.inbox",
            "wechat.mass",
            "wechat.mass_approve",
            "wechat.materials",
            "wechat.menu",
            "wechat.replies",
            "wechat.stats",
        ],
    ),
]


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
            {"code": c, "label": label, "scope": scope, "permissions": p, "second_factor": two, "builtin": True}
            for c, label, scope, two, p in SEED
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
    # sessions signed in before a second factor existed end: everyone signs in again, with one where needed
    op.execute(f"DELETE FROM {S}.staff_sessions")


def downgrade():
    for column in ("pending_secret", "stage", "last_seen_at"):
        op.drop_column("staff_sessions", column, schema=S)
    for column in ("created_at", "totp_step", "totp_secret", "must_change_password"):
        op.drop_column("staff", column, schema=S)
    op.drop_table("staff_recovery_codes", schema=S)
    op.drop_table("roles", schema=S)
