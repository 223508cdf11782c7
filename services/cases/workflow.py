"""The 12345 workflow (接诉即办): 受理 → 派单 → 办理 → 答复 → 办结 → 回访, with 退单, 不予受理, 合并, 重新办理, and
deadlines counted in working days that escalate (督办) when missed.

One table says which action leads from which states to which, and who may take it; `act()` applies any of them
the same way: permission in the case's department, the state check, a timeline step, an audit row and an event
(`case_<action>ed`), in the caller's unit of work. Replies go through domain.reply, which records its own step.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from psycopg.errors import LockNotAvailable
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from libs.auth import can
from libs.clock import LOCAL_TZ
from libs.errors import Conflict, Forbidden, NotFound, ValidationError
from libs.schemas import validate
from services.cases import calendar, schemas
from services.cases.models import Case, CaseStep, DeadlineOverride, ExtensionRequest, ReplyTemplate

DEFAULT_DEADLINES = {"inquiry": 3, "complaint": 7, "suggestion": 15}  # working days; config CASES overrides
DUE_SOON = 1  # working days left at which a case shows as due soon


@dataclass(frozen=True)
class Action:
    label: str
    sources: frozenset
    target: str
    permission: str
    event: str
    note_required: bool = False


ACTIONS = {
    "accept": Action("受理", frozenset({"submitted"}), "accepted", "case.assign", "case_accepted"),
    "assign": Action(
        "派单",
        frozenset({"submitted", "accepted", "returned", "assigned", "reopened"}),
        "assigned",
        "case.assign",
        "case_assigned",
    ),
    "start": Action("签收办理", frozenset({"assigned", "reopened"}), "in_progress", "case.reply", "case_started"),
    "return": Action(
        "退单", frozenset({"assigned", "in_progress", "reopened"}), "returned", "case.reply", "case_returned", True
    ),
    "reject": Action(
        "不予受理", frozenset({"submitted", "accepted", "returned"}), "rejected", "case.assign", "case_rejected", True
    ),
    "merge": Action(
        "合并", frozenset({"submitted", "accepted", "returned", "assigned"}), "merged", "case.assign", "case_merged"
    ),
    "close": Action("办结", frozenset({"replied"}), "closed", "case.close", "case_closed"),
    "reopen": Action("重新办理", frozenset({"closed"}), "reopened", "case.close", "case_reopened", True),
}
# replying is open from these states (domain.reply); an answered case can be answered again before it closes
REPLYABLE = frozenset({"submitted", "accepted", "assigned", "in_progress", "reopened", "replied"})


def now_utc():
    return datetime.now(UTC)


def local_today(now=None):
    return (now or now_utc()).astimezone(LOCAL_TZ).date()


# -- deadlines -----------------------------------------------------------------------------------------------
def working_days_for(session, kind, service_type_id, defaults=None):
    """The working days a case of `kind` gets: the service type's override, else the kind's default."""
    if service_type_id is not None:
        override = session.get(DeadlineOverride, (service_type_id, kind))
        if override is not None:
            return override.working_days
    return int((defaults or DEFAULT_DEADLINES)[kind])


def due_from(session, start_day, days):
    return calendar.load(session, start_day).add_working_days(start_day, days)


def flags(case, cal, today):
    """(due_soon, overdue) for an open case with a deadline; both false otherwise."""
    if case.status not in schemas.OPEN_STATUSES or case.due_on is None:
        return False, False
    if case.due_on < today:
        return False, True
    return cal.working_days_between(today, case.due_on) <= DUE_SOON, False


# -- transitions -------------------------------------------------------------------------------------------
def allowed_actions(actor, case):
    """What this staff member may do with this case now (the buttons the desk shows)."""
    out = [
        name
        for name, action in ACTIONS.items()
        if case.status in action.sources and can(actor, action.permission, case.department_id)
    ]
    if case.status in REPLYABLE and can(actor, "case.reply", case.department_id):
        out.append("reply")
    return out


def record_step(session, case, action, before, actor, note=""):
    # through the relationship: the case in hand shows its new step without being read again
    case.steps.append(
        CaseStep(
            action=action,
            from_status=before,
            to_status=case.status,
            actor_kind=actor.kind,
            actor_name=(actor.name or "")[:64] if actor.kind == "staff" else "",
            department_name=case.department_name or "",
            note=note,
            created_at=case.updated_at,
        )
    )


def act(uow, case, name, data, department_name=None, now=None, deadlines=None):
    """Apply action `name` to a staff-visible `case` (domain._staff_case found it). Returns True if it changed.

    data: {"reason": ...} (required for 退单 / 不予受理 / 重新办理), {"department_id"} for 派单 (department_name(id)
    answers content's name or None), {"target": number} for 合并."""
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound("unknown_action", "没有这个操作")
    session, actor = uow.session, uow.actor
    uow.require(action.permission, case.department_id)
    clean = validate(schemas.ActionIn, data or {})
    if action.note_required and not clean.reason:
        raise ValidationError(
            "invalid_fields", "请检查填写的内容", {"fields": {"reason": f"请填写{action.label}的原因"}}
        )
    if case.status not in action.sources:
        raise Conflict("invalid_transition", f"案件当前为“{schemas.STATUS_LABELS[case.status]}”，不能{action.label}")
    now = now or now_utc()
    before, extra = case.status, {}
    if name == "assign":
        if clean.department_id is None:
            raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"department_id": "请选择部门"}})
        named = department_name(clean.department_id) if department_name else None
        if named is None:
            raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"department_id": "部门不存在"}})
        if before == "assigned" and case.department_id == clean.department_id:
            return False
        extra["previous_department_id"] = case.department_id
        case.department_id, case.department_name = clean.department_id, named
        case.handler_id = case.handler_name = ""
        case.accepted_at = case.accepted_at or now
    elif name == "accept":
        case.accepted_at = now
    elif name == "start":
        case.handler_id, case.handler_name = actor.id, (actor.name or actor.id)[:64]
    elif name == "return":
        case.handler_id = case.handler_name = ""
    elif name == "merge":
        target = _merge_target(session, case, clean.target)
        case.merged_into = target.number
        extra["merged_into"] = target.number
    elif name == "close":
        case.closed_at = now
        withdraw_pending_extensions(session, case, now)
    elif name == "reopen":
        reopen(session, case, now, deadlines)
    case.status, case.updated_at = action.target, now
    note = clean.reason if name != "merge" else f"与 {case.merged_into} 合并办理。{clean.reason}".strip()
    record_step(session, case, name, before, actor, note)
    # the audit names the step as its event does (case_assigned → case.assigned); a dispatch records departments
    moved = {"from": extra["previous_department_id"], "to": case.department_id} if name == "assign" else {}
    detail = moved or {"from": before, "to": case.status, **extra}
    uow.audit(action.event.replace("_", ".", 1), "case", case.id, reason=clean.reason, detail=detail)
    uow.publish(action.event, schemas.facts(case, action=name, note=note, **extra))
    return True


