"""ratings' tables: 市民印象 (a citizen's stars and tags for a department, one per month), 领导点评 (moderated comments
on named officials, their reports and the office's response), the words and tags staff configure, and the copies
this service keeps of others' facts: departments and their leaders (content), follow times (messaging) and case
figures (cases)."""

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from libs.audit import audit_table
from libs.db import schema_base
from libs.events import outbox_table, parked_events_table, processed_events_table

Base = schema_base("ratings")
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)
processed_events = processed_events_table(Base.metadata)
parked_events = parked_events_table(Base.metadata)


class ImpressionTag(Base):
    """办事高效, 流程繁琐 …: what a citizen may pick beside the stars; staff add, rename and retire them."""

    __tablename__ = "impression_tags"
    __table_args__ = (CheckConstraint("tone IN ('positive', 'negative')", name="tag_tone"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    label: Mapped[str] = mapped_column(String(10), unique=True)
    tone: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Rating(Base):
    """市民印象: one per citizen, department and month; a later one that month replaces it. `status` is counted, or
    flagged (part of a burst from new followers: kept out of the published score until staff decide), or
    discarded (staff judged it part of a campaign)."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("department_id", "openid", "month", name="uq_rating_per_month"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="rating_stars"),
        CheckConstraint("status IN ('counted', 'flagged', 'discarded')", name="rating_status"),
        CheckConstraint("comment_status IN ('none', 'visible', 'held', 'hidden')", name="rating_comment_status"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, index=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, Beijing time
    stars: Mapped[int] = mapped_column(SmallInteger)
    tag_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    comment_status: Mapped[str] = mapped_column(String(8), default="none")
    status: Mapped[str] = mapped_column(String(10), default="counted")
    from_new_follower: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)  # a moderator decided it: no burst flags it again
    # withdrawn by the citizen: out of every score and list, but kept, so withdrawing and rating again undoes no
    # moderator's decision
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CitizenAction(Base):
    """Each rating a citizen writes or withdraws, for the hourly limit (a replaced rating is still one more write)."""

    __tablename__ = "citizen_actions"
    __table_args__ = (Index("ix_ratings_citizen_actions_openid_at", "openid", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OfficialComment(Base):
    """领导点评 on a named official. Public only once a moderator approved it; the citizen's words are kept as written
    (`body`) even when a moderator publishes a masked version (`shown_body`)."""

    __tablename__ = "official_comments"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'published', 'rejected', 'reported')", name="comment_status"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, index=True)
    official_name: Mapped[str] = mapped_column(String(32))
    official_title: Mapped[str] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text)
    shown_body: Mapped[str] = mapped_column(Text, default="")
    flagged_words: Mapped[list[str]] = mapped_column(ARRAY(String), default=list)  # 'hold' words found
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(String(200), default="")  # why rejected, shown to the citizen
    reports_count: Mapped[int] = mapped_column(Integer, default=0)
    moderated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    response: Mapped[str] = mapped_column(Text, default="")  # the official's office, once
    responded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CommentReport(Base):
    """A citizen's report of a public comment: one per citizen and comment."""

    __tablename__ = "comment_reports"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("ratings.official_comments.id", ondelete="CASCADE"), primary_key=True
    )
    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SensitiveWord(Base):
    """A word that holds a text for a moderator's eye ('hold') or refuses it outright ('reject')."""

    __tablename__ = "sensitive_words"
    __table_args__ = (CheckConstraint("action IN ('hold', 'reject')", name="word_action"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    word: Mapped[str] = mapped_column(String(20), unique=True)
    action: Mapped[str] = mapped_column(String(6))


class Department(Base):
    """content's departments and leaders, as ratings keeps them (refreshed by a timer and by content_changed)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    leaders: Mapped[list] = mapped_column(ARRAY(String), default=list)  # "name|title", in content's order
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Follower(Base):
    """When a citizen last followed the account (messaging's follower_subscribed): a rating from someone who followed
    days ago weighs as any other, a burst of them from new followers is held back."""

    __tablename__ = "followers"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    followed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FollowerBackfill(Base):
    """How far the copy of follow times taken from messaging has come (followers from before ratings ran): one row."""

    __tablename__ = "follower_backfill"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    after: Mapped[str] = mapped_column(String(64), default="")  # the last openid taken
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class DepartmentCaseStats(Base):
    """cases' monthly figures per department (case_stats_published), for the scorecards."""

    __tablename__ = "department_case_stats"

    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    received: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)
    on_time_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    satisfaction_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    overdue: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
