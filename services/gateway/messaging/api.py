"""/api/v1/wechat: the Official Account for operators' tools — replies and menu (wechat.replies, wechat.menu), the
inbox (wechat.inbox), followers (wechat.followers), QR channels (wechat.channels), mass sends (wechat.mass,
wechat.mass_approve), materials and articles (wechat.materials; publishing approved with wechat.mass_approve)."""

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, Field

from libs.errors import ValidationError
from services.gateway.core import openapi
from services.gateway.core.auth import staff_api
from services.gateway.core.openapi import CREATE_KEY, IDEMPOTENCY_KEY, KEY_SCHEMA
from services.gateway.core.web import clean_query, json_body, uploaded
from services.gateway.messaging import client
from services.gateway.messaging.qr import code_response
from services.messaging.schemas import (
    MATERIAL_BYTES,
    AnswerIn,
    AnswerResult,
    Conversation,
    Conversations,
    FailedSends,
    FollowerPage,
    FollowerQuery,
    MassSendIn,
    MassSendView,
    MaterialIn,
    Materials,
    MaterialView,
    MembersIn,
    MenuIn,
    QrChannelIn,
    QrChannelView,
    RemarkIn,
    RuleIn,
    RuleView,
    SettingsIn,
    SyncView,
    TagIn,
    TagView,
    WeChatArticleIn,
    WeChatArticles,
    WeChatArticleView,
)

bp = Blueprint("wechat_api", __name__, url_prefix="/api/v1/wechat")
ACCOUNT = (
    "X-WeChat-Account",
    {"type": "string", "pattern": "^[a-z][a-z0-9]{1,15}$"},
    "The Official Account to act on (its code, e.g. main); absent: the first one your staff record names. One you "
    "do not operate: 403 wechat_account_forbidden; one the install does not serve: 404.",
)


def route(*args, headers=(), **kwargs):
    """openapi.route for this API: every call may name the Official Account it acts on."""
    return openapi.route(*args, headers=(*headers, ACCOUNT), **kwargs)


class ReplySettingsView(BaseModel):
    follow_reply: str
    default_reply: str


class ReplyRules(BaseModel):
    rules: list[RuleView]
    settings: ReplySettingsView


class Deleted(BaseModel):
    deleted: int


@route(
    bp,
    "/replies",
    "GET",
    summary="回复设置: the keyword rules in the order they are tried, and the follow and default replies",
    response=ReplyRules,
)
@staff_api
def get_replies():
    return jsonify(client.reply_rules())


@route(
    bp,
    "/replies/rules",
    "POST",
    summary="Add a keyword rule (text reply of ≤ 2048 bytes, or one article card)",
    body=RuleIn,
    response=RuleView,
    status=201,
)
@staff_api
def create_rule():
    return jsonify(client.save_reply_rule(None, json_body())), 201


@route(bp, "/replies/rules/<id:rule_id>", "PUT", summary="Change a keyword rule", body=RuleIn, response=RuleView)
@staff_api
def update_rule(rule_id):
    return jsonify(client.save_reply_rule(rule_id, json_body()))


@route(bp, "/replies/rules/<id:rule_id>", "DELETE", summary="Delete a keyword rule", response=Deleted)
@staff_api
def delete_rule(rule_id):
    return jsonify(client.delete_reply_rule(rule_id))


@route(
    bp,
    "/replies/settings",
    "PUT",
    summary="The follow reply and the default reply (empty: the built-in text)",
    body=SettingsIn,
    response=ReplySettingsView,
)
@staff_api
def put_settings():
    return jsonify(client.save_reply_settings(json_body()))


class MenuQuery(BaseModel):
    tag_id: int | None = None  # a group's conditional menu; none: everyone's menu


def _menu_tag():
    value = clean_query("tag_id", 12)
    if value == "":
        return None
    if not (value.isascii() and value.isdigit()):
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"tag_id": "分组格式不正确"}})
    return int(value)


class MenuView(BaseModel):
    tag_id: int | None
    conditional: list[dict]
    draft: dict
    published: dict | None
    published_at: str | None
    updated_at: str | None
    unpublished_changes: bool
    actions: dict[str, str]
    types: dict[str, str]


