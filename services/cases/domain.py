"""Case rules: filing, reading (who sees what), replying, revealing contact details; the desk's queues. The
workflow's other steps (受理, 派单, 退单, 办结 …) and deadlines are in workflow.py.

Writes take a UnitOfWork (libs/unit_of_work.py) and never commit: the service's RPC method opens it, and it
commits the change, its audit row and its events together. Reads take the worker's session.
"""

import base64
import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.exc import IntegrityError

from libs import audit, images
from libs.auth import Actor, can, require
from libs.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from libs.schemas import check_request_id, is_id, validate
from libs.wechat.commands import inquiry_question
from services.cases import answers, calendar, duplicates, schemas, workflow
from services.cases.models import Case, CaseFile, CaseNote, CasePhoto, ExtensionRequest, Reply, audit_log
from services.cases.numbering import next_number

# generous for a person, a wall for a script filling the queue
MAX_CASES_PER_HOUR = 10


def _no_such_department():
    return ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"department_id": "部门不存在"}})


def create_case(uow, data, request_id, department_name, service_type=None, deadlines=None, photos=(), channel="h5"):
    """File a case for the citizen acting. Returns (case, created); a repeated request_id returns the first case.

    `department_name(id)` answers content's name for a department (None: no such department). Filed from a service
    type's page, the case names it (`service_type(id)` asks content: {"name", "department_id"} or None) and, if
    the citizen chose no department, goes to the service's own department. Its deadline counts from today in
    working days (`deadlines`: days per kind, from the config)."""
    actor = uow.actor
    if actor.kind != "citizen":
        raise Forbidden("citizens_only", "只有市民本人可以提交")
    return file(uow, data, request_id, department_name, service_type, deadlines, photos, channel, actor.id)


def inquiry_from_wechat(uow, message, department_name, deadlines=None):
    """ "咨询 …" sent to the account: an inquiry for the 受理中心, answered in WeChat. Other messages: nothing."""
    question = inquiry_question(message.content) if message.msg_type == "text" else None
    if not question:
        return None
    # the message's own key makes the filing happen once, however often the event arrives
    request_id = hashlib.sha256(f"wechat:{message.key}".encode()).hexdigest()[:40]
    data = {"kind": "inquiry", "content": question[:2000]}
    case, _ = file(uow, data, request_id, department_name, None, deadlines, (), "wechat", message.openid)
    return case


def create_for_citizen(uow, data, request_id, department_name, service_type=None, deadlines=None):
    """受理中心 enters a case a citizen phoned in or brought to the counter (channel "phone" / "walk_in").
    No WeChat account is tied to it: the citizen follows it by its number, or is called back on their phone."""
    uow.require("case.assign")
    channel = data.get("channel") if isinstance(data, dict) else None
    if channel not in ("phone", "walk_in"):
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"channel": "请选择来电或现场"}})
    fields = {k: v for k, v in data.items() if k != "channel"}
    case, created = file(uow, fields, request_id, department_name, service_type, deadlines, (), channel, "")
    if created:  # taken down by the center itself: accepted at once, and dispatched if it chose the department
        before, case.status, case.accepted_at = case.status, "accepted", case.created_at
        workflow.record_step(uow.session, case, "accept", before, uow.actor)
        uow.audit("case.accepted", "case", case.id, detail={"from": before, "to": "accepted", "channel": channel})
        uow.publish("case_accepted", schemas.facts(case, action="accept", note=""))
        if case.department_id is not None:
            case.status = "assigned"
            workflow.record_step(uow.session, case, "assign", "accepted", uow.actor)
            uow.audit("case.assigned", "case", case.id, detail={"from": None, "to": case.department_id})
            facts = schemas.facts(case, action="assign", note="", previous_department_id=None)
            uow.publish("case_assigned", facts)
        uow.session.flush()
        uow.session.refresh(case)
    return case, created


MAX_PHOTOS = 3


