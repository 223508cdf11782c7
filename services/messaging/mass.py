"""群发消息: a mass send composed by one staff member, approved by another (never its author), and sent in WeChat's
batches of ≤ 10,000 openids, each with its own clientmsgid so a retried batch is harmless.

Who receives it is worked out here, not left to WeChat: the target (everyone, a group, or a filter on what
citizens told us) minus the blacklisted and minus followers who already had 4 mass messages this month (WeChat's
limit for a service account). The page shows these numbers before anyone approves. The list is fixed when the send
is approved (`mass_recipients`, under a lock per account, so two sends approved at once cannot both use a
follower's last place); a timer sends the batches and WeChat's MASSSENDJOBFINISH event brings each one's result.
"""

import logging
import math
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, literal, literal_column, select, text
from wechatpy.exceptions import WeChatClientException

from libs.clock import local_minute
from libs.errors import Conflict, Forbidden, NotFound, UpstreamFailed, ValidationError
from libs.schemas import is_id, validate
from services.messaging import approval, articles, materials, once
from services.messaging.followers import tag_names
from services.messaging.models import (
    MAIN_ACCOUNT,
    Article,
    Follower,
    FollowerTag,
    MassBatch,
    MassRecipient,
    MassSend,
    Material,
    OperatorBinding,
)
from services.messaging.schemas import (
    MASS_BATCH,
    MASS_PER_MONTH,
    MASS_STATUS,
    MASS_TARGETS,
    MASS_TYPES,
    MATERIAL_KINDS,
    MassSendIn,
)
from services.messaging.wechat import reason

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(seconds=60)  # WeChat asks a minute between tries of one clientmsgid (45066)
MAX_ATTEMPTS = 5
RETRYABLE = (-1, 45009, 45066, 40001, 42001)  # busy, quota, too fast, token: the same batch again later


def _month(now=None):
    # WeChat's month is China's calendar month
    return local_minute((now or datetime.now(UTC)).isoformat())[:7]


def _audience(target, account_id):
    """The subscribed followers a target names (blacklisted ones included: they are counted, then left out)."""
    where = [Follower.account_id == account_id, Follower.subscribed.is_(True)]
    if target.get("tag_id") is not None and target.get("kind") in ("tag", "filter"):
        where.append(
            select(FollowerTag.openid)
            .where(FollowerTag.openid == Follower.openid, FollowerTag.tag_id == target["tag_id"])
            .exists()
        )
    if target.get("kind") == "filter":
        if target.get("gender"):
            where.append(Follower.gender == target["gender"])
        if target.get("region"):
            where.append(Follower.region == target["region"])
    return where


def _full(account_id, month):
    """Followers who had their 4 mass messages this month."""
    return (
        select(MassRecipient.openid)
        .where(MassRecipient.account_id == account_id, MassRecipient.month == month)
        .group_by(MassRecipient.openid)
        .having(func.count() >= MASS_PER_MONTH)
    )


def estimate(session, target, account_id=MAIN_ACCOUNT):
    """How many the target names, and how many of them will be left out, and why."""
    month = _month()
    where = _audience(target, account_id)
    targeted, blacklisted = session.execute(
        select(func.count(), func.count().filter(Follower.blacklisted.is_(True))).where(*where)
    ).one()
    over = session.scalar(
        select(func.count()).where(
            *where, Follower.blacklisted.is_(False), Follower.openid.in_(_full(account_id, month))
        )
    )
    return {
        "targeted": targeted,
        "blacklisted": blacklisted,
        "over_quota": over,
        "will_send": targeted - blacklisted - over,
        "month": month,
    }


