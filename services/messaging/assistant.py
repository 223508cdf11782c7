"""公众号助手: a staff member binds their own WeChat by scanning a one-time code from the admin; the account then
takes commands from that WeChat as that staff member — `群发 <内容>` writes a mass send to all followers and puts
it in the approval queue (another staff member still approves it). Anyone else who writes "群发 …" is an ordinary
citizen. Binding, unbinding and every command are audited under the staff member's name.
"""

import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from wechatpy.exceptions import WeChatClientException

from libs import audit
from libs.auth import Actor, can
from libs.errors import Conflict, Forbidden, UpstreamFailed, ValidationError
from libs.wechat import answers
from services.messaging import caches, mass
from services.messaging.inbox import alias
from services.messaging.models import MAIN_ACCOUNT, OperatorBinding, audit_log
from services.messaging.wechat import reason

SCENE_PREFIX = answers.BINDING_SCENE
CODE_MINUTES = 10
BOUND_DAYS = 30
COMMAND = answers.COMMAND
CACHE_SECONDS = 5.0


def is_binding_scene(scene):
    return scene.startswith(SCENE_PREFIX)


def _may_bind(actor):
    if not actor.is_staff or not can(actor, "wechat.mass"):
        raise Forbidden("forbidden", "只有能编写群发的工作人员可以绑定微信")


def create_code(uow, client, account_id=MAIN_ACCOUNT):
    """A one-time code, valid CODE_MINUTES, that binds whoever scans it to the staff member asking."""
    _may_bind(uow.actor)
    session, now = uow.session, datetime.now(UTC)
    session.execute(
        delete(OperatorBinding).where(
            OperatorBinding.account_id == account_id,
            OperatorBinding.staff_id == uow.actor.id,
            OperatorBinding.openid.is_(None),
        )
    )
    token = secrets.token_urlsafe(18)
    try:
        made = client.qrcode.create(
            {
                "action_name": "QR_STR_SCENE",
                "expire_seconds": CODE_MINUTES * 60,
                "action_info": {"scene": {"scene_str": SCENE_PREFIX + token}},
            }
        )
    except (WeChatClientException, OSError) as exc:
        raise UpstreamFailed("wechat_refused", f"微信未能生成绑定二维码：{reason(exc)}") from None
    session.add(
        OperatorBinding(
            account_id=account_id,
            staff_id=uow.actor.id,
            staff_name=uow.actor.name or uow.actor.id,
            roles=list(uow.actor.roles),
            # what the staff member may do, as the gateway resolved their roles when they asked for the code: the
            # gateway ends the binding when their account or roles change (end_staff_bindings)
            grants=dict(uow.actor.grants or ()),
            token=token,
            expires_at=now + timedelta(minutes=CODE_MINUTES),
            created_at=now,
        )
    )
    uow.audit("wechat.binding_code_created", "operator_binding", uow.actor.id)
    return status(session, uow.actor, account_id) | {"url": made["url"], "code_expires_at": _iso(now, CODE_MINUTES)}


def _iso(now, minutes):
    return (now + timedelta(minutes=minutes)).isoformat()


def status(session, actor, account_id=MAIN_ACCOUNT):
    _may_bind(actor)
    row = session.scalar(
        select(OperatorBinding).where(
            OperatorBinding.account_id == account_id,
            OperatorBinding.staff_id == actor.id,
            OperatorBinding.openid.is_not(None),
            OperatorBinding.expires_at > datetime.now(UTC),
        )
    )
    if row is None:
        return {"bound": False, "alias": "", "bound_at": None, "expires_at": None}
    return {
        "bound": True,
        "alias": alias(row.openid),
        "bound_at": row.bound_at.isoformat(),
        "expires_at": row.expires_at.isoformat(),
    }


def _staff(row):
    # a binding made before grants were kept acts with none (asked to bind again), never with the seeded roles
    grants = tuple(sorted((row.grants or {}).items()))
    return Actor(kind="staff", id=row.staff_id, name=row.staff_name, roles=tuple(row.roles), grants=grants)