def file(uow, data, request_id, department_name, service_type, deadlines, photos, channel, openid):
    actor = uow.actor
    check_request_id(request_id)
    clean = schemas.validate_new_case(data, channel)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError("invalid_fields", "请检查上传的文件", {"fields": {"file": f"最多上传{MAX_PHOTOS}个文件"}})
    prepared = [images.prepare_attachment(p) for p in photos]  # every file checked before anything is written
    service = None
    if clean.service_type_id is not None:
        service = service_type(clean.service_type_id) if service_type else None
        if service is None:
            raise ValidationError(
                "invalid_fields", "请检查填写的内容", {"fields": {"service_type_id": "服务事项不存在"}}
            )
    fields = (service or {}).get("form_fields") or []
    answered = answers.as_stored(fields, answers.check(fields, data.get("answers")))
    department_id = clean.department_id if clean.department_id is not None else (service or {}).get("department_id")
    named = department_name(department_id) if department_id is not None else ""
    if clean.department_id is not None and named is None:
        raise _no_such_department()
    session = uow.session
    # one filing at a time per citizen, across every replica, until this transaction ends: the request-id check
    # and the hourly limit below then see every earlier filing of theirs, so a parallel burst slips past neither
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"cases.file:{actor.id}"})
    now = datetime.now(UTC)
    existing_id, recent = session.execute(  # one round trip for both
        select(
            select(Case.id).where(Case.request_id == request_id).scalar_subquery(),
            select(func.count())
            .where(Case.openid == actor.id, Case.created_at > now - timedelta(hours=1))
            .scalar_subquery(),
        )
    ).one()
    if existing_id is not None:
        return _same_submitter(session.get(Case, existing_id), openid), False
    if openid and recent >= MAX_CASES_PER_HOUR:
        raise RateLimited("too_many_cases", "您提交得太频繁了，请一小时后再试；紧急情况请拨打12345")
    case = Case(
        number=next_number(session, clean.kind),
        kind=clean.kind,
        status="submitted",
        openid=openid,
        request_id=request_id,
        department_id=department_id,
        service_type_id=clean.service_type_id,
        service_type_name=(service or {}).get("name", ""),
        accused=clean.accused,
        content=clean.content,
        occurred_on=clean.occurred_on,
        contact_name=clean.contact_name,
        contact_phone=clean.contact_phone,
        anonymous=clean.anonymous,
        location=clean.location,
        answers=answered,
        channel=channel,
        replies=[],  # a new case has none: spares the lazy load when it is returned
        steps=[],
        photos=[],
        created_at=now,
        updated_at=now,
        department_name=named or "",
        due_on=workflow.due_from(
            session,
            workflow.local_today(now),
            workflow.working_days_for(session, clean.kind, clean.service_type_id, deadlines),
        ),
    )
    for kept, thumb in prepared:
        for one in (kept, thumb or kept):
            images.store(session, CaseFile, one)
        case.photos.append(
            CasePhoto(sha256=kept.sha256, thumb_sha256=(thumb or kept).sha256, content_type=kept.content_type)
        )
    workflow.record_step(session, case, "file", "", actor)
    session.add(case)
    try:
        session.flush()  # the case, its step and photos in one flush; its view needs no second read
    except IntegrityError:
        # another citizen's filing holds this request_id (same-citizen repeats were caught above, under the lock);
        # the unit of work rolls back everything, the number included
        raise ValidationError("invalid_request_id", "请求编号无效，请刷新页面后重试") from None
    uow.audit("case.filed", "case", case.id, detail={"number": case.number, "channel": channel})
    uow.publish("case_created", schemas.facts(case))
    return case, True


def photo(session, actor, ref, sha256):
    """A photo of a case, for its filer (ref: the case number) or staff who may read it (ref: the case id)."""
    if not images.is_sha256(sha256):
        raise NotFound("photo_not_found", "照片不存在")
    if actor.kind == "citizen":
        case = find_by_number(session, ref)
        if case.openid != actor.id:
            raise NotFound("photo_not_found", "照片不存在")
    else:
        case = staff_case(session, actor, ref, "case.read")
    if not any(sha256 in (p.sha256, p.thumb_sha256) for p in case.photos):
        raise NotFound("photo_not_found", "照片不存在")
    row = session.get(CaseFile, sha256)
    return {"content_type": row.content_type, "data": base64.b64encode(row.data).decode()}


def _same_submitter(case, openid):
    if case.openid != openid:
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


def _visible(actor):
    """Which cases a staff member's list may show: all of them with citywide reach, else their department's."""
    if not actor.is_staff:
        raise Forbidden("staff_only", "仅限工作人员")
    if can(actor, "case.read"):
        return None
    require(actor, "case.read", actor.department_id)
    return Case.department_id == actor.department_id