@route(
    bp,
    "/menu",
    "GET",
    summary="自定义菜单: the draft, what WeChat was last given and when, and the click actions offered "
    "(tag_id: that group's conditional menu)",
    query=MenuQuery,
    response=MenuView,
)
@staff_api
def get_menu():
    return jsonify(client.menu(_menu_tag()))


@route(
    bp,
    "/menu",
    "PUT",
    summary="Save the menu draft (the shape of WeChat menu/create, its limits checked); WeChat sees it once published",
    body=MenuIn,
    query=MenuQuery,
    response=MenuView,
)
@staff_api
def put_menu():
    return jsonify(client.save_menu(json_body(), _menu_tag()))


@route(
    bp,
    "/menu/publish",
    "POST",
    summary="Give WeChat the saved draft (502 wechat_refused with WeChat's reason when it refuses); a group's "
    "conditional menu needs the default menu published first",
    query=MenuQuery,
    response=MenuView,
    errors=(400, 401, 403, 404, 502),
)
@staff_api
def publish_menu():
    return jsonify(client.publish_menu(_menu_tag()))


@route(
    bp,
    "/menu/publish",
    "DELETE",
    summary="Take the menu off WeChat (the draft stays; everyone's menu takes the conditional ones with it)",
    query=MenuQuery,
    response=MenuView,
    errors=(400, 401, 403, 404, 502),
)
@staff_api
def withdraw_menu():
    return jsonify(client.withdraw_menu(_menu_tag()))


# -- the inbox -------------------------------------------------------------------------------------------------
class InboxQuery(BaseModel):
    which: str = Field("unanswered", json_schema_extra={"enum": ["unanswered", "all"]})
    after: str | None = None


class AnswerRequest(AnswerIn):
    request_id: str | None = Field(None, json_schema_extra={"pattern": KEY_SCHEMA["pattern"]})


class Resent(BaseModel):
    resent: bool
    channel: str | None = None  # how it went this time: custom | template | failed | undeliverable
    status: str | None = None
    status_label: str | None = None


@route(
    bp,
    "/conversations",
    "GET",
    summary="市民留言: citizens who wrote to the account, newest message first, 30 a page (which=unanswered|all)",
    query=InboxQuery,
    response=Conversations,
)
@staff_api
def conversations():
    return jsonify(client.inbox(clean_query("which", 16) or "unanswered", clean_query("after", 120) or None))


@route(
    bp,
    "/conversations/<openid>",
    "GET",
    summary="One citizen's messages and the account's, and how an answer would reach them now (audited)",
    response=Conversation,
)
@staff_api
def conversation(openid):
    return jsonify(client.conversation(openid[:64]))


@route(
    bp,
    "/conversations/<openid>/answers",
    "POST",
    summary="Answer the citizen: a customer-service message inside WeChat's window, else a template message. "
    "Idempotent by Idempotency-Key (or request_id).",
    body=AnswerRequest,
    response=AnswerResult,
    status=201,
    errors=(400, 401, 403, 404, 409),
    headers=(IDEMPOTENCY_KEY,),
)
@staff_api
def answer(openid):
    data = json_body()
    result = client.answer_citizen(openid[:64], data, request.headers.get("Idempotency-Key") or data.get("request_id"))
    return jsonify(result), 201 if result["changed"] else 200


@route(
    bp,
    "/failed-sends",
    "GET",
    summary="Messages of the last 7 days WeChat refused, could not deliver, or whose outcome is unknown",
    response=FailedSends,
)
@staff_api
def failed_sends():
    offset = clean_query("offset", 6) or "0"
    return jsonify(client.failed_sends(int(offset) if offset.isascii() and offset.isdigit() else -1))


@route(
    bp,
    "/failed-sends/<id:outbound_id>/resend",
    "POST",
    summary="Send it again by the channel allowed now (resent=false: it was sent again before)",
    response=Resent,
)
@staff_api
def resend(outbound_id):
    return jsonify(client.resend(outbound_id))


