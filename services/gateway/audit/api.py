"""审计 through the JSON API (permission `audit.read`): the same rows and filters as the admin's page."""

from flask import Blueprint, g, jsonify
from pydantic import BaseModel

from libs.audit import AuditEntry
from services.gateway.audit import client
from services.gateway.audit.admin import filters
from services.gateway.core import openapi
from services.gateway.core.auth import staff_api

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")


class AuditRow(AuditEntry):
    id: int
    service: str
    actor_username: str | None  # staff only


class AuditPage(BaseModel):
    entries: list[AuditRow]
    older: str | None  # pass as `before` for the next page; null at the oldest


@openapi.route(
    bp,
    "/audit",
    "GET",
    summary="Audit rows of every service, newest first, 50 a page (audit.read; the reading is audited). Filters: "
    "person (username), department_id, action (or a family such as `case.`), case_number, since/until (dates, "
    "local), before (the previous page's `older`)",
    response=AuditPage,
    errors=(400, 401, 403),
)
@staff_api
def entries():
    rows, older = client.search(g.actor, filters())
    for row in rows:
        row["at"] = row["at"].isoformat()
    return jsonify({"entries": rows, "older": older.isoformat() if older else None})
