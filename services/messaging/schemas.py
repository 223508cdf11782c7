"""messaging's contract with the gateway: what operators send for 回复设置 and what they get back.

WeChat's limits, checked when staff save, not when a citizen writes: a passive text reply of at most 2048 bytes,
one article card in a passive news reply (WeChat has allowed only one since 2018), keywords of at most 30
characters.
"""

import re
from datetime import datetime
from typing import ClassVar

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from libs.schemas import Choice, Input, OptionalId, Text, View

REPLY_BYTES = 2048
KEYWORD_MAX, KEYWORDS_MAX = 30, 10
MATCHES = {"exact": "完全匹配", "contains": "包含关键词"}
REPLY_KINDS = {"text": "文字", "news": "图文卡片", "image": "图片"}
SEPARATORS = re.compile(r"[,，;；\n]+")


def _within_reply_bytes(model, *names):
    for name in names:
        if len(getattr(model, name).encode("utf-8")) > REPLY_BYTES:
            raise PydanticCustomError("reply_bytes", "too long for a passive reply", {"field": name})


class ArticleIn(Input):
    title: Text("图文标题", 64)
    description: Text("图文摘要", 120, min_len=0) = ""
    url: Text("图文链接", 512)
    image: Text("封面图片地址", 512, min_len=0) = ""

    @model_validator(mode="after")
    def _https(self):
        for name in ("url", "image"):
            value = getattr(self, name)
            if value and not (value.startswith("https://") and " " not in value):
                raise PydanticCustomError("article_url", "https only", {"field": name})
        return self


class RuleIn(Input):
    name: Text("规则名称", 60)
    keywords: list[str] | str = Field(title="关键词")
    match: Choice("匹配方式", *MATCHES) = "contains"
    priority: int = Field(0, ge=0, le=100, title="优先级")
    enabled: bool = True
    reply_kind: Choice("回复类型", *REPLY_KINDS) = "text"
    text: Text("回复内容", 2048, min_len=0) = ""
    article: ArticleIn | None = None
    material_id: OptionalId("回复图片", 2**31 - 1) = None  # an image from 素材管理

    @model_validator(mode="after")
    def _shape(self):
        words = SEPARATORS.split(self.keywords) if isinstance(self.keywords, str) else self.keywords
        words = list(dict.fromkeys(w.strip() for w in words if isinstance(w, str) and w.strip()))
        if not 1 <= len(words) <= KEYWORDS_MAX or any(len(w) > KEYWORD_MAX for w in words):
            raise PydanticCustomError("keywords", "1-10 keywords of at most 30 characters", {"field": "keywords"})
        object.__setattr__(self, "keywords", words)
        if self.reply_kind == "text":
            if not self.text:
                raise PydanticCustomError("reply_missing", "a text reply needs its text", {"field": "text"})
            _within_reply_bytes(self, "text")
        elif self.reply_kind == "image":
            if self.material_id is None:
                raise PydanticCustomError("image_missing", "an image reply needs its image", {"field": "material_id"})
        elif self.article is None:
            raise PydanticCustomError("reply_missing", "a news reply needs its card", {"field": "article.title"})
        return self


class SettingsIn(Input):
    follow_reply: Text("关注回复", 2048, min_len=0) = ""
    default_reply: Text("默认回复", 2048, min_len=0) = ""

    @model_validator(mode="after")
    def _bytes(self):
        _within_reply_bytes(self, "follow_reply", "default_reply")
        return self


class RuleView(View):
    id: int
    name: str
    keywords: list[str]
    match: str
    priority: int
    enabled: bool
    reply_kind: str
    text: str
    article: dict | None
    material_id: int | None = None
    updated_at: datetime


