"""What crosses the bus for cases (its published contract with the gateway): validated input, and the view each
kind of reader gets. Built on libs/schemas.py (pydantic)."""

import re
from datetime import date, datetime

from libs.schemas import MAX_INT, Choice, Id, Input, OptionalChoice, OptionalId, PastDate, Phone, Text, View, validate
from services.cases.numbering import PREFIX

KIND_LABELS = {"complaint": "投诉举报", "inquiry": "咨询求助", "suggestion": "建议献策"}
STATUS_LABELS = {"submitted": "已受理", "replied": "已答复", "closed": "已办结"}
NUMBER = re.compile(rf"^({'|'.join(PREFIX.values())})\d{{12,16}}$")
KINDS = tuple(KIND_LABELS)
STATUSES = tuple(STATUS_LABELS)


# -- input -------------------------------------------------------------------------------------------------------
class NewCase(Input):
    kind: Choice("类型", *KINDS)
    accused: Text("被投诉对象", 100, min_len=0) = ""
    content: Text("内容", 2000, min_len=10)
    contact_name: Text("联系人", 32, min_len=0) = ""
    contact_phone: Phone("联系电话")
    department_id: OptionalId("部门", MAX_INT) = None
    service_type_id: OptionalId("服务事项", MAX_INT) = None
    occurred_on: PastDate("发生日期") = None


class NewComplaint(NewCase):
    accused: Text("被投诉对象", 100)


class ReplyIn(Input):
    body: Text("答复内容", 2000, min_len=2)


class AssignmentIn(Input):
    department_id: Id("部门", MAX_INT)
    reason: Text("分派说明", 200, min_len=0) = ""


class ContactRevealIn(Input):
    reason: Text("查看原因", 100, min_len=0) = ""


class CaseFilters(Input):
    status: OptionalChoice("状态", *STATUSES) = None
    q: Text("搜索内容", 50, min_len=0) = ""


def validate_new_case(data):
    kind = data.get("kind") if isinstance(data, dict) else None
    return validate(NewComplaint if kind == "complaint" else NewCase, data)


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


class OwnerReply(View):
    body: str
    created_at: datetime


class StaffReply(OwnerReply):
    staff_name: str


class OwnerCase(PublicCase):
    """What the citizen who filed the case sees: what they reported and the official replies. Contact details
    stay with the handling staff: they cross the bus to no one else, the filer's own H5 page included."""

    id: int
    department_id: int | None
    service_type_id: int | None
    service_type_name: str
    accused: str
    content: str
    occurred_on: date | None
    replies: list[OwnerReply]


class CitizenCase(OwnerCase):
    """The filer's own view of their case."""

    is_owner: bool = True


class StrangerCase(PublicCase):
    """Someone else holding the number: its status only."""

    is_owner: bool = False


class FiledCase(OwnerCase):
    created: bool  # false when this request_id had already filed it (a double tap, a retry)


class StaffCase(PublicCase):
    """A case for staff. Contact details are never part of it: they are revealed one at a time (audited)."""

    id: int
    department_id: int | None
    service_type_id: int | None
    service_type_name: str
    accused: str
    content: str
    occurred_on: date | None
    replies: list[StaffReply]
    contact_available: bool  # this staff member may reveal the contact details


class StaffCaseChange(StaffCase):
    changed: bool  # false when the same request had already done it


class CaseSummary(PublicCase):
    id: int
    department_id: int | None
    accused: str
    excerpt: str


class Contact(View):
    contact_name: str
    contact_phone: str


def _labels(case):
    return {"kind_label": KIND_LABELS[case.kind], "status_label": STATUS_LABELS[case.status]}


def _fields(case, *names):
    return {n: getattr(case, n) for n in names}


PUBLIC = ("number", "kind", "status", "created_at", "updated_at")
DETAIL = (*PUBLIC, "id", "department_id", "service_type_id", "service_type_name", "accused", "content", "occurred_on")


def public_view(case):
    return StrangerCase(**_fields(case, *PUBLIC), **_labels(case)).model_dump(mode="json")


def owner_view(case, **extra):
    replies = [OwnerReply.model_validate(r) for r in case.replies]
    model = FiledCase if "created" in extra else CitizenCase
    return model(**_fields(case, *DETAIL), **_labels(case), replies=replies, **extra).model_dump(mode="json")


def staff_view(case, contact_available, **extra):
    replies = [StaffReply.model_validate(r) for r in case.replies]
    model = StaffCaseChange if "changed" in extra else StaffCase
    return model(
        **_fields(case, *DETAIL), **_labels(case), replies=replies, contact_available=contact_available, **extra
    ).model_dump(mode="json")


def summary(case):
    return CaseSummary(
        **_fields(case, *PUBLIC, "id", "department_id", "accused"), **_labels(case), excerpt=case.content[:60]
    ).model_dump(mode="json")


def facts(case, **extra):
    """The payload of case events (services/cases/events.py)."""
    return {**_fields(case, *PUBLIC, "id", "openid", "department_id"), **_labels(case), **extra}
