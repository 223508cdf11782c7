"""/h5 for cases: the citizen's complaint form, their cases, and one case (WeUI, inside WeChat)."""

import functools
import uuid

import segno
from flask import Blueprint, redirect, render_template, request, url_for
from nameko.exceptions import RpcTimeout, UnknownService

from libs.errors import Conflict, DeadlineExceeded, NotFound, RateLimited, ValidationError
from libs.logs import request_id_var
from services.gateway.cases import client
from services.gateway.content.client import departments, service_type
from services.gateway.core.auth import citizen_csrf_token, citizen_page, follow_url
from services.gateway.core.web import file_response
from services.gateway.messaging.client import follows

bp = Blueprint("cases_h5", __name__, url_prefix="/h5")
CONTENT_MAX = 2000
FORM_FIELDS = (
    "accused",
    "content",
    "contact_name",
    "contact_phone",
    "department_id",
    "service_type_id",
    "occurred_on",
    "location",
    "anonymous",
)
PHOTO_LIMIT = 9 * 1024 * 1024  # cases refuses above 8 MB a photo with the reason; this only bounds what is read
MAX_PHOTOS = 3


@functools.lru_cache(maxsize=4)
def follow_qr(url):
    """The account's QR code as inline SVG (no image host, no network: government intranets often have none)."""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#222")


def _departments_if_up():
    """The form's department list; if content cannot answer, the form still comes back with what was typed."""
    try:
        return departments()
    except (RpcTimeout, UnknownService, DeadlineExceeded):
        return []


def _service(form):
    """The service type a complaint is about (from its page), if the form names one that exists."""
    value = str(form.get("service_type_id") or "")
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        return None
    try:
        return service_type(int(value))
    except (NotFound, RpcTimeout, UnknownService, DeadlineExceeded):
        return None


# 投诉举报 and 咨询求助 share one form; an inquiry has no accused party and no date
KINDS = {
    "complaint": {
        "label": "投诉举报",
        "noun": "投诉",
        "form": "cases_h5.complaint_form",
        "post": "cases_h5.complaint_submit",
    },
    "inquiry": {
        "label": "咨询求助",
        "noun": "咨询",
        "form": "cases_h5.inquiry_form",
        "post": "cases_h5.inquiry_submit",
    },
    "suggestion": {
        "label": "建议献策",
        "noun": "建议",
        "form": "cases_h5.suggestion_form",
        "post": "cases_h5.suggestion_submit",
    },
}
# what each kind asks beyond the content and the contact (an inquiry or a suggestion accuses no one)
KIND_FIELDS = {
    "complaint": FORM_FIELDS,
    "inquiry": tuple(f for f in FORM_FIELDS if f not in ("accused", "occurred_on", "location", "anonymous")),
    "suggestion": tuple(f for f in FORM_FIELDS if f not in ("accused", "occurred_on", "location", "anonymous")),
}


def _similar(data, request_id):
    """The duplicate hints, or None when cases cannot answer now (filing goes on without them)."""
    probe = {k: data.get(k, "") for k in ("kind", "content", "accused", "department_id", "service_type_id")}
    try:
        return client.similar(probe, request_id)
    except (ValidationError, RpcTimeout, UnknownService, DeadlineExceeded):
        return None


def _form(form, errors, request_id, status=200, kind="complaint", duplicates=None):
    return render_template(
        "h5/complaint_form.html",
        duplicates=duplicates,
        kind=kind,
        labels=KINDS[kind],
        form=form,
        errors=errors,
        service=_service(form),
        departments=departments() if status == 200 else _departments_if_up(),
        request_id=request_id,
        content_max=CONTENT_MAX,
        csrf=citizen_csrf_token(),
    ), status


def _new(kind):
    # a service type's page links here: the case is about that service, and goes to its department
    service = request.args.get("service_type_id", "")
    wanted = service.isascii() and service.isdigit() and len(service) <= 9
    return _form({"service_type_id": service} if wanted else {}, {}, uuid.uuid4().hex, kind=kind)


def _photos():
    """Up to MAX_PHOTOS uploaded photos as bytes (the complaint form's; cases checks what they are)."""
    files = [f for f in request.files.getlist("photos") if f and f.filename][: MAX_PHOTOS + 1]
    return [f.read(PHOTO_LIMIT + 1) for f in files]


