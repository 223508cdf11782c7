from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from libs.audit import audit_table
from libs.db import schema_base

Base = schema_base("gateway")
audit_log = audit_table(Base.metadata)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    roles: Mapped[list] = mapped_column(JSON)
    department_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    # the Official Accounts they operate (codes, libs/wechat/accounts.py); "*" every one
    wechat_accounts: Mapped[list] = mapped_column(JSON, default=lambda: ["main"], server_default='["main"]')
    # set by an administrator's reset: the next sign-in must choose a new password before anything else
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="false")
    # the TOTP second factor (base32), once enrolled, and the last time step accepted (a code is good once)
    totp_secret: Mapped[str | None] = mapped_column(String(32))
    totp_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Role(Base):
    """A role as administrators keep it: what it may do (libs/auth.py's catalogue), in which departments, and
    whether its holders need a second factor. Seeded from libs.auth.ROLES."""

    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(32), unique=True)
    scope: Mapped[str] = mapped_column(String(8))  # "all" | "own"
    permissions: Mapped[list] = mapped_column(JSON)
    second_factor: Mapped[bool] = mapped_column(default=False)
    builtin: Mapped[bool] = mapped_column(default=False)  # seeded: edited, never deleted


class RecoveryCode(Base):
    """One-time codes for a lost authenticator: only their SHA-256 (they are random, 40 bits each, and used once)."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("gateway.staff.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffSession(Base):
    """Server-side sessions, so logging out (or disabling an account) takes effect on every gateway replica."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("gateway.staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the absolute timeout
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # for the idle timeout
    # "full"; or a sign-in half done: "second_factor" (a TOTP code to give), "enroll" (an authenticator to set up,
    # its secret in `pending_secret` until a code from it confirms it), "password" (a new password to choose)
    stage: Mapped[str] = mapped_column(String(16), default="full", server_default="full")
    pending_secret: Mapped[str | None] = mapped_column(String(32))


class CallbackKey(Base):
    """WeChat retries deduplicated across gateway replicas (a row per MsgId or event)."""

    __tablename__ = "callback_keys"
    __table_args__ = (Index("ix_callback_keys_signature", "signature", unique=True),)

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # in plain mode WeChat signs only the query string: a signature seen with one message must not carry another
    signature: Mapped[str | None] = mapped_column(String(64))


class PageNotice(Base):
    """What a staff page says after a form post redirected to it (core/notices.py)."""

    __tablename__ = "page_notices"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