def _view(session, row, with_estimate=False):
    batches = session.execute(
        select(MassBatch.status, func.count(), func.sum(MassBatch.sent_count), func.sum(MassBatch.error_count))
        .where(MassBatch.send_id == row.id)
        .group_by(MassBatch.status)
    ).all()
    done = {s: (n, sent or 0, errors or 0) for s, n, sent, errors in batches}
    view = {
        "id": row.id,
        "title": row.title,
        "msgtype": row.msgtype,
        "msgtype_label": MASS_TYPES.get(row.msgtype, row.msgtype),
        "content": row.content,
        "material_id": row.material_id,
        "article_id": row.article_id,
        "carries": _carries(session, row),
        "target": row.target,
        "target_label": _target_label(session, row.target, row.account_id),
        "status": row.status,
        "status_label": MASS_STATUS[row.status],
        "author_id": row.author_id,
        "author_name": row.author_name,
        "approver_name": row.approver_name,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "reject_reason": row.reject_reason,
        "recipients": row.recipients,
        "skipped": row.skipped,
        "error": row.error,
        "created_at": row.created_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "batches": sum(n for n, _, _ in done.values()),
        "batches_sent": sum(n for s, (n, _, _) in done.items() if s in ("sent", "finished")),
        "batches_failed": done.get("failed", (0, 0, 0))[0],
        "delivered": sum(sent for _, sent, _ in done.values()),  # as WeChat reported (MASSSENDJOBFINISH)
        "delivery_errors": sum(errors for _, _, errors in done.values()),
    }
    if with_estimate and row.status in ("draft", "pending", "rejected"):
        view["estimate"] = estimate(session, row.target, row.account_id)
    return view


def _carries(session, row):
    if row.msgtype in MATERIAL_KINDS and row.material_id:
        material = session.get(Material, row.material_id)
        return material.title if material else "（素材已删除）"
    if row.msgtype == "mpnews" and row.article_id:
        article = session.get(Article, row.article_id)
        return article.title if article else "（图文已删除）"
    return ""


def _target_label(session, target, account_id):
    """Who a send is for, as the pages say it: 全部粉丝, 分组“志愿者”, or 筛选：分组“志愿者” · 女 · 西湖区."""
    kind = target.get("kind", "all")
    if kind == "all":
        return MASS_TARGETS["all"]
    group = ""
    if target.get("tag_id") is not None:
        group = f"分组“{tag_names(session, account_id).get(target['tag_id'], target['tag_id'])}”"
    if kind == "tag":
        return group
    parts = [group, {"male": "男", "female": "女"}.get(target.get("gender"), ""), target.get("region") or ""]
    return "筛选：" + " · ".join(p for p in parts if p)


def _send(session, send_id, account_id, lock=False):
    row = session.get(MassSend, send_id, with_for_update=lock) if is_id(send_id, 2**31 - 1) else None
    if row is None or row.account_id != account_id:
        raise NotFound("mass_send_not_found", "群发不存在")
    return row


def sends(session, account_id=MAIN_ACCOUNT):
    rows = session.scalars(
        select(MassSend).where(MassSend.account_id == account_id).order_by(MassSend.id.desc()).limit(50)
    ).all()
    return [_view(session, r) for r in rows]


def one(session, send_id, account_id=MAIN_ACCOUNT):
    return _view(session, _send(session, send_id, account_id), with_estimate=True)


def save(uow, send_id, data, account_id=MAIN_ACCOUNT, request_id=None):
    """A new draft (once per `request_id`), or a draft (or a rejected send) changed: it goes back to being a draft."""
    uow.require("wechat.mass")
    if send_id is None and (earlier := once.made_before(uow.session, MassSend, account_id, request_id, uow.actor.id)):
        return _view(uow.session, earlier, with_estimate=True)
    clean = validate(MassSendIn, data)
    _known_tag(uow.session, clean.target, account_id)
    _what_it_carries(uow.session, clean, account_id)
    now = datetime.now(UTC)
    if send_id is None:
        row = MassSend(
            account_id=account_id,
            request_id=request_id,
            status="draft",
            author_id=uow.actor.id,
            author_name=uow.actor.name or uow.actor.id,
            created_at=now,
        )
        uow.session.add(row)
    else:
        row = _send(uow.session, send_id, account_id, lock=True)
        if row.status not in ("draft", "rejected"):
            raise Conflict("mass_not_editable", f"该群发{MASS_STATUS[row.status]}，不能再修改")
        # whoever edits it becomes its author: the approver must be someone else than them
        row.author_id, row.author_name = uow.actor.id, uow.actor.name or uow.actor.id
    row.title, row.content, row.target = clean.title, clean.content, clean.target.model_dump()
    row.msgtype = clean.msgtype
    row.material_id = clean.material_id if clean.msgtype in MATERIAL_KINDS else None
    row.article_id = clean.article_id if clean.msgtype == "mpnews" else None
    row.content = clean.content if clean.msgtype == "text" else ""
    row.status, row.reject_reason, row.updated_at = "draft", "", now
    uow.session.flush()
    uow.audit("wechat.mass_saved", "mass_send", row.id, detail={"title": row.title, "target": row.target})
    return _view(uow.session, row, with_estimate=True)


