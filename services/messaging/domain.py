"""What the account says to citizens, and by which channel WeChat allows at that moment."""

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from wechatpy.exceptions import WeChatClientException

from libs.clock import local_minute
from libs.wechat.accounts import TEMPLATE_KINDS
from libs.wechat.answers import JOB_EVENTS, with_account
from libs.wechat.commands import inquiry_question
from services.messaging import channels, media
from services.messaging.models import MAIN_ACCOUNT, Account, CaseTrack, Follower, InboundMessage, OutboundMessage
from services.messaging.wechat import reason

log = logging.getLogger(__name__)
CUSTOM_WINDOW = timedelta(hours=48)
RETRY_AFTER = timedelta(seconds=30)
RETRY_FOR = timedelta(hours=24)  # an acknowledgement a day late helps nobody; it stays recorded as failed
MAX_ATTEMPTS = 3
CUSTOM_QUOTA = 5  # customer-service messages per window; the window and the count restart when the citizen writes
# a menu click, a follow or a scan opens a shorter window of its own
EVENT_WINDOW, EVENT_QUOTA = timedelta(minutes=1), 3
OPENING_EVENTS = ("click", "subscribe", "scan")
KIND_PREVIEWS = {
    "image": "[图片]",
    "voice": "[语音]",
    "video": "[视频]",
    "shortvideo": "[小视频]",
    "location": "[位置]",
    "link": "[链接]",
    "file": "[文件]",
}
TEMPLATE_FIELD_MAX = 20
REMARK_MAX = 60  # the remark line says what happened: room for a sentence


def record_inbound(uow, dedupe_key, fields, account_id=MAIN_ACCOUNT):
    """Store the message once (a retry that slipped past the gateway is caught here) and update the follower,
    in the caller's unit of work. Returns None for a repeat, else the account's version (caches.py), read in the
    same round trip.
    """
    session = uow.session
    now = datetime.now(UTC)
    openid = fields["FromUserName"]
    msg_type = fields.get("MsgType", "")
    event = (fields.get("Event") or "").lower()
    inserted = session.execute(
        insert(InboundMessage)
        .values(
            account_id=account_id,
            dedupe_key=dedupe_key,
            openid=openid,
            msg_type=msg_type,
            event=event,
            content=fields.get("Content") or "",
            # where the citizen is stays with them: only what their consent allows is kept (keep_location)
            fields=_without_position(fields) if event == "location" else fields,
            received_at=now,
        )
        .on_conflict_do_nothing()
        .returning(InboundMessage.id, select(Account.version).where(Account.id == account_id).scalar_subquery())
    ).first()
    if inserted is None:
        return None
    version = inserted[1]
    if msg_type == "event" and event in JOB_EVENTS:
        return version  # WeChat reporting on a send of ours: it comes from no follower
    # one upsert, no read-then-write: anyone who can message the account follows it (WeChat delivers nothing
    # from non-followers), so an unknown sender becomes a follower
    changes = {}
    if msg_type == "event" and event == "subscribe":
        scene = (fields.get("EventKey") or "").removeprefix("qrscene_")[:64]
        changes = {"subscribed": True, "subscribed_at": now, "unsubscribed_at": None, "scene": scene}
        changes["last_event_at"] = now
        if scene and not scene.startswith("bind-"):  # a staff member binding their WeChat is no channel's scan
            channels.record_scan(session, openid, scene, follow=True, account_id=account_id)
        uow.publish("follower_subscribed", {"openid": openid, "scene": scene})
    elif msg_type == "event" and event == "unsubscribe":
        changes = {"subscribed": False, "unsubscribed_at": now}
        uow.publish("follower_unsubscribed", {"openid": openid})
    elif msg_type == "event" and event in OPENING_EVENTS:
        changes = {"last_event_at": now}
        if event == "scan" and fields.get("EventKey") and not fields["EventKey"].startswith("bind-"):
            channels.record_scan(session, openid, fields["EventKey"], follow=False, account_id=account_id)
    elif msg_type != "event":
        changes = {"last_message_at": now, "last_content": preview(fields)}
        media.note(session, dedupe_key, openid, fields, account_id)
        content = fields.get("Content") or ""
        # announced only when another service acts on it ("咨询 …", which cases files): an event for every
        # message would cost each one an outbox row, a second trip over the bus and a handler in cases
        if msg_type == "text" and inquiry_question(content):
            uow.publish(
                "wechat_message_received",
                {"openid": openid, "msg_type": msg_type, "content": content, "key": dedupe_key},
            )
    values = {"openid": openid, "account_id": account_id, "subscribed": True, "subscribed_at": now, "scene": ""}
    values |= changes
    upsert = insert(Follower).values(**values)
    if changes:
        upsert = upsert.on_conflict_do_update(index_elements=["openid"], set_=changes)
    else:
        upsert = upsert.on_conflict_do_nothing()
    session.execute(upsert)
    return version


