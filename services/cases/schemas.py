"""What crosses the bus for cases: validated input and the dicts returned to each kind of reader."""

import re

from libs.clock import today
from libs.validation import Fields
from services.cases.numbering import PREFIX

KIND_LABELS = {"complaint": "投诉举报", "inquiry": "咨询求助", "suggestion": "建议献策"}
STATUS_LABELS = {"submitted": "已受理", "replied": "已答复", "closed": "已办结"}
NUMBER = re.compile(rf"^({'|'.join(PREFIX.values())})\d{{12,}}$")
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def validate_new_case(data):
    f = Fields(data)
    f.choice("kind", "类型", KIND_LABELS)
    is_complaint = f.data.get("kind") == "complaint"
    f.text("accused", "被投诉对象", 100, required=is_complaint)
    f.text("content", "内容", 2000, min_len=10)
    f.text("contact_name", "联系人", 32, required=False)
    f.phone("contact_phone", "联系电话")
    f.integer("department_id", "部门")
    f.optional_date("occurred_on", "发生日期", not_after=today())
    return f.result()


def validate_reply(data):
    f = Fields(data)
    f.text("body", "答复内容", 2000, min_len=2)
    return f.result()


def validate_assignment(data):
    f = Fields(data)
    f.integer("department_id", "部门", required=True)
    f.text("reason", "分派说明", 200, required=False)
    return f.result()


def validate_list_filters(data):
    f = Fields(data)
    f.choice("status", "状态", STATUS_LABELS, required=False)
    f.text("text", "搜索内容", 50, required=False)
    return f.result()


def normalize_number(text):
    value = (text or "").strip().upper()
    return value if NUMBER.match(value) else None


def public_view(case):
    """What anyone holding the number may see: the case exists and where it stands."""
    return {
        "number": case.number,
        "kind": case.kind,
        "kind_label": KIND_LABELS[case.kind],
        "status": case.status,
        "status_label": STATUS_LABELS[case.status],
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }


def owner_view(case):
    """What the citizen who filed the case sees: what they reported and the official replies. Contact details
    stay with the handling staff: they cross the bus to no one else, the filer's own H5 page included."""
    return {
        **public_view(case),
        "id": case.id,
        "department_id": case.department_id,
        "accused": case.accused,
        "content": case.content,
        "occurred_on": case.occurred_on.isoformat() if case.occurred_on else None,
        "replies": [{"body": r.body, "created_at": r.created_at.isoformat()} for r in case.replies],
    }


def staff_view(case, with_contact):
    data = {
        **public_view(case),
        "id": case.id,
        "openid": case.openid,
        "department_id": case.department_id,
        "accused": case.accused,
        "content": case.content,
        "occurred_on": case.occurred_on.isoformat() if case.occurred_on else None,
        "replies": [
            {"body": r.body, "staff_name": r.staff_name, "created_at": r.created_at.isoformat()} for r in case.replies
        ],
        "contact_visible": with_contact,
    }
    if with_contact:
        data["contact_name"] = case.contact_name
        data["contact_phone"] = case.contact_phone
    return data


def staff_summary(case):
    return {
        **public_view(case),
        "id": case.id,
        "department_id": case.department_id,
        "accused": case.accused,
        "excerpt": case.content[:60],
    }
