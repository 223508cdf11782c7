"""服务预约 on a real database: rules, availability across holidays, booking limits, cancelling, check-in, the
clock's reminders and no-shows. Time is passed in (`now`), so the rules are tested on chosen days; content is not
running in this tier, so the service type is given as content would answer."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from unittest.mock import MagicMock

import eventlet
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from libs.auth import Actor
from libs.clock import LOCAL_TZ
from libs.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from libs.unit_of_work import UnitOfWork
from services.cases import appointments, events
from services.cases.models import Appointment, AppointmentSlot, audit_log, outbox
from services.cases.service import CasesService

ADMIN = Actor(kind="staff", id="1", name="管理员", roles=("admin",))
HANDLER = Actor(kind="staff", id="2", name="人社窗口", roles=("handler",), department_id=1)
OTHER = Actor(kind="staff", id="3", name="市场窗口", roles=("handler",), department_id=3)
RULE = {"weekdays": "12345", "periods": [["09:00", "10:00"]], "slot_minutes": 30, "counters": 2}


def local(text):
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ).astimezone(UTC)


MONDAY = local("2026-09-28T10:00")  # the week before 国庆


@pytest.fixture
def service():
    """A bookable service type under a window of its own (each test its own window: no shared places)."""
    window = random.randint(10_000, 2_000_000_000)
    return {
        "id": window % 100_000 + 1,
        "name": "社保卡申领",
        "bookable": True,
        "window_id": window,
        "window_name": "社会保障窗口",
        "location": "市民中心一楼A区",
        "department_id": 1,
    }


def uow_as(db_session, actor):
    return UnitOfWork(db_session, actor, audit_log=audit_log, outbox=outbox, contract=events.PUBLISHES)


def citizen():
    return Actor.citizen(f"o_book_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def ruled(db_session, service):
    def make(**over):
        with uow_as(db_session, ADMIN) as uow:
            return appointments.save_rule(uow, service["window_id"], RULE | over, lambda _id: True)

    return make


def book(db_session, service, who, day="2026-09-29", at="09:00", now=MONDAY, request_id=None, **over):
    data = {"service_type_id": service["id"], "day": day, "starts_at": at, "contact_name": "张三"}
    data |= {"contact_phone": "13800000000"} | over
    with uow_as(db_session, who) as uow:
        appointment, created = appointments.book(
            uow, data, request_id or uuid.uuid4().hex, lambda _id: service, now=now
        )
        return appointments.citizen_view(appointment, now=now, created=created)


def test_rules_are_checked_and_only_administrators_set_them(db_session, service, ruled):
    saved = ruled(closed_dates=["2026-09-30"])
    assert saved["periods"] == [["09:00", "10:00"]] and saved["closed_dates"] == ["2026-09-30"]
    bad = {
        "periods": [["10:00", "09:00"]],
        "weekdays": "89",
        "slot_minutes": 0,
        "max_days_ahead": 0,
    }
    with pytest.raises(ValidationError) as refused:
        ruled(**bad)
    fields = refused.value.details["fields"]
    assert set(fields) >= {"periods", "weekdays", "slot_minutes", "max_days_ahead"}
    assert "09:00-12:00" in fields["periods"] and "小于" in fields["slot_minutes"]
    with pytest.raises(ValidationError) as overlap:
        ruled(periods=[["09:00", "11:00"], ["10:30", "12:00"]])
    assert "重叠" in overlap.value.details["fields"]["periods"]
    with pytest.raises(ValidationError) as too_long:
        ruled(slot_minutes=90)
    assert "slot_minutes" in too_long.value.details["fields"]
    with pytest.raises(Forbidden), uow_as(db_session, HANDLER) as uow:
        appointments.save_rule(uow, service["window_id"], RULE, lambda _id: True)
    with pytest.raises(NotFound), uow_as(db_session, ADMIN) as uow:
        appointments.save_rule(uow, 424242, RULE, lambda _id: False)


def test_availability_follows_the_calendar_and_the_rule(db_session, service, ruled):
    ruled(closed_dates=["2026-09-30"])
    days = {d["day"]: d for d in appointments.availability(db_session, service, now=MONDAY)["days"]}
    assert min(days) == "2026-09-29" and max(days) == "2026-10-12"  # 1 to 14 days ahead
    assert days["2026-09-29"]["open"] and days["2026-09-29"]["free"] == 4  # two slots, two counters
    assert not days["2026-09-30"]["open"]  # closed by the rule
    assert not days["2026-10-01"]["open"] and days["2026-10-01"]["holiday"] == "国庆节"
    assert days["2026-10-10"]["open"] and days["2026-10-10"]["weekday_label"] == "周六"  # a make-up working day
    assert not days["2026-10-11"]["open"]  # an ordinary Sunday
    slots = appointments.slots(db_session, service, date(2026, 9, 29), now=MONDAY)
    assert slots == [
        {"starts_at": "09:00", "ends_at": "09:30", "free": 2},
        {"starts_at": "09:30", "ends_at": "10:00", "free": 2},
    ]
    assert appointments.slots(db_session, service, date(2026, 10, 1), now=MONDAY) == []
    assert appointments.slots(db_session, service, date(2026, 10, 30), now=MONDAY) == []  # too far ahead
    not_bookable = service | {"bookable": False}
    assert appointments.availability(db_session, not_bookable, now=MONDAY)["bookable"] is False


def test_a_slot_takes_as_many_citizens_as_it_has_counters(db_session, service, ruled):
    ruled()
    first = book(db_session, service, citizen())
    assert first["created"] and first["number"].startswith("YY") and first["status_label"] == "已预约"
    assert (first["starts_at"], first["ends_at"], first["location"]) == ("09:00", "09:30", "市民中心一楼A区")
    book(db_session, service, citizen())
    with pytest.raises(Conflict) as full:
        book(db_session, service, citizen())
    assert full.value.code == "slot_full" and "约满" in full.value.message
    slot = db_session.scalar(select(AppointmentSlot).where(AppointmentSlot.window_id == service["window_id"]))
    assert (slot.booked, slot.capacity) == (2, 2)
    assert appointments.slots(db_session, service, date(2026, 9, 29), now=MONDAY)[0]["free"] == 0
    staged = [
        r.payload["data"] for r in db_session.execute(select(outbox).where(outbox.c.event_type == "appointment_booked"))
    ]
    assert first["number"] in [d["number"] for d in staged]


def test_booking_refuses_what_the_rule_does_not_offer(db_session, service, ruled):
    ruled()
    who = citizen()
    for day, at, field in (
        ("2026-09-28", "09:00", "day"),  # today: at least one day ahead
        ("2026-10-01", "09:00", "day"),  # 国庆
        ("2026-09-29", "09:15", "starts_at"),  # not a slot start
        ("2026-09-29", "10:00", "starts_at"),  # after the last slot
        ("2026-13-01", "09:00", "day"),
        ("2026-09-29", "9点", "starts_at"),
    ):
        with pytest.raises(ValidationError) as refused:
            book(db_session, service, who, day=day, at=at)
        assert field in refused.value.details["fields"], (day, at)
    with pytest.raises(ValidationError) as missing:
        book(db_session, service, who, contact_name="", contact_phone="12")
    assert set(missing.value.details["fields"]) == {"contact_name", "contact_phone"}
    with pytest.raises(ValidationError) as unknown, uow_as(db_session, who) as uow:
        appointments.book(
            uow,
            {
                **RULE,
                "service_type_id": 5,
                "day": "2026-09-29",
                "starts_at": "09:00",
                "contact_name": "张三",
                "contact_phone": "13800000000",
            },
            uuid.uuid4().hex,
            lambda _id: None,
            now=MONDAY,
        )
    assert "service_type_id" in unknown.value.details["fields"]
    with pytest.raises(Forbidden):
        book(db_session, service, HANDLER)
    assert db_session.scalar(select(Appointment).where(Appointment.window_id == service["window_id"])) is None


def test_a_citizens_limits_and_a_repeated_request(db_session, service, ruled):
    ruled(counters=5)
    who, request_id = citizen(), uuid.uuid4().hex
    first = book(db_session, service, who, request_id=request_id)
    again = book(db_session, service, who, request_id=request_id)
    assert again["number"] == first["number"] and again["created"] is False
    with pytest.raises(Conflict) as twice:
        book(db_session, service, who, day="2026-10-08")
    assert twice.value.code == "already_booked"
    for n in (2, 3):
        book(db_session, service | {"id": service["id"] + n}, who, day="2026-10-08")
    with pytest.raises(Conflict) as many:
        book(db_session, service | {"id": service["id"] + 9}, who, day="2026-10-09")
    assert many.value.code == "too_many_bookings"
    with pytest.raises(ValidationError):  # someone else's request id
        book(db_session, service, citizen(), request_id=request_id)


def test_cancelling_frees_the_place_until_the_slot_starts(db_session, service, ruled):
    ruled(counters=1)
    who = citizen()
    booked = book(db_session, service, who)
    with pytest.raises(NotFound), uow_as(db_session, citizen()) as uow:
        appointments.cancel(uow, booked["number"], now=MONDAY)  # someone else's booking
    with uow_as(db_session, who) as uow:
        appointment, changed = appointments.cancel(uow, booked["number"].lower(), now=MONDAY)
    assert changed and appointment.status == "cancelled"
    with uow_as(db_session, who) as uow:
        assert appointments.cancel(uow, booked["number"], now=MONDAY)[1] is False  # twice: nothing more
    assert appointments.slots(db_session, service, date(2026, 9, 29), now=MONDAY)[0]["free"] == 1
    later = book(db_session, service, who)
    with pytest.raises(Conflict), uow_as(db_session, who) as uow:
        appointments.cancel(uow, later["number"], now=local("2026-09-29T09:01"))
    audit = db_session.execute(select(audit_log.c.action).where(audit_log.c.target_type == "appointment")).scalars()
    assert "appointment.cancelled" in set(audit)


def test_the_clock_reminds_the_day_before_and_releases_no_shows(db_session, service, ruled):
    ruled()
    early, late = citizen(), citizen()
    tomorrow = book(db_session, service, early, day="2026-10-08", at="09:00")  # booked 10 days ahead
    same_eve = book(db_session, service, late, day="2026-10-08", at="09:30", now=local("2026-10-07T20:00"))
    mine = select(Appointment).where(Appointment.window_id == service["window_id"]).order_by(Appointment.id)

    def sweep(at):
        with uow_as(db_session, Actor.system("cases")) as uow:
            return appointments.sweep(uow, now=local(at))

    sweep("2026-10-07T08:59")
    assert [a.reminded_at is None for a in db_session.scalars(mine)] == [
        True,
        False,
    ]  # the late one was told on booking
    sweep("2026-10-07T09:00")
    assert all(a.reminded_at is not None for a in db_session.scalars(mine))
    reminders = [
        r.payload["data"]["number"]
        for r in db_session.execute(select(outbox).where(outbox.c.event_type == "appointment_reminder"))
    ]
    assert reminders.count(tomorrow["number"]) == 1 and same_eve["number"] not in reminders
    sweep("2026-10-07T21:00")  # once only
    reminders = [
        r.payload["data"]["number"]
        for r in db_session.execute(select(outbox).where(outbox.c.event_type == "appointment_reminder"))
    ]
    assert reminders.count(tomorrow["number"]) == 1

    with uow_as(db_session, HANDLER) as uow:
        appointments.check_in(uow, db_session.scalars(mine).all()[1].id, now=local("2026-10-08T09:25"))
    sweep("2026-10-08T09:14")
    assert [a.status for a in db_session.scalars(mine)] == ["booked", "checked_in"]
    sweep("2026-10-08T09:16")
    assert [a.status for a in db_session.scalars(mine)] == ["no_show", "checked_in"]
    slot = db_session.scalar(
        select(AppointmentSlot).where(
            AppointmentSlot.window_id == service["window_id"],
            AppointmentSlot.starts_at == datetime.strptime("09:00", "%H:%M").time(),
        )
    )
    assert slot.booked == 0  # released
    (notice,) = [
        r.payload["data"]
        for r in db_session.execute(select(outbox).where(outbox.c.event_type == "appointment_no_show"))
        if r.payload["data"]["number"] == tomorrow["number"]
    ]
    events.AppointmentNoShow.model_validate(notice)
    assert (notice["no_show_count"], notice["no_show_limit"]) == (1, 3)


def test_three_no_shows_pause_online_booking(db_session, service, ruled):
    ruled(counters=5, weekdays="1234567")
    who = citizen()
    for day in ("2026-09-29", "2026-10-08", "2026-10-09"):
        book(db_session, service, who, day=day)
        with uow_as(db_session, Actor.system("cases")) as uow:
            appointments.sweep(uow, now=local(f"{day}T10:00"))
    with pytest.raises(RateLimited) as paused:
        book(db_session, service, who, day="2026-10-12", now=local("2026-10-10T10:00"))
    assert "2026年11月8日" in paused.value.message and "窗口" in paused.value.message
    book(db_session, service, who, day="2026-11-09", now=local("2026-11-08T10:00"))  # the pause is over


def test_check_in_by_the_windows_own_staff_on_the_day(db_session, service, ruled):
    ruled()
    booked = book(db_session, service, citizen(), contact_name="欧阳娜娜", contact_phone="13912345678")
    appointment_id = db_session.scalar(select(Appointment.id).where(Appointment.number == booked["number"]))
    with pytest.raises(NotFound), uow_as(db_session, OTHER) as uow:  # another department's window
        appointments.check_in(uow, appointment_id, now=local("2026-09-29T09:05"))
    with pytest.raises(Conflict) as early, uow_as(db_session, HANDLER) as uow:
        appointments.check_in(uow, appointment_id, now=MONDAY)
    assert early.value.code == "not_today"
    with uow_as(db_session, HANDLER) as uow:
        appointment, changed = appointments.check_in(uow, appointment_id, now=local("2026-09-29T09:05"))
    assert changed and appointment.checked_in_by == "人社窗口"
    listed = appointments.staff_list(db_session, HANDLER, {"day": "2026-09-29", "window_id": service["window_id"]})
    (row,) = listed["appointments"]
    assert (row["name_masked"], row["phone_masked"], row["status"]) == ("欧***", "139****5678", "checked_in")
    assert listed["counts"]["checked_in"] == 1
    assert (
        appointments.staff_list(db_session, OTHER, {"day": "2026-09-29", "window_id": service["window_id"]})[
            "appointments"
        ]
        == []
    )
    with pytest.raises(Forbidden):
        appointments.staff_list(db_session, citizen(), {})


def test_the_rpc_surface(worker, service, ruled):
    """Through the service's methods: content answers for the service type, the actor rides the call."""
    ruled(weekdays="1234567", min_days_ahead=1, max_days_ahead=14)
    content = MagicMock()
    content.get_service_type.return_value = service
    who = citizen()
    cases = worker(CasesService, who, content=content)
    days = cases.booking_availability(service["id"])["days"]
    open_day = next(d["day"] for d in days if d["open"])
    slot = cases.booking_slots(service["id"], open_day)[0]
    assert cases.booking_slots(service["id"], "not a day") == []
    data = {"service_type_id": service["id"], "day": open_day, "starts_at": slot["starts_at"]}
    booked = cases.book_appointment(data | {"contact_name": "李四", "contact_phone": "13700000000"}, uuid.uuid4().hex)
    assert cases.citizen_appointment(booked["number"])["cancellable"] is True
    assert [a["number"] for a in cases.citizen_appointments()] == [booked["number"]]
    assert cases.cancel_appointment(booked["number"])["status"] == "cancelled"
    with pytest.raises(NotFound):
        worker(CasesService, citizen(), content=content).citizen_appointment(booked["number"])
    year = worker(CasesService, ADMIN, content=content).calendar_days(2026)
    assert {"day": "2026-10-10", "kind": "workday", "name": "国庆节调休上班"} in year
    tomorrow = (datetime.now(LOCAL_TZ) + timedelta(days=400)).date().isoformat()
    changed = worker(CasesService, ADMIN, content=content).set_calendar_day(
        {"day": tomorrow, "kind": "holiday", "name": "测试"}
    )
    assert {"day": tomorrow, "kind": "holiday", "name": "测试"} in changed
    with pytest.raises(Forbidden):
        worker(CasesService, HANDLER, content=content).set_calendar_day({"day": tomorrow})


