"""/admin/appointments: a window's day (who is coming, check-in), the booking rules per window and the holiday
calendar. Forms post, then redirect back with what happened (core/notices.py)."""

import functools
from datetime import datetime

from flask import Blueprint, g, render_template, request, url_for

from libs.auth import holds
from libs.clock import LOCAL_TZ
from libs.errors import ValidationError
from services.gateway.appointments import client
from services.gateway.content.client import windows
from services.gateway.core import notices
from services.gateway.core.auth import staff_page
from services.gateway.core.web import clean_query

bp = Blueprint("appointments_admin", __name__, url_prefix="/admin/appointments")
RULE_FIELDS = ("weekdays", "periods", "slot_minutes", "counters", "min_days_ahead", "max_days_ahead", "closed_dates")


@bp.context_processor
def inject():
    return {"can_set_rules": holds(g.actor, "appointment.rules") if getattr(g, "actor", None) else False}


@bp.get("")
@staff_page
def day():
    query = {k: clean_query(k, 32) for k in ("day", "window_id", "status", "q")}
    query["day"] = query["day"] or datetime.now(LOCAL_TZ).date().isoformat()
    notice = notices.shown()
    try:
        listed, errors = client.staff_list(query), notice.get("errors") or {}
    except ValidationError as exc:
        listed, errors = {"appointments": [], "counts": {}}, exc.details.get("fields") or {"_": exc.message}
    return render_template(
        "admin/appointments.html",
        listed=listed,
        query=query,
        windows=windows(),
        errors=errors,
        notice=notice.get("message"),
        today=datetime.now(LOCAL_TZ).date().isoformat(),  # check-in is offered on the day only
    ), 400 if errors and not notice else 200


@bp.post("/<id:appointment_id>/check-in")
@staff_page
def check_in(appointment_id):
    back = request.form.get("back", "")
    # back to the list as it was filtered; only a path of this page, never another site
    target = back if back.startswith("/admin/appointments") and "//" not in back else url_for(".day")
    return notices.after_post(
        functools.partial(client.check_in, appointment_id), lambda _r: target, {}, "已签到，请叫号办理。"
    )


# -- rules per window ----------------------------------------------------------------------------------------------
def _rule_form(rule):
    """A rule as the form shows it: periods "09:00-12:00" one per line, closed dates one per line."""
    return {
        **rule,
        "periods": "\n".join(f"{a}-{b}" for a, b in rule["periods"]),
        "closed_dates": "\n".join(rule["closed_dates"]),
    }


def _parse_rule(form):
    data = {k: form.get(k, "").strip() for k in RULE_FIELDS}
    lines = [line.strip() for line in data["periods"].splitlines() if line.strip()]
    data["periods"] = [line.replace("：", ":").split("-", 1) if "-" in line else [line, ""] for line in lines]
    data["closed_dates"] = [line.strip() for line in data["closed_dates"].splitlines() if line.strip()]
    data["weekdays"] = "".join(ch for ch in form.getlist("weekdays")) or data["weekdays"]
    for number in ("slot_minutes", "counters", "min_days_ahead", "max_days_ahead"):
        data[number] = data[number] or None
    return {k: v for k, v in data.items() if v is not None}


@bp.get("/rules")
@staff_page
def rules():
    notice = notices.shown()
    by_window = {r["window_id"]: _rule_form(r) for r in client.rules()}
    failed = notice.get("form") or {}
    return render_template(
        "admin/appointment_rules.html",
        windows=windows(),
        rules=by_window,
        failed=failed,
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
    )


@bp.post("/rules/<id:window_id>")
@staff_page
def rule_save(window_id):
    form = request.form
    typed = {k: form.get(k, "") for k in RULE_FIELDS} | {"weekdays": "".join(form.getlist("weekdays"))}
    typed["window_id"] = window_id
    back = url_for(".rules") + f"#window-{window_id}"
    return notices.after_post(
        lambda: client.save_rule(window_id, _parse_rule(form)),
        lambda _r: back,
        typed,
        "已保存。新的预约按新规则开放；已预约的时段不受影响。",
    )


# -- the holiday calendar ----------------------------------------------------------------------------------------
@bp.get("/calendar")
@staff_page
def calendar():
    year_text = clean_query("year", 4)
    valid = year_text.isascii() and year_text.isdigit() and 2000 <= int(year_text) <= 2100
    year = int(year_text) if valid else datetime.now(LOCAL_TZ).year
    notice = notices.shown()
    return render_template(
        "admin/appointment_calendar.html",
        year=year,
        days=client.calendar(year),
        form=notice.get("form") or {},
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
    )


@bp.post("/calendar")
@staff_page
def calendar_save():
    data = {k: request.form.get(k, "").strip() for k in ("day", "kind", "name")}
    data["kind"] = data["kind"] or None
    year = data["day"][:4] if data["day"][:4].isdigit() else ""
    back = url_for(".calendar", year=year) if year else url_for(".calendar")
    return notices.after_post(lambda: client.set_calendar_day(data), lambda _r: back, data, "已保存。")
