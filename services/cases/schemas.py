"""What crosses the bus for cases (its published contract with the gateway): validated input, and the view each
kind of reader gets. Built on libs/schemas.py (pydantic)."""

import re
from datetime import date, datetime

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from libs.schemas import (
    MAX_BIGINT,
    MAX_INT,
    Choice,
    Id,
    Input,
    OptionalChoice,
    OptionalId,
    OptionalPhone,
    PastDate,
    Text,
    View,
    validate,
)
from services.cases.numbering import PREFIX

KIND_LABELS = {"complaint": "投诉举报", "inquiry": "咨询求助", "suggestion": "建议献策"}
STATUS_LABELS = {
    "submitted": "已提交",
    "accepted": "已受理",
    "assigned": "已派单",
    "in_progress": "办理中",
    "replied": "已答复",
    "closed": "已办结",
    "returned": "退回重派",
    "rejected": "不予受理",
    "merged": "已合并",
    "reopened": "重新办理",
}
# still to be answered: what the deadline, the queues and the escalation watch
OPEN_STATUSES = ("submitted", "accepted", "assigned", "in_progress", "returned", "reopened")
NUMBER = re.compile(rf"^({'|'.join(PREFIX.values())})\d{{12,16}}$")
KINDS = tuple(KIND_LABELS)
STATUSES = tuple(STATUS_LABELS)


# -- input -------------------------------------------------------------------------------------------------------
class NewCase(Input):
    kind: Choice("类型", *KINDS)
    accused: Text("被投诉对象", 100, min_len=0) = ""
    content: Text("内容", 2000, min_len=10)
    # 实名 (the default) needs a phone to be reached on; 匿名 asks for none and keeps none
    anonymous: bool = Field(False, title="匿名")
    contact_name: Text("联系人", 32, min_len=0) = ""
    contact_phone: OptionalPhone("联系电话") = ""
    department_id: OptionalId("部门", MAX_INT) = None
    service_type_id: OptionalId("服务事项", MAX_INT) = None
    occurred_on: PastDate("发生日期") = None
    location: Text("地点", 200, min_len=0) = ""

    @model_validator(mode="before")
    @classmethod
    def _anonymous_keeps_nothing(cls, data):
        # whatever was sent with an anonymous report, nothing identifying is kept (pydantic's own truthy words)
        if isinstance(data, dict) and str(data.get("anonymous")).strip().lower() in ("true", "1", "on", "yes"):
            return {**data, "contact_name": "", "contact_phone": ""}
        return data

    @model_validator(mode="after")
    def _named_needs_a_phone(self):
        if not self.anonymous and not self.contact_phone:
            raise PydanticCustomError("missing", "phone required", {"field": "contact_phone"})
        return self


class WeChatInquiry(NewCase):
    """An inquiry sent as a WeChat message: the citizen is answered in WeChat, no phone is asked."""

    @model_validator(mode="after")
    def _named_needs_a_phone(self):
        return self


class NewComplaint(NewCase):
    accused: Text("被投诉对象", 100)


class ReplyIn(Input):
    body: Text("答复内容", 2000, min_len=2)


class AssignmentIn(Input):
    department_id: Id("部门", MAX_INT)
    reason: Text("分派说明", 200, min_len=0) = ""


class ContactRevealIn(Input):
    reason: Text("查看原因", 100, min_len=0) = ""


QUEUES = {
    "new": "待受理",
    "returned": "退回重派",
    "department": "本部门",
    "mine": "我签收的",
    "due_soon": "即将到期",
    "overdue": "超期督办",
    "all": "全部",
}
RATING_LABELS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
PAGE_SIZE = 20


class CaseFilters(Input):
    status: OptionalChoice("状态", *STATUSES) = None
    q: Text("搜索内容", 50, min_len=0) = ""
    queue: OptionalChoice("队列", *QUEUES) = None
    kind: OptionalChoice("类型", *KINDS) = None
    department_id: OptionalId("部门", MAX_INT) = None
    page: int = Field(1, ge=1, le=10_000, title="页码")


