"""The gateway's one door to the cases service: every page and API route of the cases feature goes through it.
Each call carries the request's actor (core/rpc.py); cases validates the input and checks permissions."""

import base64

from services.gateway.core.rpc import call, call_download


def file_case(data, request_id, photos=()):
    encoded = [base64.b64encode(p).decode() for p in photos]
    return call("cases", "create_case", data, request_id, encoded)


def file_for_citizen(data, request_id):
    return call("cases", "create_case_for_citizen", data, request_id)


def photo(ref, sha256):
    return call("cases", "case_photo", ref, sha256)


def citizen_view(number):
    return call("cases", "citizen_view", number)


def citizen_cases():
    return call("cases", "citizen_cases")


def list_cases(query):
    return call("cases", "list_cases", query)


def get_case(case_id):
    return call("cases", "get_case", case_id)


def reveal_contact(case_id, data):
    return call("cases", "reveal_contact", case_id, data)


def reply(case_id, data, request_id):
    return call("cases", "reply_case", case_id, data, request_id)


def assign(case_id, data):
    return call("cases", "assign_case", case_id, data)


def audit_trail(case_id):
    return call("cases", "audit_trail", case_id)


def act(case_id, action, data):
    return call("cases", "act_on_case", case_id, action, data)


def bulk_assign(data):
    return call("cases", "bulk_assign", data)


def add_note(case_id, data):
    return call("cases", "add_case_note", case_id, data)


def request_extension(case_id, data):
    return call("cases", "request_extension", case_id, data)


def decide_extension(case_id, extension_id, approve):
    return call("cases", "decide_extension", case_id, extension_id, approve)


def rate(number, data):
    return call("cases", "rate_case", number, data)


def set_deadline(data):
    return call("cases", "set_deadline", data)


def reply_templates(case_id=None):
    return call("cases", "reply_templates", case_id)


def save_reply_template(template_id, data):
    return call("cases", "save_reply_template", template_id, data)


def similar(data, request_id=None):
    return call("cases", "similar_cases", data, request_id)


def open311_file(data):
    return call("cases", "open311_file", data)


def open311_requests(query):
    return call("cases", "open311_requests", query)


def stats(start, end):
    return call("cases", "case_stats", start, end)


def stats_file(start, end, fmt):
    return call_download("cases", "case_stats_file", start, end, fmt)
