from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from libs.audit import audit_table
from libs.db import schema_base
from libs.events import outbox_table, processed_events_table

Base = schema_base("surveys")
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)
processed_events = processed_events_table(Base.metadata)


class Vote(Base):
    """微投票: options, how many a citizen may choose, how often they may vote, and when results show."""

    __tablename__ = "votes"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'closed')", name="vote_status"),
        CheckConstraint("period IN ('once', 'daily')", name="vote_period"),
        CheckConstraint("results IN ('live', 'after_vote', 'after_close')", name="vote_results"),
        CheckConstraint("max_choices >= 1", name="vote_max_choices"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    max_choices: Mapped[int] = mapped_column(SmallInteger, default=1)  # 1: a single choice
    period: Mapped[str] = mapped_column(String(8), default="once")
    results: Mapped[str] = mapped_column(String(12), default="after_vote")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    options: Mapped[list["VoteOption"]] = relationship(
        order_by="VoteOption.position", cascade="all, delete-orphan", lazy="selectin"
    )


class VoteOption(Base):
    __tablename__ = "vote_options"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("surveys.votes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    label: Mapped[str] = mapped_column(String(40))
    image_url: Mapped[str] = mapped_column(String(500), default="")


class Ballot(Base):
    """One citizen's vote in one period. The citizen is kept only as a keyed hash (voter): enough to refuse a
    second ballot and to tell them they voted, not to list who voted what."""

    __tablename__ = "ballots"

    vote_id: Mapped[int] = mapped_column(ForeignKey("surveys.votes.id", ondelete="CASCADE"), primary_key=True)
    voter: Mapped[str] = mapped_column(String(64), primary_key=True)
    period_key: Mapped[str] = mapped_column(String(10), primary_key=True)  # "once", or the Beijing date
    option_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    cast_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Survey(Base):
    """微调研: sections of questions (kept as the document staff built, frozen once published), a window, a cap."""

    __tablename__ = "surveys"
    __table_args__ = (CheckConstraint("status IN ('draft', 'published', 'closed')", name="survey_status"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    sections: Mapped[list] = mapped_column(JSONB)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    max_responses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    results_public: Mapped[bool] = mapped_column(Boolean, default=False)
    responses_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SurveyResponse(Base):
    """One citizen's answers. In an anonymous survey nothing here leads back to them: no openid, and the day only."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.surveys.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict] = mapped_column(JSONB)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    openid: Mapped[str | None] = mapped_column(String(64), nullable=True)  # named surveys only


class SurveyRespondent(Base):
    """Who has answered, as a keyed hash per survey and nothing else (no time, no response id): enough to refuse a
    second response, not to find the first one."""

    __tablename__ = "survey_respondents"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.surveys.id", ondelete="CASCADE"), primary_key=True)
    respondent: Mapped[str] = mapped_column(String(64), primary_key=True)
