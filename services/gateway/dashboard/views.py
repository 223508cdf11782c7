"""看板: the admin's dashboard. Each panel is one service's published figures, read through that service's RPC
(never another service's tables), and shown only to those whose role holds what the figures need:

  cases per day and status        cases.case_daily          case.read (a department's staff: their department's)
  on-time and satisfaction rates  cases.case_stats          case.read (the last 30 days, per department)
  overdue list                    cases.list_cases overdue  case.supervise
  follower growth by QR channel   messaging.follower_growth wechat.stats
  rating trends                   ratings.rating_trend      public figures, shown to any staff member
  active votes and surveys        surveys.list_*            survey.manage
  to do                           inbox, pending_approvals,  wechat.inbox, wechat.mass_approve, case.read
                                  queues

A panel whose service does not answer says so; the others still show."""

import logging
from datetime import timedelta

from flask import Blueprint, g, render_template
from nameko.exceptions import RpcTimeout, UnknownService

from libs.auth import holds
from libs.clock import today
from libs.errors import AppError, DeadlineExceeded
from services.gateway.content.client import department_names
from services.gateway.core.auth import staff_page
from services.gateway.core.rpc import call

log = logging.getLogger(__name__)
bp = Blueprint("dashboard", __name__, url_prefix="/admin/dashboard")
# one palette for the charts and their legends (dashboard.js draws with the colours each series carries)
PALETTE = ("#1a56c4", "#13a8a8", "#d46b08", "#722ed1", "#c41d7f", "#389e0d", "#8c8c8c", "#fa8c16", "#2f54eb", "#a0d911")
DAYS = 30


def _coloured(series):
    return [s | {"color": PALETTE[i % len(PALETTE)]} for i, s in enumerate(series)]


def _panel(read):
    """A panel's figures, or {"unavailable": reason} when its service does not answer now (logged)."""
    try:
        return read()
    except (RpcTimeout, UnknownService, DeadlineExceeded) as exc:
        log.warning("dashboard panel unavailable: %r", exc)
        return {"unavailable": "暂时无法读取，请稍后刷新"}
    except AppError as exc:
        log.warning("dashboard panel refused: %s", exc.code)
        return {"unavailable": exc.message}


def _cases_daily():
    figures = call("cases", "case_daily", DAYS)
    return figures | {"series": _coloured(figures["series"])}


def _rates():
    end = today()
    report = call("cases", "case_stats", (end - timedelta(days=DAYS - 1)).isoformat(), end.isoformat())
    rows = [r for r in report["departments"] if r["department_id"]]
    series = [
        {"name": "按时办结率", "values": [_percent(r["on_time_rate"]) for r in rows]},
        {"name": "满意率", "values": [_percent(r["satisfaction_rate"]) for r in rows]},
    ]
    if all(v is None for s in series for v in s["values"]):
        series = []  # nothing closed or rated yet: the panel says so rather than drawing empty axes
    return {"x": [r["department_name"] for r in rows], "series": _coloured(series)}


def _percent(rate):
    return round(rate * 100, 1) if rate is not None else None


def _growth():
    figures = call("messaging", "follower_growth", DAYS)
    return figures | {"series": _coloured(figures["series"])}


def _trend():
    figures = call("ratings", "rating_trend", 6)
    names = department_names()  # the catalogue's names (ratings' copy may lag just after a start)
    series = [s | {"name": names.get(s["department_id"], s["name"])} for s in figures["series"]]
    return figures | {"series": _coloured(series)}


def _overdue():
    return call("cases", "list_cases", {"queue": "overdue"})


def _participation():
    votes = [
        {"title": v["title"], "closes_at": v["closes_at"], "count": v["results"]["ballots"], "id": v["id"]}
        for v in call("surveys", "list_votes")
        if v["open"]
    ]
    surveys = [
        {"title": s["title"], "closes_at": s["closes_at"], "count": s["responses"], "id": s["id"]}
        for s in call("surveys", "list_surveys")
        if s["open"]
    ]
    return {"votes": votes, "surveys": surveys}


def _todo(actor):
    todo = {}
    if holds(actor, "case.read"):
        todo["queues"] = call("cases", "list_cases", {})["counts"]
    if holds(actor, "wechat.inbox"):
        todo["inbox"] = {"count": call("messaging", "inbox", "unanswered")["unanswered"]}
    if holds(actor, "wechat.mass_approve"):
        # messaging's own count of what waits for this person: mass sends and articles by someone else
        todo["approvals"] = call("messaging", "pending_approvals")
    return todo


def awaiting_approval(actor):
    """Mass sends submitted by someone else, waiting for this operator's approval (the author never approves)."""
    return [s for s in call("messaging", "mass_sends") if s["status"] == "pending" and s["author_id"] != actor.id]


@bp.get("/")
@staff_page
def page():
    actor = g.actor
    panels = {"todo": _panel(lambda: _todo(actor))}
    if holds(actor, "case.read"):
        panels["daily"] = _panel(_cases_daily)
        panels["rates"] = _panel(_rates)
    if holds(actor, "case.supervise"):
        panels["overdue"] = _panel(_overdue)
    if holds(actor, "wechat.stats"):
        panels["growth"] = _panel(_growth)
    if holds(actor, "survey.manage"):
        panels["participation"] = _panel(_participation)
    panels["trend"] = _panel(_trend)
    return render_template("admin/dashboard.html", panels=panels, days=DAYS)
