"""The gateway's one door to appointments (服务预约, kept by the cases service). Each call carries the request's
actor (core/rpc.py); cases validates the input and checks permissions."""

from services.gateway.core.rpc import call


def availability(service_type_id):
    return call("cases", "booking_availability", service_type_id)


def slots(service_type_id, day):
    return call("cases", "booking_slots", service_type_id, day)


def book(data, request_id):
    return call("cases", "book_appointment", data, request_id)


def mine():
    return call("cases", "citizen_appointments")


def one(number):
    return call("cases", "citizen_appointment", number)


def cancel(number):
    return call("cases", "cancel_appointment", number)


def staff_list(query):
    return call("cases", "list_appointments", query)


def check_in(appointment_id):
    return call("cases", "check_in_appointment", appointment_id)


def rules():
    return call("cases", "booking_rules")


def save_rule(window_id, data):
    return call("cases", "save_booking_rule", window_id, data)


def calendar(year):
    return call("cases", "calendar_days", year)


def set_calendar_day(data):
    return call("cases", "set_calendar_day", data)
