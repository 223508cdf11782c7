"""Case rules: filing, reading (who sees what), replying, dispatching, revealing contact details.

Writes take a UnitOfWork (libs/unit_of_work.py) and never commit: the service's RPC method opens it, and it
commits the change, its audit row and its events together. Reads take the worker's session.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError

from libs import audit
from libs.auth import Actor, can, require
from libs.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from libs.schemas import check_request_id, is_id, validate
from services.cases import schemas
from services.cases.models import Case, Reply, audit_log
from services.cases.numbering import next_number

# generous for a person, a wall for a script filling the queue
MAX_CASES_PER_HOUR = 10


def _no_such_department():
    return ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"department_id": "部门不存在"}})


def create_case(uow, data, request_id, department_exists, service_type=None):
    """File a case for the citizen acting. Returns (case, created); a repeated request_id returns the first case.

    Filed from a service type's page, the case names it (`service_type(id)` asks content: {"name",
    "department_id"} or None) and, if the citizen chose no department, goes to the service's own department."""
    actor = uow.actor
    if actor.kind != "citizen":
        raise Forbidden("citizens_only", "只有市民本人可以提交")
    check_request_id(request_id)
    clean = schemas.validate_new_case(data)
    service = None
    if clean.service_type_id is not None:
        service = service_type(clean.service_type_id) if service_type else None
        if service is None:
            raise ValidationError(
                "invalid_fields", "请检查填写的内容", {"fields": {"service_type_id": "服务事项不存在"}}
            )
    department_id = clean.department_id if clean.department_id is not None else (service or {}).get("department_id")
    if clean.department_id is not None and not department_exists(clean.department_id):
        raise _no_such_department()
    session = uow.session
    # one filing at a time per citizen, across every replica, until this transaction ends: the request-id check
    # and the hourly limit below then see every earlier filing of theirs, so a parallel burst slips past neither
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"cases.file:{actor.id}"})
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
        number=next_number(session, clean.kind),
        kind=clean.kind,
        status="submitted",
        openid=actor.id,
        request_id=request_id,
        department_id=department_id,
        service_type_id=clean.service_type_id,
        service_type_name=(service or {}).get("name", ""),
        accused=clean.accused,
        content=clean.content,
        occurred_on=clean.occurred_on,
        contact_name=clean.contact_name,
        contact_phone=clean.contact_phone,
        replies=[],  # a new case has none: spares the lazy load when it is returned
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    try:
        session.flush()
    except IntegrityError:
        # another citizen's filing holds this request_id (same-citizen repeats were caught above, under the lock);
        # the unit of work rolls back everything, the number included
        raise ValidationError("invalid_request_id", "请求编号无效，请刷新页面后重试") from None
    uow.audit("case.filed", "case", case.id, detail={"number": case.number})
    uow.publish("case_created", schemas.facts(case))
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


def citizen_view(session, actor: Actor, number):
    """The owner sees the whole case; anyone else with the number only sees its status."""
    case = find_by_number(session, number)
    if actor.kind == "citizen" and case.openid == actor.id:
        return schemas.owner_view(case)
    return schemas.public_view(case)


def citizen_cases(session, actor: Actor, limit=50):
    if actor.kind != "citizen":
        raise Forbidden("citizens_only", "只有市民本人可以查看")
    rows = session.scalars(select(Case).where(Case.openid == actor.id).order_by(Case.id.desc()).limit(limit))
    return [schemas.public_view(c) for c in rows]


def staff_list(session, actor: Actor, query=None, limit=100):
    """Cases the actor may see, newest first; `q` is a case number or words from the accused or content."""
    if not actor.is_staff:
        raise Forbidden("staff_only", "仅限工作人员")
    filters = schemas.filters(query)
    stmt = select(Case).order_by(Case.id.desc()).limit(limit)
    if not can(actor, "case.read"):  # no all-department reach: only the actor's own department
        require(actor, "case.read", actor.department_id)
        stmt = stmt.where(Case.department_id == actor.department_id)
    if filters.status:
        stmt = stmt.where(Case.status == filters.status)
    if filters.q:
        number = schemas.normalize_number(filters.q)
        if number:
            stmt = stmt.where(Case.number == number)
        else:
            stmt = stmt.where(
                or_(
                    Case.accused.icontains(filters.q, autoescape=True),
                    Case.content.icontains(filters.q, autoescape=True),
                )
            )
    return [schemas.summary(c) for c in session.scalars(stmt)]


def _staff_case(session, actor, case_id, permission):
    case = session.get(Case, case_id) if is_id(case_id) else None
    if case is None or not can(actor, "case.read", case.department_id):
        # another department's case: say it is not there rather than confirm it exists
        raise NotFound("case_not_found", "案件不存在")
    require(actor, permission, case.department_id)
    return case


def staff_detail(session, actor: Actor, case_id):
    """A case for staff, without contact details (see reveal_contact): reading a case is not reading them."""
    case = _staff_case(session, actor, case_id, "case.read")
    return schemas.staff_view(case, can(actor, "case.read_contact", case.department_id))


def reveal_contact(uow, case_id, data):
    """The citizen's contact details, for the case's handlers only; every reveal is an audit row."""
    case = _staff_case(uow.session, uow.actor, case_id, "case.read_contact")
    clean = validate(schemas.ContactRevealIn, data or {})
    uow.audit("case.contact_viewed", "case", case.id, reason=clean.reason)
    return schemas.Contact.model_validate(case).model_dump(mode="json")


def reply(uow, case_id, data, request_id):
    """Answer a case. Returns (case, created); the same request_id twice records one reply."""
    session, actor = uow.session, uow.actor
    case = _staff_case(session, actor, case_id, "case.reply")
    clean = validate(schemas.ReplyIn, data)
    check_request_id(request_id)
    earlier = session.scalar(select(Reply).where(Reply.request_id == request_id))
    if earlier is not None:
        if earlier.case_id != case.id or earlier.body != clean.body:
            raise Conflict("request_id_reused", "该请求编号已用于另一条答复，请换一个新的编号")
        return case, False
    now = datetime.now(UTC)
    try:
        with uow.savepoint():
            session.add(
                Reply(
                    case_id=case.id,
                    request_id=request_id,
                    staff_id=actor.id,
                    staff_name=actor.name,
                    body=clean.body,
                    created_at=now,
                )
            )
            session.flush()
    except IntegrityError:  # the same request, concurrently, on another worker: it replied
        return case, False
    case.status = "replied"
    case.updated_at = now
    uow.audit("case.replied", "case", case.id, detail={"body": clean.body})
    uow.publish("case_replied", schemas.facts(case, reply=clean.body))
    session.flush()
    session.refresh(case)
    return case, True


def assign(uow, case_id, data, department_exists):
    """Hand a case to a department (受理中心 dispatching). `department_exists(id)` asks content, which owns them."""
    case = _staff_case(uow.session, uow.actor, case_id, "case.assign")
    clean = validate(schemas.AssignmentIn, data)
    if not department_exists(clean.department_id):
        raise _no_such_department()
    if case.department_id == clean.department_id:
        return case, False
    previous, case.department_id, case.updated_at = case.department_id, clean.department_id, datetime.now(UTC)
    uow.audit(
        "case.assigned",
        "case",
        case.id,
        reason=clean.reason,
        detail={"from": previous, "to": clean.department_id},
    )
    uow.publish("case_assigned", schemas.facts(case, previous_department_id=previous))
    return case, True


def audit_trail(session, actor: Actor, case_id):
    case = _staff_case(session, actor, case_id, "case.read")
    return audit.entries(session, audit_log, "case", case.id)