def test_a_changed_rule_governs_slots_already_booked(db_session, service, ruled):
    ruled(counters=2)
    book(db_session, service, citizen())
    ruled(counters=1)  # one counter closed: the slot is full at the one booking it has
    with pytest.raises(Conflict):
        book(db_session, service, citizen())
    ruled(counters=3)  # two more opened: the places are bookable, as the page says
    assert appointments.slots(db_session, service, date(2026, 9, 29), now=MONDAY)[0]["free"] == 2
    book(db_session, service, citizen())
    book(db_session, service, citizen())
    with pytest.raises(Conflict):
        book(db_session, service, citizen())


def test_a_day_closed_after_booking_cancels_and_tells_the_citizen(db_session, service, ruled):
    ruled(weekdays="1234567", max_days_ahead=60)
    now = datetime.now(UTC)
    # an open day far enough ahead that no other test books it (and not a holiday, whenever this runs)
    days = appointments.availability(db_session, service, now=now)["days"]
    day = date.fromisoformat(next(d["day"] for d in days[40:] if d["open"]))
    booked = book(db_session, service, citizen(), day=day.isoformat(), now=now)
    with uow_as(db_session, ADMIN) as uow:
        appointments.set_calendar_day(uow, {"day": day.isoformat(), "kind": "holiday", "name": "临时闭馆"})
    try:
        row = db_session.scalar(select(Appointment).where(Appointment.number == booked["number"]))
        assert row.status == "cancelled"
        slot = db_session.get(AppointmentSlot, row.slot_id)
        assert slot.booked == 0
        (event,) = [
            r.payload["data"]
            for r in db_session.execute(select(outbox).where(outbox.c.event_type == "appointment_cancelled"))
            if r.payload["data"]["number"] == booked["number"]
        ]
        assert "不办理业务" in event["reason"]
        events.AppointmentFacts.model_validate(event)
    finally:
        with uow_as(db_session, ADMIN) as uow:
            appointments.set_calendar_day(uow, {"day": day.isoformat()})  # an ordinary day again
    other = book(db_session, service, citizen(), day=day.isoformat(), now=now)
    with uow_as(db_session, ADMIN) as uow:  # a closed date in the rule does the same
        appointments.save_rule(
            uow,
            service["window_id"],
            RULE | {"weekdays": "1234567", "max_days_ahead": 60, "closed_dates": [day.isoformat()]},
            lambda _id: True,
        )
    assert db_session.scalar(select(Appointment.status).where(Appointment.number == other["number"])) == "cancelled"


