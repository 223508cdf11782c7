"""图文: articles staff write, published on the account through WeChat's draft → publish (草稿箱 → 发布) once a
second staff member approves (the author never approves their own: a government account's 审核), or sent to
followers as a mass message (群发, which has its own approval).

The body is sanitised HTML (libs/richtext, with images); an image in it is one from 素材管理, written
`<img src="material:ID">`, and becomes the address WeChat's media/uploadimg gives when the article goes to WeChat
(WeChat filters images from anywhere else). WeChat's limits are checked when staff save: title ≤ 32 characters,
author ≤ 16, digest ≤ 128, body under 20,000 characters and 1 MB, source link ≤ 1 KB, a permanent image as cover.

Publishing is asynchronous at WeChat: freepublish/submit gives a publish_id, and WeChat reports the outcome by the
PUBLISHJOBFINISH event; a timer asks freepublish/get for any whose event has not come.
"""

import logging
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from wechatpy.exceptions import WeChatClientException

from libs import richtext
from libs.errors import Conflict, NotFound, UpstreamFailed, ValidationError
from libs.schemas import is_id, validate
from services.messaging import approval, materials, once
from services.messaging.models import MAIN_ACCOUNT, Article, Follower, MassSend, Material
from services.messaging.schemas import (
    ARTICLE_BODY_BYTES,
    ARTICLE_BODY_CHARS,
    ARTICLE_STATUS,
    PUBLISH_RESULTS,
    WeChatArticleIn,
    WeChatArticleView,
)
from services.messaging.wechat import reason

log = logging.getLogger(__name__)
TAGS = richtext.TAGS | {"img", "h2", "span", "section", "hr"}
ATTRIBUTES = richtext.ATTRIBUTES | {"img": {"src", "alt"}}
IMAGE_SRC = re.compile(r'<img\b[^>]*?\bsrc="([^"]*)"')
# a library image in the body, as the editor writes it (no leading zeros: one way to name each, which _uses finds)
MATERIAL_SRC = re.compile(r"^material:([1-9][0-9]{0,9})$")
# where the body names library images: only <img src> (a "material:" link or text is refused or left alone)
IMAGE_MATERIAL = re.compile(r'(<img\b[^>]*?\bsrc=")material:([1-9][0-9]{0,9})(")')
EDITABLE = ("draft", "rejected", "failed")
POLL_AFTER = timedelta(seconds=60)  # a PUBLISHJOBFINISH not come by then: ask freepublish/get
UNKNOWN_AFTER = timedelta(minutes=5)  # "publishing" with no publish_id this long: the approval's worker stopped


def _article(session, article_id, account_id, lock=False):
    row = session.get(Article, article_id, with_for_update=lock) if is_id(article_id, 2**31 - 1) else None
    if row is None or row.account_id != account_id:
        raise NotFound("article_not_found", "图文不存在")
    return row


def view(session, row):
    cover = session.get(Material, row.cover_id)
    data = {c: getattr(row, c) for c in WeChatArticleView.model_fields if hasattr(row, c)}
    data |= {"status_label": ARTICLE_STATUS[row.status], "cover_title": cover.title if cover else ""}
    return WeChatArticleView.model_validate(data).model_dump(mode="json")


PAGE = 50


def listing(session, offset=0, account_id=MAIN_ACCOUNT):
    """The newest 50 from `offset`, and how many the account keeps."""
    offset = min(offset, 10**9) if isinstance(offset, int) and offset > 0 else 0  # past the end: an empty page
    mine = Article.account_id == account_id
    rows = session.scalars(select(Article).where(mine).order_by(Article.id.desc()).offset(offset).limit(PAGE))
    return {"articles": [view(session, r) for r in rows], "total": session.scalar(select(func.count()).where(mine))}


def choices(session, account_id=MAIN_ACCOUNT):
    """Every article a mass send may carry, newest first, as a form's choice (no page limit: a send keeps showing
    the one it chose)."""
    rows = session.execute(
        select(Article.id, Article.title, Article.status)
        .where(Article.account_id == account_id, Article.status != "publishing")
        .order_by(Article.id.desc())
    )
    return [{"id": i, "title": title, "status_label": ARTICLE_STATUS[status]} for i, title, status in rows]


def one(session, article_id, account_id=MAIN_ACCOUNT):
    return view(session, _article(session, article_id, account_id))