# -- 用户管理 ----------------------------------------------------------------------------------------------------
class Changed(BaseModel):
    changed: int  # followers changed (WeChat took them); a refusal half-way is a 502 saying how far it got


class SyncState(BaseModel):
    sync: SyncView | None  # null: never synced


class RemarkView(BaseModel):
    openid: str
    remark: str


def _follower_query():
    query = {k: clean_query(k, 64) for k in ("q", "group", "gender", "region", "after", "tag_id", "subscribed")}
    query = {k: v for k, v in query.items() if v != ""}
    if "subscribed" in query:
        query["subscribed"] = query["subscribed"] not in ("0", "false")
    return query


@route(
    bp,
    "/followers",
    "GET",
    summary="粉丝: search by remark or whole openid (q), group, tag_id, gender, region; 50 a page (after=next)",
    query=FollowerQuery,
    response=FollowerPage,
)
@staff_api
def list_followers():
    return jsonify(client.followers(_follower_query()))


@route(bp, "/follower-tags", "GET", summary="Groups (WeChat tags) with their follower counts", response=[TagView])
@staff_api
def list_tags():
    return jsonify(client.follower_tags())


@route(
    bp,
    "/follower-tags",
    "POST",
    summary="Create a group in WeChat and here",
    body=TagIn,
    response=TagView,
    status=201,
    errors=(400, 401, 403, 502),
)
@staff_api
def create_tag():
    return jsonify(client.save_follower_tag(None, json_body())), 201


@route(
    bp,
    "/follower-tags/<int:tag_id>",
    "PUT",
    summary="Rename a group",
    body=TagIn,
    response=TagView,
    errors=(400, 401, 403, 404, 409, 502),
)
@staff_api
def rename_tag(tag_id):
    return jsonify(client.save_follower_tag(tag_id, json_body()))


@route(
    bp,
    "/follower-tags/<int:tag_id>",
    "DELETE",
    summary="Delete a group (its followers stay)",
    response=Deleted,
    errors=(401, 403, 404, 409, 502),
)
@staff_api
def delete_tag(tag_id):
    return jsonify(client.delete_follower_tag(tag_id))


@route(
    bp,
    "/follower-tags/<int:tag_id>/members",
    "POST",
    summary="Put followers in the group (≤ 1000; 50 per WeChat call)",
    body=MembersIn,
    response=Changed,
    errors=(400, 401, 403, 404, 502),
)
@staff_api
def add_members(tag_id):
    return jsonify(client.tag_followers(tag_id, json_body(), True))


@route(
    bp,
    "/follower-tags/<int:tag_id>/members",
    "DELETE",
    summary="Take followers out of the group",
    body=MembersIn,
    response=Changed,
    errors=(400, 401, 403, 404, 502),
)
@staff_api
def remove_members(tag_id):
    return jsonify(client.tag_followers(tag_id, json_body(), False))


@route(
    bp,
    "/blacklist",
    "POST",
    summary="拉黑: no auto-replies, no mass sends (≤ 1000; 20 per WeChat call)",
    body=MembersIn,
    response=Changed,
    errors=(400, 401, 403, 502),
)
@staff_api
def blacklist():
    return jsonify(client.blacklist_followers(json_body(), True))


@route(
    bp,
    "/blacklist",
    "DELETE",
    summary="Take followers off the blacklist",
    body=MembersIn,
    response=Changed,
    errors=(400, 401, 403, 502),
)
@staff_api
def unblacklist():
    return jsonify(client.blacklist_followers(json_body(), False))


@route(
    bp,
    "/followers/<openid>/remark",
    "PUT",
    summary="备注名 (≤ 30 characters; empty clears it)",
    body=RemarkIn,
    response=RemarkView,
    errors=(400, 401, 403, 404, 502),
)
@staff_api
def put_remark(openid):
    return jsonify(client.set_follower_remark(openid[:64], json_body()))


@route(bp, "/follower-sync", "GET", summary="The latest full sync from WeChat and its progress", response=SyncState)
@staff_api
def get_sync():
    return jsonify({"sync": client.follower_sync()})


