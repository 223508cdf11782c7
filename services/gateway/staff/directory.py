"""Staff accounts and roles as administrators keep them (permission `staff.manage`). No web here: the pages are
staff/admin.py, the API staff/api.py.

Guards that keep an install manageable: nobody disables or demotes themselves, and no change may leave no active
account able to manage staff. Every change is audited; a disabled account's sessions end at once.
"""

import logging
import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select, text

from libs.auth import CITYWIDE, PERMISSIONS, SCOPES
from libs.errors import Conflict, NotFound, UpstreamFailed, ValidationError
from libs.schemas import CONTROL_CHARS
from libs.unit_of_work import UnitOfWork
from services.gateway.models import RecoveryCode, Role, Staff, StaffSession, audit_log
from services.gateway.staff.accounts import USERNAME_MAX, failures_left, hash_password

log = logging.getLogger(__name__)
MANAGE = "staff.manage"
USERNAME = re.compile(r"[a-z][a-z0-9_.-]{2,31}")
ROLE_CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")
PAGE_SIZE = 20
# direction overrides and invisible marks: a name made of them reads differently from what it is
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
MAX_ID = 2**31 - 1


def _invalid(fields):
    raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": fields})


def _text(data, name, label, max_len, fields, required=True):
    value = data.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        fields[name] = f"请填写{label}"
    elif len(value) > max_len:
        fields[name] = f"{label}最多{max_len}个字"
    elif CONTROL_CHARS.search(value) or INVISIBLE.search(value) or "\n" in value or "\t" in value:
        fields[name] = f"{label}含有无法识别的字符"
    return value


# -- roles ----------------------------------------------------------------------------------------------------
def role_dict(role, holders=0):
    return {
        "code": role.code,
        "label": role.label,
        "scope": role.scope,
        "permissions": sorted(role.permissions),
        "second_factor": role.second_factor,
        "builtin": role.builtin,
        "holders": holders,
    }


def list_roles(session):
    roles = session.scalars(select(Role).order_by(Role.builtin.desc(), Role.code)).all()
    counts = {}
    for staff_roles in session.scalars(select(Staff.roles).where(Staff.active)):
        for code in staff_roles:
            counts[code] = counts.get(code, 0) + 1
    return [role_dict(r, counts.get(r.code, 0)) for r in roles]


def role_labels(session):
    return dict(session.execute(select(Role.code, Role.label)).all())


def _role_fields(data, creating):
    fields = {}
    code = data.get("code") if creating else None
    if creating and (not isinstance(code, str) or not ROLE_CODE.fullmatch(code)):
        fields["code"] = "代码为2–32位小写字母、数字或下划线，以字母开头"
    label = _text(data, "label", "名称", 32, fields)
    scope = data.get("scope")
    if scope not in SCOPES:
        fields["scope"] = "请选择适用范围"
    permissions = data.get("permissions")
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        fields["permissions"] = "请选择权限"
        permissions = []
    elif unknown := [p for p in permissions if p not in PERMISSIONS]:
        fields["permissions"] = "没有这些权限：" + "、".join(unknown[:5])
    citywide = [PERMISSIONS[p] for p in permissions or [] if p in CITYWIDE]
    if citywide and scope == "own" and "permissions" not in fields:
        fields["permissions"] = "这些权限不分部门，只能给“全部部门”范围的角色：" + "；".join(citywide[:3])
    second_factor = data.get("second_factor", False)
    if not isinstance(second_factor, bool):
        fields["second_factor"] = "请选择是否需要动态口令"
    elif MANAGE in (permissions or []) and not second_factor:
        fields["second_factor"] = "能管理工作人员账号的角色必须使用动态口令登录"
    if fields:
        _invalid(fields)
    return code, label, scope, sorted(set(permissions)), second_factor