def reopen(session, case, now, deadlines=None):
    """Back to the department that answered it, with a fresh deadline of the kind's length (`deadlines`: the
    config's days per kind)."""
    case.reopen_count += 1
    case.closed_at = case.replied_at = case.escalated_at = None
    days = working_days_for(session, case.kind, case.service_type_id, deadlines)
    case.due_on = due_from(session, local_today(now), days)


def _merge_target(session, case, number):
    normalized = schemas.normalize_number(number or "")
    query = select(Case).where(Case.number == normalized)
    target = normalized and session.scalar(query)
    if not normalized or (target and target.id == case.id):
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"target": "请填写另一件案件的编号"}})
    if not target:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"target": "没有这件案件，请核对编号"}})
    # the target is locked and read again: A merged into B beside B merged into A (each page suggests the other)
    # left both merged, and nobody handling either. Locks go in id order; against that order (`case` is locked
    # already) the lock does not wait, so two crossing merges cannot deadlock: one is asked to try again.
    try:
        target = session.scalar(
            query.with_for_update(nowait=target.id < case.id).execution_options(populate_existing=True)
        )
    except OperationalError as exc:
        if not isinstance(exc.orig, LockNotAvailable):
            raise
        raise Conflict("case_busy", "目标案件正在被他人处理，请稍后重试") from exc
    if target.status in ("merged", "rejected"):
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"target": "该案件已合并或不予受理"}})
    return target