# -- 自定义菜单 -----------------------------------------------------------------------------------------------
# WeChat's limits: 3 buttons, 5 under each; names of 16 bytes (a top button) or 60 (a sub-button); a click key of
# 128 bytes; a link of 256 bytes (the limit the design keeps, stricter than WeChat's current 1024)
MENU_BUTTONS_MAX, MENU_SUB_MAX = 3, 5
TOP_NAME_BYTES, SUB_NAME_BYTES, KEY_BYTES, URL_BYTES = 16, 60, 128, 256
BUTTON_TYPES = {"click": "点击回复", "view": "打开网页", "miniprogram": "打开小程序"}
# what a click key does; any other key is answered like a message with that text (回复设置's rules)
MENU_ACTIONS = {
    "MY_CASES": "我的办件：回复市民正在办理的案件",
    "SERVICE_GUIDE": "服务指南：回复办事指南卡片",
    "COMPLAIN": "我要投诉：回复投诉表单链接",
    "INQUIRY": "我要咨询：回复咨询方法",
    "CONTACT": "联系我们：回复热线电话",
}
APPID = re.compile(r"^wx[0-9a-f]{16}$")


def _bytes(value):
    return len(value.encode("utf-8"))


class SubButtonIn(Input):
    """A button with an action: a click key, a link, or a mini program (with a link for clients without one)."""

    name: Text("菜单名称", 60)
    type: Choice("菜单类型", *BUTTON_TYPES) = "click"
    key: Text("点击回复", 128, min_len=0) = ""
    url: Text("网页链接", 256, min_len=0) = ""
    appid: Text("小程序 AppID", 32, min_len=0) = ""
    pagepath: Text("小程序页面", 256, min_len=0) = ""

    NAME_BYTES: ClassVar[int] = SUB_NAME_BYTES

    @model_validator(mode="after")
    def _action(self):
        if _bytes(self.name) > self.NAME_BYTES:
            raise PydanticCustomError("menu_name_bytes", "name too long", {"field": "name", "limit": self.NAME_BYTES})
        if getattr(self, "sub_button", None):
            return self  # a button that opens sub-buttons has no action of its own
        if self.type == "click":
            if not self.key:
                raise PydanticCustomError("missing", "a click needs its key", {"field": "key"})
            if _bytes(self.key) > KEY_BYTES:
                raise PydanticCustomError("menu_key_bytes", "key too long", {"field": "key"})
        else:
            if not self.url:
                raise PydanticCustomError("missing", "a link is needed", {"field": "url"})
            if not self.url.startswith(("https://", "http://")) or " " in self.url:
                raise PydanticCustomError("menu_url", "http(s) only", {"field": "url"})
            if _bytes(self.url) > URL_BYTES:
                raise PydanticCustomError("menu_url_bytes", "url too long", {"field": "url"})
        if self.type == "miniprogram":
            if not APPID.match(self.appid):
                raise PydanticCustomError("menu_appid", "not an appid", {"field": "appid"})
            if not self.pagepath:
                raise PydanticCustomError("missing", "a page is needed", {"field": "pagepath"})
        return self

    def wechat(self):
        """The button as WeChat's menu/create takes it: only the fields its type uses."""
        used = {"click": ("key",), "view": ("url",), "miniprogram": ("url", "appid", "pagepath")}[self.type]
        return {"type": self.type, "name": self.name, **{k: getattr(self, k) for k in used}}


class ButtonIn(SubButtonIn):
    """A top button: an action of its own, or up to five sub-buttons (then its own action is ignored)."""

    sub_button: list[SubButtonIn] = Field([], max_length=MENU_SUB_MAX, title="子菜单")
    NAME_BYTES: ClassVar[int] = TOP_NAME_BYTES

    def wechat(self):
        if self.sub_button:
            return {"name": self.name, "sub_button": [b.wechat() for b in self.sub_button]}
        return super().wechat()


class MenuIn(Input):
    button: list[ButtonIn] = Field(min_length=1, max_length=MENU_BUTTONS_MAX, title="菜单")

    def wechat(self):
        return {"button": [b.wechat() for b in self.button]}


# -- the inbox ---------------------------------------------------------------------------------------------------
class AnswerIn(Input):
    # a customer-service text may be 2048 bytes; 600 characters stays inside it whatever the script
    text: Text("回复内容", 600)


class ConversationSummary(View):
    openid: str
    alias: str  # how staff pages name the citizen
    last_content: str
    last_message_at: datetime
    answered_at: datetime | None
    unanswered: bool
    subscribed: bool


class Conversations(View):
    conversations: list[ConversationSummary]
    next: str | None  # give it back as `after` for the next page
    unanswered: int


class ChannelNow(View):
    channel: str  # custom | template | none
    said: str
    until: datetime | None = None
    left: int | None = None