@route(
    bp,
    "/follower-sync",
    "POST",
    summary="Start a full sync (one at a time; 409 while one runs)",
    response=SyncState,
    status=201,
    errors=(401, 403, 409),
)
@staff_api
def start_sync():
    return jsonify({"sync": client.start_follower_sync()}), 201


@route(bp, "/follower-sync", "DELETE", summary="Stop the running sync", response=SyncState)
@staff_api
def stop_sync():
    return jsonify({"sync": client.stop_follower_sync()})


# -- 二维码 -------------------------------------------------------------------------------------------------------
@route(
    bp,
    "/qr-channels",
    "GET",
    summary="二维码 channels with their funnels: scans, new follows, first uses",
    response=[QrChannelView],
)
@staff_api
def list_qr_channels():
    return jsonify(client.qr_channels())


@route(
    bp,
    "/qr-channels",
    "POST",
    summary="Have WeChat make a channel's code (permanent, or temporary of ≤ 30 days)",
    body=QrChannelIn,
    response=QrChannelView,
    status=201,
    errors=(400, 401, 403, 502),
)
@staff_api
def create_qr_channel():
    return jsonify(client.create_qr_channel(json_body())), 201


@route(bp, "/qr-channels/<id:channel_id>", "GET", summary="One channel and its funnel", response=QrChannelView)
@staff_api
def get_qr_channel(channel_id):
    return jsonify(client.qr_channel(channel_id))


@route(
    bp,
    "/qr-channels/<id:channel_id>/code.<any(png, svg):fmt>",
    "GET",
    summary="The channel's code for print: PNG or SVG",
    response=None,
)
@staff_api
def qr_channel_code(channel_id, fmt):
    return code_response(channel_id, fmt)


# -- 群发消息 -------------------------------------------------------------------------------------------------------
class Previewed(BaseModel):
    previewed: bool


class RejectRequest(BaseModel):
    reason: str


@route(bp, "/mass-sends", "GET", summary="群发消息, newest first (50)", response=[MassSendView])
@staff_api
def list_mass_sends():
    return jsonify(client.mass_sends())


@route(
    bp,
    "/mass-sends",
    "POST",
    summary="A draft: text to everyone, a group (tag_id) or a filter (gender, region)",
    body=MassSendIn,
    response=MassSendView,
    status=201,
    headers=(CREATE_KEY,),
)
@staff_api
def create_mass_send():
    """The same Idempotency-Key answers with the draft it made (a retried call makes one)."""
    return jsonify(client.save_mass_send(None, json_body(), request.headers.get("Idempotency-Key"))), 201


@route(
    bp,
    "/mass-sends/<id:send_id>",
    "GET",
    summary="One send; while it waits, `estimate` says how many it reaches and who is left out (blacklist, 4 a month)",
    response=MassSendView,
)
@staff_api
def get_mass_send(send_id):
    return jsonify(client.mass_send(send_id))