def _queue(name, actor, today, soon):
    open_ = Case.status.in_(schemas.OPEN_STATUSES)
    return {
        "new": Case.status.in_(("submitted", "accepted")),
        "returned": Case.status == "returned",
        "department": and_(open_, Case.department_id == actor.department_id),
        "mine": and_(open_, Case.handler_id == actor.id),
        "due_soon": and_(open_, Case.due_on >= today, Case.due_on <= soon),
        "overdue": and_(open_, Case.due_on < today),
        "all": None,
    }[name]


def staff_list(session, actor: Actor, query=None):
    """A queue of the cases the actor may see (newest first, a page at a time), with how many each queue holds.

    `q` is a case number or words from the accused or content."""
    scope = _visible(actor)
    filters = schemas.filters(query)
    # 超期督办 is the supervisors' and department heads' list (the overdue flag shows on every desk regardless)
    supervises = can(actor, "case.supervise") or can(actor, "case.supervise", actor.department_id)
    if filters.queue == "overdue" and not supervises:
        require(actor, "case.supervise", actor.department_id)
    today = workflow.local_today()
    cal = calendar.load(session, today)
    soon = cal.add_working_days(today, workflow.DUE_SOON)
    stmt = select(Case)
    if scope is not None:
        stmt = stmt.where(scope)
    if filters.status:
        stmt = stmt.where(Case.status == filters.status)
    if filters.kind:
        stmt = stmt.where(Case.kind == filters.kind)
    if filters.department_id:
        stmt = stmt.where(Case.department_id == filters.department_id)
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
    counts = {}
    for name in schemas.QUEUES:
        if name == "overdue" and not supervises:
            continue
        condition = _queue(name, actor, today, soon)
        counted = stmt if condition is None else stmt.where(condition)
        # select_from: with no filter at all, a bare count(*) would lose the table and answer 1
        counts[name] = session.scalar(counted.with_only_columns(func.count()).select_from(Case).order_by(None))
    chosen = _queue(filters.queue or "all", actor, today, soon)
    if chosen is not None:
        stmt = stmt.where(chosen)
    total = counts[filters.queue or "all"]
    pages = max((total + schemas.PAGE_SIZE - 1) // schemas.PAGE_SIZE, 1)
    order = (Case.due_on.asc().nulls_last(), Case.id) if filters.queue in ("due_soon", "overdue") else (Case.id.desc(),)
    rows = session.scalars(
        stmt.order_by(*order).offset((filters.page - 1) * schemas.PAGE_SIZE).limit(schemas.PAGE_SIZE)
    )
    cases = [schemas.summary(c, workflow.flags(c, cal, today)) for c in rows]
    return schemas.CasePage(cases=cases, total=total, page=filters.page, pages=pages, counts=counts).model_dump(
        mode="json"
    )


def staff_case(session, actor, case_id, permission, lock=False):
    """The case, if the actor may read it (else 404). `lock`: for a change — concurrent steps on one case (a reply
    and a close, two dispatches) then take turns, each seeing the other's result."""
    case = session.get(Case, case_id, with_for_update=lock or None) if is_id(case_id) else None
    if case is None or not can(actor, "case.read", case.department_id):
        # another department's case: say it is not there rather than confirm it exists
        raise NotFound("case_not_found", "案件不存在")
    require(actor, permission, case.department_id)
    return case


def staff_detail(session, actor: Actor, case_id, **extra):
    """A case for staff, without contact details (see reveal_contact): reading a case is not reading them."""
    case = staff_case(session, actor, case_id, "case.read")
    return staff_case_view(session, actor, case, **extra)


def staff_case_view(session, actor, case, **extra):
    today = workflow.local_today()
    notes = session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))
    extensions = session.scalars(
        select(ExtensionRequest).where(ExtensionRequest.case_id == case.id).order_by(ExtensionRequest.id)
    )
    return schemas.staff_view(
        case,
        can(actor, "case.read_contact", case.department_id),
        actions=workflow.allowed_actions(actor, case),
        notes=notes,
        extensions=extensions,
        flags=workflow.flags(case, calendar.load(session, today), today),
        duplicates=[d for d in duplicates.for_staff(session, case) if can(actor, "case.read", d["department_id"])]
        if case.status in schemas.OPEN_STATUSES
        else [],
        **extra,
    )