def _without_position(fields):
    return {k: v for k, v in fields.items() if k not in ("Latitude", "Longitude", "Precision")}


def preview(fields):
    """What the inbox shows of a message: its text, or what kind of thing it is (with what WeChat says of it)."""
    kind = fields.get("MsgType", "")
    if kind == "text":
        return (fields.get("Content") or "")[:200]
    label = KIND_PREVIEWS.get(kind, f"[{kind}]")
    said = fields.get("Recognition") or fields.get("Label") or fields.get("Title") or ""
    return f"{label} {said}".strip()[:200]


def _track_upsert(with_reply):
    stmt = insert(CaseTrack)
    changes = {
        k: stmt.excluded[k]
        for k in ("status", "status_label", "updated_at", *(("latest_reply",) if with_reply else ()))
    }
    return stmt.on_conflict_do_update(
        index_elements=["number"], set_=changes, where=CaseTrack.updated_at <= stmt.excluded.updated_at
    )


# built once (every case event runs one): a reply's event also keeps the reply, a step's keeps the last one
_TRACK = {True: _track_upsert(True), False: _track_upsert(False)}


def track_case(session, case):
    """Keep the case's status from a cases event (events.CaseNotice); events may arrive out of order, so the
    newer state wins."""
    values = {
        "number": case.number,
        "openid": case.openid,
        "kind_label": case.kind_label,
        "status": case.status,
        "status_label": case.status_label,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "latest_reply": getattr(case, "reply", "") or "",
    }
    session.execute(_TRACK[bool(values["latest_reply"])], values)


def case_status_text(session, number, openid, base):
    """The answer to a case number sent as a message: the filer sees the latest reply, anyone else the status."""
    track = session.get(CaseTrack, number.upper())
    if track is None:
        return "没有找到该编号的案件，请核对后重新发送。"
    lines = [
        f"【{track.kind_label}】{track.number}",
        f"状态：{track.status_label}",
        f"提交时间：{local_minute(track.created_at.isoformat())}",
    ]
    if track.openid == openid and track.latest_reply:
        lines.append(f"最新答复：{track.latest_reply}")
    lines.append(f'<a href="{base}/h5/cases/{track.number}">查看详情</a>')
    return "\n".join(lines)


def log_outbound(
    session, openid, channel, content, cause, status, error="", template=None, attempt=1, sent_by="", account_id=None
):
    row = OutboundMessage(
        account_id=account_id or MAIN_ACCOUNT,
        sent_by=sent_by,
        openid=openid,
        channel=channel,
        content=content,
        cause=cause,
        status=status,
        error=error,
        created_at=datetime.now(UTC),
        template=template,
        attempt=attempt,
    )
    session.add(row)
    return row


def _deliver(session, checkpoint, row, send):
    """Record the message as `sending` and commit that before WeChat is called, then record the outcome.

    WeChat has no idempotency key for these messages, so the one unsafe moment is between its answer and our
    record of it: if the database fails right then, the row stays `sending` (outcome unknown) and nothing sends
    it again by itself. A citizen is told at most once, and the 48 h quota counts the message either way."""
    session.flush()
    checkpoint()
    try:
        send()
    except (WeChatClientException, OSError) as exc:
        log.warning("%s message to %s failed: %s", row.channel, row.openid, exc)
        row.status, row.error = "failed", reason(exc)
        return False
    row.status = "sent"
    return True


def send_custom_text(session, checkpoint, client, openid, content, cause, template=None, attempt=1, sent_by=""):
    row = log_outbound(
        session,
        openid,
        "custom",
        content,
        cause,
        "sending",
        template=template,
        attempt=attempt,
        sent_by=sent_by,
        account_id=client.account_id,
    )
    return _deliver(session, checkpoint, row, lambda: client.message.send_text(openid, content))


def send_custom_image(session, checkpoint, client, openid, media_id, cause):
    """A keyword rule's image, too late for the passive reply: the same image as a customer-service message."""
    # the image travels with the record: a retry sends the image again, not the words "[图片]"
    template = {"image": media_id}
    row = log_outbound(
        session, openid, "custom", "[图片]", cause, "sending", template=template, account_id=client.account_id
    )
    return _deliver(session, checkpoint, row, lambda: client.message.send_image(openid, media_id))


def template_values(data):
    """A template message's field values as WeChat will show them: long ones cut, and marked as cut."""
    return {k: _cut(str(v), TEMPLATE_FIELD_MAX if k != "remark" else REMARK_MAX) for k, v in data.items()}