# -- the citizen's rating ------------------------------------------------------------------------------------
def rate(uow, case, data, now=None, deadlines=None):
    """满意 / 基本满意 / 不满意 once per closing; 不满意 reopens the case, once."""
    now = now or now_utc()
    clean = validate(schemas.RatingIn, data)
    if case.status != "closed":
        raise Conflict("not_closed", "案件办结后才能评价")
    if case.rated_at is not None and case.closed_at is not None and case.rated_at >= case.closed_at:
        raise Conflict("already_rated", "您已评价过本次办理结果，感谢您的反馈")
    case.rating, case.rating_comment, case.rated_at, case.updated_at = clean.rating, clean.comment, now, now
    record_step(uow.session, case, "rate", case.status, uow.actor, schemas.RATING_LABELS[clean.rating])
    uow.audit("case.rated", "case", case.id, detail={"rating": clean.rating})
    uow.publish("case_rated", schemas.facts(case, rating=clean.rating, comment=clean.comment))
    if clean.rating == "unsatisfied" and case.reopen_count == 0:
        before = case.status
        reopen(uow.session, case, now, deadlines)
        case.status = "reopened"
        note = f"市民评价不满意，重新办理。{clean.comment}".strip()
        record_step(uow.session, case, "reopen", before, uow.actor, note)
        uow.audit("case.reopened", "case", case.id, reason="市民评价不满意")
        uow.publish("case_reopened", schemas.facts(case, action="reopen", note=note))
    return case


