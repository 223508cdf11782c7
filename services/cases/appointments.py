"""服务预约: booking rules per window, availability, booking, cancelling, check-in, reminders and no-shows.

No slot is ever overbooked: a slot's row holds its places, and a booking takes one with a single conditional
UPDATE (`booked < capacity`), which PostgreSQL serializes on the row whichever replica runs it. A citizen's own
bookings take turns under an advisory lock, so their limits hold against a burst of parallel requests too.
Writes take a UnitOfWork; times are Beijing time (libs/clock.py), whatever the server's zone.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from libs.auth import can, require
from libs.clock import LOCAL_TZ
from libs.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from libs.schemas import check_request_id, is_id, validate
from services.cases import appointment_schemas as schemas
from services.cases import calendar
from services.cases.appointment_schemas import STATUS_LABELS, WEEKDAY_LABELS, minutes
from services.cases.models import Appointment, AppointmentSlot, BookingRule, CalendarDay
from services.cases.numbering import next_number

MAX_ACTIVE = 3  # upcoming bookings a citizen may hold at once
NO_SHOW_LIMIT, NO_SHOW_WINDOW, NO_SHOW_PAUSE = 3, timedelta(days=90), timedelta(days=30)
NO_SHOW_GRACE = timedelta(minutes=15)  # after the slot starts: then the place is released
REMIND_FROM = time(9)  # reminders go out the day before, from this local time


def _local(now):
    return now.astimezone(LOCAL_TZ)


def _hhmm(value):
    return value.strftime("%H:%M")


def _field_error(field, message):
    return ValidationError("invalid_fields", "请检查填写的内容", {"fields": {field: message}})


# -- rules ---------------------------------------------------------------------------------------------------
def rule_view(rule):
    return schemas.BookingRuleView.model_validate(rule).model_dump(mode="json")


def booking_rules(session, actor):
    require(actor, "appointment.rules")
    return [rule_view(r) for r in session.scalars(select(BookingRule).order_by(BookingRule.window_id))]


def _opening_hours(session, exclusive=False):
    """Bookings and the clock read the rules and the calendar under this lock (shared, side by side); changing them
    takes it alone. Else a booking that had read a day as open committed after the change had cancelled that day's
    others, and stood on a closed day (the citizen reminded, then counted as a no-show)."""
    lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    session.execute(text(f"SELECT {lock}(hashtext('cases.opening_hours'))"))


def save_rule(uow, window_id, data, window_exists):
    """A window's slot rules (administrators). Bookings on days the window now closes are cancelled and their
    citizens told; the others keep their places (a changed slot length does not move anyone)."""
    uow.require("appointment.rules")
    clean = validate(schemas.BookingRuleIn, data)
    if not is_id(window_id) or not window_exists(window_id):
        raise NotFound("window_not_found", "窗口不存在")
    session = uow.session
    _opening_hours(session, exclusive=True)
    values = clean.model_dump(mode="json") | {"updated_at": datetime.now(UTC)}
    stmt = insert(BookingRule).values(window_id=window_id, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["window_id"], set_=values))
    rule = session.scalar(select(BookingRule).where(BookingRule.window_id == window_id))
    uow.audit("appointment.rule_saved", "window", window_id, detail=clean.model_dump(mode="json"))
    cancel_on_closed_days(uow, window_id=window_id)
    return rule_view(rule)


CLOSED_REASON = "窗口当天不办理业务（节假日或闭馆），您的预约已取消，给您带来不便深表歉意，请重新预约。"


def cancel_on_closed_days(uow, window_id=None, day=None, now=None):
    """Upcoming bookings on a day their window no longer opens (a new holiday, a closed date, a weekday dropped):
    cancelled, places released, each citizen told why (appointment_cancelled with a reason). Returns how many.
    Called under the exclusive _opening_hours lock: no booking or sweep is under way, and the rows it waits for are
    each locked briefly by one citizen's or clerk's step."""
    now = now or datetime.now(UTC)
    session = uow.session
    stmt = select(Appointment).where(Appointment.status == "booked", Appointment.day >= _local(now).date())
    if window_id is not None:
        stmt = stmt.where(Appointment.window_id == window_id)
    if day is not None:
        stmt = stmt.where(Appointment.day == day)
    booked = session.scalars(stmt.order_by(Appointment.id).with_for_update()).all()
    if not booked:
        return 0
    rules = {r.window_id: r for r in session.scalars(select(BookingRule))}
    cal = calendar.load(session, min(a.day for a in booked))
    cancelled = 0
    for a in booked:
        rule = rules.get(a.window_id)
        if rule is not None and _is_open(rule, cal, a.day):
            continue
        a.status, a.updated_at = "cancelled", now
        _release(session, a)
        uow.audit("appointment.cancelled", "appointment", a.id, reason="窗口当天不办理")
        uow.publish("appointment_cancelled", facts(a, reason=CLOSED_REASON))
        cancelled += 1
    return cancelled


def _slot_times(rule):
    """(start, end) local times of one day's slots under `rule`."""
    slots = []
    for first, last in rule.periods:
        start, end = minutes(first), minutes(last)
        while start + rule.slot_minutes <= end:
            slots.append(
                (
                    time(start // 60, start % 60),
                    time((start + rule.slot_minutes) // 60, (start + rule.slot_minutes) % 60),
                )
            )
            start += rule.slot_minutes
    return slots


def _is_open(rule, cal, day):
    if day.isoformat() in rule.closed_dates or day in cal.holidays:
        return False
    return str(day.isoweekday()) in rule.weekdays or cal.is_makeup_workday(day)


def _bookable_days(rule, now):
    today = _local(now).date()
    return [today + timedelta(days=n) for n in range(rule.min_days_ahead, rule.max_days_ahead + 1)]


def _booked(session, window_id, first, last):
    rows = session.execute(
        select(AppointmentSlot.day, AppointmentSlot.starts_at, AppointmentSlot.booked).where(
            AppointmentSlot.window_id == window_id, AppointmentSlot.day.between(first, last)
        )
    )
    return {(r.day, r.starts_at): r.booked for r in rows}


def _future(day, start, now):
    return datetime.combine(day, start, LOCAL_TZ) > now


# -- what citizens see -------------------------------------------------------------------------------------------
def availability(session, service, now=None):
    """The bookable days of a service type (from content: id, name, bookable, window_id, window_name, location)
    and how many places each has left."""
    now = now or datetime.now(UTC)
    rule = _rule_for(session, service)
    base = {
        "service_type_id": service["id"],
        "service_type_name": service["name"],
        "window_id": service.get("window_id"),
        "window_name": service.get("window_name") or "",
        "location": service.get("location") or "",
    }
    if rule is None:
        return schemas.Availability(**base, bookable=False, days=[]).model_dump(mode="json")
    days = _bookable_days(rule, now)
    cal = calendar.load(session, days[0], days[-1])
    booked = _booked(session, rule.window_id, days[0], days[-1])
    slots = _slot_times(rule)
    out = []
    for day in days:
        is_open = _is_open(rule, cal, day)
        free = 0
        if is_open:
            free = sum(rule.counters - booked.get((day, start), 0) for start, _end in slots if _future(day, start, now))
        out.append(
            schemas.BookingDay(
                day=day,
                weekday_label=f"周{WEEKDAY_LABELS[day.weekday()]}",
                holiday=cal.name(day),
                open=is_open,
                free=max(free, 0),
            )
        )
    return schemas.Availability(**base, bookable=True, days=out).model_dump(mode="json")


def slots(session, service, day, now=None):
    """One day's slots and their free places; an empty list when the day cannot be booked."""
    now = now or datetime.now(UTC)
    rule = _rule_for(session, service)
    if rule is None or not isinstance(day, date) or day not in _bookable_days(rule, now):
        return []
    if not _is_open(rule, calendar.load(session, day, day), day):
        return []
    booked = _booked(session, rule.window_id, day, day)
    return [
        schemas.BookingSlot(
            starts_at=_hhmm(start), ends_at=_hhmm(end), free=max(rule.counters - booked.get((day, start), 0), 0)
        ).model_dump(mode="json")
        for start, end in _slot_times(rule)
        if _future(day, start, now)
    ]


def _rule_for(session, service):
    if not service.get("bookable") or not service.get("window_id"):
        return None
    return session.scalar(select(BookingRule).where(BookingRule.window_id == service["window_id"]))


def _shown(a):
    """What every view and event of a booking says alike: which, where it stands, what, where and when."""
    return {
        "number": a.number,
        "status": a.status,
        "status_label": STATUS_LABELS[a.status],
        "service_type_name": a.service_type_name,
        "window_name": a.window_name,
        "day": a.day,
        "starts_at": _hhmm(a.starts_at),
        "ends_at": _hhmm(a.ends_at),
    }


def citizen_view(appointment, now=None, **extra):
    now = now or datetime.now(UTC)
    a = appointment
    model = schemas.BookedAppointment if "created" in extra else schemas.CitizenAppointment
    return model(
        **_shown(a),
        service_type_id=a.service_type_id,
        location=a.location,
        weekday_label=f"周{WEEKDAY_LABELS[a.day.weekday()]}",
        contact_name=a.contact_name,
        contact_phone=a.contact_phone,
        cancellable=a.status == "booked" and _future(a.day, a.starts_at, now),
        created_at=a.created_at,
        **extra,
    ).model_dump(mode="json")


def facts(a, **extra):
    """The payload of appointment events (services/cases/events.py)."""
    return {
        **_shown(a),
        "id": a.id,
        "openid": a.openid,
        "location": a.location,
        "department_id": a.department_id,
        "day": a.day.isoformat(),
        "updated_at": a.updated_at.isoformat(),
        "reason": "",  # set when the office, not the citizen, changed the booking
        **extra,
    }


# -- booking -------------------------------------------------------------------------------------------------
def book(uow, data, request_id, service_type, now=None):
    """Book a place for the citizen acting. Returns (appointment, created); the same request_id books once.

    `service_type(id)` asks content for the service (None if there is none)."""
    actor, session = uow.actor, uow.session
    now = now or datetime.now(UTC)
    if actor.kind != "citizen":
        raise Forbidden("citizens_only", "只有市民本人可以预约")
    check_request_id(request_id)
    clean = validate(schemas.BookingIn, data)
    service = service_type(clean.service_type_id)
    if service is None:
        raise _field_error("service_type_id", "服务事项不存在")
    _opening_hours(session)
    rule = _rule_for(session, service)
    if rule is None:
        raise _field_error("service_type_id", "该事项暂不支持网上预约，请直接到窗口办理")
    starts = datetime.strptime(clean.starts_at, "%H:%M").time()
    slot_times = dict(_slot_times(rule))
    if clean.day not in _bookable_days(rule, now):
        raise _field_error("day", f"只能预约{rule.min_days_ahead}至{rule.max_days_ahead}天内的日期")
    if not _is_open(rule, calendar.load(session, clean.day, clean.day), clean.day):
        raise _field_error("day", "该日不对外办理预约，请选择其他日期")
    if starts not in slot_times or not _future(clean.day, starts, now):
        raise _field_error("starts_at", "请选择列出的预约时段")

    # one booking at a time per citizen, across replicas: the limits below then see every earlier one of theirs
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"cases.book:{actor.id}"})
    earlier = session.scalar(select(Appointment).where(Appointment.request_id == request_id))
    if earlier is not None:
        if earlier.openid != actor.id:
            raise ValidationError("invalid_request_id", "请求编号无效，请刷新页面后重试")
        return earlier, False
    _check_limits(session, actor.id, service, now)

    session.execute(
        insert(AppointmentSlot)
        .values(window_id=rule.window_id, day=clean.day, starts_at=starts, capacity=rule.counters, booked=0)
        .on_conflict_do_nothing()
    )
    slot_id = session.scalar(
        update(AppointmentSlot)
        .where(
            AppointmentSlot.window_id == rule.window_id,
            AppointmentSlot.day == clean.day,
            AppointmentSlot.starts_at == starts,
            # the rule as it is now: a window that cut its counters books no more than the new number, one that
            # added counters opens the new places (the slot's capacity follows)
            AppointmentSlot.booked < rule.counters,
        )
        .values(booked=AppointmentSlot.booked + 1, capacity=rule.counters)
        .returning(AppointmentSlot.id)
    )
    if slot_id is None:
        raise Conflict("slot_full", "该时段已约满，请选择其他时段")
    appointment = Appointment(
        number=next_number(session, "appointment", _local(now).date()),
        openid=actor.id,
        request_id=request_id,
        status="booked",
        service_type_id=service["id"],
        service_type_name=service["name"][:64],
        department_id=service.get("department_id"),
        window_id=rule.window_id,
        window_name=(service.get("window_name") or "")[:64],
        location=(service.get("location") or "")[:200],
        slot_id=slot_id,
        day=clean.day,
        starts_at=starts,
        ends_at=slot_times[starts],
        contact_name=clean.contact_name,
        contact_phone=clean.contact_phone,
        created_at=now,
        updated_at=now,
        # booked on the day before (or later): the confirmation is the reminder
        reminded_at=now if clean.day <= _local(now).date() + timedelta(days=1) else None,
        checked_in_by="",
    )
    session.add(appointment)
    session.flush()
    uow.audit("appointment.booked", "appointment", appointment.id, detail={"number": appointment.number})
    uow.publish("appointment_booked", facts(appointment))
    return appointment, True


