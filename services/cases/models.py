from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from libs.audit import audit_table
from libs.db import schema_base
from libs.events import outbox_table, parked_events_table, processed_events_table
from libs.images import StoredFile

Base = schema_base("cases")
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)
processed_events = processed_events_table(Base.metadata)
parked_events = parked_events_table(Base.metadata)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    # the client's id for this submission: a repeated form post returns the first case instead of a second one
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # filed from a service type's page: which one (content owns it; the name is kept as it was when filed)
    service_type_id: Mapped[int | None] = mapped_column(Integer)
    service_type_name: Mapped[str] = mapped_column(String(64), default="")
    accused: Mapped[str] = mapped_column(String(100), default="")
    content: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[datetime | None] = mapped_column(Date)
    contact_name: Mapped[str] = mapped_column(String(32), default="")
    contact_phone: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # the workflow (workflow.py): where it is, by when, and how the citizen judged it
    department_name: Mapped[str] = mapped_column(String(64), default="")
    # the department's staff member who took it on (签收): their "mine" queue
    handler_id: Mapped[str] = mapped_column(String(64), default="")
    handler_name: Mapped[str] = mapped_column(String(64), default="")
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into: Mapped[str] = mapped_column(String(24), default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[str] = mapped_column(String(16), default="")
    rating_comment: Mapped[str] = mapped_column(String(500), default="")
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 匿名: no name or phone was asked or kept; the filer still follows it in WeChat (openid, never shown to staff)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16), default="h5")  # h5 | wechat | phone | walk_in | open311
    location: Mapped[str] = mapped_column(String(200), default="")  # where it happened, as the citizen put it
    # answers to the service type's own questions (answers.py): {code: value}, with the questions as they were
    answers: Mapped[dict] = mapped_column(JSON, default=dict)

    replies: Mapped[list["Reply"]] = relationship(order_by="Reply.id", lazy="selectin")
    steps: Mapped[list["CaseStep"]] = relationship(order_by="CaseStep.id", lazy="selectin")
    photos: Mapped[list["CasePhoto"]] = relationship(order_by="CasePhoto.id", lazy="selectin")


class CaseFile(StoredFile, Base):
    """A citizen's photo (or its thumbnail) or PDF, checked by libs/images.py, addressed by its SHA-256.
    Served only to the filer and to staff who may read the case: unlike content's media, never public."""

    __tablename__ = "case_files"


class CasePhoto(Base):
    __tablename__ = "case_photos"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("cases.case_files.sha256"))
    thumb_sha256: Mapped[str] = mapped_column(ForeignKey("cases.case_files.sha256"))
    content_type: Mapped[str] = mapped_column(String(32), default="image/jpeg")  # a PDF has no thumbnail of its own


class CaseStep(Base):
    """The case's timeline: every transition, who made it and what they said (the note the citizen may read)."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(64))
    department_name: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseNote(Base):
    """Staff's internal notes on a case: never shown to the citizen, never in an event."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.cases.id"), index=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    staff_name: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExtensionRequest(Base):
    """A handler asks for more working days; a supervisor (or the department head) decides."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.cases.id"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | denied
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReplyTemplate(Base):
    """A model answer staff start from: for a kind and/or a service type (neither: for every case)."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    kind: Mapped[str | None] = mapped_column(String(16))
    service_type_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeadlineOverride(Base):
    """A service type whose cases of a kind get another number of working days than the kind's default."""

    __tablename__ = "deadline_overrides"

    service_type_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    working_days: Mapped[int] = mapped_column(Integer)


class Reply(Base):
    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.cases.id"), index=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    staff_name: Mapped[str] = mapped_column(String(64))
    department_name: Mapped[str] = mapped_column(String(64), default="")  # the office that answered
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseCounter(Base):
    """Last number issued per kind and day; the row lock makes numbering gap-free across replicas."""

    __tablename__ = "case_counters"
    __table_args__ = (UniqueConstraint("kind", "day"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    day: Mapped[datetime] = mapped_column(Date)
    last: Mapped[int] = mapped_column(Integer)


class CalendarDay(Base):
    """A day that is not what its weekday says: a public holiday, or a weekend day worked instead (调休)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # holiday | workday
    name: Mapped[str] = mapped_column(String(32), default="")


class BookingRule(Base):
    """When a window takes appointments for its bookable service types (服务预约)."""

    __tablename__ = "booking_rules"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    window_id: Mapped[int] = mapped_column(Integer, unique=True)  # content's window
    weekdays: Mapped[str] = mapped_column(String(7))  # ISO weekdays open, e.g. "12345"
    periods: Mapped[list] = mapped_column(JSON)  # [["09:00", "12:00"], ["13:30", "17:00"]], local time
    slot_minutes: Mapped[int] = mapped_column(Integer)
    counters: Mapped[int] = mapped_column(Integer)  # citizens served at once: the places in each slot
    min_days_ahead: Mapped[int] = mapped_column(Integer)
    max_days_ahead: Mapped[int] = mapped_column(Integer)
    closed_dates: Mapped[list] = mapped_column(JSON)  # ISO dates closed besides the calendar's holidays
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AppointmentSlot(Base):
    """The places of one slot, created when first booked; `booked < capacity` is checked and raised in one
    UPDATE, so two replicas booking the last place at once cannot both get it."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        UniqueConstraint("window_id", "day", "starts_at"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="places"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    window_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    __tablename__ = "appointments"
    # the clock's two sweeps (reminders, no-shows) look for booked appointments by day
    __table_args__ = (Index("ix_appointments_status_day", "status", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # booked | cancelled | checked_in | no_show
    service_type_id: Mapped[int] = mapped_column(Integer)
    service_type_name: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    window_id: Mapped[int] = mapped_column(Integer)
    window_name: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(200), default="")
    slot_id: Mapped[int] = mapped_column(ForeignKey("cases.appointment_slots.id"))
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    contact_name: Mapped[str] = mapped_column(String(32))
    contact_phone: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_by: Mapped[str] = mapped_column(String(64), default="")
