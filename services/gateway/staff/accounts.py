"""Signing staff in, owned by the gateway: hashed passwords, server-side sessions, the lockout, the second factor.
No web here: the pages and the API that use it are in staff/views.py, the per-request authentication in
core/auth.py, account and role management in staff/directory.py.

A sign-in is a session row that becomes "full" only once every step is done: the password, then the TOTP code
(or an authenticator set up, for roles that need one), then a new password when an administrator reset it. Only a
full session authenticates a request, and each step that raises it issues a new token (the old one dies).

Session tokens are random; only their SHA-256 is stored, so a database leak does not hand out live sessions.
"""

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, text, update
from werkzeug.security import check_password_hash

from libs.auth import Actor
from libs.errors import RateLimited, Unauthenticated, ValidationError
from libs.schemas import CONTROL_CHARS
from libs.unit_of_work import UnitOfWork
from services.gateway.models import RecoveryCode, Role, Staff, StaffSession, audit_log

SESSION_TTL = timedelta(hours=8)  # the absolute timeout: sign in again after a working day
IDLE_TIMEOUT = timedelta(minutes=30)
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often (not on every request)
STEP_TTL = timedelta(minutes=10)  # a sign-in half done (the code, the authenticator, the new password)
MAX_FAILED_LOGINS = 5  # per account, wrong passwords and wrong codes alike
MAX_FAILED_PER_ADDRESS = 20  # per address, over every username: one machine guessing many accounts
LOCKOUT_WINDOW = timedelta(minutes=15)
USERNAME_MAX = 32
PASSWORD_MIN = 8
PASSWORD_MAX = 128  # a hash of a megabyte of "password" is a cheap way to burn our CPU
RECOVERY_CODES = 10
ISSUER = "微政务"
FAILURES = ("staff.login_failed", "staff.code_failed")

# argon2id with the library's defaults (RFC 9106's second recommended option); older werkzeug (scrypt/pbkdf2)
# hashes are still accepted and replaced at the next sign-in
_hasher = PasswordHasher()
# checked against when the username is unknown, so a wrong username takes as long as a wrong password
_DUMMY_HASH = _hasher.hash("not-a-password")
GATEWAY = Actor.system("gateway")


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password):
    return _hasher.hash(password)


def _verify(stored, password):
    """(matches, should be hashed again)."""
    if stored.startswith("$argon2"):
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False, False
        return True, _hasher.check_needs_rehash(stored)
    return check_password_hash(stored, password), True


def check_new_password(password, username):
    """The rules a chosen password must meet (field errors in Chinese)."""
    problem = None
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        problem = f"密码至少{PASSWORD_MIN}位"
    elif len(password) > PASSWORD_MAX:
        problem = f"密码最多{PASSWORD_MAX}位"
    elif CONTROL_CHARS.search(password):
        problem = "密码含有无法识别的字符"
    elif username and username.lower() in password.lower():
        problem = "密码不能包含用户名"
    elif len(set(password)) < 4:
        problem = "密码过于简单，请混合使用字母、数字和符号"
    if problem:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"password": problem}})


@dataclass
class SignIn:
    """Where a sign-in stands: `stage` "full" (signed in), or the step still to do; the token names the session."""

    token: str
    stage: str
    actor: Actor | None = None  # once full


def roles_of(session, codes):
    return session.scalars(select(Role).where(Role.code.in_(list(codes or ())))).all()


def actor_for(staff: Staff, roles) -> Actor:
    """The actor a staff member signs in as: the grants of the roles they hold now (roles are data)."""
    grants = {}
    for role in roles:
        for permission in role.permissions:
            if grants.get(permission) != "all":
                grants[permission] = role.scope
    return Actor(
        kind="staff",
        id=str(staff.id),
        name=staff.name,
        roles=tuple(staff.roles),
        department_id=staff.department_id,
        wechat_accounts=tuple(staff.wechat_accounts or ("main",)),
        grants=tuple(sorted(grants.items())),
    )


def _failures(session, username, address):
    """Failed passwords and codes in the window: (for this username since an administrator last lifted its lock,
    from this address)."""
    since = datetime.now(UTC) - LOCKOUT_WINDOW
    recent = select(func.count()).select_from(audit_log).where(audit_log.c.action.in_(FAILURES), audit_log.c.at > since)
    lifted = session.scalar(
        select(func.max(audit_log.c.at)).where(
            audit_log.c.action == "staff.unlocked", audit_log.c.target_id == username
        )
    )
    by_user = session.scalar(
        recent.where(audit_log.c.target_id == username, audit_log.c.at > max(since, lifted or since))
    )
    by_address = session.scalar(recent.where(audit_log.c.detail["address"].as_string() == address))
    return by_user, by_address


