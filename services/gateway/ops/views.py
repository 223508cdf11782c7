"""Operations: events a service could not process after its retries (parked), listed and replayed by an
operator (permission `ops.events`), in the admin and through the API."""

import re

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from pydantic import BaseModel

from libs.errors import NotFound
from services.gateway.core import notices, openapi
from services.gateway.core.auth import staff_api, staff_page
from services.gateway.core.rpc import call, db
from services.registry import consumers

bp = Blueprint("ops", __name__)


class ParkedEvent(BaseModel):
    service: str
    event_id: str
    handler: str
    source: str
    event_type: str
    payload: dict
    error: str
    attempts: int
    parked_at: str
    replayed_at: str | None


class ReplayOut(BaseModel):
    replayed: bool
    already_handled: bool
    error: str | None


def parked():
    rows = []
    for service in consumers():
        rows += [{"service": service.name, **row} for row in call(service.name, "list_parked_events")]
    return sorted(rows, key=lambda r: r["parked_at"], reverse=True)


NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def replay(service, event_id, handler):
    if service not in {s.name for s in consumers()} or not NAME.match(event_id) or not NAME.match(handler):
        raise NotFound("parked_event_not_found", "没有这条待处理的事件")
    return call(service, "replay_parked_event", event_id, handler)


@openapi.route(
    bp,
    "/api/v1/ops/parked-events",
    "GET",
    summary="Events parked after failed handling (operators)",
    response=[ParkedEvent],
    errors=(401, 403),
)
@staff_api
def api_list():
    return jsonify(parked())


@openapi.route(
    bp,
    "/api/v1/ops/parked-events/<service>/<event_id>/<handler>/replay",
    "POST",
    summary="Run a parked event through its handler again (operators; audited)",
    response=ReplayOut,
    errors=(401, 403, 404),
)
@staff_api
def api_replay(service, event_id, handler):
    return jsonify(replay(service, event_id, handler))


@bp.get("/admin/ops/events")
@staff_page
def page():
    notice = notices.get(db(), g.actor.id, request.args.get("notice", ""))
    return render_template("admin/parked_events.html", rows=parked(), notice=notice.get("message"))


@bp.post("/admin/ops/events/<service>/<event_id>/<handler>/replay")
@staff_page
def page_replay(service, event_id, handler):
    result = replay(service, event_id, handler)
    if result["already_handled"]:
        message = "该事件此前已处理成功，本次未重复处理"
    else:
        message = "已重新处理" if result["replayed"] else f"仍然失败：{result['error']}"
    return redirect(url_for("ops.page", notice=notices.put(db(), g.actor.id, {"message": message})), code=303)
