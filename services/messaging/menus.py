"""自定义菜单: operators edit a draft, publish it to WeChat, and the account answers the menu's clicks.

A click key names an action (schemas.MENU_ACTIONS) answered here from messaging's own tables; any other key is
answered as if the citizen had sent that text (回复设置's rules), so operators can point a button at any rule.
"""

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from wechatpy.exceptions import WeChatClientException

from libs.clock import local_minute
from libs.errors import NotFound, UpstreamFailed
from libs.schemas import validate
from services.messaging.followers import tag_names
from services.messaging.models import MAIN_ACCOUNT, CaseTrack, Menu
from services.messaging.schemas import BUTTON_TYPES, MENU_ACTIONS, MenuIn
from services.messaging.wechat import reason

CLOSED = ("closed", "rejected", "merged")  # cases' statuses that need nothing more from anyone
LISTED = 5


# -- operators -------------------------------------------------------------------------------------------------
def view(session, account_id=MAIN_ACCOUNT, tag_id=None):
    """One menu: everyone's (tag_id None) or a group's conditional one; `conditional` lists groups that have one."""
    _group(session, tag_id, account_id)
    row = _row(session, account_id, tag_id)
    groups = session.execute(
        select(Menu.tag_id, Menu.published_at).where(Menu.account_id == account_id, Menu.tag_id.is_not(None))
    ).all()
    return {
        "tag_id": tag_id,
        "conditional": [{"tag_id": t, "published": p is not None} for t, p in sorted(groups)],
        "draft": row.draft if row else {"button": []},
        "published": row.published if row else None,
        "published_at": row.published_at.isoformat() if row and row.published_at else None,
        "updated_at": row.updated_at.isoformat() if row else None,
        "unpublished_changes": bool(row) and row.draft != row.published,
        "actions": MENU_ACTIONS,
        "types": BUTTON_TYPES,
    }


def _row(session, account_id, tag_id, lock=False):
    query = select(Menu).where(
        Menu.account_id == account_id, Menu.tag_id.is_(None) if tag_id is None else Menu.tag_id == tag_id
    )
    return session.scalar(query.with_for_update() if lock else query)


def _group(session, tag_id, account_id):
    if tag_id is not None and tag_id not in tag_names(session, account_id):
        raise NotFound("tag_not_found", "分组不存在")


def save(uow, data, account_id=MAIN_ACCOUNT, tag_id=None):
    """Keep the draft (WeChat sees nothing until it is published)."""
    uow.require("wechat.menu")
    _group(uow.session, tag_id, account_id)
    draft = validate(MenuIn, data).wechat()
    now = datetime.now(UTC)
    values = {"draft": draft, "updated_at": now, "updated_by": uow.actor.name or uow.actor.id}
    stmt = insert(Menu).values(account_id=account_id, tag_id=tag_id, **values)
    # one statement: two operators saving the first draft at once both land (the later wins)
    uow.session.execute(stmt.on_conflict_do_update(constraint="uq_menus_account_tag", set_=values))
    uow.audit("wechat.menu_saved", "menu", account_id, detail={"menu": draft, "tag_id": tag_id})
    return view(uow.session, account_id, tag_id)


def publish(uow, client, account_id=MAIN_ACCOUNT, tag_id=None):
    """Give WeChat the draft. The row stays locked while WeChat is asked, so two publishes run one after the other
    and the record says what WeChat was last given."""
    uow.require("wechat.menu")
    row = _row(uow.session, account_id, tag_id, lock=True)
    if row is None or not row.draft.get("button"):
        raise NotFound("menu_missing", "还没有保存菜单，请先编辑并保存")
    try:
        if tag_id is None:
            client.menu.create(row.draft)
        else:
            # WeChat cannot change a conditional menu: the group's old one goes, the new one is added
            if row.wechat_menuid:
                _delete_conditional(client, row.wechat_menuid)
                row.wechat_menuid, row.published, row.published_at = "", None, None
            made = client.menu.add_conditional(row.draft | {"matchrule": {"tag_id": str(tag_id)}})
            row.wechat_menuid = str(made.get("menuid", ""))[:32]
    except (WeChatClientException, OSError) as exc:
        if getattr(exc, "errcode", None) == 65303:
            raise UpstreamFailed(
                "wechat_refused", "发布失败：请先发布默认菜单，再发布分组的个性化菜单", _code(exc)
            ) from None
        raise UpstreamFailed("wechat_refused", f"发布失败：{reason(exc)}", _code(exc)) from None
    row.published, row.published_at = row.draft, datetime.now(UTC)
    uow.audit("wechat.menu_published", "menu", account_id, detail={"menu": row.draft, "tag_id": tag_id})
    return view(uow.session, account_id, tag_id)