# -- extensions --------------------------------------------------------------------------------------------
def request_extension(uow, case, data, now=None):
    uow.require("case.reply", case.department_id)
    clean = validate(schemas.ExtensionIn, data)
    if case.status not in schemas.OPEN_STATUSES or case.due_on is None:
        raise Conflict("not_open", "只有办理中的案件可以申请延期")
    pending = uow.session.scalar(
        select(ExtensionRequest).where(ExtensionRequest.case_id == case.id, ExtensionRequest.status == "pending")
    )
    if pending is not None:
        raise Conflict("extension_pending", "已有待审批的延期申请")
    now = now or now_utc()
    row = ExtensionRequest(
        case_id=case.id,
        days=clean.days,
        reason=clean.reason,
        status="pending",
        requested_by=_who(uow.actor),
        requested_at=now,
        decided_by="",
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit("case.extension_requested", "case", case.id, reason=clean.reason, detail={"days": clean.days})
    return row


def _who(actor):
    return (actor.name or actor.id)[:64]


def withdraw_pending_extensions(session, case, now):
    """Answered or closed: a pending request for more time has nothing left to decide (and must not move the
    deadline afterwards, which would turn a late answer into an on-time one)."""
    for row in session.scalars(
        select(ExtensionRequest).where(ExtensionRequest.case_id == case.id, ExtensionRequest.status == "pending")
    ):
        row.status, row.decided_by, row.decided_at = "withdrawn", "系统", now


def decide_extension(uow, case, extension_id, approve, now=None):
    """A supervisor or the department head approves (the deadline moves by the working days asked) or denies."""
    uow.require("case.extend", case.department_id)
    row = uow.session.get(ExtensionRequest, extension_id, with_for_update=True)
    if row is None or row.case_id != case.id:
        raise NotFound("extension_not_found", "延期申请不存在")
    if row.status != "pending":
        raise Conflict("extension_decided", "该申请已处理")
    if case.status not in schemas.OPEN_STATUSES:
        raise Conflict("not_open", "案件已答复或办结，延期申请不再需要审批")
    if row.requested_by == _who(uow.actor):
        raise Forbidden("own_request", "不能审批自己提交的延期申请")
    now = now or now_utc()
    row.status, row.decided_by, row.decided_at = ("approved" if approve else "denied"), (uow.actor.name or "")[:64], now
    if approve:
        before_due = case.due_on
        case.due_on = due_from(uow.session, case.due_on, row.days)
        case.escalated_at = None if case.due_on >= local_today(now) else case.escalated_at
        case.updated_at = now
        record_step(uow.session, case, "extend", case.status, uow.actor, f"延期{row.days}个工作日：{row.reason}")
        uow.audit("case.extension_approved", "case", case.id, detail={"from": str(before_due), "to": str(case.due_on)})
        uow.publish("case_extended", schemas.facts(case, action="extend", note=f"办理期限延至{case.due_on}"))
    else:
        uow.audit("case.extension_denied", "case", case.id, detail={"days": row.days})
    return row


# -- the clock: escalation -------------------------------------------------------------------------------------
def escalate_overdue(uow, now=None, batch=200):
    """Open cases past their deadline escalate once (督办): a step, an audit row, `case_escalated` for the
    supervisors' list and the department head. Every replica runs it; SKIP LOCKED shares the rows."""
    now = now or now_utc()
    today = local_today(now)
    rows = uow.session.scalars(
        select(Case)
        .where(Case.status.in_(schemas.OPEN_STATUSES), Case.due_on < today, Case.escalated_at.is_(None))
        .order_by(Case.due_on)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for case in rows:
        case.escalated_at = now
        record_step(uow.session, case, "escalate", case.status, uow.actor, f"超过办理期限（{case.due_on}），已督办")
        uow.audit("case.escalated", "case", case.id, detail={"due_on": str(case.due_on)})
        uow.publish("case_escalated", schemas.facts(case, action="escalate", note="超期督办"))
    return len(rows)


def set_override(uow, data):
    uow.require("case.close")  # the center that runs the desk sets its deadlines
    clean = validate(schemas.DeadlineOverrideIn, data)
    row = uow.session.get(DeadlineOverride, (clean.service_type_id, clean.kind))
    if row is None:
        uow.session.add(DeadlineOverride(**clean.model_dump()))
    else:
        row.working_days = clean.working_days
    uow.audit("case.deadline_set", "service_type", clean.service_type_id, detail=clean.model_dump())
    return clean.model_dump()


# -- reply templates -----------------------------------------------------------------------------------------
def templates_for(session, case):
    """The templates that fit a case: its service type's first, then its kind's, then the general ones."""
    rows = session.scalars(
        select(ReplyTemplate).where(
            (ReplyTemplate.kind.is_(None)) | (ReplyTemplate.kind == case.kind),
            (ReplyTemplate.service_type_id.is_(None)) | (ReplyTemplate.service_type_id == case.service_type_id),
        )
    ).all()
    rows.sort(key=lambda t: (t.service_type_id is None, t.kind is None, t.title))
    return [schemas.ReplyTemplateView.model_validate(t).model_dump(mode="json") for t in rows]


def save_template(uow, template_id, data):
    uow.require("case.close")  # the center keeps the model answers
    clean = validate(schemas.ReplyTemplateIn, data)
    if template_id is None:
        row = ReplyTemplate()
        uow.session.add(row)
    else:
        row = uow.session.get(ReplyTemplate, template_id) if isinstance(template_id, int) else None
        if row is None:
            raise NotFound("template_not_found", "模板不存在")
    for key, value in clean.model_dump().items():
        setattr(row, key, value)
    row.updated_at = now_utc()
    uow.session.flush()
    uow.audit("case.template_saved", "reply_template", row.id, detail=clean.model_dump())
    return schemas.ReplyTemplateView.model_validate(row).model_dump(mode="json")


def all_templates(session, actor):
    if not actor.is_staff and actor.kind != "system":
        raise NotFound("template_not_found", "模板不存在")
    rows = session.scalars(select(ReplyTemplate).order_by(ReplyTemplate.kind, ReplyTemplate.title))
    return [schemas.ReplyTemplateView.model_validate(t).model_dump(mode="json") for t in rows]