def _body(session, markup, account_id):
    """The body sanitised, with every image one of the library's (JPG/PNG under 1 MB, as WeChat asks)."""
    if not isinstance(markup, str) or not markup.strip():
        raise _bad("body", "请填写正文")
    body = richtext.clean(markup, tags=TAGS, attributes=ATTRIBUTES, url_schemes=richtext.URL_SCHEMES | {"material"})
    if not body.strip():
        raise _bad("body", "请填写正文")
    if len(body) > ARTICLE_BODY_CHARS or len(body.encode()) >= ARTICLE_BODY_BYTES:
        raise _bad("body", f"正文不能超过{ARTICLE_BODY_CHARS}个字符（含排版代码，微信的要求）")
    if re.search(r'\bhref="material:', body):
        raise _bad("body", "链接不能指向素材库；图片请用“插入图片”")
    for src in IMAGE_SRC.findall(body):
        found = MATERIAL_SRC.match(src)
        if found is None:
            raise _bad("body", "正文中的图片请从素材库插入（微信会过滤其他来源的图片）")
        image = session.get(Material, int(found.group(1)))
        if image is None or image.account_id != account_id or image.kind != "image":
            raise _bad("body", "正文中插入的图片不在素材库中")
        if materials.inline_problem(image):
            raise _bad("body", materials.inline_problem(image))
    return body


def _bad(field, message):
    return ValidationError("invalid_fields", "请检查填写的内容", {"fields": {field: message}})


def _in_mass_send(session, row):
    return session.scalar(
        select(func.count()).where(MassSend.article_id == row.id, MassSend.status.in_(("pending", "sending")))
    )


def save(uow, article_id, data, account_id=MAIN_ACCOUNT, request_id=None):
    """A new article (once per `request_id`), or one changed: it goes back to being a draft."""
    uow.require("wechat.materials")
    session = uow.session
    if article_id is None and (earlier := once.made_before(session, Article, account_id, request_id, uow.actor.id)):
        return view(session, earlier)
    clean = validate(WeChatArticleIn, data)
    materials.usable(session, clean.cover_id, ("image",), "cover_id", account_id)
    body = _body(session, clean.body, account_id)
    now = datetime.now(UTC)
    if article_id is None:
        row = Article(account_id=account_id, request_id=request_id, status="draft", version=0, created_at=now)
        session.add(row)
    else:
        row = _article(session, article_id, account_id, lock=True)
        if row.status not in EDITABLE:
            raise Conflict("article_not_editable", f"该图文{ARTICLE_STATUS[row.status]}，不能再修改")
        if _in_mass_send(session, row):
            raise Conflict("article_in_mass_send", "该图文正在群发审核或发送中，不能修改")
    for name in ("title", "author", "digest", "source_url", "cover_id", "open_comment"):
        setattr(row, name, getattr(clean, name))
    row.body, row.version = body, (row.version or 0) + 1
    # whoever edits it becomes its author: the approver must be someone else
    row.author_id, row.author_name = uow.actor.id, uow.actor.name or uow.actor.id
    row.status, row.reject_reason, row.error, row.updated_at = "draft", "", "", now
    session.flush()
    uow.audit("wechat.article_saved", "article", row.id, detail={"title": row.title, "version": row.version})
    return view(session, row)


def delete(uow, client, article_id, account_id=MAIN_ACCOUNT):
    uow.require("wechat.materials")
    row = _article(uow.session, article_id, account_id, lock=True)
    if row.status in ("pending", "publishing") or _in_mass_send(uow.session, row):
        raise Conflict("article_in_use", "该图文正在审核、发布或群发中，不能删除")
    if uow.session.scalar(select(func.count()).where(MassSend.article_id == row.id)):
        raise Conflict("article_in_use", "该图文已用于群发，保留作为记录，不能删除")
    if row.draft_media_id:
        try:  # WeChat's draft of it goes too (its 草稿箱 is what the operator sees at mp.weixin.qq.com)
            client.post("draft/delete", data={"media_id": row.draft_media_id})
        except (WeChatClientException, OSError) as exc:
            log.warning("WeChat's draft of article %s not deleted: %s", row.id, exc)
    uow.audit("wechat.article_deleted", "article", row.id, detail={"title": row.title})
    uow.session.delete(row)
    return {"deleted": article_id}