def save_role(session, actor, data, code=None):
    """Creates a role (code None) or changes one; returns it as a dict."""
    if code is not None and not ROLE_CODE.fullmatch(code):
        raise NotFound("role_not_found", "没有这个角色")
    with UnitOfWork(session, actor, audit_log=audit_log) as uow:
        uow.require(MANAGE)
        _one_change_at_a_time(session)
        new_code, label, scope, permissions, second_factor = _role_fields(data, creating=code is None)
        if code is None:
            if session.get(Role, new_code) is not None:
                _invalid({"code": "已有这个代码的角色"})
            role = None
        else:
            role = session.get(Role, code, with_for_update=True)
            if role is None:
                raise NotFound("role_not_found", "没有这个角色")
        if session.scalar(select(Role).where(Role.label == label, Role.code != (code or new_code))) is not None:
            _invalid({"label": "已有同名的角色"})
        before = role_dict(role) if role is not None else None
        if role is None:
            role = Role(code=new_code, builtin=False)
            session.add(role)
        role.label, role.scope, role.permissions, role.second_factor = label, scope, permissions, second_factor
        session.flush()
        _someone_still_manages(session, actor)
        uow.audit(
            "staff.role_saved", "role", role.code, detail={"before": before, "after": role_dict(role)} if before else {}
        )
        changed = before is not None and (before["permissions"], before["scope"]) != (permissions, scope)
        holding = [s.id for s in session.scalars(select(Staff)) if role.code in s.roles]
        if before is not None and second_factor and not before["second_factor"] and holding:
            # a second factor now required: they sign in again, with it
            session.execute(delete(StaffSession).where(StaffSession.staff_id.in_(holding)))
        holders = [str(i) for i in holding] if changed else []
        saved = role_dict(role)
    for staff_id in holders:
        _end_bindings(staff_id, "角色权限已修改")
    return saved


def delete_role(session, actor, code):
    if not ROLE_CODE.fullmatch(code or ""):
        raise NotFound("role_not_found", "没有这个角色")
    with UnitOfWork(session, actor, audit_log=audit_log) as uow:
        uow.require(MANAGE)
        _one_change_at_a_time(session)
        role = session.get(Role, code, with_for_update=True)
        if role is None:
            raise NotFound("role_not_found", "没有这个角色")
        if role.builtin:
            raise Conflict("role_builtin", "系统预置的角色不能删除，可以修改它的权限")
        if any(code in roles for roles in session.scalars(select(Staff.roles))):
            raise Conflict("role_in_use", "还有工作人员担任这个角色，请先调整他们的角色")
        session.delete(role)
        uow.audit("staff.role_deleted", "role", code)