def _what_it_carries(session, clean, account_id):
    """A material of the send's own kind that WeChat has, or an article of this account."""
    if clean.msgtype in MATERIAL_KINDS:
        materials.usable(session, clean.material_id, (clean.msgtype,), "material_id", account_id)
    elif clean.msgtype == "mpnews":
        article = session.get(Article, clean.article_id)
        if article is None or article.account_id != account_id:
            raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"article_id": "图文不存在"}})


def _send_once(session, client, row, to, preview=False, client_msg_id=None):
    """The message itself, to a list of openids (a batch) or one (a preview), by its kind."""
    message = client.message
    extra = {"preview": preview} | ({"client_msg_id": client_msg_id} if client_msg_id else {})
    if row.msgtype == "text":
        return message.send_mass_text(to, row.content, **extra)
    if row.msgtype == "image":
        return message.send_mass_image(to, row.media_id, **extra)
    if row.msgtype == "voice":
        return message.send_mass_voice(to, row.media_id, **extra)
    if row.msgtype == "video":  # WeChat's example gives the title and description with it
        video = session.get(Material, row.material_id)
        return message.send_mass_video(to, row.media_id, title=video.title, description=video.introduction, **extra)
    return message.send_mass_article(to, row.media_id, **extra)


def _media_for(session, client, row, preview=False):
    """The media_id every batch of this send names, made once (at the first batch; a preview makes its own): a
    material's own, a video made sendable (media/uploadvideo), or WeChat's draft of the article."""
    if row.msgtype == "text" or row.media_id:
        return
    if row.msgtype == "mpnews":
        article = session.get(Article, row.article_id)
        row.media_id = articles.wechat_draft(session, client, article)
        if not preview:  # WeChat takes a mass-sent draft out of its 草稿箱: the next use makes another
            article.draft_media_id = ""
        return
    material = session.get(Material, row.material_id)
    if row.msgtype == "video":
        made = client.media.upload_video(material.media_id, material.title, material.introduction)
        row.media_id = str(made["media_id"])[:128]
    else:
        row.media_id = material.media_id


def _known_tag(session, target, account_id):
    if target.tag_id is not None and target.tag_id not in tag_names(session, account_id):
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"target.tag_id": "分组不存在"}})