@route(
    bp,
    "/mass-sends/<id:send_id>",
    "PUT",
    summary="Change a draft or a rejected send (the editor becomes its author)",
    body=MassSendIn,
    response=MassSendView,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def update_mass_send(send_id):
    return jsonify(client.save_mass_send(send_id, json_body()))


@route(
    bp,
    "/mass-sends/<id:send_id>/preview",
    "POST",
    summary="Send it to your own bound WeChat first (公众号助手; 400 when none is bound)",
    response=Previewed,
    errors=(400, 401, 403, 404, 502),
)
@staff_api
def preview_mass_send(send_id):
    return jsonify(client.preview_mass_send(send_id))


@route(
    bp,
    "/mass-sends/<id:send_id>/submit",
    "POST",
    summary="Ask for approval",
    response=MassSendView,
    errors=(401, 403, 404, 409),
)
@staff_api
def submit_mass_send(send_id):
    return jsonify(client.submit_mass_send(send_id))


@route(
    bp,
    "/mass-sends/<id:send_id>/approve",
    "POST",
    summary="Approve and send (not by its author: 403 mass_own_send; 409 when fewer than 2 followers remain)",
    response=MassSendView,
    errors=(401, 403, 404, 409),
)
@staff_api
def approve_mass_send(send_id):
    return jsonify(client.approve_mass_send(send_id))


@route(
    bp,
    "/mass-sends/<id:send_id>/reject",
    "POST",
    summary="Send it back to its author with a reason",
    body=RejectRequest,
    response=MassSendView,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def reject_mass_send(send_id):
    return jsonify(client.reject_mass_send(send_id, str(json_body().get("reason") or "")[:200]))


# -- 素材管理 -------------------------------------------------------------------------------------------------------
MATERIAL_FIELDS = ("kind", "title", "introduction")
UPLOAD_LIMIT = max(MATERIAL_BYTES.values())  # messaging refuses above each kind's own limit with the reason


class MaterialQuery(BaseModel):
    kind: str | None = None  # image | voice | video; none: all
    offset: int = 0


class MaterialForm(MaterialIn):
    """multipart/form-data: these fields, and `file`."""


@route(
    bp,
    "/materials",
    "GET",
    summary="素材: images, voice and video, newest first (50)",
    query=MaterialQuery,
    response=Materials,
)
@staff_api
def list_materials():
    offset = clean_query("offset", 7)
    offset = int(offset) if offset.isascii() and offset.isdigit() else 0  # "²" is a digit to Python, not to int()
    return jsonify(client.materials(clean_query("kind", 8) or None, offset))


@route(
    bp,
    "/materials",
    "POST",
    summary="Upload permanent material (multipart/form-data: kind, title, introduction for a video, file). Checked "
    "by its bytes against WeChat's limits (image ≤ 10 MB BMP/PNG/JPEG/GIF, voice ≤ 2 MB and 60 s MP3/WMA/WAV/AMR, "
    "video ≤ 10 MB MP4); a refusal by WeChat is kept as status failed with the reason (POST …/retry)",
    body=MaterialForm,
    response=MaterialView,
    status=201,
    errors=(400, 401, 403, 409, 413),
    headers=(CREATE_KEY,),
)
@staff_api
def upload_material():
    data, file_bytes = uploaded(MATERIAL_FIELDS, UPLOAD_LIMIT)
    return jsonify(client.upload_material(data, file_bytes, request.headers.get("Idempotency-Key"))), 201


@route(bp, "/materials/<id:material_id>", "GET", summary="One material", response=MaterialView)
@staff_api
def get_material(material_id):
    return jsonify(client.material(material_id))


@route(
    bp,
    "/materials/<id:material_id>/retry",
    "POST",
    summary="Give a failed upload to WeChat again, from our copy",
    response=MaterialView,
    errors=(401, 403, 404, 409),
)
@staff_api
def retry_material(material_id):
    return jsonify(client.retry_material(material_id))


@route(
    bp,
    "/materials/<id:material_id>",
    "DELETE",
    summary="Delete here and at WeChat (409 material_in_use while a reply, article or send uses it)",
    response=Deleted,
    errors=(401, 403, 404, 409, 502),
)
@staff_api
def delete_material(material_id):
    return jsonify(client.delete_material(material_id))


class ArticleQuery(BaseModel):
    offset: int = 0


@route(
    bp, "/articles", "GET", summary="图文, newest first (50 from offset)", query=ArticleQuery, response=WeChatArticles
)
@staff_api
def list_articles():
    offset = clean_query("offset", 7)
    return jsonify(client.articles(int(offset) if offset.isascii() and offset.isdigit() else 0))


@route(
    bp,
    "/articles",
    "POST",
    summary="An article (title ≤ 32, author ≤ 16, digest ≤ 128, body < 20,000 characters of HTML with images as "
    '<img src="material:ID"> from the library, cover_id an image material)',
    body=WeChatArticleIn,
    response=WeChatArticleView,
    status=201,
    headers=(CREATE_KEY,),
)
@staff_api
def create_article():
    return jsonify(client.save_article(None, json_body(), request.headers.get("Idempotency-Key"))), 201


@route(bp, "/articles/<id:article_id>", "GET", summary="One article", response=WeChatArticleView)
@staff_api
def get_article(article_id):
    return jsonify(client.article(article_id))


@route(
    bp,
    "/articles/<id:article_id>",
    "PUT",
    summary="Change a draft, rejected or failed article (the editor becomes its author)",
    body=WeChatArticleIn,
    response=WeChatArticleView,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def update_article(article_id):
    return jsonify(client.save_article(article_id, json_body()))


@route(
    bp,
    "/articles/<id:article_id>",
    "DELETE",
    summary="Delete an article not published or sent (and WeChat's draft of it)",
    response=Deleted,
    errors=(401, 403, 404, 409),
)
@staff_api
def delete_article(article_id):
    return jsonify(client.delete_article(article_id))


@route(
    bp,
    "/articles/<id:article_id>/preview",
    "POST",
    summary="Send it to your own bound WeChat (公众号助手; 400 when none is bound)",
    response=Previewed,
    errors=(400, 401, 403, 404, 502),
)
@staff_api
def preview_article(article_id):
    return jsonify(client.preview_article(article_id))


@route(
    bp,
    "/articles/<id:article_id>/submit",
    "POST",
    summary="Ask for approval to publish",
    response=WeChatArticleView,
    errors=(401, 403, 404, 409),
)
@staff_api
def submit_article(article_id):
    return jsonify(client.submit_article(article_id))


@route(
    bp,
    "/articles/<id:article_id>/approve",
    "POST",
    summary="Approve and publish at WeChat (draft → freepublish; not by its author: 403 article_own). The outcome "
    "arrives from WeChat: status publishing, then published (article_url) or failed (error)",
    response=WeChatArticleView,
    errors=(401, 403, 404, 409),
)
@staff_api
def approve_article(article_id):
    return jsonify(client.approve_article(article_id))


@route(
    bp,
    "/articles/<id:article_id>/reject",
    "POST",
    summary="Send it back to its author with a reason",
    body=RejectRequest,
    response=WeChatArticleView,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def reject_article(article_id):
    return jsonify(client.reject_article(article_id, str(json_body().get("reason") or "")[:200]))


# -- 公众号助手 ---------------------------------------------------------------------------------------------------
class BindingState(BaseModel):
    bound: bool
    alias: str
    bound_at: str | None
    expires_at: str | None = None  # a binding lasts 30 days: bind again after
    url: str | None = None  # a new code: what it encodes (scan it with your own WeChat)
    code_expires_at: str | None = None


@route(bp, "/binding", "GET", summary="Whether your own WeChat is bound (公众号助手)", response=BindingState)
@staff_api
def get_binding():
    return jsonify(client.binding())


@route(
    bp,
    "/binding",
    "POST",
    summary="A one-time code (10 minutes) that binds the WeChat that scans it to you",
    response=BindingState,
    status=201,
    errors=(401, 403, 502),
)
@staff_api
def create_binding():
    return jsonify(client.create_binding_code()), 201


@route(bp, "/binding", "DELETE", summary="Unbind your WeChat", response=BindingState)
@staff_api
def delete_binding():
    return jsonify(client.unbind())


# -- 数据统计 -------------------------------------------------------------------------------------------------------
class WeChatStatsQuery(BaseModel):
    days: int = 30


class WeChatStatsReport(BaseModel):
    days: list[str]
    fetched: list[bool]  # whether WeChat's figures for each day are in (false: not fetched yet, not zero)
    wechat: dict[str, list[int]]
    labels: dict[str, str]
    sources: dict[str, int]  # new followers by how they came, over the days
    ours: dict[str, list[int]]  # our own records: follows, messages, cases, answers


class Pulled(BaseModel):
    fetched: list[str]
    error: str


@route(
    bp,
    "/stats",
    "GET",
    summary="数据统计: WeChat's daily figures kept here, beside our own (days: 1-366)",
    query=WeChatStatsQuery,
    response=WeChatStatsReport,
)
@staff_api
def get_stats():
    days = clean_query("days", 4) or "30"
    return jsonify(client.wechat_stats(int(days) if days.isdigit() else -1))


@route(bp, "/stats/pull", "POST", summary="Fetch the days due from WeChat now", response=Pulled)
@staff_api
def pull_stats():
    return jsonify(client.pull_wechat_stats())
