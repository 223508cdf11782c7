from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from libs.audit import audit_table
from libs.db import schema_base
from libs.events import outbox_table

Base = schema_base("content")
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    remit: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[str] = mapped_column(String(100), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