def preview(uow, client, send_id, account_id=MAIN_ACCOUNT):
    """The message to the operator's own WeChat (bound through 公众号助手) before it goes to everyone: a preview
    to anyone else would be a mass message nobody approved."""
    uow.require("wechat.mass")
    row = _send(uow.session, send_id, account_id, lock=True)
    if row.status not in ("draft", "rejected"):  # a send on its way names its own media: leave it be
        raise Conflict("mass_not_editable", f"该群发{MASS_STATUS[row.status]}，不再预览")
    openid = own_wechat(uow.session, uow.actor.id, account_id)
    follower = uow.session.get(Follower, openid) if openid else None
    if follower is None or not follower.subscribed:
        why = "请先在“绑定我的微信”中绑定您自己的微信（并关注公众号），预览只发给您自己"
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"openid": why}})
    try:
        _media_for(uow.session, client, row, preview=True)
        _send_once(uow.session, client, row, openid, preview=True)
    except (WeChatClientException, OSError, ValidationError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise UpstreamFailed("wechat_refused", f"预览发送失败：{reason(exc)}") from None
    finally:
        row.media_id = ""  # the send itself makes its own when approved: the article may still change
    uow.audit("wechat.mass_previewed", "mass_send", row.id, detail={"to": openid[:4] + "…" + openid[-4:]})
    return {"previewed": True}


def own_wechat(session, staff_id, account_id):
    """The staff member's own bound WeChat, if any (公众号助手), while the binding is valid."""
    return session.scalar(
        select(OperatorBinding.openid).where(
            OperatorBinding.account_id == account_id,
            OperatorBinding.staff_id == staff_id,
            OperatorBinding.openid.is_not(None),
            OperatorBinding.expires_at > datetime.now(UTC),
        )
    )


def submit(uow, send_id, account_id=MAIN_ACCOUNT):
    uow.require("wechat.mass")
    row = _send(uow.session, send_id, account_id, lock=True)
    if row.status == "pending":
        return _view(uow.session, row, with_estimate=True)  # a second click: already waiting
    if row.status not in ("draft", "rejected"):
        raise Conflict("mass_not_submittable", f"该群发{MASS_STATUS[row.status]}，不能提交审核")
    if estimate(uow.session, row.target, account_id)["will_send"] < 2:  # said now, not at approval
        raise Conflict("mass_too_few", "可发送的粉丝不足2位（微信群发至少2位），请调整发送对象")
    row.status, row.updated_at = "pending", datetime.now(UTC)
    approval.submitted(uow, row)
    uow.audit("wechat.mass_submitted", "mass_send", row.id)
    return _view(uow.session, row, with_estimate=True)


def reject(uow, send_id, why, account_id=MAIN_ACCOUNT):
    uow.require("wechat.mass_approve")
    row = _send(uow.session, send_id, account_id, lock=True)
    _decidable(uow, row)
    why = approval.reject(uow, row, why)
    uow.audit("wechat.mass_rejected", "mass_send", row.id, reason=why)
    return _view(uow.session, row)


def _decidable(uow, row):
    approval.decidable(uow, row, "群发", MASS_STATUS, ("mass_not_pending", "mass_own_send"))
    article = uow.session.get(Article, row.article_id) if row.msgtype == "mpnews" else None
    if article is not None and article.author_id == uow.actor.id:  # what is sent is their writing: someone else
        raise Forbidden("mass_own_article", "群发的图文由您编写，请由另一位工作人员审核")


def _batch_sizes(session, send_id):
    query = select(MassRecipient.batch_no, func.count()).where(MassRecipient.send_id == send_id)
    return dict(session.execute(query.group_by(MassRecipient.batch_no)).tuples().all())


def approve(uow, send_id, account_id=MAIN_ACCOUNT):
    """Fix who receives it (under the account's lock: the monthly limit holds across sends approved at once), make
    its batches, and leave the sending to the timer."""
    uow.require("wechat.mass_approve")
    session = uow.session
    row = _send(session, send_id, account_id, lock=True)
    _decidable(uow, row)
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"messaging.mass:{account_id}"})
    month, seen = _month(), estimate(session, row.target, account_id)
    where = _audience(row.target, account_id) + [
        Follower.blacklisted.is_(False),
        Follower.openid.not_in(_full(account_id, month)),
    ]
    # numbered into batches as they are written, spread evenly (every batch ≤ MASS_BATCH and ≥ 2 openids, as WeChat
    # asks), by the count taken just before: renumbering afterwards wrote all 100,000 rows twice, which took the
    # approval past the gateway's RPC timeout while it went on committing
    expected = session.scalar(select(func.count()).select_from(Follower).where(*where)) or 0
    planned = max(1, math.ceil(expected / MASS_BATCH))
    position = (func.row_number().over(order_by=Follower.openid) - 1).self_group()
    batch_no = position.op("%")(literal_column(str(planned)))  # written out: a parameter would divide in numeric
    chosen = select(literal(row.id), Follower.openid, literal(account_id), literal(month), batch_no).where(*where)
    columns = ["send_id", "openid", "account_id", "month", "batch_no"]
    # who receives it is what this statement finds (followers may change while the page showed the estimate)
    session.execute(MassRecipient.__table__.insert().from_select(columns, chosen))
    reached = session.scalar(select(func.count()).where(MassRecipient.send_id == row.id))
    if reached < 2:
        raise Conflict("mass_too_few", "可发送的粉丝不足2位（微信群发至少2位），请调整发送对象")
    batches = math.ceil(reached / MASS_BATCH)
    sizes = _batch_sizes(session, row.id)
    if batches != planned or max(sizes.values()) > MASS_BATCH or min(sizes.values()) < 2:
        # followers came or went between the count and the insert: number them again, as they are now
        session.execute(
            text(
                "UPDATE messaging.mass_recipients r SET batch_no = n.rn % :b FROM ("
                " SELECT openid, row_number() OVER (ORDER BY openid) - 1 AS rn"
                " FROM messaging.mass_recipients WHERE send_id = :s) n"
                " WHERE r.send_id = :s AND r.openid = n.openid"
            ),
            {"b": batches, "s": row.id},
        )
    now = datetime.now(UTC)
    counts = _batch_sizes(session, row.id)
    for number, count in sorted(counts.items()):
        session.add(
            MassBatch(
                send_id=row.id,
                batch_no=number,
                # unique beyond this database (a restored copy or a staging install on the same AppID would
                # repeat ids): WeChat takes a clientmsgid once
                clientmsgid=f"wzw{account_id}-{row.id}-{number}-{secrets.token_hex(4)}",
                count=count,
                status="pending",
                updated_at=now,
            )
        )
    row.status, row.month, row.recipients, row.media_id = "sending", month, sum(counts.values()), ""
    row.skipped = {"blacklisted": seen["blacklisted"], "over_quota": seen["over_quota"]}
    approval.decided(uow, row, now)
    row.updated_at = now
    uow.audit("wechat.mass_approved", "mass_send", row.id, detail={"recipients": row.recipients, "batches": batches})
    return _view(session, row)


