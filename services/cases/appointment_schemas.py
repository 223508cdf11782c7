"""What crosses the bus for appointments (服务预约): booking rules, availability, a booking and its views."""

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from libs.schemas import MAX_INT, Id, Input, OptionalChoice, OptionalId, Phone, Text, View

STATUS_LABELS = {"booked": "已预约", "cancelled": "已取消", "checked_in": "已签到", "no_show": "未到（爽约）"}
WEEKDAY_LABELS = "一二三四五六日"
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _chosen(value):
    if value in (None, ""):
        raise PydanticCustomError("id_missing", "nothing chosen")  # "请选择预约时段"
    return value


def minutes(hhmm):
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


# -- input -------------------------------------------------------------------------------------------------------
class BookingRuleIn(Input):
    weekdays: str = Field("12345", pattern=r"^[1-7]{1,7}$", title="开放日（1-7 表示周一至周日）")
    periods: list[tuple[str, str]] = Field(min_length=1, max_length=6, title="开放时段")
    slot_minutes: int = Field(30, ge=5, le=240, title="每个时段的分钟数")
    counters: int = Field(1, ge=1, le=50, title="窗口数（每个时段可预约人数）")
    min_days_ahead: int = Field(1, ge=0, le=30, title="最早提前天数")
    max_days_ahead: int = Field(14, ge=1, le=60, title="最远提前天数")
    closed_dates: list[date] = Field(default_factory=list, max_length=100, title="另行闭馆的日期")

    @field_validator("periods")
    @classmethod
    def _periods(cls, periods):
        for start, end in periods:
            if not (HHMM.match(start) and HHMM.match(end)) or minutes(end) <= minutes(start):
                raise PydanticCustomError("periods", "start-end, HH:MM")
        ordered = sorted(periods, key=lambda p: minutes(p[0]))
        if any(minutes(b[0]) < minutes(a[1]) for a, b in zip(ordered, ordered[1:], strict=False)):
            raise PydanticCustomError("periods_overlap", "overlapping periods")
        return ordered

    @model_validator(mode="after")
    def _ahead(self):
        if self.max_days_ahead < self.min_days_ahead:
            raise PydanticCustomError("days_ahead", "max < min", {"field": "max_days_ahead"})
        if not any(minutes(end) - minutes(start) >= self.slot_minutes for start, end in self.periods):
            raise PydanticCustomError("slot_too_long", "no slot fits", {"field": "slot_minutes"})
        return self


class BookingIn(Input):
    service_type_id: Id("服务事项", MAX_INT)
    day: date = Field(title="预约日期")
    starts_at: Annotated[str, BeforeValidator(_chosen)] = Field(pattern=HHMM.pattern, title="预约时段")
    contact_name: Text("姓名", 32)
    contact_phone: Phone("手机号码")


class AppointmentFilters(Input):
    day: date | None = Field(None, title="日期")
    window_id: OptionalId("窗口", MAX_INT) = None
    status: OptionalChoice("状态", *STATUS_LABELS) = None
    q: Text("预约编号", 32, min_len=0) = ""


class CalendarDayIn(Input):
    day: date = Field(title="日期")
    kind: OptionalChoice("类型", "holiday", "workday") = None  # none: an ordinary day again
    name: Text("名称", 32, min_len=0) = ""


# -- views -------------------------------------------------------------------------------------------------------
class BookingRuleView(View):
    window_id: int
    weekdays: str
    periods: list[tuple[str, str]]
    slot_minutes: int
    counters: int
    min_days_ahead: int
    max_days_ahead: int
    closed_dates: list[date]
    updated_at: datetime


class BookingDay(View):
    day: date
    weekday_label: str
    holiday: str  # the calendar's name for the day, if it has one
    open: bool
    free: int


class BookingSlot(View):
    starts_at: str
    ends_at: str
    free: int


class Availability(View):
    service_type_id: int
    service_type_name: str
    window_id: int | None
    window_name: str
    location: str
    bookable: bool  # false: the service is not bookable, or its window takes no appointments yet
    days: list[BookingDay]


class CitizenAppointment(View):
    number: str
    status: str
    status_label: str
    service_type_id: int
    service_type_name: str
    window_name: str
    location: str
    day: date
    weekday_label: str
    starts_at: str
    ends_at: str
    contact_name: str
    contact_phone: str
    cancellable: bool
    created_at: datetime


class BookedAppointment(CitizenAppointment):
    created: bool  # false when this request_id had already booked it


class StaffAppointment(View):
    """For the window's staff: the citizen's name and phone masked (enough to call out and to check an ID card
    against the name's first character); the check-in itself is audited."""

    id: int
    number: str
    status: str
    status_label: str
    service_type_name: str
    window_id: int
    window_name: str
    department_id: int | None
    day: date
    starts_at: str
    ends_at: str
    name_masked: str
    phone_masked: str
    checked_in_at: datetime | None
    checked_in_by: str


class CalendarDayView(View):
    day: date
    kind: str
    name: str


class AppointmentList(View):
    appointments: list[StaffAppointment]
    counts: dict[str, int]  # the day's appointments per status, whatever the status filter


class SlotQuery(Input):
    day: date = Field(title="日期")


class CalendarQuery(Input):
    year: int = Field(ge=2000, le=2100, title="年份")