def bind(session, openid, scene, account_id=MAIN_ACCOUNT):
    """The code was scanned: this WeChat now acts for the staff member (replacing their earlier one, and this
    WeChat's binding to anyone else). Returns what the account says back."""
    token = scene[len(SCENE_PREFIX) :]
    row = session.scalar(select(OperatorBinding).where(OperatorBinding.token == token).with_for_update())
    if row is None or row.openid is not None or row.expires_at <= datetime.now(UTC) or row.account_id != account_id:
        return "绑定二维码已使用或已失效，请在工作台重新生成。"
    session.execute(
        delete(OperatorBinding).where(
            OperatorBinding.account_id == account_id,
            OperatorBinding.id != row.id,
            (OperatorBinding.staff_id == row.staff_id) | (OperatorBinding.openid == openid),
        )
    )
    # a binding acts with the roles held when its code was made: it lapses after BOUND_DAYS (bind again), so a
    # staff member who lost the role cannot go on commanding from their phone for long
    row.openid, row.bound_at = openid, datetime.now(UTC)
    row.expires_at = row.bound_at + timedelta(days=BOUND_DAYS)
    audit.record(
        session,
        audit_log,
        _staff(row),
        "wechat.operator_bound",
        "operator_binding",
        row.staff_id,
        detail={"wechat": alias(openid)},
    )
    caches.changed(session, account_id)
    return f"已将本微信绑定为工作人员“{row.staff_name}”。\n发送“群发 内容”可以编写一条发给全部粉丝的群发并提交审核。"


def unbind(uow, account_id=MAIN_ACCOUNT):
    _may_bind(uow.actor)
    gone = uow.session.execute(
        delete(OperatorBinding).where(
            OperatorBinding.account_id == account_id,
            OperatorBinding.staff_id == uow.actor.id,
        )
    ).rowcount
    if gone:
        uow.audit("wechat.operator_unbound", "operator_binding", uow.actor.id)
        caches.changed(uow.session, account_id)
    return {"bound": False, "alias": "", "bound_at": None, "expires_at": None}


def end_staff_bindings(uow, staff_id, reason):
    """Every binding of a staff member, on every account: their account was disabled, or their roles, password or
    second factor changed (the gateway asks; staff.manage)."""
    uow.require("staff.manage")
    rows = uow.session.execute(
        delete(OperatorBinding).where(OperatorBinding.staff_id == str(staff_id)).returning(OperatorBinding.account_id)
    ).all()
    for account_id in {r.account_id for r in rows}:
        caches.changed(uow.session, account_id)
    if rows:
        uow.audit("wechat.operator_unbound", "operator_binding", str(staff_id), reason=reason)
    return len(rows)


class _Bindings:
    """account id → (read at, openid → the staff member it acts for) for CACHE_SECONDS: every text message asks."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = {}

    def staff_for(self, session, openid, account_id=MAIN_ACCOUNT):
        entry, version = self.entries.get(account_id), caches.current(account_id)
        if entry is None or time.monotonic() - entry[0] >= CACHE_SECONDS or entry[2] != version:
            rows = session.scalars(
                select(OperatorBinding).where(
                    OperatorBinding.account_id == account_id,
                    OperatorBinding.openid.is_not(None),
                    OperatorBinding.expires_at > datetime.now(UTC),
                )
            ).all()
            entry = (time.monotonic(), {r.openid: _staff(r) for r in rows}, version)
            with self.lock:
                self.entries[account_id] = entry
        return entry[1].get(openid)

    def drop(self):
        with self.lock:
            self.entries.clear()


bindings = _Bindings()


def command_of(session, openid, fields, account_id=MAIN_ACCOUNT):
    """(the staff member, the command's text) when a bound operator sent a command, else None."""
    if fields.get("MsgType") != "text":
        return None
    found = COMMAND.match(fields.get("Content") or "")
    if found is None:
        return None
    staff = bindings.staff_for(session, openid, account_id)
    return (staff, found.group("text").strip()) if staff else None


def run(uow, text, account_id=MAIN_ACCOUNT):
    """`群发 <text>` from a bound operator: a mass send to all followers, written and submitted as them."""
    uow.audit("wechat.command", "operator_binding", uow.actor.id, detail={"command": "群发", "text": text[:200]})
    title = f"公众号助手：{text[:20]}"
    try:
        with uow.savepoint():  # a refusal leaves no half-made draft; the command itself stays audited
            made = mass.save(uow, None, {"title": title, "content": text, "target": {"kind": "all"}}, account_id)
            mass.submit(uow, made["id"], account_id)
    except Forbidden:
        return "您的账号没有编写群发的权限。"
    except ValidationError as exc:  # said in the chat, as the admin page would say it
        return "未能创建群发：" + ("；".join((exc.details.get("fields") or {}).values()) or exc.message)
    except Conflict as exc:  # e.g. fewer than the 2 followers WeChat's mass send needs
        return f"未能创建群发：{exc.message}"
    will = made["estimate"]["will_send"]
    return f"已创建群发《{title}》并提交审核，预计发送给{will}位粉丝。需由另一位工作人员在工作台审核后发送。"
