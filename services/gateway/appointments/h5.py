"""/h5 for 服务预约: choose a day and a slot of a bookable service, book, see and cancel (WeUI, inside WeChat).

Plain links and one form, no script needed: the day is a query parameter, so the back button and a shared link
both land on the same choice.
"""

import uuid
from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from nameko.exceptions import RpcTimeout, UnknownService

from libs.errors import Conflict, DeadlineExceeded, NotFound, RateLimited, ValidationError
from libs.logs import request_id_var
from services.gateway.appointments import client
from services.gateway.cases.h5 import follow_qr
from services.gateway.core.auth import citizen_csrf_token, citizen_page, follow_url
from services.gateway.messaging.client import follows

bp = Blueprint("appointments_h5", __name__, url_prefix="/h5/appointments")
FIELDS = ("service_type_id", "day", "starts_at", "contact_name", "contact_phone")


def _id(value):
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) <= 9 else None


def _day(value):
    try:
        return date.fromisoformat(value).isoformat() if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _form(service_type_id, form, errors, request_id, status=200):
    availability = client.availability(service_type_id)
    day = _day(form.get("day"))
    open_days = [d["day"] for d in availability["days"] if d["open"]]
    slots = client.slots(service_type_id, day) if day in open_days else []
    return render_template(
        "h5/appointment_form.html",
        availability=availability,
        day=day if day in open_days else None,
        slots=slots,
        form=form,
        errors=errors,
        request_id=request_id,
        csrf=citizen_csrf_token(),
    ), status


def _not_found(exc, title="未找到预约", back=None):
    back = back or url_for("appointments_h5.mine")
    return render_template("h5/not_found.html", title=title, message=exc.message, back=back), 404


@bp.get("/new")
@citizen_page
def form():
    service_type_id = _id(request.args.get("service_type_id"))
    if service_type_id is None:
        return redirect(url_for("content_h5.services"))
    try:
        return _form(service_type_id, {"day": request.args.get("day", "")}, {}, uuid.uuid4().hex)
    except NotFound as exc:
        return _not_found(exc, "未找到服务事项", url_for("content_h5.services"))


@bp.post("")
@citizen_page
def submit():
    form = {k: request.form.get(k, "").strip() for k in FIELDS}
    service_type_id = _id(form["service_type_id"])
    if service_type_id is None:
        return redirect(url_for("content_h5.services"), code=303)
    request_id = request.form.get("request_id", "")
    try:
        booked = client.book(form | {"service_type_id": service_type_id}, request_id)
    except (ValidationError, Conflict, RateLimited) as exc:
        # back to the form with the reason and what was typed; a full slot shows the day's slots as they are now
        errors = exc.details.get("fields") or {"_": exc.message}
        fresh = request_id if exc.code != "invalid_request_id" else uuid.uuid4().hex
        return _form(service_type_id, form, errors, fresh, exc.http_status)
    except (RpcTimeout, UnknownService, DeadlineExceeded):
        message = (
            f"系统繁忙，预约暂未成功，请稍后点击“确认预约”重试（已填写的内容已保留）。错误编号：{request_id_var.get()}"
        )
        return _form(service_type_id, form, {"_": message}, request_id, 503)
    return redirect(url_for("appointments_h5.detail", number=booked["number"], created=1), code=303)


@bp.get("")
@citizen_page
def mine():
    return render_template("h5/my_appointments.html", appointments=client.mine())


@bp.get("/<number>")
@citizen_page
def detail(number):
    try:
        appointment = client.one(number[:32])
    except NotFound as exc:
        return _not_found(exc)
    following = follows()
    qr = None if following else follow_qr(follow_url())
    return render_template(
        "h5/appointment.html",
        a=appointment,
        created=request.args.get("created") == "1",
        cancelled=request.args.get("cancelled") == "1",
        error=None,
        following=following,
        follow_qr=qr,
        csrf=citizen_csrf_token(),
    )


@bp.post("/<number>/cancel")
@citizen_page
def cancel(number):
    try:
        client.cancel(number[:32])
    except NotFound as exc:
        return _not_found(exc)
    except Conflict as exc:
        appointment = client.one(number[:32])
        page = render_template(
            "h5/appointment.html", a=appointment, error=exc.message, following=True, csrf=citizen_csrf_token()
        )
        return page, 409
    return redirect(url_for("appointments_h5.detail", number=number[:32].upper(), cancelled=1), code=303)
