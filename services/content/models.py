"""content's tables: the public catalogue (departments and their leaders, service windows and service types)."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from libs.audit import audit_table
from libs.db import schema_base
from libs.events import outbox_table
from libs.images import StoredFile

Base = schema_base("content")
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    remit: Mapped[str] = mapped_column(Text, default="")  # one line a citizen scans to find the right office
    description: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[str] = mapped_column(String(100), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    leaders: Mapped[list["Leader"]] = relationship(order_by="Leader.sort_order", lazy="selectin")


class Leader(Base):
    __tablename__ = "leaders"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("content.departments.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(32))
    duties: Mapped[str] = mapped_column(Text, default="")
    photo_sha256: Mapped[str | None] = mapped_column(ForeignKey("content.media.sha256"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Window(Base):
    """服务窗口: an optional grouping of service types (社会保障窗口, 环境保护窗口 …)."""

    __tablename__ = "windows"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    services: Mapped[list["ServiceType"]] = relationship(
        order_by="ServiceType.sort_order", lazy="selectin", back_populates="window"
    )


class News(Base):
    """实时信息发布: news and notices. Citizens see those published by now; drafts and scheduled ones only staff."""

    __tablename__ = "news"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(String(200), default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised (richtext.clean) before it is stored
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("content.departments.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    publish_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Media(StoredFile, Base):
    """An uploaded file's bytes, addressed by their SHA-256 (media.py): shared by every replica."""

    __tablename__ = "media"


class Poster(Base):
    """服务海报: a campaign image shown on the home page between its start and end, in order, linking somewhere."""

    __tablename__ = "posters"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(64))
    media_sha256: Mapped[str] = mapped_column(ForeignKey("content.media.sha256"))
    link_kind: Mapped[str] = mapped_column(String(16), default="none")  # none | service | news | url
    link_target: Mapped[str] = mapped_column(String(512), default="")
    active_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    active_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Album(Base):
    """政务相册: a photo album of government activity."""

    __tablename__ = "albums"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("content.departments.id", ondelete="SET NULL"), index=True
    )
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    photos: Mapped[list["Photo"]] = relationship(order_by="Photo.sort_order", lazy="selectin")


class Photo(Base):
    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("content.albums.id", ondelete="CASCADE"), index=True)
    media_sha256: Mapped[str] = mapped_column(ForeignKey("content.media.sha256"))
    thumb_sha256: Mapped[str] = mapped_column(ForeignKey("content.media.sha256"))
    caption: Mapped[str] = mapped_column(String(200), default="")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Version(Base):
    """Every change to the catalogue: who, when, which fields, and the whole entity as it was saved."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("entity_type", "entity_id", "version"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    changed: Mapped[list] = mapped_column(JSON)  # field names that differ from the previous version
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScheduleClock(Base):
    """Up to when scheduled changes (news going out, posters starting or ending) have been announced."""

    __tablename__ = "schedule_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SearchTerm(Base):
    """The search index (search.py): one row per token of an item, with its weight."""

    __tablename__ = "search_terms"

    item_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    weight: Mapped[float] = mapped_column(Float)


class ServiceType(Base):
    """服务类型: one service a citizen can ask about, apply for or book; under a window or on its own."""

    __tablename__ = "service_types"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("content.windows.id", ondelete="SET NULL"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("content.departments.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(64), unique=True)
    summary: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")  # who may apply
    materials: Mapped[list] = mapped_column(JSON, default=list)  # documents to bring, in order
    fees: Mapped[str] = mapped_column(String(200), default="")
    time_limit: Mapped[str] = mapped_column(String(100), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[str] = mapped_column(String(100), default="")
    bookable: Mapped[bool] = mapped_column(Boolean, default=False)
    keywords: Mapped[list] = mapped_column(JSON, default=list)  # what citizens type instead of the official name
    faq: Mapped[list] = mapped_column(JSON, default=list)  # [{"q", "a"}]
    form_fields: Mapped[list] = mapped_column(JSON, default=list)  # Open311-style attributes (schemas.FormField)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    window: Mapped["Window | None"] = relationship(back_populates="services", lazy="joined")