class ActionIn(Input):
    reason: Text("说明", 500, min_len=0) = ""
    department_id: OptionalId("部门", MAX_INT) = None
    target: Text("合并到的案件编号", 32, min_len=0) = ""


class RatingIn(Input):
    rating: Choice("评价", *RATING_LABELS)
    comment: Text("评价内容", 500, min_len=0) = ""


class ExtensionIn(Input):
    days: int = Field(ge=1, le=30, title="延期工作日")
    reason: Text("延期原因", 500, min_len=4)


class DeadlineOverrideIn(Input):
    service_type_id: Id("服务事项", MAX_INT)
    kind: Choice("类型", *KINDS)
    working_days: int = Field(ge=1, le=60, title="办理时限（工作日）")


class DuplicateQuery(Input):
    kind: Choice("类型", *KINDS)
    content: Text("内容", 2000, min_len=0) = ""
    accused: Text("被投诉对象", 100, min_len=0) = ""
    department_id: OptionalId("部门", MAX_INT) = None
    service_type_id: OptionalId("服务事项", MAX_INT) = None


class ReplyTemplateIn(Input):
    kind: OptionalChoice("类型", *KINDS) = None
    service_type_id: OptionalId("服务事项", MAX_INT) = None
    title: Text("模板名称", 64)
    body: Text("答复内容", 2000, min_len=2)


class ReplyTemplateView(View):
    id: int
    kind: str | None
    service_type_id: int | None
    title: str
    body: str


class NoteIn(Input):
    body: Text("内部备注", 1000, min_len=2)


class BulkAssignIn(Input):
    case_ids: list[Id("案件", MAX_BIGINT)] = Field(min_length=1, max_length=100, title="案件")
    department_id: Id("部门", MAX_INT)
    reason: Text("分派说明", 200, min_len=0) = ""


def validate_new_case(data, channel="h5"):
    kind = data.get("kind") if isinstance(data, dict) else None
    if channel == "wechat":
        return validate(WeChatInquiry, data)
    # an Open311 report names a problem and a place, not an accused party
    return validate(NewComplaint if kind == "complaint" and channel != "open311" else NewCase, data)


def filters(data):
    if data is None:
        data = {}
    if isinstance(data, dict):  # an empty box means "any"
        data = {k: v for k, v in data.items() if v not in (None, "")}
    return validate(CaseFilters, data)


def normalize_number(text):
    value = text.strip().upper() if isinstance(text, str) else ""
    return value if NUMBER.match(value) else None


# -- views -------------------------------------------------------------------------------------------------------
class PublicCase(View):
    """What anyone holding the number may see: the case exists and where it stands."""

    number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    created_at: datetime
    updated_at: datetime


class Answer(View):
    label: str
    display: str


class Photo(View):
    """A photo, or a PDF (content_type application/pdf: thumb is the file itself, offered as a download)."""

    sha256: str
    thumb: str
    content_type: str


class OwnerReply(View):
    body: str
    department_name: str  # which office answered
    created_at: datetime


class PublicStep(View):
    """A step of the case as its filer sees it: what happened, which office, when (internal notes stay inside)."""

    action: str
    label: str
    department_name: str
    note: str
    created_at: datetime


class StaffStep(PublicStep):
    from_status: str
    to_status: str
    actor_kind: str  # staff | citizen | system
    actor_name: str


class StaffNote(View):
    staff_name: str
    body: str
    created_at: datetime


class Extension(View):
    id: int
    days: int
    reason: str
    status: str  # pending | approved | denied | withdrawn (answered or closed before a decision)
    requested_by: str
    requested_at: datetime
    decided_by: str
    decided_at: datetime | None


class StaffReply(OwnerReply):
    staff_name: str