def test_a_booking_under_way_when_its_day_closes_is_refused_not_left_on_the_closed_day(
    db_session, engine, service, ruled
):
    """The administrator closes a day while a citizen books it: the booking waits for the change, then sees the day
    closed. (It used to read the day as open, commit after the change had cancelled that day's bookings, and stand
    on a closed day.)"""
    ruled(weekdays="1234567", max_days_ahead=60)
    now = datetime.now(UTC)
    days = appointments.availability(db_session, service, now=now)["days"]
    day = date.fromisoformat(next(d["day"] for d in days[45:] if d["open"]))
    try:
        with Session(engine) as admin_session, uow_as(admin_session, ADMIN) as uow:
            appointments.set_calendar_day(uow, {"day": day.isoformat(), "kind": "holiday", "name": "临时闭馆"})
            booking = eventlet.spawn(book, db_session, service, citizen(), day=day.isoformat(), now=now)
            eventlet.sleep(0.5)
            assert not booking.dead  # it waits for the change to the calendar
        with pytest.raises(ValidationError) as closed:
            booking.wait()
        assert closed.value.details["fields"]["day"] == "该日不对外办理预约，请选择其他日期"
        assert not db_session.scalar(select(func.count()).where(Appointment.day == day, Appointment.status == "booked"))
    finally:
        with uow_as(db_session, ADMIN) as uow:
            appointments.set_calendar_day(uow, {"day": day.isoformat()})