class ThreadMessage(View):
    model_config = {"extra": "allow"}
    content: str
    at: datetime


class Conversation(View):
    citizen: dict
    messages: list[ThreadMessage]
    channel: ChannelNow


class SentMessage(View):
    id: int
    channel: str
    channel_label: str
    status: str  # sent | failed | undeliverable | sending
    status_label: str
    error: str  # WeChat's reason in Chinese when it refused


class AnswerResult(SentMessage):
    changed: bool  # false: this request id was answered before; nothing was sent again


class FailedSend(SentMessage):
    alias: str
    openid: str
    content: str
    created_at: datetime
    attempt: int
    sent_by: str


class FailedSends(View):
    total: int
    sends: list[FailedSend]


# -- 用户管理 -----------------------------------------------------------------------------------------------------
TAG_NAME_MAX, TAGS_MAX = 30, 100
RESERVED_TAGS = {0: "未分组", 1: "黑名单", 2: "星标组"}  # WeChat's own; only 星标组 is a tag followers carry
GENDERS = {"male": "男", "female": "女"}
GROUPS = {"all": "全部粉丝", "untagged": "未分组", "blacklisted": "黑名单"}
OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class FollowerQuery(Input):
    q: Text("备注名或 openid", 64, min_len=0) = ""
    group: Choice("分组", *GROUPS) = "all"
    tag_id: int | None = Field(None, ge=0, le=2**31 - 1, title="分组")
    gender: Choice("性别", "", *GENDERS) = ""
    region: Text("所在区域", 32, min_len=0) = ""
    subscribed: bool = True
    after: Text("分页位置", 64, min_len=0) = ""


class TagIn(Input):
    name: Text("分组名称", TAG_NAME_MAX)

    @model_validator(mode="after")
    def _not_reserved(self):
        if self.name in RESERVED_TAGS.values():
            raise PydanticCustomError("tag_reserved", "a reserved name", {"field": "name"})
        return self


class MembersIn(Input):
    openids: list[str] = Field(min_length=1, max_length=1000, title="粉丝")

    @model_validator(mode="after")
    def _openids(self):
        if any(not OPENID.match(o) for o in self.openids):
            raise PydanticCustomError("openid", "not an openid", {"field": "openids"})
        object.__setattr__(self, "openids", list(dict.fromkeys(self.openids)))
        return self


class RemarkIn(Input):
    remark: Text("备注名", 30, min_len=0) = ""


class ProfileIn(Input):
    gender: Choice("性别", "", *GENDERS) = ""
    region: Text("所在区域", 32, min_len=0) = ""
    location_consent: bool = False


class FollowerView(View):
    openid: str
    alias: str
    remark: str
    subscribed: bool
    subscribed_at: datetime | None
    subscribe_scene: str
    scene: str  # the QR channel's scene when they came through one
    blacklisted: bool
    gender: str
    region: str
    tags: list[str]


class FollowerPage(View):
    followers: list[FollowerView]
    next: str | None
    count: int
    more_than: bool  # the count stopped at its cap: "10000+"


class TagView(View):
    id: int
    name: str
    count: int
    reserved: bool


class SyncView(View):
    id: int
    status: str
    total: int
    fetched: int
    pages: int
    error: str
    started_by: str
    started_at: datetime
    finished_at: datetime | None


# -- 二维码 ---------------------------------------------------------------------------------------------------------
SCENE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TEMPORARY_DAYS_MAX = 30  # WeChat keeps a temporary code at most 30 days


class QrChannelIn(Input):
    name: Text("渠道名称", 40)
    scene: Text("场景值", 64)
    permanent: bool = True
    days: int = Field(30, ge=1, le=TEMPORARY_DAYS_MAX, title="有效天数")
    note: Text("备注", 200, min_len=0) = ""

    @model_validator(mode="after")
    def _scene(self):
        if not SCENE.match(self.scene) or self.scene.startswith("bind-"):  # bind-…: 公众号助手's own codes
            raise PydanticCustomError("scene", "letters, digits, _ and -", {"field": "scene"})
        return self