class CaseDetail(PublicCase):
    """What a case's filer and its staff both see of it: what was reported, where, by whom it is handled, by when,
    and how the citizen judged the answer (replies and steps each in their reader's version)."""

    id: int
    department_id: int | None
    department_name: str
    service_type_id: int | None
    service_type_name: str
    accused: str
    content: str
    occurred_on: date | None
    location: str
    anonymous: bool
    photos: list[Photo]
    answers: list[Answer]
    due_on: date | None
    rating: str
    rating_comment: str


class OwnerCase(CaseDetail):
    """What the citizen who filed the case sees: what they reported and the official replies. Contact details
    stay with the handling staff: they cross the bus to no one else, the filer's own H5 page included."""

    replies: list[OwnerReply]
    steps: list[PublicStep]
    can_rate: bool  # closed, and not yet rated since


class CitizenCase(OwnerCase):
    """The filer's own view of their case."""

    is_owner: bool = True


class StrangerCase(PublicCase):
    """Someone else holding the number: its status only."""

    is_owner: bool = False


class FiledCase(OwnerCase):
    created: bool  # false when this request_id had already filed it (a double tap, a retry)


class StaffCase(CaseDetail):
    """A case for staff. Contact details are never part of it: they are revealed one at a time (audited)."""

    replies: list[StaffReply]
    contact_available: bool  # this staff member may reveal the contact details (never for an anonymous report)
    channel: str
    handler_name: str
    due_soon: bool
    overdue: bool
    escalated: bool
    merged_into: str
    reopen_count: int
    actions: list[str]  # what this staff member may do now
    duplicates: list["DuplicateHint"]  # open cases like this one the staff member may read (merge candidates)
    steps: list[StaffStep]
    notes: list[StaffNote]
    extensions: list[Extension]


class StaffCaseChange(StaffCase):
    changed: bool  # false when the same request had already done it


class CaseSummary(PublicCase):
    id: int
    department_id: int | None
    department_name: str
    handler_name: str
    accused: str
    excerpt: str
    due_on: date | None
    due_soon: bool
    overdue: bool
    escalated: bool


class DuplicateHint(CaseSummary):
    score: float  # 0..1: how much of the shorter text's character pairs the two share


class CasePage(View):
    cases: list[CaseSummary]
    total: int
    page: int
    pages: int
    counts: dict[str, int]  # cases per queue the staff member sees


class Contact(View):
    contact_name: str
    contact_phone: str


STEP_LABELS = {
    "file": "提交",
    "accept": "受理",
    "assign": "派单",
    "start": "签收办理",
    "return": "退单",
    "reply": "答复",
    "close": "办结",
    "reject": "不予受理",
    "merge": "合并",
    "reopen": "重新办理",
    "rate": "评价",
    "escalate": "超期督办",
    "extend": "延期",
}
# what the filer sees of the timeline, and the steps whose note is meant for them (a dispatch instruction or a
# return reason is between offices)
CITIZEN_STEPS = {"file", "accept", "assign", "start", "reply", "close", "reject", "merge", "reopen", "rate", "extend"}
CITIZEN_NOTES = {"reject", "merge", "reopen", "rate", "extend"}


def _labels(case):
    return {"kind_label": KIND_LABELS[case.kind], "status_label": STATUS_LABELS[case.status]}


def _fields(case, *names):
    return {n: getattr(case, n) for n in names}


PUBLIC = ("number", "kind", "status", "created_at", "updated_at")
DETAIL = (*PUBLIC, "id", "department_id", "service_type_id", "service_type_name", "accused", "content", "occurred_on")
WORKFLOW = ("department_name", "due_on", "rating", "rating_comment", "location", "anonymous")


def _photos(case):
    return [Photo(sha256=p.sha256, thumb=p.thumb_sha256, content_type=p.content_type) for p in case.photos]


def _answers(case):
    return [Answer(label=a["label"], display=a["display"]) for a in (case.answers or {}).get("items", [])]


def public_view(case):
    return StrangerCase(**_fields(case, *PUBLIC), **_labels(case)).model_dump(mode="json")