def failures_left(session, username):
    """How many more failures this username may have before sign-in pauses (0: paused now)."""
    return MAX_FAILED_LOGINS - _failures(session, username, "-")[0]


def _take_turn(session, username, address):
    """Attempts on one username, and from one address, are taken one at a time (transaction-scoped advisory locks,
    so across every gateway replica): a burst of parallel guesses is counted exactly. Always address first."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"gateway.login.address:{address}"})
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"gateway.login:{username}"})
    by_user, by_address = _failures(session, username, address)
    left = min(MAX_FAILED_LOGINS - by_user, MAX_FAILED_PER_ADDRESS - by_address)
    return left


LOCKED = "错误次数过多，请15分钟后再试"


def _refusal(left, what):
    if left <= 0:
        return RateLimited("too_many_attempts", f"{what}，{LOCKED}", {"tries_left": 0})
    return Unauthenticated("bad_credentials", f"{what}，还可尝试{left}次", {"tries_left": left})


def _check_credentials(username, password):
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise Unauthenticated("bad_credentials", "请输入用户名和密码")
    if CONTROL_CHARS.search(username) or CONTROL_CHARS.search(password[: PASSWORD_MAX + 1]):
        # no account has one, PostgreSQL would refuse the lookup, and no hash can be taken of a lone surrogate
        raise Unauthenticated("bad_credentials", "用户名或密码错误")
    return username.strip().lower()[:USERNAME_MAX]  # usernames are kept in lower case


def _needs_second_factor(session, staff):
    return any(role.second_factor for role in roles_of(session, staff.roles))


def _open(session, staff, stage, now, replaces=()):
    """A new session for `staff` at `stage`; the tokens it replaces (the browser's earlier ones) die with it."""
    if isinstance(replaces, str):
        replaces = (replaces,)
    ended = [_hash(t) for t in replaces if t and len(t) <= 128]
    if ended:
        session.execute(delete(StaffSession).where(StaffSession.token_hash.in_(ended)))
    session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id, StaffSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    ttl = SESSION_TTL if stage == "full" else STEP_TTL
    session.add(
        StaffSession(
            token_hash=_hash(token),
            staff_id=staff.id,
            created_at=now,
            expires_at=now + ttl,
            last_seen_at=now,
            stage=stage,
        )
    )
    return token


def _next_stage(session, staff, after):
    """The step after `after` ("password": the password was right; "second_factor": the code too)."""
    if after == "password" and _needs_second_factor(session, staff):
        return "second_factor" if staff.totp_secret else "enroll"
    if staff.must_change_password:
        return "password"
    return "full"


def login(session, username, password, address="-", replaces=()):
    """Checks the password; returns a SignIn at its next step. Every attempt, good or bad, is audited; the audit
    trail also drives the lockout (per account, and per address). `replaces`: the token the browser held before,
    ended now (a session id is never carried across a sign-in)."""
    username = _check_credentials(username, password)
    refused = None
    with UnitOfWork(session, GATEWAY, audit_log=audit_log) as uow:
        left = _take_turn(session, username, address)
        if left <= 0:
            uow.audit("staff.login_locked", "staff", username, detail={"address": address})
            refused = _refusal(0, "登录已暂停")
        else:
            staff = session.scalar(select(Staff).where(Staff.username == username))
            ok, rehash = (
                _verify(staff.password_hash if staff else _DUMMY_HASH, password)
                if len(password) <= PASSWORD_MAX
                else (False, False)
            )
            if not staff or not ok or not staff.active:
                uow.audit("staff.login_failed", "staff", username, detail={"address": address})
                refused = _refusal(left - 1, "用户名或密码错误")
            else:
                if rehash:
                    staff.password_hash = hash_password(password)
                now = datetime.now(UTC)
                stage = _next_stage(session, staff, "password")
                token = _open(session, staff, stage, now, replaces)
                result = SignIn(token, stage)
                if stage == "full":
                    result.actor = _signed_in(uow, session, staff)
    if refused is not None:  # raised after the commit: the failed attempt stays counted
        raise refused
    return result


def _signed_in(uow, session, staff):
    actor = actor_for(staff, roles_of(session, staff.roles))
    uow.actor = actor
    uow.audit("staff.logged_in", "staff", staff.id)
    return actor


def pending(session, token, stage=None):
    """(staff, session row) of a sign-in half done at `stage` (any step if None), else None."""
    if not token or len(token) > 128:
        return None
    row = session.execute(
        select(Staff, StaffSession)
        .join(StaffSession, StaffSession.staff_id == Staff.id)
        .where(
            StaffSession.token_hash == _hash(token),
            StaffSession.expires_at > datetime.now(UTC),
            StaffSession.stage != "full",
            Staff.active,
        )
    ).first()
    if row is None or (stage is not None and row.StaffSession.stage != stage):
        return None
    return row.Staff, row.StaffSession


def _totp(secret):
    return pyotp.TOTP(secret)


def clean_code(code):
    """A code as typed, made comparable: full-width digits from a Chinese keyboard become ASCII, spaces and dashes
    go; anything else non-ASCII can match nothing ("")."""
    code = unicodedata.normalize("NFKC", str(code or ""))[:32].strip().replace(" ", "").replace("-", "")
    return code if code.isascii() else ""


def _accept_code(session, staff, code):
    """Whether `code` is the authenticator's (this step or the one either side, for clocks a little apart) and not
    used before (each step is accepted once), or an unused recovery code (then spent)."""
    code = clean_code(code)
    now = datetime.now(UTC)
    if code.isdigit() and len(code) == 6 and staff.totp_secret:
        totp, step = _totp(staff.totp_secret), int(now.timestamp()) // 30
        for candidate in (step - 1, step, step + 1):
            if secrets.compare_digest(totp.at(candidate * 30), code):
                if candidate <= (staff.totp_step or 0):
                    return "reused"  # the right code, given before: not a guess, but good only once
                staff.totp_step = candidate
                return "totp"
        return None
    if len(code) == 10 and code.isalnum():
        spent = session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.staff_id == staff.id,
                RecoveryCode.code_hash == _hash(code.lower()),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=now)
            .returning(RecoveryCode.id)
        ).first()
        return "recovery" if spent else None
    return None