def _cut(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def custom_window(session, follower):
    """The customer-service window open now, as {"until", "left"}, or None. WeChat allows 5 messages for 48 h after
    the citizen's last message, and 3 for a minute after a menu click, a follow or a scan; none after an unfollow."""
    if not follower.subscribed:
        return None
    now = datetime.now(UTC)
    for opened, length, quota in (
        (follower.last_message_at, CUSTOM_WINDOW, CUSTOM_QUOTA),
        (follower.last_event_at, EVENT_WINDOW, EVENT_QUOTA),
    ):
        if opened is None or now - opened >= length:
            continue
        sent = session.scalar(
            select(func.count()).where(
                OutboundMessage.openid == follower.openid,
                OutboundMessage.channel == "custom",
                OutboundMessage.status.in_(("sent", "sending")),  # an unknown outcome may have used the quota
                OutboundMessage.created_at >= opened,
            )
        )
        if sent < quota:
            return {"until": opened + length, "left": quota - sent}
    return None


def _account_template(client, account_id, template):
    base = client.provider.config
    kind = next((k for k, key in TEMPLATE_KINDS.items() if base.get(key) == template.get("template_id")), None)
    own = client.provider.accounts.by_id[account_id].template_id(kind) if kind else ""
    return template | {"template_id": own} if own else None


def custom_message_allowed(session, follower):
    return custom_window(session, follower) is not None


def notify(session, checkpoint, client, openid, text, template, cause, attempt=1, sent_by=""):
    """Tell a citizen something: customer-service message inside the 48 h window, else a template message
    (followers only), else record that WeChat gives us no way to reach them. `checkpoint()` commits the intent
    before WeChat is called (see _deliver)."""
    follower = session.get(Follower, openid)
    # the follower's own account tells them: an openid belongs to one Official Account
    account_id = follower.account_id if follower else MAIN_ACCOUNT
    client = client.of(account_id)
    if account_id != MAIN_ACCOUNT:  # its links open the pages as that account knows the citizen
        code = client.provider.accounts.code_of[account_id]
        text = with_account(text, code)
        if template and template.get("url"):
            template = template | {"url": with_account(template["url"], code)}
    if template and "image" in template:  # a keyword rule's image, sent again: by customer-service message only
        if follower and custom_message_allowed(session, follower):
            row = log_outbound(
                session,
                openid,
                "custom",
                text,
                cause,
                "sending",
                template=template,
                attempt=attempt,
                sent_by=sent_by,
                account_id=account_id,
            )
            sent = _deliver(session, checkpoint, row, lambda: client.message.send_image(openid, template["image"]))
            return "custom" if sent else "failed"
        template = None
    if follower and custom_message_allowed(session, follower):
        sent = send_custom_text(session, checkpoint, client, openid, text, cause, template, attempt, sent_by)
        return "custom" if sent else "failed"
    no_template = False
    if template and account_id != MAIN_ACCOUNT:  # its own template, or none (a template belongs to one account)
        template = _account_template(client, account_id, template)
        no_template = template is None
    if follower and follower.subscribed and template:
        data = {k: {"value": v} for k, v in template_values(template["data"]).items()}
        row = log_outbound(
            session,
            openid,
            "template",
            text,
            cause,
            "sending",
            template=template,
            attempt=attempt,
            sent_by=sent_by,
            account_id=account_id,
        )
        sent = _deliver(
            session,
            checkpoint,
            row,
            lambda: client.message.send_template(openid, template["template_id"], data, url=template.get("url")),
        )
        return "template" if sent else "failed"
    why = "对方未关注公众号，且不在客服消息时限内，无法送达"
    if no_template and follower and follower.subscribed:
        why = "该公众号未设置这类模板消息，且不在客服消息时限内，无法送达"
    log_outbound(
        session,
        openid,
        "none",
        text,
        cause,
        "undeliverable",
        why,
        attempt=attempt,
        sent_by=sent_by,
        account_id=account_id,
    )
    return "undeliverable"


def retry_failed(session, checkpoint, client, min_age=RETRY_AFTER):
    """Send failed notifications again (WeChat down, token trouble), each by whatever channel is allowed now,
    in the caller's unit of work. SKIP LOCKED lets every replica run this without sending one twice; the rows
    are marked `retried` and committed before any is sent, so no other replica picks them up meanwhile."""
    now = datetime.now(UTC)
    rows = session.scalars(
        select(OutboundMessage)
        .where(
            OutboundMessage.status == "failed",
            OutboundMessage.attempt < MAX_ATTEMPTS,
            OutboundMessage.created_at <= now - min_age,
            OutboundMessage.created_at > now - RETRY_FOR,
        )
        .order_by(OutboundMessage.id)
        .limit(50)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.status = "retried"
    checkpoint()
    return [
        notify(
            session, checkpoint, client, row.openid, row.content, row.template, row.cause, row.attempt + 1, row.sent_by
        )
        for row in rows
    ]


def follows(session, openid):
    """Whether the account can reach this citizen later (template messages need a follower)."""
    follower = session.get(Follower, openid)
    return bool(follower and follower.subscribed)
