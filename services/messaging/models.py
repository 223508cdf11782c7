from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from libs.audit import audit_table
from libs.db import schema_base
from libs.events import outbox_table, parked_events_table, processed_events_table

Base = schema_base("messaging")
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)
processed_events = processed_events_table(Base.metadata)
parked_events = parked_events_table(Base.metadata)


MAIN_ACCOUNT = 1  # the one Official Account served today (accounts.code "main")


def account_column():
    """Which Official Account a row belongs to: one install may serve several (the city's and departments' own)."""
    return mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"), default=MAIN_ACCOUNT)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # bumped by every change to what replicas cache for answering messages (services/messaging/caches.py)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Follower(Base):
    __tablename__ = "followers"
    __table_args__ = (
        Index(
            "ix_followers_inbox",
            "account_id",
            text("last_message_at DESC"),
            postgresql_where=text("last_message_at IS NOT NULL"),
        ),
        Index("ix_followers_remark", "remark", postgresql_using="gin", postgresql_ops={"remark": "gin_trgm_ops"}),
        Index("ix_followers_profile", "account_id", "region", "gender"),
        Index("ix_followers_blacklisted", "account_id", postgresql_where=text("blacklisted")),
    )
    account_id: Mapped[int] = account_column()

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    subscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # customer-service messages are allowed for 48 h after the citizen's last message to the account
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scene: Mapped[str] = mapped_column(String(64), default="")
    last_content: Mapped[str] = mapped_column(String(200), default="")  # the inbox's preview of the last message
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # staff's last answer
    # a click, follow or scan opens a 1-minute window for 3 customer-service messages
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    remark: Mapped[str] = mapped_column(String(30), default="")  # 备注名, kept in step with WeChat
    blacklisted: Mapped[bool] = mapped_column(Boolean, default=False)  # no auto-replies, no mass sends
    subscribe_scene: Mapped[str] = mapped_column(String(32), default="")  # how WeChat says they came
    # what the citizen told us on the profile page (WeChat no longer gives gender or region); "" not said
    gender: Mapped[str] = mapped_column(String(8), default="")
    region: Mapped[str] = mapped_column(String(32), default="")
    region_source: Mapped[str] = mapped_column(String(16), default="")  # profile | location
    location_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # last seen by a full sync
    # an operator's last change of what a sync also writes (remark, groups, blacklist): a sync that read WeChat
    # before it leaves the row alone
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    account_id: Mapped[int] = account_column()

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(32), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboundMessage(Base):
    """Everything the account said to a citizen, by which channel, and whether WeChat took it."""

    __tablename__ = "outbound_messages"
    # the retry timer looks for failed rows by status and age
    __table_args__ = (
        Index("ix_outbound_messages_status", "status", "created_at"),
        Index("ix_outbound_messages_cause", "cause"),
    )
    account_id: Mapped[int] = account_column()

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # passive | custom | template | none
    content: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(String(64), default="")  # event id or inbound key that led to it
    status: Mapped[str] = mapped_column(String(16))  # sent | failed | retried | undeliverable
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # kept so that a failed notification can be sent again, by whichever channel is allowed by then
    template: Mapped[dict | None] = mapped_column(JSON)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    sent_by: Mapped[str] = mapped_column(String(64), default="")  # the staff member who answered; "" the system


class StoredToken(Base):
    """wechatpy's session storage, shared by every messaging replica (one access_token for the account)."""

    __tablename__ = "tokens"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseTrack(Base):
    """What messaging knows of each case from cases' events, so a citizen who sends a case number gets the
    answer from here, inside the callback, without an RPC chain to cases."""

    __tablename__ = "case_tracks"
    account_id: Mapped[int] = account_column()

    number: Mapped[str] = mapped_column(String(24), primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    kind_label: Mapped[str] = mapped_column(String(16))
    status_label: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="")  # cases' code: the open ones are listed on a click
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    latest_reply: Mapped[str] = mapped_column(Text, default="")


