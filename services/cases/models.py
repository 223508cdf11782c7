from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
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
from libs.events import outbox_table, processed_events_table

Base = schema_base("cases")
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)
processed_events = processed_events_table(Base.metadata)


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

    replies: Mapped[list["Reply"]] = relationship(order_by="Reply.id", lazy="selectin")


class Reply(Base):
    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.cases.id"), index=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    staff_name: Mapped[str] = mapped_column(String(64))
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