def _citizen_steps(case):
    return [
        PublicStep(
            action=s.action,
            label=STEP_LABELS[s.action],
            department_name=s.department_name,
            note=s.note if s.action in CITIZEN_NOTES else "",
            created_at=s.created_at,
        )
        for s in case.steps
        if s.action in CITIZEN_STEPS
    ]


def can_rate(case):
    return case.status == "closed" and (case.rated_at is None or (case.closed_at and case.rated_at < case.closed_at))


def owner_view(case, **extra):
    replies = [OwnerReply.model_validate(r) for r in case.replies]
    model = FiledCase if "created" in extra else CitizenCase
    return model(
        **_fields(case, *DETAIL, *WORKFLOW),
        **_labels(case),
        replies=replies,
        photos=_photos(case),
        answers=_answers(case),
        steps=_citizen_steps(case),
        can_rate=can_rate(case),
        **extra,
    ).model_dump(mode="json")


def staff_view(
    case, contact_available, actions=(), notes=(), extensions=(), flags=(False, False), duplicates=(), **extra
):
    replies = [StaffReply.model_validate(r) for r in case.replies]
    steps = [
        StaffStep(
            action=s.action,
            label=STEP_LABELS[s.action],
            department_name=s.department_name,
            note=s.note,
            created_at=s.created_at,
            from_status=s.from_status,
            to_status=s.to_status,
            actor_kind=s.actor_kind,
            actor_name=s.actor_name,
        )
        for s in case.steps
    ]
    model = StaffCaseChange if "changed" in extra else StaffCase
    return model(
        **_fields(case, *DETAIL, *WORKFLOW, "handler_name", "merged_into", "reopen_count", "channel"),
        **_labels(case),
        replies=replies,
        photos=_photos(case),
        answers=_answers(case),
        contact_available=contact_available and not case.anonymous,
        due_soon=flags[0],
        overdue=flags[1],
        escalated=case.escalated_at is not None,
        actions=list(actions),
        duplicates=list(duplicates),
        steps=steps,
        notes=[StaffNote.model_validate(n) for n in notes],
        extensions=[Extension.model_validate(e) for e in extensions],
        **extra,
    ).model_dump(mode="json")


def summary(case, flags=(False, False)):
    return CaseSummary(
        **_fields(case, *PUBLIC, "id", "department_id", "department_name", "handler_name", "accused", "due_on"),
        **_labels(case),
        excerpt=case.content[:60],
        due_soon=flags[0],
        overdue=flags[1],
        escalated=case.escalated_at is not None,
    ).model_dump(mode="json")


def facts(case, **extra):
    """The payload of case events (services/cases/events.py)."""
    fields = _fields(case, *PUBLIC, "id", "openid", "department_id", "department_name")
    return {**fields, "due_on": case.due_on.isoformat() if case.due_on else None, **_labels(case), **extra}


# -- Open311 GeoReport v2 (open311.py) ------------------------------------------------------------------------------
class Open311Query(Input):
    service_request_id: Text("service_request_id", 2600, min_len=0) = ""
    service_code: Text("service_code", 1000, min_len=0) = ""
    start_date: datetime | None = None
    end_date: datetime | None = None
    status: OptionalChoice("status", "open", "closed") = None


class Open311Request(View):
    service_request_id: str
    status: str  # open | closed
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str


# -- statistics (reports.py) --------------------------------------------------------------------------------------
class StatsQuery(Input):
    start: date = Field(title="开始日期")
    end: date = Field(title="结束日期")


class DepartmentStats(View):
    department_id: int | None
    department_name: str
    received: int
    closed: int
    on_time_rate: float | None  # 0..1, None when nothing closed
    rated: int
    satisfaction_rate: float | None
    avg_response_hours: float | None
    avg_close_hours: float | None
    overdue: int


class StatsReport(View):
    start: date
    end: date
    departments: list[DepartmentStats]