def _submit(kind):
    form = request.form.to_dict()
    data = {k: form.get(k, "") for k in KIND_FIELDS[kind]} | {"kind": kind}
    data["anonymous"] = form.get("anonymous") == "1"
    # the service type's own questions (rendered from content's definition; cases checks them)
    data["answers"] = {
        key.removeprefix("answers."): request.form.getlist(key)
        for key in request.form
        if key.startswith("answers.") and len(key) <= 48
    }
    request_id = form.get("request_id", "")
    photos = _photos() if kind == "complaint" else []
    if form.get("confirm_duplicate") != "1" and len(data.get("content", "").strip()) >= 10:
        hints = _similar(data, request_id)
        if hints and (hints["own"] or hints["others"]):
            # shown before filing: the citizen may already have filed it, or others have; they choose
            return _form(form, {}, request_id, 200, kind, duplicates=hints)
    try:
        case = client.file_case(data, request_id, photos)
    except (ValidationError, RateLimited) as exc:
        # the form comes back with its reasons and everything the citizen typed
        errors = exc.details.get("fields") or {"_": exc.message}
        fresh = request_id if exc.code != "invalid_request_id" else uuid.uuid4().hex
        return _form(form, errors, fresh, exc.http_status, kind)
    except (RpcTimeout, UnknownService, DeadlineExceeded):
        # nothing was filed (a late request is dropped by cases), and the same request_id makes a retry safe even
        # if it was: the form stays as typed, with the id to quote to the hotline
        noun = KINDS[kind]["noun"]
        message = (
            f"系统繁忙，您的{noun}暂未提交成功，请稍后点击“提交”重试（内容已保留）。错误编号：{request_id_var.get()}"
        )
        return _form(form, {"_": message}, request_id, 503, kind)
    return redirect(url_for("cases_h5.case_detail", number=case["number"], created=1), code=303)


@bp.get("/complaints/new")
@citizen_page
def complaint_form():
    return _new("complaint")


def allows_photos(view):
    """Before anything reads the form (the CSRF check does): this route takes photos' size of body."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = PHOTO_LIMIT * MAX_PHOTOS + 64 * 1024
        return view(*args, **kwargs)

    return wrapper


@bp.post("/complaints")
@allows_photos
@citizen_page
def complaint_submit():
    return _submit("complaint")


@bp.get("/suggestions/new")
@citizen_page
def suggestion_form():
    return _new("suggestion")


@bp.post("/suggestions")
@citizen_page
def suggestion_submit():
    return _submit("suggestion")


@bp.get("/suggestions")
def suggestions_get():
    return redirect(url_for("cases_h5.suggestion_form"))


@bp.get("/cases/<number>/photos/<sha>")
@citizen_page
def photo(number, sha):
    """A photo of the citizen's own case: private (not cacheable by anyone in between)."""
    try:
        found = client.photo(number[:32], sha[:64])
    except NotFound:
        return render_template("h5/not_found.html", number=number[:32], message="照片不存在"), 404
    return file_response(found, cache="private, max-age=3600")


@bp.get("/inquiries/new")
@citizen_page
def inquiry_form():
    return _new("inquiry")


@bp.post("/inquiries")
@citizen_page
def inquiry_submit():
    return _submit("inquiry")


@bp.get("/inquiries")
def inquiries_get():
    return redirect(url_for("cases_h5.inquiry_form"))


@bp.get("/complaints")
def complaints_get():
    """Where a refused form was posted: reloading it (or sharing the link) leads back to the form, not to a 405."""
    return redirect(url_for("cases_h5.complaint_form"))


@bp.get("/cases")
@citizen_page
def my_cases():
    return render_template("h5/my_cases.html", cases=client.citizen_cases())


@bp.get("/cases/lookup")
@citizen_page
def lookup():
    number = request.args.get("number", "").strip().upper()[:32]
    return (
        redirect(url_for("cases_h5.case_detail", number=number)) if number else redirect(url_for("cases_h5.my_cases"))
    )


@bp.get("/cases/<number>")
@citizen_page
def case_detail(number):
    try:
        case = client.citizen_view(number[:32])
    except NotFound as exc:
        return render_template("h5/not_found.html", number=number[:32], message=exc.message), 404
    return _case_page(case, created=request.args.get("created") == "1", rated=request.args.get("rated") == "1")


def _case_page(case, created=False, rated=False, rating_error=None, status=200):
    following = follows()
    qr = None if following else follow_qr(follow_url())
    return render_template(
        "h5/case_detail.html",
        case=case,
        created=created,
        rated=rated,
        following=following,
        follow_qr=qr,
        csrf=citizen_csrf_token(),
        rating_error=rating_error,
    ), status


@bp.post("/cases/<number>/rating")
@citizen_page
def rate(number):
    data = {"rating": request.form.get("rating", ""), "comment": request.form.get("comment", "")}
    try:
        client.rate(number[:32], data)
    except NotFound as exc:
        return render_template("h5/not_found.html", number=number[:32], message=exc.message), 404
    except (ValidationError, Conflict) as exc:
        fields = exc.details.get("fields") or {}
        message = "请选择满意、基本满意或不满意" if "rating" in fields else (next(iter(fields.values()), exc.message))
        return _case_page(client.citizen_view(number[:32]), rating_error=message, status=exc.http_status)
    return redirect(url_for("cases_h5.case_detail", number=number[:32].upper(), rated=1), code=303)
