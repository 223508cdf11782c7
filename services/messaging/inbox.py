"""The inbox: what citizens write to the account, answered by staff through the channel WeChat allows at that
moment (a customer-service message inside the window, else a template message pointing to the citizen's 我的留言
page); and the messages WeChat refused, listed with its reason for operators to send again.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, text, tuple_

from libs.clock import local_minute
from libs.errors import Conflict, NotFound, ValidationError
from libs.schemas import check_request_id, is_id, validate
from services.messaging import domain, media
from services.messaging.models import MAIN_ACCOUNT, Follower, InboundMessage, OutboundMessage
from services.messaging.schemas import AnswerIn

PAGE = 30
THREAD = 100
FAILED_FOR = timedelta(days=7)  # how far back the failed-sends list reaches
SENDING_STUCK = timedelta(minutes=5)  # a send still "sending" after this: the process died between call and record
STATUS_LABELS = {
    "sent": "已发送",
    "sending": "结果未知",
    "failed": "发送失败",
    "retried": "已重新发送",
    "undeliverable": "无法送达",
}
CHANNEL_LABELS = {"passive": "被动回复", "custom": "客服消息", "template": "模板消息", "none": "未发送"}


def alias(openid):
    """How staff pages name a citizen: enough to tell two apart, not the whole WeChat identity."""
    return f"{openid[:4]}…{openid[-4:]}" if len(openid) > 10 else openid


def who(openid):
    """How audit rows name a citizen: the same digest every time (auditors can match rows), not the openid."""
    return "openid:" + hashlib.sha256(openid.encode()).hexdigest()[:24]


def _summary(f):
    return {
        "openid": f.openid,
        "alias": alias(f.openid),
        "last_content": f.last_content,
        "last_message_at": f.last_message_at.isoformat(),
        "answered_at": f.answered_at.isoformat() if f.answered_at else None,
        "unanswered": f.answered_at is None or f.answered_at < f.last_message_at,
        "subscribed": f.subscribed,
    }


def conversations(session, which="unanswered", after=None, account_id=MAIN_ACCOUNT):
    """Citizens who wrote, newest message first, PAGE at a time; `after` is the previous page's `next`."""
    if which not in ("unanswered", "all"):
        raise ValidationError("invalid_filter", "筛选条件不正确")
    written = (Follower.account_id == account_id) & Follower.last_message_at.is_not(None)
    waiting = or_(Follower.answered_at.is_(None), Follower.answered_at < Follower.last_message_at)
    query = select(Follower).where(written)
    if which == "unanswered":
        query = query.where(waiting)
    if after:
        at, _, openid = str(after).partition("|")
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            raise ValidationError("invalid_cursor", "分页参数不正确") from None
        query = query.where(tuple_(Follower.last_message_at, Follower.openid) < tuple_(at, openid))
    rows = session.scalars(
        query.order_by(Follower.last_message_at.desc(), Follower.openid.desc()).limit(PAGE + 1)
    ).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return {
        "conversations": [_summary(f) for f in rows],
        "next": f"{rows[-1].last_message_at.isoformat()}|{rows[-1].openid}" if more else None,
        "unanswered": session.scalar(select(func.count()).where(written, waiting)),
    }


def channel_now(session, follower):
    """How an answer written now would reach the citizen, said so that staff know before sending."""
    window = domain.custom_window(session, follower)
    if window is not None:
        return {
            "channel": "custom",
            "until": window["until"].isoformat(),
            "left": window["left"],
            "said": f"客服消息：市民将收到完整回复（本时段还可发送{window['left']}条，"
            f"截至{local_minute(window['until'].isoformat())}）",
        }
    if follower.subscribed:
        return {
            "channel": "template",
            "said": "模板消息：已超过48小时客服消息时限，市民将收到“留言有了回复”的通知，点开“我的留言”阅读完整回复",
        }
    return {"channel": "none", "said": "该市民已取消关注公众号，微信不允许再向其发送消息"}


def _follower(session, openid, account_id):
    row = session.get(Follower, openid) if isinstance(openid, str) and 0 < len(openid) <= 64 else None
    if row is None or row.account_id != account_id:
        raise NotFound("citizen_not_found", "没有这位市民的留言")
    return row


def _thread(session, openid, limit=THREAD, staff_only=False):
    inbound = session.scalars(
        select(InboundMessage)
        .where(InboundMessage.openid == openid, InboundMessage.msg_type != "event")
        .order_by(InboundMessage.id.desc())
        .limit(limit)
    ).all()
    outbound = select(OutboundMessage).where(OutboundMessage.openid == openid)
    if staff_only:
        outbound = outbound.where(OutboundMessage.sent_by != "")
    outbound = session.scalars(outbound.order_by(OutboundMessage.id.desc()).limit(limit)).all()
    files = media.of_messages(session, [m.dedupe_key for m in inbound if m.msg_type in media.KINDS])
    shown = (lambda m: m.content) if staff_only else _shown_to_operators
    items = [
        {
            "from": "citizen",
            "content": domain.preview(m.fields),
            "at": m.received_at.isoformat(),
            "media": files.get(m.dedupe_key),
        }
        for m in inbound
    ] + [
        {
            "from": "account",
            "content": shown(m),
            "at": m.created_at.isoformat(),
            "channel": m.channel,
            "channel_label": CHANNEL_LABELS.get(m.channel, m.channel),
            "status": m.status,
            "status_label": STATUS_LABELS.get(m.status, m.status),
            "error": m.error,
            "sent_by": m.sent_by,
        }
        for m in outbound
    ]
    return sorted(items, key=lambda m: m["at"])[-limit:]


