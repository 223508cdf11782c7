"""Case rules: filing, reading (who sees what), replying. Each function works in the caller's session."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from libs import audit
from libs.auth import Actor, can, require
from libs.errors import Forbidden, NotFound, RateLimited, ValidationError
from libs.events import stage
from services.cases import schemas
from services.cases.models import Case, Reply, audit_log, outbox
from services.cases.numbering import next_number

# generous for a person, a wall for a script filling the queue
MAX_CASES_PER_HOUR = 10


def _check_request_id(request_id):
    if not isinstance(request_id, str) or not schemas.REQUEST_ID.match(request_id):
        raise ValidationError("invalid_request_id", "请求编号无效，请刷新页面后重试")


def create_case(session, actor: Actor, data, request_id):
    """File a case for a citizen. Returns (case, created); a repeated request_id returns the first case."""
    if actor.kind != "citizen":
        raise Forbidden("citizens_only", "只有市民本人可以提交")
    _check_request_id(request_id)
    clean = schemas.validate_new_case(data)
    existing = session.scalar(select(Case).where(Case.request_id == request_id))
    if existing is not None:
        return _same_submitter(existing, actor), False
    now = datetime.now(UTC)
    recent = session.scalar(
        select(func.count()).where(Case.openid == actor.id, Case.created_at > now - timedelta(hours=1))
    )
    if recent >= MAX_CASES_PER_HOUR:
        raise RateLimited("too_many_cases", "您提交得太频繁了，请一小时后再试；紧急情况请拨打12345")
    case = Case(
        number=next_number(session, clean["kind"]),
        kind=clean["kind"],
        status="submitted",
        openid=actor.id,
        request_id=request_id,
        department_id=clean["department_id"],
        accused=clean.get("accused", ""),
        content=clean["content"],
        occurred_on=clean["occurred_on"],
        contact_name=clean.get("contact_name", ""),
        contact_phone=clean["contact_phone"],
        replies=[],  # a new case has none: spares the lazy load when it is returned
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    try:
        session.flush()
    except IntegrityError:
        # a concurrent duplicate of the same submission committed first: answer with that one
        session.rollback()
        existing = session.scalar(select(Case).where(Case.request_id == request_id))
        if existing is None:
            raise
        return _same_submitter(existing, actor), False
    stage(session, outbox, "case_created", {**schemas.public_view(case), "openid": case.openid, "id": case.id})
    session.commit()
    return case, True


def _same_submitter(case, actor):
    if case.openid != actor.id:
        raise ValidationError("invalid_request_id", "请求编号无效，请刷新页面后重试")
    return case


def find_by_number(session, number):
    normalized = schemas.normalize_number(number)
    case = normalized and session.scalar(select(Case).where(Case.number == normalized))
    if not case:
        raise NotFound("case_not_found", "没有找到该编号的案件，请核对后重试")
    return case


def citizen_view(session, number, openid):
    """The owner sees the whole case; anyone else with the number only sees its status."""
    case = find_by_number(session, number)
    if openid and case.openid == openid:
        return {**schemas.owner_view(case), "is_owner": True}
    return {**schemas.public_view(case), "is_owner": False}


def citizen_cases(session, openid, limit=50):
    rows = session.scalars(select(Case).where(Case.openid == openid).order_by(Case.id.desc()).limit(limit))
    return [schemas.public_view(c) for c in rows]


def staff_list(session, actor: Actor, status=None, text=None, limit=100):
    """Cases the actor may see, newest first; `text` is a case number or words from the accused or content."""
    if not actor.is_staff:
        raise Forbidden("staff_only", "仅限工作人员")
    filters = schemas.validate_list_filters({"status": status, "text": text})
    query = select(Case).order_by(Case.id.desc()).limit(limit)
    if not can(actor, "case.read"):  # no all-department reach: only the actor's own department
        require(actor, "case.read", actor.department_id)
        query = query.where(Case.department_id == actor.department_id)
    if filters["status"]:
        query = query.where(Case.status == filters["status"])
    if filters["text"]:
        number = schemas.normalize_number(filters["text"])
        if number:
            query = query.where(Case.number == number)
        else:
            text = filters["text"]
            query = query.where(
                or_(Case.accused.icontains(text, autoescape=True), Case.content.icontains(text, autoescape=True))
            )
    return [schemas.staff_summary(c) for c in session.scalars(query)]


def _staff_case(session, actor, case_id, permission):
    case = session.get(Case, case_id) if isinstance(case_id, int) else None
    if case is None:
        raise NotFound("case_not_found", "案件不存在")
    if not can(actor, "case.read", case.department_id):
        # another department's case: say it is not there rather than confirm it exists
        raise NotFound("case_not_found", "案件不存在")
    require(actor, permission, case.department_id)
    return case


def staff_detail(session, actor: Actor, case_id):
    """A case for staff; contact details only for its handlers, and each such view is audited."""
    case = _staff_case(session, actor, case_id, "case.read")
    with_contact = can(actor, "case.read_contact", case.department_id)
    if with_contact:
        audit.record(session, audit_log, actor, "case.contact_viewed", "case", case.id)
        session.commit()
    return schemas.staff_view(case, with_contact)


def reply(session, actor: Actor, case_id, data, request_id):
    """Answer a case. Returns (case, created); the same request_id twice records one reply."""
    _check_request_id(request_id)
    case = _staff_case(session, actor, case_id, "case.reply")
    clean = schemas.validate_reply(data)
    if session.scalar(select(Reply).where(Reply.request_id == request_id)) is not None:
        return case, False
    now = datetime.now(UTC)
    session.add(
        Reply(
            case_id=case.id,
            request_id=request_id,
            staff_id=actor.id,
            staff_name=actor.name,
            body=clean["body"],
            created_at=now,
        )
    )
    case.status = "replied"
    case.updated_at = now
    audit.record(session, audit_log, actor, "case.replied", "case", case.id, detail={"body": clean["body"]})
    stage(
        session,
        outbox,
        "case_replied",
        {**schemas.public_view(case), "id": case.id, "openid": case.openid, "reply": clean["body"]},
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return session.get(Case, case_id), False
    session.refresh(case)
    return case, True


def assign(session, actor: Actor, case_id, data, department_exists):
    """Hand a case to a department (受理中心 dispatching). `department_exists(id)` asks content, which owns them."""
    case = _staff_case(session, actor, case_id, "case.assign")
    clean = schemas.validate_assignment(data)
    if not department_exists(clean["department_id"]):
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"department_id": "部门不存在"}})
    if case.department_id == clean["department_id"]:
        return case, False
    previous, case.department_id, case.updated_at = case.department_id, clean["department_id"], datetime.now(UTC)
    audit.record(
        session,
        audit_log,
        actor,
        "case.assigned",
        "case",
        case.id,
        reason=clean["reason"],
        detail={"from": previous, "to": clean["department_id"]},
    )
    stage(
        session,
        outbox,
        "case_assigned",
        {**schemas.public_view(case), "id": case.id, "department_id": case.department_id, "previous": previous},
    )
    session.commit()
    return case, True


def audit_trail(session, actor: Actor, case_id):
    case = _staff_case(session, actor, case_id, "case.read")
    return audit.entries(session, audit_log, "case", case.id)