class QrChannelView(View):
    id: int
    name: str
    scene: str
    permanent: bool
    url: str
    expires_at: datetime | None
    expired: bool
    note: str
    created_by: str
    created_at: datetime
    scans: int  # every scan, followers' and new ones'
    follows: int  # citizens who followed through it
    first_use: int  # of those who scanned, how many then filed a case (a first use of a service)


# -- 群发消息 -------------------------------------------------------------------------------------------------------
MASS_PER_MONTH = 4  # WeChat lets a service account reach each follower 4 times a month
MASS_BATCH = 10_000  # openids per message/mass/send
MASS_TEXT_MAX = 600
MASS_TARGETS = {"all": "全部粉丝", "tag": "一个分组", "filter": "按条件筛选"}
MASS_TYPES = {"text": "文字", "mpnews": "图文", "image": "图片", "voice": "语音", "video": "视频"}
MASS_STATUS = {
    "draft": "草稿",
    "pending": "待审核",
    "rejected": "已驳回",
    "sending": "发送中",
    "sent": "已发送",
    "failed": "发送失败",
}


class MassTargetIn(Input):
    kind: Choice("发送对象", *MASS_TARGETS) = "all"
    tag_id: int | None = Field(None, ge=0, le=2**31 - 1, title="分组")
    gender: Choice("性别", "", *GENDERS) = ""
    region: Text("所在区域", 32, min_len=0) = ""

    @model_validator(mode="after")
    def _complete(self):
        if self.kind == "tag" and self.tag_id is None:
            raise PydanticCustomError("missing", "a group is needed", {"field": "tag_id"})
        if self.kind == "filter" and not (self.gender or self.region or self.tag_id is not None):
            raise PydanticCustomError("mass_filter", "say who", {"field": "gender"})
        return self


class MassSendIn(Input):
    title: Text("群发名称", 60)
    msgtype: Choice("群发类型", *MASS_TYPES) = "text"
    content: Text("群发内容", MASS_TEXT_MAX, min_len=0) = ""
    material_id: OptionalId("素材", 2**31 - 1) = None  # image, voice, video
    article_id: OptionalId("图文", 2**31 - 1) = None  # mpnews
    target: MassTargetIn = MassTargetIn()

    @model_validator(mode="after")
    def _carries(self):
        if self.msgtype == "text" and not self.content:
            raise PydanticCustomError("missing", "a text send needs its text", {"field": "content"})
        if self.msgtype in MATERIAL_KINDS and self.material_id is None:
            raise PydanticCustomError("material_missing", "choose the material", {"field": "material_id"})
        if self.msgtype == "mpnews" and self.article_id is None:
            raise PydanticCustomError("article_missing", "choose the article", {"field": "article_id"})
        return self


class MassEstimate(View):
    targeted: int
    blacklisted: int
    over_quota: int  # had their 4 mass messages this month
    will_send: int
    month: str


class MassSendView(View):
    id: int
    title: str
    msgtype: str
    msgtype_label: str
    content: str
    material_id: int | None
    article_id: int | None
    carries: str  # what it sends, as staff read it: the material's or article's title ("" for text)
    target: dict
    target_label: str
    status: str
    status_label: str
    author_id: str
    author_name: str
    approver_name: str
    decided_at: datetime | None
    reject_reason: str
    recipients: int
    skipped: dict | None
    error: str
    created_at: datetime
    finished_at: datetime | None
    batches: int
    batches_sent: int
    batches_failed: int
    delivered: int  # as WeChat reported it (MASSSENDJOBFINISH)
    delivery_errors: int
    estimate: MassEstimate | None = None


