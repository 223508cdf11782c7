"""Open311 GeoReport v2 onto cases: requests from civic apps become cases (channel "open311"), and those requests
can be looked up again. The gateway speaks the protocol (services/gateway/open311/); this is the case side.

Service requests are public reports by the nature of the channel (as on FixMyStreet): what the API lists are the
requests filed through it, with their description and place, never a name or a phone. Cases filed in WeChat or
by phone stay private and are not listed.
"""

import hashlib
import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select, text

from libs.clock import LOCAL_TZ
from libs.errors import Forbidden, RateLimited, ValidationError
from services.cases import schemas
from services.cases.models import Case

CLOSED = ("closed", "rejected", "merged")
MAX_PER_HOUR = 120  # per API client: a civic app relays many citizens, a runaway loop is stopped
MAX_RESULTS = 1000  # the specification's default page


def client_of(actor):
    if actor.kind != "system" or not actor.id.startswith("open311:"):
        raise Forbidden("open311_only", "仅限 Open311 接口")
    return actor.id


def file(uow, data, service_type, department_name, deadlines, filer):
    """A POST /requests, already mapped to case fields by the gateway. Returns the case."""
    client = client_of(uow.actor)
    # one filing at a time per client, counted under the same lock filing takes: a burst cannot slip past the limit
    uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"cases.file:{uow.actor.id}"})
    recent = uow.session.scalar(
        select(func.count()).where(
            Case.channel == "open311",
            Case.request_id.startswith(f"{client_key(client)}-"),
            Case.created_at > datetime.now(UTC) - timedelta(hours=1),
        )
    )
    if recent >= MAX_PER_HOUR:
        raise RateLimited("too_many_requests", "该接口调用过于频繁，请稍后再试")
    request_id = f"{client_key(client)}-{uuid.uuid4().hex[:24]}"
    case, _ = filer(uow, data, request_id, department_name, service_type, deadlines, (), "open311", "")
    return case


def client_key(client):
    """A short, stable tag of the client in its cases' request ids (the same on every replica)."""
    return "o311" + hashlib.sha256(client.encode()).hexdigest()[:8]


def status(case):
    return "closed" if case.status in CLOSED else "open"


def view(case):
    notes = [s.note for s in case.steps if s.action in schemas.CITIZEN_NOTES and s.note]
    return schemas.Open311Request(
        service_request_id=case.number,
        status=status(case),
        status_notes=notes[-1] if notes else schemas.STATUS_LABELS[case.status],
        service_name=case.service_type_name,
        service_code=str(case.service_type_id) if case.service_type_id else "",
        description=case.content,
        agency_responsible=case.department_name or "12345受理中心",
        requested_datetime=case.created_at,
        updated_datetime=case.updated_at,
        # due by the end of that (Beijing) day
        expected_datetime=datetime.combine(case.due_on, time(23, 59, 59), LOCAL_TZ) if case.due_on else None,
        address=case.location,
    ).model_dump(mode="json")


def _aware(moment):
    """A time sent without a zone is Beijing time (the city's); comparisons then never mix naive and aware."""
    return moment.replace(tzinfo=LOCAL_TZ) if moment is not None and moment.tzinfo is None else moment


def _code(text):
    return text.isascii() and text.isdigit() and len(text) <= 9


def requests(session, query):
    clean = schemas.validate(schemas.Open311Query, {k: v for k, v in (query or {}).items() if v not in (None, "")})
    stmt = select(Case).where(Case.channel == "open311")
    if clean.service_request_id:
        numbers = [n.strip().upper() for n in clean.service_request_id.split(",") if n.strip()][:100]
        stmt = stmt.where(Case.number.in_(numbers))
    else:
        end = _aware(clean.end_date) or datetime.now(UTC)
        start = _aware(clean.start_date) or end - timedelta(days=90)
        if start > end:
            fields = {"start_date": "开始时间晚于结束时间"}
            raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": fields})
        stmt = stmt.where(Case.created_at >= start, Case.created_at <= end)
        if clean.service_code:
            codes = [int(c) for c in (c.strip() for c in clean.service_code.split(",")) if _code(c)][:100]
            stmt = stmt.where(Case.service_type_id.in_(codes))
        if clean.status == "open":
            stmt = stmt.where(Case.status.not_in(CLOSED))
        elif clean.status == "closed":
            stmt = stmt.where(Case.status.in_(CLOSED))
    rows = session.scalars(stmt.order_by(Case.id.desc()).limit(MAX_RESULTS))
    return [view(c) for c in rows]