# -- at WeChat ---------------------------------------------------------------------------------------------------
def _as_wechat(session, client, row):
    """The article as draft/add takes it: images at WeChat's addresses, the cover as a permanent media_id."""
    cover = materials.usable(session, row.cover_id, ("image",), "cover_id", row.account_id)

    def image_at_wechat(found):
        # checked again: the image may have changed since the article was saved
        image = materials.usable(session, int(found.group(2)), ("image",), "body", row.account_id)
        return found.group(1) + materials.inline_url(session, client, image) + found.group(3)

    content = IMAGE_MATERIAL.sub(image_at_wechat, row.body)
    return {
        "title": row.title,
        "author": row.author,
        "digest": row.digest,
        "content": content,
        "content_source_url": row.source_url,
        "thumb_media_id": cover.media_id,
        "need_open_comment": int(row.open_comment),
        "only_fans_can_comment": 0,
    }


def wechat_draft(session, client, row):
    """WeChat's draft of the article as it is now (one per version): the media_id previews, mass sends and publishing
    name. Raises WeChatClientException/OSError as WeChat refused."""
    if row.draft_media_id and row.draft_version == row.version:
        return row.draft_media_id
    article = _as_wechat(session, client, row)
    if row.draft_media_id:
        try:
            client.post("draft/update", data={"media_id": row.draft_media_id, "index": 0, "articles": article})
            row.draft_version = row.version
            return row.draft_media_id
        except WeChatClientException as exc:
            if getattr(exc, "errcode", None) != 40007:  # WeChat no longer has that draft: make a new one
                raise
    made = client.post("draft/add", data={"articles": [article]})
    row.draft_media_id, row.draft_version = str(made["media_id"])[:128], row.version
    return row.draft_media_id


def preview(uow, client, article_id, account_id=MAIN_ACCOUNT):
    """To the author's own bound WeChat only (公众号助手), as followers would receive it."""
    from services.messaging.mass import own_wechat

    uow.require("wechat.materials")
    row = _article(uow.session, article_id, account_id, lock=True)
    openid = own_wechat(uow.session, uow.actor.id, account_id)
    follower = uow.session.get(Follower, openid) if openid else None
    if follower is None or not follower.subscribed:
        why = "请先在“绑定我的微信”中绑定您自己的微信（并关注公众号），预览只发给您自己"
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"openid": why}})
    try:
        media_id = wechat_draft(uow.session, client, row)
        client.message.send_mass_article(openid, media_id, preview=True)
    except (WeChatClientException, OSError) as exc:
        raise UpstreamFailed("wechat_refused", f"预览发送失败：{reason(exc)}") from None
    uow.audit("wechat.article_previewed", "article", row.id, detail={"to": openid[:4] + "…" + openid[-4:]})
    return {"previewed": True}


# -- approval and publishing -----------------------------------------------------------------------------------
def submit(uow, article_id, account_id=MAIN_ACCOUNT):
    uow.require("wechat.materials")
    row = _article(uow.session, article_id, account_id, lock=True)
    if row.status == "pending":
        return view(uow.session, row)  # a second click
    if row.status not in EDITABLE:
        raise Conflict("article_not_submittable", f"该图文{ARTICLE_STATUS[row.status]}，不能提交审核")
    row.status, row.updated_at = "pending", datetime.now(UTC)
    approval.submitted(uow, row)
    uow.audit("wechat.article_submitted", "article", row.id)
    return view(uow.session, row)


def _decidable(uow, row):
    approval.decidable(uow, row, "图文", ARTICLE_STATUS, ("article_not_pending", "article_own"))


def reject(uow, article_id, why, account_id=MAIN_ACCOUNT):
    uow.require("wechat.mass_approve")
    row = _article(uow.session, article_id, account_id, lock=True)
    _decidable(uow, row)
    why = approval.reject(uow, row, why)
    uow.audit("wechat.article_rejected", "article", row.id, reason=why)
    return view(uow.session, row)


def approve(uow, client, article_id, account_id=MAIN_ACCOUNT):
    """Approved, then given to WeChat to publish (draft, then freepublish/submit); WeChat's refusal is recorded on the
    article (status failed, with the reason) so the author can mend it and submit again."""
    uow.require("wechat.mass_approve")
    session = uow.session
    row = _article(session, article_id, account_id, lock=True)
    _decidable(uow, row)
    now = datetime.now(UTC)
    row.status, row.error, row.updated_at = "publishing", "", now
    approval.decided(uow, row, now)
    uow.audit("wechat.article_approved", "article", row.id, detail={"version": row.version})
    uow.checkpoint()  # approved and publishing is on record before WeChat is called
    try:
        media_id = wechat_draft(session, client, row)
        made = client.post("freepublish/submit", data={"media_id": media_id})
        row.publish_id = str(made.get("publish_id") or "")[:64]
        row.draft_media_id = ""  # WeChat takes a published draft out of its 草稿箱
        if not row.publish_id:
            raise ValueError("WeChat answered freepublish/submit without a publish_id")
        uow.checkpoint()  # what WeChat is publishing is on record: its outcome finds the article
    except Exception as exc:  # anything after the checkpoint: the article must not stay "publishing" for good
        session.rollback()
        row = _article(session, article_id, account_id, lock=True)
        row.status, row.error = "failed", _why_not_published(exc)
        log.warning("article %s not published: %s", row.id, row.error, exc_info=not isinstance(exc, KNOWN))
    row.updated_at = datetime.now(UTC)
    return view(session, row)