def second_factor(session, token, code, address="-"):
    """The TOTP (or recovery) code of a sign-in at stage "second_factor"; returns the SignIn's next step."""
    return _step(session, token, "second_factor", address, lambda staff, _row, uow: _accept_code(session, staff, code))


def _step(session, token, stage, address, check):
    refused = None
    with UnitOfWork(session, GATEWAY, audit_log=audit_log) as uow:
        found = pending(session, token, stage)
        if found is None:
            raise Unauthenticated("sign_in_expired", "登录已过期，请重新登录")
        staff, row = found
        left = _take_turn(session, staff.username, address)
        # under the locks, the half-done session again: a parallel step may have used it up meanwhile
        row = session.scalar(
            select(StaffSession)
            .where(StaffSession.token_hash == row.token_hash)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None:
            raise Unauthenticated("sign_in_expired", "登录已过期，请重新登录")
        session.refresh(staff, with_for_update=True)
        how = check(staff, row, uow) if left > 0 else None
        if left <= 0:
            uow.audit("staff.login_locked", "staff", staff.username, detail={"address": address})
            refused = _refusal(0, "登录已暂停")
        elif how == "reused":
            refused = Unauthenticated(
                "code_reused", "这个动态口令刚刚用过，请等验证器显示下一个口令（每30秒更新）后再输入"
            )
        elif how is None:
            uow.audit("staff.code_failed", "staff", staff.username, detail={"address": address})
            refused = _refusal(left - 1, "动态口令不正确")
        else:
            if how == "recovery":
                uow.audit("staff.recovery_code_used", "staff", staff.id, detail={"address": address})
            now = datetime.now(UTC)
            next_stage = _next_stage(session, staff, "second_factor")
            new_token = _open(session, staff, next_stage, now, replaces=token)
            result = SignIn(new_token, next_stage)
            if next_stage == "full":
                result.actor = _signed_in(uow, session, staff)
    if refused is not None:
        raise refused
    return result


def enrollment(session, token):
    """For a sign-in at stage "enroll": (the secret to show, the otpauth:// URI an authenticator scans). The
    secret is kept on the session row until a code from it confirms it."""
    with UnitOfWork(session, GATEWAY):
        found = pending(session, token, "enroll")
        if found is None:
            raise Unauthenticated("sign_in_expired", "登录已过期，请重新登录")
        staff, row = found
        if not row.pending_secret:
            row.pending_secret = pyotp.random_base32()
        secret = row.pending_secret
        uri = _totp(secret).provisioning_uri(name=staff.username, issuer_name=ISSUER)
    return secret, uri


def enroll(session, token, code, address="-"):
    """Confirms the authenticator with a code from it; returns (SignIn, the recovery codes, shown once)."""
    codes = []

    def check(staff, row, uow):
        if not row.pending_secret:
            return None
        totp, step = _totp(row.pending_secret), int(datetime.now(UTC).timestamp()) // 30
        given = clean_code(code)
        for candidate in (step - 1, step, step + 1):
            if secrets.compare_digest(totp.at(candidate * 30), given):
                staff.totp_secret, staff.totp_step = row.pending_secret, candidate
                codes.extend(_new_recovery_codes(session, staff))
                uow.audit("staff.second_factor_enrolled", "staff", staff.id)
                return "totp"
        return None

    return _step(session, token, "enroll", address, check), codes


def _new_recovery_codes(session, staff):
    session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]  # 10 hex characters: 40 bits, used once
    session.add_all(RecoveryCode(staff_id=staff.id, code_hash=_hash(c)) for c in codes)
    return codes