def _check_limits(session, openid, service, now):
    today = _local(now).date()
    mine = select(Appointment).where(Appointment.openid == openid)
    no_shows = session.scalars(
        mine.where(Appointment.status == "no_show", Appointment.day >= today - NO_SHOW_WINDOW)
    ).all()
    if len(no_shows) >= NO_SHOW_LIMIT:
        until = max(a.day for a in no_shows) + NO_SHOW_PAUSE
        if today < until:
            raise RateLimited(
                "booking_paused",
                f"您近90天内有{len(no_shows)}次预约未到，{until:%Y年%-m月%-d日}前暂停网上预约，请直接到窗口办理",
            )
    upcoming = session.scalars(mine.where(Appointment.status == "booked", Appointment.day >= today)).all()
    if any(a.service_type_id == service["id"] for a in upcoming):
        raise Conflict("already_booked", "您已预约过该事项，如需改期请先取消原预约")
    if len(upcoming) >= MAX_ACTIVE:
        raise Conflict("too_many_bookings", f"您已有{MAX_ACTIVE}个未办理的预约，请办理或取消后再预约")


def _release(session, appointment):
    session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == appointment.slot_id)
        .values(booked=AppointmentSlot.booked - 1)
    )


def _own(session, actor, number, lock=False):
    stmt = select(Appointment).where(Appointment.number == (number.strip().upper() if isinstance(number, str) else ""))
    appointment = session.scalar(stmt.with_for_update() if lock else stmt)
    # someone else's number is "not found": a booking shows a name and a phone
    if appointment is None or actor.kind != "citizen" or appointment.openid != actor.id:
        raise NotFound("appointment_not_found", "没有找到该预约")
    return appointment