def _one_change_at_a_time(session):
    """Changes to accounts and roles take turns (a transaction advisory lock, across replicas): two managers
    disabling each other at once cannot both pass the last-manager check."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('gateway.staff.manage'))"))


def _managing_roles(session):
    """The roles that let their holders manage staff: staff.manage over every department (the check names none)."""
    return {r.code for r in session.scalars(select(Role)) if MANAGE in r.permissions and r.scope == "all"}


def _someone_still_manages(session, actor=None):
    """Refuses a change that would leave no active account able to manage staff (nobody could undo it), or that
    takes it from the manager making it (another manager must)."""
    managing = _managing_roles(session)
    holders = [s for s in session.scalars(select(Staff).where(Staff.active)) if managing & set(s.roles)]
    if actor is not None and actor.id not in {str(s.id) for s in holders}:
        raise Conflict("own_access", "不能取消自己管理账号的权限，请由另一位管理员操作")
    if not holders:
        raise Conflict("last_manager", "至少要保留一个能管理工作人员账号的在用账号")


# -- staff ----------------------------------------------------------------------------------------------------
def staff_dict(staff, sessions=0):
    return {
        "id": staff.id,
        "username": staff.username,
        "name": staff.name,
        "roles": list(staff.roles),
        "department_id": staff.department_id,
        "wechat_accounts": list(staff.wechat_accounts or ()),
        "active": staff.active,
        "second_factor": bool(staff.totp_secret),
        "must_change_password": staff.must_change_password,
        "created_at": staff.created_at.isoformat() if staff.created_at else None,
        "sessions": sessions,
    }


def list_staff(session, actor, q="", role="", active=None, page=1):
    """A page of accounts, filtered; returns (items, total)."""
    with UnitOfWork(session, actor) as uow:
        uow.require(MANAGE)
        query = select(Staff)
        if CONTROL_CHARS.search(q or "") or CONTROL_CHARS.search(role or ""):
            _invalid({"q": "含有无法识别的字符"})
        if q:
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(or_(Staff.username.ilike(like), Staff.name.ilike(like)))
        if active is not None:
            query = query.where(Staff.active == active)
        rows = session.scalars(query.order_by(Staff.active.desc(), Staff.username)).all()
        if role:
            rows = [s for s in rows if role in s.roles]
        live = dict(
            session.execute(
                select(StaffSession.staff_id, func.count())
                .where(StaffSession.stage == "full", StaffSession.expires_at > datetime.now(UTC))
                .group_by(StaffSession.staff_id)
            ).all()
        )
        start = (max(page, 1) - 1) * PAGE_SIZE
        return [staff_dict(s, live.get(s.id, 0)) for s in rows[start : start + PAGE_SIZE]], len(rows)


def get_staff(session, actor, staff_id):
    with UnitOfWork(session, actor) as uow:
        uow.require(MANAGE)
        staff = session.get(Staff, staff_id) if 0 < staff_id <= MAX_ID else None
        if staff is None:
            raise NotFound("staff_not_found", "没有这个工作人员")
        return staff_dict(staff, _live(session, staff.id)) | {
            "sign_in_paused": failures_left(session, staff.username) <= 0
        }


def _live(session, staff_id):
    return session.scalar(
        select(func.count()).where(
            StaffSession.staff_id == staff_id,
            StaffSession.stage == "full",
            StaffSession.expires_at > datetime.now(UTC),
        )
    )


def unlock(session, actor, staff_id):
    """Lifts the pause after too many failures (the person was identified some other way): counting starts again."""
    with UnitOfWork(session, actor, audit_log=audit_log) as uow:
        uow.require(MANAGE)
        staff = _locked(session, staff_id)
        uow.audit("staff.unlocked", "staff", staff.username)


def _staff_fields(session, data, departments, accounts, creating):
    fields = {}
    username = None
    if creating:
        username = data.get("username")
        username = username.strip().lower() if isinstance(username, str) else ""
        if not USERNAME.fullmatch(username) or len(username) > USERNAME_MAX:
            fields["username"] = "用户名为3–32位小写字母、数字、点、下划线或连字符，以字母开头"
        elif session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
            fields["username"] = "这个用户名已被使用"
    name = _text(data, "name", "姓名", 64, fields)
    roles = data.get("roles")
    known = set(session.scalars(select(Role.code)))
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        fields["roles"] = "请至少选择一个角色"
        roles = []
    elif unknown := [r for r in roles if r not in known]:
        fields["roles"] = "没有这些角色：" + "、".join(unknown[:5])
    department_id = data.get("department_id")
    if department_id in ("", None):
        department_id = None
    elif isinstance(department_id, bool) or not isinstance(department_id, int) or department_id not in departments:
        fields["department_id"] = "没有这个部门"
    scoped = [r.code for r in session.scalars(select(Role).where(Role.code.in_(roles or []))) if r.scope == "own"]
    if scoped and department_id is None and "department_id" not in fields:
        fields["department_id"] = "这些角色只管本部门，请选择部门"
    wechat = data.get("wechat_accounts", ["main"])
    if not isinstance(wechat, list) or not all(isinstance(a, str) for a in wechat):
        fields["wechat_accounts"] = "请选择公众号"
        wechat = []
    elif unknown := [a for a in wechat if a != "*" and a not in accounts]:
        fields["wechat_accounts"] = "没有这些公众号：" + "、".join(unknown[:5])
    if fields:
        _invalid(fields)
    return username, name, sorted(set(roles)), department_id, sorted(set(wechat)) or ["main"]


def create_staff(session, actor, data, departments, accounts):
    """A new account with a one-time password (returned once): they choose their own at first sign-in."""
    with UnitOfWork(session, actor, audit_log=audit_log) as uow:
        uow.require(MANAGE)
        username, name, roles, department_id, wechat = _staff_fields(session, data, departments, accounts, True)
        password = _one_time_password()
        staff = Staff(
            username=username,
            name=name,
            password_hash=hash_password(password),
            roles=roles,
            department_id=department_id,
            active=True,
            wechat_accounts=wechat,
            must_change_password=True,
        )
        session.add(staff)
        session.flush()
        uow.audit("staff.created", "staff", staff.id, detail={"username": username, "roles": roles})
        return staff_dict(staff), password


def update_staff(session, actor, staff_id, data, departments, accounts):
    with UnitOfWork(session, actor, audit_log=audit_log) as uow:
        uow.require(MANAGE)
        _one_change_at_a_time(session)
        staff = _locked(session, staff_id)
        _, name, roles, department_id, wechat = _staff_fields(session, data, departments, accounts, False)
        before = staff_dict(staff)
        staff.name, staff.roles, staff.department_id, staff.wechat_accounts = name, roles, department_id, wechat
        session.flush()
        _someone_still_manages(session, actor)
        if set(before["roles"]) != set(roles) and str(staff.id) != actor.id:
            # new roles may need a second factor, or reach further: they sign in again under them
            session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))
        after = staff_dict(staff, _live(session, staff.id))
        changed = {
            k: [before[k], after[k]]
            for k in ("name", "roles", "department_id", "wechat_accounts")
            if before[k] != after[k]
        }
        uow.audit("staff.updated", "staff", staff.id, detail=changed)
    if {"roles", "department_id", "wechat_accounts"} & set(changed):
        _end_bindings(staff_id, "角色或部门已调整")
    return after


def _locked(session, staff_id):
    staff = session.get(Staff, staff_id, with_for_update=True) if 0 < staff_id <= MAX_ID else None
    if staff is None:
        raise NotFound("staff_not_found", "没有这个工作人员")
    return staff


def set_active(session, actor, staff_id, active, reason=""):
    """Disables (every session ends now) or enables an account."""
    with UnitOfWork(session, actor, audit_log=audit_log) as uow:
        uow.require(MANAGE)
        _one_change_at_a_time(session)
        staff = _locked(session, staff_id)
        if not active and str(staff.id) == actor.id:
            raise Conflict("own_access", "不能停用自己的账号")
        if staff.active == active:
            return staff_dict(staff)
        staff.active = active
        if not active:
            session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))
        session.flush()
        _someone_still_manages(session)
        uow.audit("staff.enabled" if active else "staff.disabled", "staff", staff.id, reason=reason)
        result = staff_dict(staff, _live(session, staff.id))
    if not active:
        _end_bindings(staff_id, "账号已停用")
    return result


def reset_password(session, actor, staff_id):
    """A one-time password (returned once); their sessions end and they choose a new one at the next sign-in."""
    return _reset(session, actor, staff_id, "staff.password_reset", "密码已重置")


def reset_second_factor(session, actor, staff_id):
    """For a lost phone: the authenticator and recovery codes are forgotten, and the password is replaced by a
    one-time one (returned once) — whoever knew the old password alone cannot set up their own authenticator."""
    return _reset(session, actor, staff_id, "staff.second_factor_reset", "动态口令已清除", forget_second_factor=True)


def _reset(session, actor, staff_id, action, reason, forget_second_factor=False):
    with UnitOfWork(session, actor, audit_log=audit_log) as uow:
        uow.require(MANAGE)
        staff = _locked(session, staff_id)
        if forget_second_factor:
            staff.totp_secret, staff.totp_step = None, None
            session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
        password = _one_time_password()
        staff.password_hash, staff.must_change_password = hash_password(password), True
        session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))
        uow.audit(action, "staff", staff.id)
        uow.audit("staff.unlocked", "staff", staff.username)  # a new password: earlier guesses no longer count
    _end_bindings(staff_id, reason)
    return password


def end_sessions(session, actor, staff_id):
    with UnitOfWork(session, actor, audit_log=audit_log) as uow:
        uow.require(MANAGE)
        staff = _locked(session, staff_id)
        session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))
        uow.audit("staff.sessions_ended", "staff", staff.id)
    _end_bindings(staff_id, "登录已全部结束")


def _end_bindings(staff_id, reason):
    """Their own WeChat (公众号助手) stops acting for them too: messaging keeps the bindings. Called after the change
    committed; if messaging cannot be reached the change stands and the manager is told to end the sessions again."""
    from services.gateway.core.rpc import call

    try:
        call("messaging", "end_staff_bindings", staff_id, reason)
    except Exception as exc:
        log.error("could not end the WeChat bindings of staff %s: %r", staff_id, exc)
        raise UpstreamFailed(
            "bindings_kept",
            "已保存；但未能解除他绑定的微信（公众号服务暂时无法访问），请稍后在他的账号页点“结束全部登录”重试",
        ) from None


def _one_time_password():
    # 12 characters from an alphabet without look-alikes (0/O, 1/l/I): read aloud or typed from a note
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
