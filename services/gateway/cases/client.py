"""The gateway's one door to the cases service: every page and API route of the cases feature goes through it.
Each call carries the request's actor (core/rpc.py); cases validates the input and checks permissions."""

from services.gateway.core.rpc import call


def file_case(data, request_id):
    return call("cases", "create_case", data, request_id)


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
