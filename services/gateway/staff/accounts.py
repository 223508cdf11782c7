"""Staff accounts, owned by the gateway: hashed passwords, server-side sessions, the lockout. No web here: the
pages and the API that use it are in staff/views.py, the per-request authentication in core/auth.py.

Session tokens are random; only their SHA-256 is stored, so a database leak does not hand out live sessions.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text
from werkzeug.security import check_password_hash, generate_password_hash

from libs.auth import Actor
from libs.errors import RateLimited, Unauthenticated
from libs.schemas import CONTROL_CHARS
from libs.unit_of_work import UnitOfWork
from services.gateway.models import Staff, StaffSession, audit_log

SESSION_TTL = timedelta(hours=8)
MAX_FAILED_LOGINS = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
USERNAME_MAX = 32
PASSWORD_MAX = 128  # a hash of a megabyte of "password" is a cheap way to burn our CPU
# checked against when the username is unknown, so a wrong username takes as long as a wrong password
_DUMMY_HASH = generate_password_hash("not-a-password")
GATEWAY = Actor.system("gateway")


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for(staff: Staff) -> Actor:
    return Actor(
        kind="staff",
        id=str(staff.id),
        name=staff.name,
        roles=tuple(staff.roles),
        department_id=staff.department_id,
        wechat_accounts=tuple(staff.wechat_accounts or ("main",)),
    )


def login(session, username, password):
    """Returns (token, actor). Every attempt, good or bad, is audited; the audit trail also drives the lockout.

    Attempts on one username are taken one at a time (a transaction-scoped advisory lock, so across every
    gateway replica): a burst of parallel guesses is counted exactly, and the sixth is refused unchecked.
    """
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise Unauthenticated("bad_credentials", "请输入用户名和密码")
    if CONTROL_CHARS.search(username) or CONTROL_CHARS.search(password[: PASSWORD_MAX + 1]):
        # no account has one, PostgreSQL would refuse the lookup, and no hash can be taken of a lone surrogate
        raise Unauthenticated("bad_credentials", "用户名或密码错误")
    username = username.strip()[:USERNAME_MAX]
    refused = None
    with UnitOfWork(session, GATEWAY, audit_log=audit_log) as uow:
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"gateway.login:{username}"})
        recent_failures = session.scalar(
            select(func.count())
            .select_from(audit_log)
            .where(
                audit_log.c.action == "staff.login_failed",
                audit_log.c.target_id == username,
                audit_log.c.at > datetime.now(UTC) - LOCKOUT_WINDOW,
            )
        )
        if recent_failures >= MAX_FAILED_LOGINS:
            uow.audit("staff.login_locked", "staff", username)
            refused = RateLimited("too_many_attempts", "密码错误次数过多，请15分钟后再试")
        else:
            staff = session.scalar(select(Staff).where(Staff.username == username))
            ok = len(password) <= PASSWORD_MAX and check_password_hash(
                staff.password_hash if staff else _DUMMY_HASH, password
            )
            if not staff or not ok or not staff.active:
                uow.audit("staff.login_failed", "staff", username)
                refused = Unauthenticated("bad_credentials", "用户名或密码错误")
            else:
                token = secrets.token_urlsafe(32)
                now = datetime.now(UTC)
                session.add(
                    StaffSession(
                        token_hash=_hash(token), staff_id=staff.id, created_at=now, expires_at=now + SESSION_TTL
                    )
                )
                actor = actor_for(staff)
                uow.actor = actor
                uow.audit("staff.logged_in", "staff", staff.id)
    if refused is not None:  # raised after the commit: the failed attempt stays counted
        raise refused
    return token, actor


def authenticate(session, token):
    if not token or len(token) > 128:
        return None
    row = session.execute(
        select(Staff, StaffSession)
        .join(StaffSession, StaffSession.staff_id == Staff.id)
        .where(StaffSession.token_hash == _hash(token), StaffSession.expires_at > datetime.now(UTC), Staff.active)
    ).first()
    return actor_for(row.Staff) if row else None


def logout(session, token):
    if token:
        with UnitOfWork(session, GATEWAY):
            session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))


def create_staff(session, username, name, password, roles, department_id=None, wechat_accounts=("main",)):
    staff = Staff(
        username=username,
        name=name,
        password_hash=generate_password_hash(password),
        roles=list(roles),
        department_id=department_id,
        active=True,
        wechat_accounts=list(wechat_accounts),
    )
    session.add(staff)
    session.flush()
    return staff
