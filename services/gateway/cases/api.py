"""/api/v1 for cases: what staff tools and integrations call. Each route documents itself (core/openapi.py)."""

from flask import Blueprint, jsonify, request
from pydantic import Field

from libs.audit import AuditEntry
from services.cases import schemas
from services.gateway.cases import client
from services.gateway.core import openapi
from services.gateway.core.auth import staff_api
from services.gateway.core.web import clean_query, json_body

bp = Blueprint("cases_api", __name__, url_prefix="/api/v1")
KEY_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"}
IDEMPOTENCY_KEY = (
    "Idempotency-Key",
    KEY_SCHEMA,
    "Required (or request_id in the body): the same key and body again returns the first reply with 200 and "
    "changed=false; the same key with another body or case is refused with 409 request_id_reused.",
)


class ReplyRequest(schemas.ReplyIn):
    request_id: str | None = Field(None, json_schema_extra={"pattern": KEY_SCHEMA["pattern"]})


@openapi.route(
    bp,
    "/cases",
    "GET",
    summary="Cases the staff member may see (all departments for 受理中心, own department for handlers)",
    query=schemas.CaseFilters,
    response=[schemas.CaseSummary],
)
@staff_api
def list_cases():
    return jsonify(client.list_cases({"status": clean_query("status", 16), "q": clean_query("q", 100)}))


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
    summary="Hand the case to a department (受理中心 only; audited)",
    body=schemas.AssignmentIn,
    response=schemas.StaffCaseChange,
)
@staff_api
def assign(case_id):
    return jsonify(client.assign(case_id, json_body()))


@openapi.route(bp, "/cases/<id:case_id>/audit", "GET", summary="Audit trail of a case", response=[AuditEntry])
@staff_api
def audit(case_id):
    return jsonify(client.audit_trail(case_id))