def choose_password(session, token, new_password, address="-"):
    """A sign-in at stage "password" (an administrator reset it): the new password finishes it."""
    with UnitOfWork(session, GATEWAY, audit_log=audit_log) as uow:
        found = pending(session, token, "password")
        if found is None:
            raise Unauthenticated("sign_in_expired", "登录已过期，请重新登录")
        staff, _row = found
        check_new_password(new_password, staff.username)
        if _verify(staff.password_hash, new_password)[0]:
            raise ValidationError(
                "invalid_fields",
                "请检查填写的内容",
                {"fields": {"password": "请设置一个新的密码，不要沿用管理员给的一次性密码"}},
            )
        staff.password_hash = hash_password(new_password)
        staff.must_change_password = False
        session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))
        token = _open(session, staff, "full", datetime.now(UTC))
        actor = _signed_in(uow, session, staff)
        uow.audit("staff.password_changed", "staff", staff.id)
    return SignIn(token, "full", actor)


def change_password(session, actor, token, current, new_password, address="-"):
    """A signed-in staff member's own change: the current password first (a wrong one counts towards the lockout,
    as at sign-in: a session left open is no way to guess it); every other session ends."""
    refused = None
    with UnitOfWork(session, actor, audit_log=audit_log) as uow:
        staff = session.get(Staff, int(actor.id))
        left = _take_turn(session, staff.username, address)
        session.refresh(staff, with_for_update=True)
        usable = isinstance(current, str) and current and len(current) <= PASSWORD_MAX
        ok, _ = _verify(staff.password_hash, current) if usable and left > 0 else (False, False)
        if not ok:
            uow.audit("staff.login_failed", "staff", staff.username, detail={"address": address, "where": "password"})
            refused = (
                _refusal(0, "当前密码不正确")
                if left <= 1
                else ValidationError(
                    "invalid_fields",
                    "请检查填写的内容",
                    {"fields": {"current": f"当前密码不正确，还可尝试{left - 1}次"}},
                )
            )
    if refused is not None:
        raise refused
    with UnitOfWork(session, actor, audit_log=audit_log) as uow:
        staff = session.get(Staff, int(actor.id), with_for_update=True)
        check_new_password(new_password, staff.username)
        if _verify(staff.password_hash, new_password)[0]:
            raise ValidationError(
                "invalid_fields", "请检查填写的内容", {"fields": {"password": "新密码不能与当前密码相同"}}
            )
        staff.password_hash = hash_password(new_password)
        session.execute(
            delete(StaffSession).where(StaffSession.staff_id == staff.id, StaffSession.token_hash != _hash(token))
        )
        uow.audit("staff.password_changed", "staff", staff.id)


def authenticate(session, token):
    """The actor of a full, live session (not past its absolute or idle timeout), else None."""
    if not token or len(token) > 128:
        return None
    now = datetime.now(UTC)
    row = session.execute(
        select(Staff, StaffSession)
        .join(StaffSession, StaffSession.staff_id == Staff.id)
        .where(
            StaffSession.token_hash == _hash(token),
            StaffSession.stage == "full",
            StaffSession.expires_at > now,
            StaffSession.last_seen_at > now - IDLE_TIMEOUT,
            Staff.active,
        )
    ).first()
    if row is None:
        return None
    actor = actor_for(row.Staff, roles_of(session, row.Staff.roles))
    if row.StaffSession.last_seen_at < now - SEEN_EVERY:
        session.execute(
            update(StaffSession).where(StaffSession.token_hash == row.StaffSession.token_hash).values(last_seen_at=now)
        )
    session.commit()
    return actor


def logout(session, token):
    if token:
        with UnitOfWork(session, GATEWAY):
            session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))


def create_staff(session, username, name, password, roles, department_id=None, wechat_accounts=("main",)):
    staff = Staff(
        username=username,
        name=name,
        password_hash=hash_password(password),
        roles=list(roles),
        department_id=department_id,
        active=True,
        wechat_accounts=list(wechat_accounts),
    )
    session.add(staff)
    session.flush()
    return staff
