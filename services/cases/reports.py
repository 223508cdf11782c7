"""Case statistics per department and period: 受理量, 按时办结率, 满意率, average response and closing time, overdue
count; as JSON, CSV and XLSX, and published monthly as `case_stats_published` for the department scorecards.

A period is a range of local (Beijing) dates; a case counts in the period it was filed in.
- received: filed in the period (its department is where it is now; 待分派 for none)
- on_time_rate: of those closed, the share closed on or before their deadline
- satisfaction_rate: of those rated, 满意 and 基本满意
- avg_response_hours / avg_close_hours: filing → first answer / → closing, over those answered / closed
- overdue: still open past the deadline, or closed after it
"""

import io
from datetime import date, datetime, time, timedelta

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select

from libs.auth import can, require
from libs.clock import LOCAL_TZ
from libs.errors import ValidationError
from libs.schemas import validate
from libs.spreadsheets import csv_bytes, safe_text
from services.cases import schemas
from services.cases.models import Case

COLUMNS = [
    ("department_name", "部门"),
    ("received", "受理量"),
    ("closed", "办结量"),
    ("on_time_rate", "按时办结率"),
    ("rated", "评价数"),
    ("satisfaction_rate", "满意率"),
    ("avg_response_hours", "平均答复时长（小时）"),
    ("avg_close_hours", "平均办结时长（小时）"),
    ("overdue", "超期件数"),
]
MAX_DAYS = 366


def _bounds(start: date, end: date):
    return datetime.combine(start, time.min, LOCAL_TZ), datetime.combine(end + timedelta(days=1), time.min, LOCAL_TZ)


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def _hours(seconds):
    return round(seconds / 3600, 1) if seconds is not None else None


def daily(session, actor, days=30):
    """Cases filed per local day over the last `days` days (today included), by where each stands now, for the
    dashboards; a department's staff see their department's."""
    days = max(1, min(int(days), 90))
    last = datetime.now(LOCAL_TZ).date()
    span = [last - timedelta(days=i) for i in range(days - 1, -1, -1)]
    day = func.date(func.timezone("Asia/Shanghai", Case.created_at))
    stmt = (
        select(day, Case.status, func.count())
        .where(Case.created_at >= datetime.combine(span[0], time.min, LOCAL_TZ))
        .group_by(day, Case.status)
    )
    if not can(actor, "case.read"):
        require(actor, "case.read", actor.department_id)
        stmt = stmt.where(Case.department_id == actor.department_id)
    cells = {(d, status): n for d, status, n in session.execute(stmt)}
    series = [
        {"status": status, "name": label, "values": [cells.get((d, status), 0) for d in span]}
        for status, label in schemas.STATUS_LABELS.items()
        if any(cells.get((d, status)) for d in span)
    ]
    return {"days": [d.isoformat() for d in span], "series": series}


def stats(session, actor, start, end):
    """[row per department] for cases filed between the local dates `start` and `end` (inclusive)."""
    if not actor.is_staff and actor.kind != "system":
        raise ValidationError("staff_only", "仅限工作人员")
    clean = validate(schemas.StatsQuery, {"start": start, "end": end})
    if clean.end < clean.start or (clean.end - clean.start).days > MAX_DAYS:
        fields = {"end": "统计区间应在一年以内，且结束不早于开始"}
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": fields})
    first, after = _bounds(clean.start, clean.end)
    today = datetime.now(LOCAL_TZ).date()
    closed = Case.status == "closed"
    late = ((Case.status.in_(schemas.OPEN_STATUSES)) & (Case.due_on < today)) | (
        closed & (func.date(func.timezone("Asia/Shanghai", Case.closed_at)) > Case.due_on)
    )
    rows = session.execute(
        select(
            Case.department_id,
            func.max(Case.department_name).label("department_name"),
            func.count().label("received"),
            func.count().filter(closed).label("closed"),
            func.count()
            .filter(closed, func.date(func.timezone("Asia/Shanghai", Case.closed_at)) <= Case.due_on)
            .label("on_time"),
            func.count().filter(Case.rating != "").label("rated"),
            func.count().filter(Case.rating.in_(("satisfied", "basic"))).label("satisfied"),
            func.avg(func.extract("epoch", Case.replied_at - Case.created_at)).label("response"),
            # closed_at is set on closing and cleared on reopening: the average runs over the closed ones
            func.avg(func.extract("epoch", Case.closed_at - Case.created_at)).label("close"),
            func.count().filter(late).label("overdue"),
        )
        .where(Case.created_at >= first, Case.created_at < after, Case.status.not_in(("merged",)))
        .group_by(Case.department_id)
    ).all()
    out = []
    for r in rows:
        if not can(actor, "case.read", r.department_id):  # a department's staff see their own line
            continue
        out.append(
            schemas.DepartmentStats(
                department_id=r.department_id,
                department_name=r.department_name or "待分派",
                received=r.received,
                closed=r.closed,
                on_time_rate=_rate(r.on_time, r.closed),
                rated=r.rated,
                satisfaction_rate=_rate(r.satisfied, r.rated),
                avg_response_hours=_hours(r.response),
                avg_close_hours=_hours(r.close),
                overdue=r.overdue,
            ).model_dump(mode="json")
        )
    out.sort(key=lambda r: (-r["received"], r["department_name"]))
    if not out and not can(actor, "case.read"):
        require(actor, "case.read", actor.department_id)  # no reach at all: say so rather than show nothing
    return {"start": clean.start.isoformat(), "end": clean.end.isoformat(), "departments": out}


def _cell(key, value):
    if value is None:
        return "—"
    if key.endswith("_rate"):
        return f"{value * 100:.1f}%"
    return safe_text(value)


def as_csv(report):
    rows = [[_cell(k, row[k]) for k, _ in COLUMNS] for row in report["departments"]]
    return csv_bytes([[label for _, label in COLUMNS], *rows])


def as_xlsx(report):
    book = Workbook()
    sheet = book.active
    sheet.title = "案件统计"
    sheet.append([f"统计区间：{report['start']} 至 {report['end']}"])
    sheet.append([label for _, label in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in report["departments"]:
        sheet.append([safe_text(row[k]) for k, _ in COLUMNS])
        for cell, (key, _) in zip(sheet[sheet.max_row], COLUMNS, strict=False):
            if key.endswith("_rate") and cell.value is not None:
                cell.number_format = "0.0%"
    for letter, width in zip("ABCDEFGHI", (28, 10, 10, 14, 10, 10, 22, 22, 10), strict=False):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def month_bounds(day: date):
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def publish_month(uow, day: date):
    """`case_stats_published` for the month containing `day`, one event per department."""
    first, last = month_bounds(day)
    report = stats(uow.session, uow.actor, first.isoformat(), last.isoformat())
    for row in report["departments"]:
        uow.publish("case_stats_published", {"period": f"{first:%Y-%m}", **row})
    return len(report["departments"])
