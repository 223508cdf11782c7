"""Staff identity, owned by the gateway: accounts with hashed passwords, server-side sessions, the Actor.

Session tokens are random; only their SHA-256 is stored, so a database leak does not hand out live sessions.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from libs import audit
from libs.auth import Actor
from libs.errors import RateLimited, Unauthenticated
from services.gateway.models import Staff, StaffSession, audit_log

SESSION_TTL = timedelta(hours=8)
MAX_FAILED_LOGINS = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
# checked against when the username is unknown, so a wrong username takes as long as a wrong password
_DUMMY_HASH = generate_password_hash("not-a-password")


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for(staff: Staff) -> Actor:
    return Actor(
        kind="staff",
        id=str(staff.id),
        name=staff.name,
        roles=tuple(staff.roles),
        department_id=staff.department_id,
    )


def login(session, username, password):
    """Returns (token, actor). Every attempt, good or bad, is audited; the audit trail also drives the lockout."""
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise Unauthenticated("bad_credentials", "请输入用户名和密码")
    recent_failures = session.scalar(
        select(func.count())
        .select_from(audit_log)
        .where(
            audit_log.c.action == "staff.login_failed",
            audit_log.c.target_id == username[:32],
            audit_log.c.at > datetime.now(UTC) - LOCKOUT_WINDOW,
        )
    )
    if recent_failures >= MAX_FAILED_LOGINS:
        raise RateLimited("too_many_attempts", "密码错误次数过多，请15分钟后再试")
    staff = session.scalar(select(Staff).where(Staff.username == username[:32]))
    ok = check_password_hash(staff.password_hash if staff else _DUMMY_HASH, password)
    if not staff or not ok or not staff.active:
        audit.record(
            session,
            audit_log,
            Actor(kind="system", id="gateway"),
            "staff.login_failed",
            "staff",
            username[:32],
        )
        session.commit()
        raise Unauthenticated("bad_credentials", "用户名或密码错误")
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(StaffSession(token_hash=_hash(token), staff_id=staff.id, created_at=now, expires_at=now + SESSION_TTL))
    actor = actor_for(staff)
    audit.record(session, audit_log, actor, "staff.logged_in", "staff", staff.id)
    session.commit()
    return token, actor


def authenticate(session, token):
    if not token:
        return None
    row = session.execute(
        select(Staff, StaffSession)
        .join(StaffSession, StaffSession.staff_id == Staff.id)
        .where(StaffSession.token_hash == _hash(token), StaffSession.expires_at > datetime.now(UTC), Staff.active)
    ).first()
    return actor_for(row.Staff) if row else None


def logout(session, token):
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))
        session.commit()


def create_staff(session, username, name, password, roles, department_id=None):
    staff = Staff(
        username=username,
        name=name,
        password_hash=generate_password_hash(password),
        roles=list(roles),
        department_id=department_id,
        active=True,
    )
    session.add(staff)
    session.flush()
    return staff


# -- the request's staff member (cookie for the admin pages, bearer token for the API) ------------------------
STAFF_COOKIE = "wzw_staff"


def request_token():
    from flask import request

    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return request.cookies.get(STAFF_COOKIE)


def current_actor():
    from flask import g

    from services.gateway.app import db

    if "actor" not in g:
        g.actor = authenticate(db(), request_token())
    return g.actor


def csrf_token():
    """Tied to the session token: a form posted from another site cannot know it."""
    import hmac

    from flask import current_app

    token = request_token() or ""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), token.encode(), "sha256").hexdigest()[:32]