SYSTEM_NOTICE = "[案件或预约进展通知：内容仅办理该案件的工作人员可见]"


def _shown_to_operators(message):
    """Operators answer citizens, they do not handle cases: a case's or a booking's notification (sent by the
    system from an event, not by staff nor as a reply to a message) is named, not shown."""
    if message.sent_by or message.channel == "passive" or message.cause.startswith(("msg:", "evt:", "answer:")):
        return message.content
    return SYSTEM_NOTICE


def conversation(uow, openid, account_id=MAIN_ACCOUNT):
    """One citizen's messages and the account's, oldest first; reading it is audited (citizens write personal
    things to a government account)."""
    uow.require("wechat.inbox")
    follower = _follower(uow.session, openid, account_id)
    uow.audit("wechat.conversation_read", "follower", who(openid))
    return {
        "citizen": _summary(follower) if follower.last_message_at else {"openid": openid, "alias": alias(openid)},
        "messages": _thread(uow.session, openid),
        "channel": channel_now(uow.session, follower),
    }


def answer(uow, checkpoint, client, openid, data, request_id, template_id, base, account_id=MAIN_ACCOUNT):
    """Send a staff member's answer once per request id (a double submit sends nothing more) by the channel WeChat
    allows now; a send WeChat refuses is recorded with its reason and retried like any notification."""
    uow.require("wechat.inbox")
    check_request_id(request_id)
    clean = validate(AnswerIn, data)
    session, cause = uow.session, f"answer:{request_id}"
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"messaging.{cause}"})
    done = session.scalar(select(OutboundMessage).where(OutboundMessage.cause == cause))
    if done is not None:
        if done.openid != openid or done.content != clean.text:
            raise Conflict("request_id_reused", "该请求编号已用于另一条回复，请刷新页面后重试")
        return _sent(done) | {"changed": False}
    follower = _follower(session, openid, account_id)
    if not follower.subscribed:
        raise Conflict("not_following", "该市民已取消关注公众号，微信不允许再向其发送消息")
    asked_at = local_minute(follower.last_message_at.isoformat()) if follower.last_message_at else ""
    template = {
        "template_id": template_id,
        "url": f"{base}/h5/messages",
        "data": {
            "first": "您的留言有了回复",
            "keyword1": asked_at,
            "keyword2": clean.text,
            "remark": "点击查看完整回复",
        },
    }
    follower.answered_at = datetime.now(UTC)
    uow.audit("wechat.message_answered", "follower", alias(openid), detail={"text": clean.text})
    sender = uow.actor.name or uow.actor.id
    domain.notify(session, checkpoint, client, openid, clean.text, template, cause, sent_by=sender)
    return _sent(session.scalar(select(OutboundMessage).where(OutboundMessage.cause == cause))) | {"changed": True}


def _sent(row):
    return {
        "id": row.id,
        "channel": row.channel,
        "channel_label": CHANNEL_LABELS.get(row.channel, row.channel),
        "status": row.status,
        "status_label": STATUS_LABELS.get(row.status, row.status),
        "error": row.error,
    }


def my_messages(session, openid):
    """我的留言: what the citizen wrote and what staff answered (the page a template message points to)."""
    return _thread(session, openid, limit=50, staff_only=True)


# -- messages WeChat refused -------------------------------------------------------------------------------------
def _needs_attention(now):
    return (
        (OutboundMessage.created_at > now - FAILED_FOR)
        & OutboundMessage.status.in_(("failed", "undeliverable", "sending"))
        & ((OutboundMessage.status != "sending") | (OutboundMessage.created_at < now - SENDING_STUCK))
    )


def failed_sends(uow, offset=0, account_id=MAIN_ACCOUNT):
    uow.require("wechat.inbox")
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= 100_000:
        raise ValidationError("invalid_offset", "分页参数不正确")
    now = datetime.now(UTC)
    rows = uow.session.scalars(
        select(OutboundMessage)
        .where(_needs_attention(now), OutboundMessage.account_id == account_id)
        .order_by(OutboundMessage.id.desc())
        .offset(offset)
        .limit(PAGE)
    ).all()
    total = uow.session.scalar(
        select(func.count()).where(_needs_attention(now), OutboundMessage.account_id == account_id)
    )
    return {
        "total": total,
        "sends": [
            _sent(r)
            | {
                "alias": alias(r.openid),
                "openid": r.openid,
                "content": _shown_to_operators(r)[:300],
                "created_at": r.created_at.isoformat(),
                "attempt": r.attempt,
                "sent_by": r.sent_by,
            }
            for r in rows
        ],
    }


def resend(uow, checkpoint, client, outbound_id, account_id=MAIN_ACCOUNT):
    """Send a refused (or unknown) message again by the channel allowed now; a second click finds it done."""
    uow.require("wechat.inbox")
    row = uow.session.get(OutboundMessage, outbound_id, with_for_update=True) if is_id(outbound_id) else None
    if row is None or row.account_id != account_id:
        raise NotFound("send_not_found", "没有这条消息")
    in_flight = row.status == "sending" and row.created_at >= datetime.now(UTC) - SENDING_STUCK
    if row.status not in ("failed", "undeliverable", "sending") or in_flight:
        # done already, or still being sent by the worker that started it: sending it now would send it twice
        return {"resent": False, "status": row.status, "status_label": STATUS_LABELS.get(row.status, row.status)}
    row.status = "retried"
    uow.audit("wechat.message_resent", "outbound_message", row.id, detail={"to": alias(row.openid)})
    checkpoint()
    channel = domain.notify(
        uow.session, checkpoint, client, row.openid, row.content, row.template, row.cause, row.attempt + 1, row.sent_by
    )
    return {"resent": True, "channel": channel}