def citizen_appointment(session, actor, number):
    return citizen_view(_own(session, actor, number))


def citizen_appointments(session, actor, limit=50):
    if actor.kind != "citizen":
        raise Forbidden("citizens_only", "只有市民本人可以查看")
    rows = session.scalars(
        select(Appointment).where(Appointment.openid == actor.id).order_by(Appointment.id.desc()).limit(limit)
    )
    return [citizen_view(a) for a in rows]


def cancel(uow, number, now=None):
    """The citizen cancels before the slot starts; the place is free again at once. Cancelling twice is fine."""
    now = now or datetime.now(UTC)
    appointment = _own(uow.session, uow.actor, number, lock=True)
    if appointment.status == "cancelled":
        return appointment, False
    if appointment.status != "booked" or not _future(appointment.day, appointment.starts_at, now):
        raise Conflict("not_cancellable", "预约时间已到或已办理，不能取消")
    appointment.status, appointment.updated_at = "cancelled", now
    _release(uow.session, appointment)
    uow.audit("appointment.cancelled", "appointment", appointment.id)
    uow.publish("appointment_cancelled", facts(appointment))
    return appointment, True


# -- staff -----------------------------------------------------------------------------------------------------
def _mask_name(name):
    return name[:1] + "*" * max(len(name) - 1, 1)


