"""审计 in the admin (permission `audit.read`): every service's audit rows, filtered by person, department, action,
case and time, newest first, 50 a page, and downloadable as CSV or XLSX. Reading and downloading are audited."""

import json
import re
from datetime import timedelta

from flask import Blueprint, Response, g, render_template, request

from libs.audit import ACTION_LABELS, ACTOR_KIND_LABELS
from libs.errors import ValidationError
from libs.schemas import CONTROL_CHARS
from libs.spreadsheets import XLSX, csv_bytes, xlsx_bytes
from services.gateway.audit import client
from services.gateway.content.client import department_names
from services.gateway.core.auth import staff_page

DIGITS = re.compile(r"[0-9]{1,9}")
bp = Blueprint("audit_admin", __name__, url_prefix="/admin/audit")
FAMILIES = {
    "case.": "案件",
    "appointment.": "预约",
    "calendar.": "节假日",
    "content.": "内容",
    "wechat.": "公众号",
    "survey.": "微调研",
    "vote.": "微投票",
    "rating.": "评价",
    "staff.": "账号与登录",
    "audit.": "审计查阅",
    "ops.": "事件运维",
}
SERVICE_LABELS = {
    "gateway": "网关",
    "cases": "案件",
    "content": "内容",
    "messaging": "公众号",
    "surveys": "调研投票",
    "ratings": "评价",
}
COLUMNS = ("时间", "人员类型", "人员", "操作", "对象类型", "对象", "原因", "详情", "服务", "请求编号")


def filters():
    """The filters from the query string; a malformed one is a 400 that says which."""
    args, problems = request.args, {}
    department = args.get("department_id", "")
    if department and not DIGITS.fullmatch(department):
        problems["department_id"] = "没有这个部门"
    days = {}
    for key in ("since", "until"):
        days[key] = client.local_day(args.get(key, ""))
        if days[key] is not None and not 2000 <= days[key].year <= 2999:
            days[key] = None
        if args.get(key) and days[key] is None:
            problems[key] = "日期应为 年-月-日，如 2026-12-01"
    for key in ("person", "action", "case_number"):
        if CONTROL_CHARS.search(args.get(key, "")):
            problems[key] = "含有无法识别的字符"
    before = args.get("before", "")
    if before and client.instant(before) is None:
        problems["before"] = "翻页参数不正确，请从第一页重新查看"
    if problems:
        raise ValidationError("invalid_fields", "请检查筛选条件", {"fields": problems})
    return {
        "person": args.get("person", "").strip()[:32],
        "department_id": int(department) if department else None,
        "action": args.get("action", "")[:64],
        "case_number": args.get("case_number", "").strip()[:32],
        "since": days["since"],
        "until": days["until"] + timedelta(days=1) if days["until"] else None,  # the day chosen is included
        "before_at": client.instant(before) if before else None,
    }


def _form_values():
    keys = ("person", "department_id", "action", "case_number", "since", "until")
    return {k: request.args.get(k, "")[:64] for k in keys}


@bp.get("/")
@staff_page
def page():
    chosen = filters()
    rows, older = client.search(g.actor, chosen)
    return render_template(
        "admin/audit.html",
        rows=rows,
        older=older.isoformat() if older else None,
        form=_form_values(),
        departments=department_names(),
        families=FAMILIES,
        labels=ACTION_LABELS,
        kinds=ACTOR_KIND_LABELS,
        services=SERVICE_LABELS,
        paged=bool(chosen["before_at"]),
    )


def table(rows):
    yield COLUMNS
    for r in rows:
        detail = r["detail"]
        yield (
            r["at"].astimezone(client.LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            ACTOR_KIND_LABELS.get(r["actor_kind"], r["actor_kind"]),
            f"{r['actor_name']}（{r['actor_username']}）" if r["actor_username"] else r["actor_name"] or r["actor_id"],
            r["label"],
            r["target_type"],
            r["target_id"],
            r["reason"],
            json.dumps(detail, ensure_ascii=False) if detail else "",
            SERVICE_LABELS.get(r["service"], r["service"]),
            r["request_id"],
        )


@bp.get("/export.<any(csv, xlsx):fmt>")
@staff_page
def export(fmt):
    chosen = filters() | {"before_at": None}
    rows, _ = client.search(g.actor, chosen, limit=client.EXPORT_MAX, download=True)
    rows = rows[: client.EXPORT_MAX]
    if fmt == "csv":
        body, content_type = csv_bytes(table(rows)), "text/csv; charset=utf-8"
    else:
        body, content_type = xlsx_bytes(list(table(rows)), "审计记录"), XLSX
    resp = Response(body, content_type=content_type)
    resp.headers["Content-Disposition"] = f"attachment; filename=audit.{fmt}"
    return resp