KNOWN = (WeChatClientException, OSError, ValidationError, UpstreamFailed)


def _why_not_published(exc):
    if isinstance(exc, ValidationError):
        return "发布失败：" + "；".join((exc.details.get("fields") or {}).values() or [exc.message])
    if isinstance(exc, UpstreamFailed):
        return exc.message
    if isinstance(exc, WeChatClientException | OSError):
        return f"发布失败：{reason(exc)}"
    return "发布失败：系统错误，请稍后重新提交（如已在公众平台发表，请核对后再提交）"


def _settle(row, status, article_id="", url=""):
    now = datetime.now(UTC)
    if status == 0:
        row.status, row.article_id, row.article_url, row.published_at = "published", article_id[:128], url[:1024], now
        row.error = ""
    elif status != 1:
        row.status, row.error = "failed", f"发布失败：{PUBLISH_RESULTS.get(status, f'微信返回状态{status}')}"
    row.updated_at = now


def _first_url(detail):
    items = (detail or {}).get("item") if isinstance(detail, dict) else None
    items = items if isinstance(items, list) else [items] if items else []
    for item in items:
        if isinstance(item, dict) and str(item.get("article_url") or "").startswith("http"):
            return str(item["article_url"])
    return ""


def publish_finished(session, fields, account_id=MAIN_ACCOUNT):
    """PUBLISHJOBFINISH: WeChat's outcome for one publish_id."""
    info = fields.get("PublishEventInfo")
    if not isinstance(info, dict):
        return
    publish_id, status = str(info.get("publish_id") or ""), str(info.get("publish_status") or "")
    if not publish_id or not status.isdigit() or len(status) > 3:
        return
    row = session.scalar(
        select(Article).where(Article.publish_id == publish_id[:64], Article.account_id == account_id).with_for_update()
    )
    if row is None or row.status != "publishing":
        log.info("PUBLISHJOBFINISH for publish_id %s: no article waiting for it", publish_id)
        return
    _settle(row, int(status), str(info.get("article_id") or ""), _first_url(info.get("article_detail")))


def poll_step(session, client):
    """One publishing article whose PUBLISHJOBFINISH has not come: ask freepublish/get. True when one was asked.
    One that never got a publish_id (the process stopped while WeChat was asked) is marked failed, to be checked."""
    now = datetime.now(UTC)
    session.execute(
        update(Article)
        .where(Article.status == "publishing", Article.publish_id == "", Article.updated_at < now - UNKNOWN_AFTER)
        .values(status="failed", error="发布结果未知：请到公众平台核对是否已发表，再决定是否重新提交", updated_at=now)
    )
    session.commit()
    row = session.scalar(
        select(Article)
        .where(
            Article.status == "publishing",
            Article.publish_id != "",
            Article.updated_at < now - POLL_AFTER,
            Article.account_id.in_(list(client.provider.accounts.by_id)),
        )
        .order_by(Article.updated_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if row is None:
        return False
    client = client.of(row.account_id)
    try:
        got = client.post("freepublish/get", data={"publish_id": row.publish_id})
        status = int(got.get("publish_status"))
        _settle(row, status, str(got.get("article_id") or ""), _first_url(got.get("article_detail")))
        if status == 1:
            row.updated_at = datetime.now(UTC)  # still publishing: asked again after POLL_AFTER
    except (WeChatClientException, OSError, TypeError, ValueError) as exc:
        row.updated_at = datetime.now(UTC)
        log.warning("freepublish/get for article %s: %s", row.id, exc)
    session.commit()
    return True


def pending_for(session, account_id=MAIN_ACCOUNT, not_by=None):
    """Articles waiting for approval (by someone other than `not_by`, their author)."""
    where = [Article.account_id == account_id, Article.status == "pending"]
    if not_by is not None:
        where.append(Article.author_id != not_by)
    return session.scalar(select(func.count()).where(*where))