def staff_view(a):
    return schemas.StaffAppointment(
        **_shown(a),
        id=a.id,
        window_id=a.window_id,
        department_id=a.department_id,
        name_masked=_mask_name(a.contact_name),
        phone_masked=f"{a.contact_phone[:3]}****{a.contact_phone[-4:]}",
        checked_in_at=a.checked_in_at,
        checked_in_by=a.checked_in_by,
    ).model_dump(mode="json")


def staff_list(session, actor, query=None, limit=500):
    """A day's appointments (today by default) for the actor's departments, in slot order, with counts."""
    if not actor.is_staff:
        raise Forbidden("staff_only", "仅限工作人员")
    clean = validate(schemas.AppointmentFilters, {k: v for k, v in (query or {}).items() if v not in (None, "")})
    stmt = select(Appointment)
    if clean.q:
        stmt = stmt.where(Appointment.number == clean.q.strip().upper())
    else:
        stmt = stmt.where(Appointment.day == (clean.day or datetime.now(LOCAL_TZ).date()))
    if not can(actor, "appointment.manage"):  # no citywide reach: the actor's own department
        require(actor, "appointment.manage", actor.department_id)
        stmt = stmt.where(Appointment.department_id == actor.department_id)
    if clean.window_id:
        stmt = stmt.where(Appointment.window_id == clean.window_id)
    counts = dict(
        session.execute(stmt.with_only_columns(Appointment.status, func.count()).group_by(Appointment.status)).all()
    )
    if clean.status:
        stmt = stmt.where(Appointment.status == clean.status)
    rows = session.scalars(stmt.order_by(Appointment.day, Appointment.starts_at, Appointment.id).limit(limit))
    return {"appointments": [staff_view(a) for a in rows], "counts": {s: counts.get(s, 0) for s in STATUS_LABELS}}


