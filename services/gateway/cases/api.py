"""/api/v1 for cases: what staff tools and integrations call. Each route documents itself (core/openapi.py)."""

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, Field

from libs.audit import AuditEntry
from libs.schemas import validate
from services.cases import schemas
from services.gateway.cases import client
from services.gateway.core import openapi
from services.gateway.core.auth import staff_api
from services.gateway.core.openapi import IDEMPOTENCY_KEY, KEY_SCHEMA
from services.gateway.core.web import clean_query, file_response, json_body

bp = Blueprint("cases_api", __name__, url_prefix="/api/v1")


class BulkResult(BaseModel):
    assigned: int
    unchanged: int


class ReplyRequest(schemas.ReplyIn):
    request_id: str | None = Field(None, json_schema_extra={"pattern": KEY_SCHEMA["pattern"]})


CASE_QUERY = ("status", "q", "queue", "kind", "department_id", "page")


def case_query():
    return {k: clean_query(k, 100) for k in CASE_QUERY}


@openapi.route(
    bp,
    "/cases",
    "GET",
    summary="A queue of the cases the staff member may see (all departments for 受理中心, own department for "
    "handlers), 20 a page, with the count of every queue",
    query=schemas.CaseFilters,
    response=schemas.CasePage,
)
@staff_api
def list_cases():
    return jsonify(client.list_cases(case_query()))


@openapi.route(
    bp, "/cases/<id:case_id>", "GET", summary="One case (without contact details)", response=schemas.StaffCase
)
@staff_api
def get_case(case_id):
    return jsonify(client.get_case(case_id))


@openapi.route(
    bp,
    "/cases/<id:case_id>/contact",
    "POST",
    summary="Reveal the citizen's contact details (the case's handlers only; every reveal is audited)",
    body=schemas.ContactRevealIn,
    response=schemas.Contact,
)
@staff_api
def reveal_contact(case_id):
    data = json_body() if request.get_data() else {}
    return jsonify(client.reveal_contact(case_id, data))


@openapi.route(
    bp,
    "/cases/<id:case_id>/replies",
    "POST",
    summary="Reply to the citizen (audited, notified in WeChat). Idempotent by Idempotency-Key (or request_id).",
    body=ReplyRequest,
    response=schemas.StaffCaseChange,
    status=201,
    errors=(400, 401, 403, 404, 409),
    headers=(IDEMPOTENCY_KEY,),
)
@staff_api
def reply(case_id):
    data = json_body()
    request_id = request.headers.get("Idempotency-Key") or data.get("request_id")
    result = client.reply(case_id, data, request_id)
    return jsonify(result), 201 if result["changed"] else 200


@openapi.route(
    bp,
    "/cases/<id:case_id>/assignment",
    "POST",
    summary="Hand the case to a department (受理中心 only; audited): the 派单 step, 409 from a state that forbids it",
    body=schemas.AssignmentIn,
    response=schemas.StaffCaseChange,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def assign(case_id):
    return jsonify(client.assign(case_id, json_body()))


@openapi.route(bp, "/cases/<id:case_id>/audit", "GET", summary="Audit trail of a case", response=[AuditEntry])
@staff_api
def audit(case_id):
    return jsonify(client.audit_trail(case_id))


class StepRequest(schemas.ActionIn):
    """reason: required for return, reject and reopen; department_id: for assign; target: the case number for merge."""


@openapi.route(
    bp,
    "/cases/<id:case_id>/steps/<any(accept, assign, start, return, reject, merge, close, reopen):action>",
    "POST",
    summary="A workflow step: accept (受理), assign (派单), start (签收), return (退单), reject (不予受理), merge, "
    "close (办结), reopen. Refused with 409 invalid_transition from a state that does not allow it.",
    body=StepRequest,
    response=schemas.StaffCaseChange,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def step(case_id, action):
    data = json_body() if request.get_data() else {}
    return jsonify(client.act(case_id, action, data))


@openapi.route(
    bp,
    "/cases/bulk-assignment",
    "POST",
    summary="Several cases to one department at once (受理中心); all or none",
    body=schemas.BulkAssignIn,
    response=BulkResult,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def bulk_assign():
    return jsonify(client.bulk_assign(json_body()))


@openapi.route(
    bp,
    "/cases/<id:case_id>/notes",
    "POST",
    summary="An internal note (never shown to the citizen)",
    body=schemas.NoteIn,
    response=schemas.StaffCaseChange,
    status=201,
)
@staff_api
def add_note(case_id):
    return jsonify(client.add_note(case_id, json_body())), 201


@openapi.route(
    bp,
    "/cases/<id:case_id>/extensions",
    "POST",
    summary="Ask for more working days (the handling department); a supervisor or the department head decides",
    body=schemas.ExtensionIn,
    response=schemas.StaffCaseChange,
    status=201,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def request_extension(case_id):
    return jsonify(client.request_extension(case_id, json_body())), 201


class Decision(BaseModel):
    approve: bool


@openapi.route(
    bp,
    "/cases/<id:case_id>/extensions/<id:extension_id>/decision",
    "POST",
    summary="Approve (the deadline moves by the working days asked) or deny an extension",
    body=Decision,
    response=schemas.StaffCaseChange,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def decide_extension(case_id, extension_id):
    decision = validate(Decision, json_body())
    return jsonify(client.decide_extension(case_id, extension_id, decision.approve))


@openapi.route(
    bp,
    "/deadlines",
    "PUT",
    summary="Working days for one service type's cases of one kind (the kinds' defaults are in the config)",
    body=schemas.DeadlineOverrideIn,
    response=schemas.DeadlineOverrideIn,
)
@staff_api
def set_deadline():
    return jsonify(client.set_deadline(json_body()))


@openapi.route(
    bp,
    "/reports/cases",
    "GET",
    summary="Per department, cases filed between two dates (Beijing time): 受理量, 按时办结率, 满意率, average answer "
    "and closing hours, overdue; ?format=csv or xlsx for a download",
    query=schemas.StatsQuery,
    response=schemas.StatsReport,
)
@staff_api
def case_stats():
    start, end = clean_query("start", 10), clean_query("end", 10)
    fmt = clean_query("format", 4) or "json"
    if fmt == "json":
        return jsonify(client.stats(start, end))
    return file_response(client.stats_file(start, end, fmt))
