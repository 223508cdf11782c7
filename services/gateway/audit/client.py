"""审计: every service's audit rows, read together for the audit viewer (permission `audit.read`).

Each service answers from its own `audit_log` (`audit_entries` RPC, libs/service.py); the gateway's own (sign-ins,
账号管理) is read here. Rows are merged newest first. Every reading is itself audited, with its filters."""

from datetime import datetime

from sqlalchemy import select

from libs import audit
from libs.audit import AuditQuery
from libs.auth import require
from libs.clock import LOCAL_TZ
from libs.schemas import validate
from libs.unit_of_work import UnitOfWork
from services.gateway.core.rpc import call, call_download, db
from services.gateway.models import Staff, audit_log
from services.registry import SERVICE_NAMES

PAGE = 50
EXPORT_MAX = 10_000


def staff_ids(username=None, department_id=None):
    """The staff ids a person or department filter names (an unknown name names nobody)."""
    stmt = select(Staff.id)
    if username:
        stmt = stmt.where(Staff.username == username)
    if department_id is not None:
        stmt = stmt.where(Staff.department_id == department_id)
    return [str(i) for i in db().scalars(stmt)]


def search(actor, filters, limit=PAGE, download=False):
    """(rows, the cursor of the next page or None). `filters`: person, department_id, action, case_number, since,
    until (local dates), before_at (the cursor)."""
    require(actor, "audit.read")
    query = {"limit": limit + 1}
    if filters.get("person") or filters.get("department_id") is not None:
        query["actor_ids"] = staff_ids(filters.get("person") or None, filters.get("department_id"))
    for key in ("action", "case_number", "before_at"):
        if filters.get(key):
            query[key] = filters[key]
    for key in ("since", "until"):
        if filters.get(key):
            query[key] = filters[key]
    checked = validate(AuditQuery, query)  # refused here, before any service is asked
    wire = checked.model_dump(mode="json", exclude_none=True)
    fetch = call_download if download else call
    rows = [] if checked.case_number else audit.search(db(), audit_log, checked, "gateway")
    for service in SERVICE_NAMES:
        rows += fetch(service, "audit_entries", wire)
    staff = {r["actor_id"] for r in rows if r["actor_kind"] == "staff" and r["actor_id"].isdigit()}
    usernames = dict(db().execute(select(Staff.id, Staff.username).where(Staff.id.in_([int(i) for i in staff]))).all())
    for row in rows:
        row["at"] = datetime.fromisoformat(row["at"])
        # who, unmistakably: names repeat, usernames do not
        row["actor_username"] = usernames.get(int(row["actor_id"])) if row["actor_id"] in staff else None
    rows.sort(key=lambda r: (r["at"], r["service"], r["id"]), reverse=True)
    _audit_reading(actor, filters, len(rows), download)
    if len(rows) <= limit:
        return rows, None
    # a page ends after every row of its last moment: the next page starts strictly before it, losing none
    last = rows[limit - 1]["at"]
    return [r for r in rows if r["at"] >= last], last


def _audit_reading(actor, filters, found, download):
    shown = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in filters.items() if v not in (None, "")}
    with UnitOfWork(db(), actor, audit_log=audit_log) as uow:
        uow.audit(
            "audit.exported" if download else "audit.read", "audit", "-", detail={"filters": shown, "rows": found}
        )


def instant(value):
    """A page cursor (an ISO timestamp with its offset), or None."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def local_day(value):
    """A yyyy-mm-dd from a form as the start of that day in local time (None if empty or malformed)."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=LOCAL_TZ) if value else None
    except ValueError:
        return None