def check_in(uow, appointment_id, now=None):
    """Staff at the window record that the citizen came (on the day only). Twice is fine."""
    now = now or datetime.now(UTC)
    session, actor = uow.session, uow.actor
    a = session.get(Appointment, appointment_id, with_for_update=True) if is_id(appointment_id) else None
    if a is None or not can(actor, "appointment.manage", a.department_id):
        raise NotFound("appointment_not_found", "没有找到该预约")
    if a.status == "checked_in":
        return a, False
    if a.status != "booked":
        raise Conflict("not_checkable", f"该预约{STATUS_LABELS[a.status]}，不能签到；请按现场取号办理")
    if a.day != _local(now).date():
        raise Conflict("not_today", "只能在预约当天签到")
    a.status, a.checked_in_at, a.checked_in_by, a.updated_at = "checked_in", now, actor.name or actor.id, now
    uow.audit("appointment.checked_in", "appointment", a.id)
    uow.publish("appointment_checked_in", facts(a))
    return a, True


# -- the clock -----------------------------------------------------------------------------------------------------
def sweep(uow, now=None, batch=200):
    """Reminders for tomorrow, no-shows for slots begun more than NO_SHOW_GRACE ago. Run by every replica's timer:
    SKIP LOCKED hands each appointment to one of them. Returns (reminded, no_shows)."""
    now = now or datetime.now(UTC)
    session, local = uow.session, _local(now)
    _opening_hours(session)  # a day closed meanwhile has had its bookings cancelled before this reads them
    reminded = 0
    if local.time() >= REMIND_FROM:
        due = session.scalars(
            select(Appointment)
            .where(
                Appointment.status == "booked",
                Appointment.day == local.date() + timedelta(days=1),
                Appointment.reminded_at.is_(None),
            )
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        for a in due:
            a.reminded_at = now
            uow.publish("appointment_reminder", facts(a))
        reminded = len(due)
    late = session.scalars(
        select(Appointment)
        .where(Appointment.status == "booked", Appointment.day <= local.date())
        .order_by(Appointment.day, Appointment.starts_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    no_shows = 0
    for a in late:
        if datetime.combine(a.day, a.starts_at, LOCAL_TZ) + NO_SHOW_GRACE > now:
            continue
        a.status, a.updated_at = "no_show", now
        _release(session, a)
        count = session.scalar(
            select(func.count()).where(
                Appointment.openid == a.openid,
                Appointment.status == "no_show",
                Appointment.day >= local.date() - NO_SHOW_WINDOW,
            )
        )
        uow.audit("appointment.no_show", "appointment", a.id)
        uow.publish("appointment_no_show", facts(a, no_show_count=count, no_show_limit=NO_SHOW_LIMIT))
        no_shows += 1
    return reminded, no_shows


# -- calendar ------------------------------------------------------------------------------------------------
def calendar_days(session, year):
    if not (isinstance(year, int) and 2000 <= year <= 2100):
        raise ValidationError("invalid_year", "年份不正确")
    rows = session.scalars(
        select(CalendarDay)
        .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarDay.day)
    )
    return [schemas.CalendarDayView.model_validate(r).model_dump(mode="json") for r in rows]


def set_calendar_day(uow, data):
    """Mark a day as a holiday or a make-up working day (or, with no kind, an ordinary day again)."""
    uow.require("appointment.rules")
    clean = validate(schemas.CalendarDayIn, data)
    session = uow.session
    _opening_hours(session, exclusive=True)
    if clean.kind is None:
        row = session.get(CalendarDay, clean.day)
        if row is not None:
            session.delete(row)
    else:
        stmt = insert(CalendarDay).values(day=clean.day, kind=clean.kind, name=clean.name)
        session.execute(
            stmt.on_conflict_do_update(index_elements=["day"], set_={"kind": clean.kind, "name": clean.name})
        )
    uow.audit("calendar.day_set", "calendar", clean.day.isoformat(), detail=clean.model_dump(mode="json"))
    session.flush()
    cancel_on_closed_days(uow, day=clean.day)
    return calendar_days(session, clean.day.year)