def reveal_contact(uow, case_id, data):
    """The citizen's contact details, for the case's handlers only; every reveal is an audit row."""
    case = staff_case(uow.session, uow.actor, case_id, "case.read_contact")
    clean = validate(schemas.ContactRevealIn, data or {})
    if case.anonymous:
        raise Conflict("anonymous", "匿名举报，没有留下联系方式")
    uow.audit("case.contact_viewed", "case", case.id, reason=clean.reason)
    return schemas.Contact.model_validate(case).model_dump(mode="json")


def reply(uow, case_id, data, request_id):
    """Answer a case. Returns (case, created); the same request_id twice records one reply."""
    session, actor = uow.session, uow.actor
    case = staff_case(session, actor, case_id, "case.reply", lock=True)
    clean = validate(schemas.ReplyIn, data)
    check_request_id(request_id)
    if case.status not in workflow.REPLYABLE:
        label = schemas.STATUS_LABELS[case.status]
        raise Conflict("invalid_transition", f"案件当前为“{label}”，不能答复")
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
                    # the office that answered, as the citizen reads it: the department, or the center itself
                    department_name=case.department_name or "12345受理中心",
                    body=clean.body,
                    created_at=now,
                )
            )
            session.flush()
    except IntegrityError:  # the same request, concurrently, on another worker: it replied
        return case, False
    before = case.status
    case.status, case.updated_at, case.replied_at = "replied", now, now
    workflow.withdraw_pending_extensions(session, case, now)
    workflow.record_step(session, case, "reply", before, actor)
    uow.audit("case.replied", "case", case.id, detail={"body": clean.body})
    uow.publish("case_replied", schemas.facts(case, reply=clean.body))
    session.flush()
    session.refresh(case)
    return case, True


def act(uow, case_id, action, data, department_name, deadlines=None):
    """A workflow step on a case the actor can see (workflow.ACTIONS). Returns (case, changed)."""
    case = staff_case(uow.session, uow.actor, case_id, "case.read", lock=True)
    changed = workflow.act(uow, case, action, data, department_name, deadlines=deadlines)
    return case, changed


def assign(uow, case_id, data, department_name):
    """Hand a case to a department (受理中心 dispatching): the 派单 step."""
    return act(uow, case_id, "assign", data, department_name)


def bulk_assign(uow, data, department_name):
    """Several cases to one department at once; all or none (a case that cannot be dispatched stops the lot)."""
    uow.require("case.assign")
    clean = validate(schemas.BulkAssignIn, data)
    step = {"department_id": clean.department_id, "reason": clean.reason}
    changed = 0
    for case_id in sorted(set(clean.case_ids)):  # in id order, as a merge locks two cases: no deadlock between them
        changed += act(uow, case_id, "assign", step, department_name)[1]
    return {"assigned": changed, "unchanged": len(set(clean.case_ids)) - changed}


def add_note(uow, case_id, data):
    case = staff_case(uow.session, uow.actor, case_id, "case.read")
    uow.require("case.reply", case.department_id)
    clean = validate(schemas.NoteIn, data)
    actor = uow.actor
    uow.session.add(
        CaseNote(
            case_id=case.id,
            staff_id=actor.id,
            staff_name=(actor.name or actor.id)[:64],
            body=clean.body,
            created_at=datetime.now(UTC),
        )
    )
    uow.audit("case.noted", "case", case.id)
    return case


def request_extension(uow, case_id, data):
    case = staff_case(uow.session, uow.actor, case_id, "case.read", lock=True)
    workflow.request_extension(uow, case, data)
    return case


def decide_extension(uow, case_id, extension_id, approve):
    case = staff_case(uow.session, uow.actor, case_id, "case.read", lock=True)
    if not is_id(extension_id):
        raise NotFound("extension_not_found", "延期申请不存在")
    workflow.decide_extension(uow, case, extension_id, bool(approve))
    return case


def rate(uow, number, data, deadlines=None):
    """The filer rates the handling of their closed case."""
    actor = uow.actor
    case = find_by_number(uow.session, number)
    if actor.kind != "citizen" or case.openid != actor.id:
        raise NotFound("case_not_found", "没有找到该编号的案件，请核对后重试")
    uow.session.refresh(case, with_for_update=True)
    workflow.rate(uow, case, data, deadlines=deadlines)
    uow.session.flush()
    uow.session.refresh(case)
    return case


def audit_trail(session, actor: Actor, case_id):
    case = staff_case(session, actor, case_id, "case.read")
    return audit.entries(session, audit_log, "case", case.id)