def _code(exc):
    # details cross the bus as JSON text: WeChat's code goes as a string ("" when WeChat was not reached)
    return {"errcode": str(getattr(exc, "errcode", "") or "")}


def _delete_conditional(client, menuid):
    try:
        client.menu.del_conditional(menuid)
    except WeChatClientException as exc:
        if exc.errcode != 65301:  # WeChat has it no more: what was asked for is done
            raise


def withdraw(uow, client, account_id=MAIN_ACCOUNT, tag_id=None):
    """Take a menu off WeChat; the draft stays. Everyone's menu takes every conditional menu with it, as WeChat
    does."""
    uow.require("wechat.menu")
    row = _row(uow.session, account_id, tag_id, lock=True)
    try:
        if tag_id is None:
            client.menu.delete()
        elif row is not None and row.wechat_menuid:
            _delete_conditional(client, row.wechat_menuid)
    except (WeChatClientException, OSError) as exc:
        raise UpstreamFailed("wechat_refused", f"撤下失败：{reason(exc)}", _code(exc)) from None
    gone = [row] if tag_id is not None else uow.session.scalars(select(Menu).where(Menu.account_id == account_id))
    for menu in gone:
        if menu is not None:
            menu.published, menu.published_at, menu.wechat_menuid = None, None, ""
    uow.audit("wechat.menu_withdrawn", "menu", account_id, detail={"tag_id": tag_id})
    return view(uow.session, account_id, tag_id)


# -- citizens' clicks ------------------------------------------------------------------------------------------
def click_reply(session, key, openid, base):
    """The answer to a click on a button with this key, or None when the key names no action."""
    action = _ACTIONS.get(key)
    return action(session, openid, base) if action else None


def _my_cases(session, openid, base):
    open_cases = (CaseTrack.openid == openid) & CaseTrack.status.not_in(CLOSED)
    total = session.scalar(select(func.count()).where(open_cases))
    if not total:
        return f'您目前没有正在办理的案件。\n<a href="{base}/h5/cases">查看我的全部案件</a>'
    rows = session.scalars(select(CaseTrack).where(open_cases).order_by(CaseTrack.updated_at.desc()).limit(LISTED))
    lines = [f"您有{total}件正在办理的案件："]
    for t in rows:
        lines.append(
            f'【{t.kind_label}】<a href="{base}/h5/cases/{t.number}">{t.number}</a>\n'
            f"状态：{t.status_label}（{local_minute(t.updated_at.isoformat())}更新）"
        )
    more = f"还有{total - LISTED}件，" if total > LISTED else ""
    lines.append(f'{more}<a href="{base}/h5/cases">查看我的全部案件</a>')
    return "\n".join(lines)


def _service_guide(session, openid, base):
    card = {
        "title": "办事指南",
        "description": "按部门或事项查询办事材料、流程、地点和时间，部分事项可在线预约",
        "url": f"{base}/h5/services",
        "image": "",
    }
    return {"articles": [card]}


def _complain(session, openid, base):
    return (
        f'请<a href="{base}/h5/complaints/new">在线投诉举报</a>：写明被投诉对象、事发地点和经过，可以上传照片。'
        "受理和办理进展都会通过本公众号通知您。"
    )


def _inquiry(session, openid, base):
    return (
        "直接发送“咨询+您的问题”即可提交，例如：\n咨询 社保卡丢了怎么补办？\n"
        f'也可以<a href="{base}/h5/inquiries/new">在线填写咨询</a>。受理编号和答复会通过本公众号发给您。'
    )


def _contact(session, openid, base):
    return (
        f'12345政务服务便民热线：12345（24小时）\n各办事窗口的地址和办公时间：<a href="{base}/h5/services">办事服务</a>'
    )


_ACTIONS = {
    "MY_CASES": _my_cases,
    "SERVICE_GUIDE": _service_guide,
    "COMPLAIN": _complain,
    "INQUIRY": _inquiry,
    "CONTACT": _contact,
}
assert set(_ACTIONS) == set(MENU_ACTIONS), "every action offered to operators is answered"