def send_step(session, client):
    """One batch of a send that is sending; True when a batch was sent (or settled), False when nothing is due."""
    now = datetime.now(UTC)
    batch = session.scalar(
        select(MassBatch)
        .join(MassSend, MassSend.id == MassBatch.send_id)
        .where(
            MassSend.status == "sending",
            MassBatch.status == "pending",
            (MassBatch.attempts == 0) | (MassBatch.updated_at < now - RETRY_AFTER),
            MassSend.account_id.in_(list(client.provider.accounts.by_id)),  # an account still served
        )
        .order_by(MassBatch.send_id, MassBatch.batch_no)
        .limit(1)
        .with_for_update(of=MassBatch, skip_locked=True)
    )
    if batch is None:
        return False
    send = session.get(MassSend, batch.send_id)
    client = client.of(send.account_id)
    openids = list(
        session.scalars(
            select(MassRecipient.openid).where(
                MassRecipient.send_id == batch.send_id, MassRecipient.batch_no == batch.batch_no
            )
        )
    )
    batch.attempts += 1
    batch.updated_at = now
    try:
        try:
            _media_for(session, client, send)
        except (WeChatClientException, OSError):
            raise
        except Exception as exc:  # what this send carries cannot be made (an article's image gone, ...)
            raise _Unsendable(exc) from exc
        result = _send_once(session, client, send, openids, client_msg_id=batch.clientmsgid)
        batch.status, batch.msg_id, batch.error = "sent", result.get("msg_id"), ""
    except (WeChatClientException, OSError, _Unsendable) as exc:
        code = getattr(exc, "errcode", None)
        if code == 45065:  # this clientmsgid was sent before: the earlier try reached WeChat
            batch.status, batch.error = "sent", ""
        elif code == 40007 and send.media_id and send.msgtype in ("mpnews", "video") and batch.attempts < MAX_ATTEMPTS:
            # the draft or sendable video this send made is gone at WeChat: made again at once by the next try
            send.media_id, batch.error, batch.updated_at = "", reason(exc), now - RETRY_AFTER
        elif isinstance(exc, _Unsendable):
            _batch_failed(session, batch, exc.why)
        elif (code in RETRYABLE or code is None) and batch.attempts < MAX_ATTEMPTS:
            batch.error = reason(exc)  # stays pending: tried again after RETRY_AFTER
        else:
            _batch_failed(session, batch, reason(exc))
        log.warning("mass send %s batch %s: %s", batch.send_id, batch.batch_no, exc)
    session.flush()
    _settle(session, send)
    session.commit()
    return True