class ReplySettings(Base):
    """An account's own follow reply and default reply (empty: the built-in text)."""

    __tablename__ = "reply_settings"

    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"), primary_key=True)
    follow_reply: Mapped[str] = mapped_column(Text, default="")
    default_reply: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReplyRule(Base):
    """回复设置's keyword rules: a text message that matches a keyword (exactly, or containing it) gets this reply;
    the highest priority wins, then the oldest rule."""

    __tablename__ = "reply_rules"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    keywords: Mapped[list] = mapped_column(JSON)
    match: Mapped[str] = mapped_column(String(16))  # exact | contains
    priority: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    reply_kind: Mapped[str] = mapped_column(String(16))  # text | news | image
    text: Mapped[str] = mapped_column(Text, default="")
    article: Mapped[dict | None] = mapped_column(JSON)  # news: {title, description, url, image}
    material_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("messaging.materials.id"))  # image
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Menu(Base):
    """自定义菜单: the draft operators edit and what WeChat was last given. `tag_id` null is everyone's menu; a tag
    id is that group's conditional menu."""

    __tablename__ = "menus"
    __table_args__ = (
        UniqueConstraint("account_id", "tag_id", name="uq_menus_account_tag", postgresql_nulls_not_distinct=True),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"))
    tag_id: Mapped[int | None] = mapped_column(Integer)
    draft: Mapped[dict] = mapped_column(JSON)  # {"button": [...]} as WeChat's menu/create takes it
    published: Mapped[dict | None] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    wechat_menuid: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class Tag(Base):
    """A group of followers: WeChat's tag (its id is WeChat's), ≤ 100 per account."""

    __tablename__ = "tags"

    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FollowerTag(Base):
    __tablename__ = "follower_tags"
    __table_args__ = (Index("ix_follower_tags_tag", "account_id", "tag_id", "openid"),)

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    tag_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"))


class FollowerSync(Base):
    """A full sync of the follower list from WeChat, one page (10,000) per step; `cursor` is where the next step
    starts, so a sync interrupted anywhere resumes at the page it was on."""

    __tablename__ = "follower_syncs"
    __table_args__ = (
        Index("uq_follower_syncs_running", "account_id", unique=True, postgresql_where=text("status = 'running'")),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"))
    status: Mapped[str] = mapped_column(String(16))
    cursor: Mapped[str] = mapped_column(String(64), default="")
    total: Mapped[int] = mapped_column(Integer, default=0)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    started_by: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class QrChannel(Base):
    """二维码: a parametric QR code for one channel (a poster, a window, a flyer); `scene` comes back in the scan."""

    __tablename__ = "qr_channels"
    __table_args__ = (UniqueConstraint("account_id", "scene", name="uq_qr_channels_scene"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"))
    name: Mapped[str] = mapped_column(String(40))
    scene: Mapped[str] = mapped_column(String(64))
    permanent: Mapped[bool] = mapped_column(Boolean)
    ticket: Mapped[str] = mapped_column(String(256))
    url: Mapped[str] = mapped_column(String(256))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QrScan(Base):
    __tablename__ = "qr_scans"
    __table_args__ = (Index("ix_qr_scans_scene", "account_id", "scene", "openid"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"))
    scene: Mapped[str] = mapped_column(String(64))
    openid: Mapped[str] = mapped_column(String(64))
    follow: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MassSend(Base):
    """群发消息: composed by one staff member, approved by another, sent in batches of ≤ 10,000 openids."""

    __tablename__ = "mass_sends"
    __table_args__ = (
        Index("ix_mass_sends_status", "account_id", "status"),
        Index("uq_mass_sends_request", "account_id", "request_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"))
    # the form's (or API caller's) key for creating it: a double submit or a retried call makes it once
    request_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(60))
    msgtype: Mapped[str] = mapped_column(String(16))  # text | image | voice | video | mpnews
    content: Mapped[str] = mapped_column(Text)
    # what a non-text send carries: a material (image, voice, video) or an article (mpnews)
    material_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("messaging.materials.id"))
    article_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("messaging.articles.id"))
    # the media_id its batches send, made once per send (a video's mpvideo, an article's draft)
    media_id: Mapped[str] = mapped_column(String(128), default="")
    target: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(64))
    approver_id: Mapped[str] = mapped_column(String(64), default="")
    approver_name: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    month: Mapped[str] = mapped_column(String(7), default="")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MassRecipient(Base):
    __tablename__ = "mass_recipients"
    __table_args__ = (
        Index("ix_mass_recipients_month", "account_id", "month", "openid"),
        Index("ix_mass_recipients_batch", "send_id", "batch_no"),
    )

    send_id: Mapped[int] = mapped_column(Integer, ForeignKey("messaging.mass_sends.id"), primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(SmallInteger)
    month: Mapped[str] = mapped_column(String(7))
    batch_no: Mapped[int] = mapped_column(Integer)


class MassBatch(Base):
    __tablename__ = "mass_batches"
    __table_args__ = (Index("ix_mass_batches_msg", "msg_id"),)

    send_id: Mapped[int] = mapped_column(Integer, ForeignKey("messaging.mass_sends.id"), primary_key=True)
    batch_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    clientmsgid: Mapped[str] = mapped_column(String(64), unique=True)
    count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    msg_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    total_count: Mapped[int | None] = mapped_column(Integer)
    sent_count: Mapped[int | None] = mapped_column(Integer)
    error_count: Mapped[int | None] = mapped_column(Integer)
    job_status: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CatalogueCard(Base):
    """A service type of content's catalogue, as messaging answers with it (a copy, kept from content's events)."""

    __tablename__ = "catalogue_cards"

    service_type_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OperatorBinding(Base):
    """A staff member's own WeChat, bound by scanning a one-time code (`token`, in the code's scene); until it is
    scanned `openid` is empty."""

    __tablename__ = "operator_bindings"
    __table_args__ = (
        Index(
            "uq_operator_bindings_openid",
            "account_id",
            "openid",
            unique=True,
            postgresql_where=text("openid IS NOT NULL"),
        ),
        Index("ix_operator_bindings_staff", "account_id", "staff_id"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"))
    staff_id: Mapped[str] = mapped_column(String(64))
    staff_name: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list] = mapped_column(JSON)
    grants: Mapped[dict | None] = mapped_column(JSON)  # permission -> scope, as the gateway resolved them
    token: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    openid: Mapped[str | None] = mapped_column(String(64))
    bound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MediaFile(Base):
    """Bytes a citizen sent (image, voice, video), kept by their SHA-256 once WeChat's copy was downloaded."""

    __tablename__ = "media_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InboundMedia(Base):
    """A media message waiting to be downloaded from WeChat (it keeps it 3 days), or its outcome."""

    __tablename__ = "inbound_media"
    __table_args__ = (
        Index("ix_inbound_media_pending", "status", "updated_at"),
        Index("ix_inbound_media_sha256", "sha256"),  # staff viewing a file: was it sent to their account
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[int] = account_column()
    inbound_key: Mapped[str] = mapped_column(String(128), unique=True)
    openid: Mapped[str] = mapped_column(String(64))
    media_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WeChatStat(Base):
    """One of WeChat's daily figures for the account (metric by source where WeChat splits it, e.g. new followers by
    how they came), kept as long as we like: WeChat answers only for recent days."""

    __tablename__ = "wechat_stats"

    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True, default="")
    value: Mapped[int] = mapped_column(BigInteger)


class WeChatStatsDay(Base):
    __tablename__ = "wechat_stats_days"

    account_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("messaging.accounts.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Material(Base):
    """素材管理: an image, voice or video kept as WeChat permanent material. Our copy of the bytes is in media_files
    (by SHA-256), so a refused upload can be tried again and staff see what they sent."""

    __tablename__ = "materials"
    __table_args__ = (
        Index("ix_materials_kind", "account_id", "kind", text("id DESC")),
        Index("uq_materials_request", "account_id", "request_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    account_id: Mapped[int] = account_column()
    # the form's (or API caller's) key for creating it: a double submit or a retried call makes it once
    request_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # image | voice | video
    title: Mapped[str] = mapped_column(String(64))
    introduction: Mapped[str] = mapped_column(String(120), default="")  # a video's, as WeChat shows it
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column()  # a voice's length (WeChat takes at most 60 s)
    status: Mapped[str] = mapped_column(String(16))  # uploading | ready | failed
    error: Mapped[str] = mapped_column(Text, default="")
    media_id: Mapped[str] = mapped_column(String(128), default="")
    url: Mapped[str] = mapped_column(String(512), default="")  # an image's address at WeChat
    # an image inside an article body must come from media/uploadimg (WeChat filters other addresses)
    inline_url: Mapped[str] = mapped_column(String(512), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Article(Base):
    """图文: an article staff write (title, author, cover, digest, body, source link), published through WeChat's
    draft → publish after a second staff member's approval, or sent as a mass message."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_status", "account_id", "status"),
        Index("ix_articles_publish_id", "publish_id"),
        Index("uq_articles_request", "account_id", "request_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    account_id: Mapped[int] = account_column()
    # the form's (or API caller's) key for creating it: a double submit or a retried call makes it once
    request_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(32), default="")
    digest: Mapped[str] = mapped_column(String(256), default="")
    body: Mapped[str] = mapped_column(Text)  # sanitised HTML; images as <img src="material:ID">
    source_url: Mapped[str] = mapped_column(String(1024), default="")
    cover_id: Mapped[int] = mapped_column(Integer, ForeignKey("messaging.materials.id"))
    open_comment: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # draft | pending | rejected | publishing | published | failed
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(64))
    approver_id: Mapped[str] = mapped_column(String(64), default="")
    approver_name: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    # WeChat's draft of this version (draft/add), kept while the article is unchanged; "" none yet
    draft_media_id: Mapped[str] = mapped_column(String(128), default="")
    draft_version: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    publish_id: Mapped[str] = mapped_column(String(64), default="")
    article_id: Mapped[str] = mapped_column(String(128), default="")  # WeChat's, once published
    article_url: Mapped[str] = mapped_column(String(1024), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
