"""/api/v1 for 服务预约: availability (public), a day's appointments and check-in (staff), booking rules and the
holiday calendar (administrators). Each route documents itself (core/openapi.py)."""

from flask import Blueprint, jsonify

from libs.errors import ValidationError
from libs.schemas import validate
from services.cases import appointment_schemas as schemas
from services.gateway.appointments import client
from services.gateway.core import openapi
from services.gateway.core.auth import staff_api
from services.gateway.core.web import clean_query, json_body

bp = Blueprint("appointments_api", __name__, url_prefix="/api/v1")
PUBLIC = {"errors": (400, 404), "auth": False}
STAFF = {"errors": (400, 401, 403, 404, 409)}


@openapi.route(
    bp,
    "/service-types/<id:service_type_id>/availability",
    "GET",
    summary="The days a service type can be booked on (服务预约), with the places left",
    response=schemas.Availability,
    **PUBLIC,
)
def availability(service_type_id):
    return jsonify(client.availability(service_type_id))


@openapi.route(
    bp,
    "/service-types/<id:service_type_id>/slots",
    "GET",
    summary="One day's slots and their free places (empty when the day cannot be booked)",
    query=schemas.SlotQuery,
    response=[schemas.BookingSlot],
    **PUBLIC,
)
def slots(service_type_id):
    day = validate(schemas.SlotQuery, {"day": clean_query("day", 10)}).day
    return jsonify(client.slots(service_type_id, day.isoformat()))


@openapi.route(
    bp,
    "/appointments",
    "GET",
    summary="A day's appointments (today by default) at the staff member's windows, with counts per status",
    query=schemas.AppointmentFilters,
    response=schemas.AppointmentList,
)
@staff_api
def list_appointments():
    query = {k: clean_query(k, 32) for k in ("day", "window_id", "status", "q")}
    return jsonify(client.staff_list(query))


@openapi.route(
    bp,
    "/appointments/<id:appointment_id>/check-in",
    "POST",
    summary="The citizen came: check them in (the window's department, on the day; twice is harmless)",
    response=schemas.StaffAppointment,
    **STAFF,
)
@staff_api
def check_in(appointment_id):
    return jsonify(client.check_in(appointment_id))


@openapi.route(
    bp,
    "/booking-rules",
    "GET",
    summary="Every window's booking rule (administrators)",
    response=[schemas.BookingRuleView],
)
@staff_api
def booking_rules():
    return jsonify(client.rules())


@openapi.route(
    bp,
    "/windows/<id:window_id>/booking-rule",
    "PUT",
    summary="Set a window's booking rule: open weekdays, periods, slot length, counters, how far ahead, closed dates",
    body=schemas.BookingRuleIn,
    response=schemas.BookingRuleView,
    **STAFF,
)
@staff_api
def save_booking_rule(window_id):
    return jsonify(client.save_rule(window_id, json_body()))


@openapi.route(
    bp,
    "/calendar",
    "GET",
    summary="A year's public holidays and make-up working days (调休) as the city keeps them",
    query=schemas.CalendarQuery,
    response=[schemas.CalendarDayView],
    errors=(400,),
    auth=False,
)
def calendar():
    year = clean_query("year", 4)
    if not year.isdigit():
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"year": "请填写年份，如 2026"}})
    return jsonify(client.calendar(validate(schemas.CalendarQuery, {"year": year}).year))


@openapi.route(
    bp,
    "/calendar",
    "PUT",
    summary="Mark a day as a holiday or a make-up working day, or (no kind) an ordinary day again (administrators)",
    body=schemas.CalendarDayIn,
    response=[schemas.CalendarDayView],
    **STAFF,
)
@staff_api
def set_calendar_day():
    return jsonify(client.set_calendar_day(json_body()))