# -- 素材管理 -------------------------------------------------------------------------------------------------------
# WeChat's limits for permanent material (素材管理 → 新增永久素材) and for articles (草稿箱 → 新增草稿)
MATERIAL_KINDS = {"image": "图片", "voice": "语音", "video": "视频"}
MATERIAL_STATUS = {"uploading": "上传中", "ready": "已上传", "failed": "上传失败"}
MATERIAL_BYTES = {"image": 10 * 1024 * 1024, "voice": 2 * 1024 * 1024, "video": 10 * 1024 * 1024}
MATERIAL_FORMATS = {"image": "BMP、PNG、JPEG、GIF", "voice": "MP3、WMA、WAV、AMR", "video": "MP4"}
MATERIAL_COUNT_MAX = {"image": 100_000, "voice": 1_000, "video": 1_000}
VOICE_SECONDS_MAX = 60
INLINE_IMAGE_BYTES = 1024 * 1024  # an image inside an article body: JPG or PNG under 1 MB (media/uploadimg)
ARTICLE_TITLE_MAX, ARTICLE_AUTHOR_MAX, ARTICLE_DIGEST_MAX = 32, 16, 128
ARTICLE_BODY_CHARS, ARTICLE_BODY_BYTES, SOURCE_URL_BYTES = 20_000, 1024 * 1024, 1024
ARTICLE_STATUS = {
    "draft": "草稿",
    "pending": "待审核",
    "rejected": "已驳回",
    "publishing": "发布中",
    "published": "已发布",
    "failed": "发布失败",
}
# freepublish's publish_status, as WeChat reports it (PUBLISHJOBFINISH, freepublish/get)
PUBLISH_RESULTS = {
    0: "发布成功",
    1: "发布中",
    2: "原创声明失败",
    3: "发布失败",
    4: "平台审核不通过",
    5: "发布后已被删除",
    6: "发布后被系统封禁",
}


class MaterialIn(Input):
    kind: Choice("素材类型", *MATERIAL_KINDS)
    title: Text("素材名称", 64)
    introduction: Text("视频简介", 120, min_len=0) = ""

    @model_validator(mode="after")
    def _video(self):
        if self.kind == "video" and not self.introduction:  # WeChat asks a video's title and introduction
            raise PydanticCustomError("missing", "a video needs its introduction", {"field": "introduction"})
        return self


class MaterialView(View):
    id: int
    kind: str
    kind_label: str
    title: str
    introduction: str
    content_type: str
    size: int
    seconds: float | None
    status: str
    status_label: str
    error: str
    url: str  # an image's address at WeChat
    created_by_name: str
    created_at: datetime


class Materials(View):
    materials: list[MaterialView]
    counts: dict[str, int]  # per kind, against MATERIAL_COUNT_MAX
    limits: dict[str, int]


class WeChatArticleIn(Input):
    title: Text("标题", ARTICLE_TITLE_MAX)
    author: Text("作者", ARTICLE_AUTHOR_MAX, min_len=0) = ""
    digest: Text("摘要", ARTICLE_DIGEST_MAX, min_len=0) = ""
    # sanitised and checked against WeChat's limits in articles.py (it knows which images are in the library)
    body: str = Field(title="正文")
    source_url: Text("原文链接", SOURCE_URL_BYTES, min_len=0) = ""
    cover_id: OptionalId("封面图片", 2**31 - 1) = None
    open_comment: bool = False

    @model_validator(mode="after")
    def _shape(self):
        if self.cover_id is None:
            raise PydanticCustomError("cover_missing", "an article needs its cover", {"field": "cover_id"})
        if self.source_url and not (self.source_url.startswith(("https://", "http://")) and " " not in self.source_url):
            raise PydanticCustomError("link_url", "http(s) only", {"field": "source_url"})
        if len(self.source_url.encode()) > SOURCE_URL_BYTES:
            raise PydanticCustomError("source_url_bytes", "too long", {"field": "source_url"})
        return self


class WeChatArticleView(View):
    id: int
    title: str
    author: str
    digest: str
    body: str  # sanitised; images as <img src="material:ID">
    source_url: str
    cover_id: int
    cover_title: str
    open_comment: bool
    status: str
    status_label: str
    author_id: str
    author_name: str
    approver_name: str
    decided_at: datetime | None
    reject_reason: str
    article_url: str  # where the published article is read
    error: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class WeChatArticles(View):
    articles: list[WeChatArticleView]  # newest first, 50 from the offset asked for
    total: int


# -- messages the gateway answered itself (libs/wechat/answers.py), handed over for messaging to record ---------
ANSWERED_EXCHANGE = "messaging.answered"
ANSWERED_QUEUE = "messaging.answered"


class AnsweredMessage(View):
    key: str  # the callback's dedupe key
    account: str  # the Official Account's code
    fields: dict  # the message as WeChat sent it (checked by libs/wechat/callback.check_fields)
    reply: str | dict | None  # the passive reply the gateway sent (None: it said nothing)