class _Unsendable(Exception):
    """What a send carries cannot be made into WeChat's message: the batch fails with the reason."""

    def __init__(self, cause):
        super().__init__(str(cause))
        if isinstance(cause, ValidationError):
            self.why = "；".join((cause.details.get("fields") or {}).values()) or cause.message
        elif isinstance(cause, UpstreamFailed):
            self.why = cause.message
        else:
            log.exception("mass send: its message could not be made", exc_info=cause)
            self.why = "系统错误，未能生成群发内容"


def _batch_failed(session, batch, why):
    batch.status, batch.error = "failed", why[:500]
    # nobody in it was reached: it must not count against their 4 a month
    session.execute(
        delete(MassRecipient).where(MassRecipient.send_id == batch.send_id, MassRecipient.batch_no == batch.batch_no)
    )


def _settle(session, send):
    # replicas send a send's last batches at once: each counts under the send's row lock (then its count sees the
    # other's commit), else each saw the other's batch still pending and the send stayed "sending" for good
    session.execute(select(MassSend.id).where(MassSend.id == send.id).with_for_update())
    states = dict(
        session.execute(
            select(MassBatch.status, func.count()).where(MassBatch.send_id == send.id).group_by(MassBatch.status)
        )
        .tuples()
        .all()
    )
    if states.get("pending"):
        return
    failed = states.get("failed", 0)
    send.status = "failed" if failed and failed == sum(states.values()) else "sent"
    if failed:
        send.error = f"{failed}批发送失败（见各批原因），其余已发送"
    send.finished_at = send.updated_at = datetime.now(UTC)


def job_finished(session, fields, account_id=MAIN_ACCOUNT):
    """MASSSENDJOBFINISH: WeChat's count of what one batch reached."""
    try:
        msg_id = int(fields.get("MsgID") or fields.get("MsgId") or "")
    except ValueError:
        return
    batch = session.scalar(
        select(MassBatch)
        .join(MassSend, MassSend.id == MassBatch.send_id)
        .where(MassBatch.msg_id == msg_id, MassSend.account_id == account_id)
        .with_for_update(of=MassBatch)
    )
    if batch is None:
        log.info("MASSSENDJOBFINISH for an unknown msg_id %s", msg_id)
        return

    def count(name):
        value = str(fields.get(name) or "")
        return int(value) if value.isdigit() and len(value) < 10 else None

    batch.total_count, batch.sent_count, batch.error_count = (
        count("TotalCount"),
        count("SentCount"),
        count("ErrorCount"),
    )
    batch.job_status = str(fields.get("Status") or "")[:64]
    batch.status, batch.updated_at = "finished", datetime.now(UTC)


def pending_for(session, account_id=MAIN_ACCOUNT, not_by=None):
    """Sends waiting for approval (by someone other than `not_by`, their author)."""
    where = [MassSend.account_id == account_id, MassSend.status == "pending"]
    if not_by is not None:
        where.append(MassSend.author_id != not_by)
    return session.scalar(select(func.count()).where(and_(*where)))
