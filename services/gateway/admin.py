"""/admin: the staff web pages. Everything they show comes from the services, checked against the actor."""

import functools
import hmac
import uuid

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for

from libs.audit import ACTION_LABELS
from libs.auth import ROLE_LABELS, can
from libs.errors import RateLimited, Unauthenticated, ValidationError
from services.gateway import staff
from services.gateway.app import db, rpc

bp = Blueprint("admin", __name__, url_prefix="/admin")


def staff_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if staff.current_actor() is None:
            return redirect(url_for("admin.login", next=request.path))
        if request.method == "POST":
            sent = request.form.get("csrf", "")
            if not hmac.compare_digest(sent, staff.csrf_token()):
                abort(400)
        return view(*args, **kwargs)

    return wrapper


@bp.context_processor
def inject():
    actor = staff.current_actor()
    return {
        "actor": actor,
        "csrf": staff.csrf_token,
        "role_labels": ROLE_LABELS,
        "action_labels": ACTION_LABELS,
        # only decides which buttons to show; cases enforces the permission itself
        "can_assign": actor is not None and can(actor, "case.assign"),
    }


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            token, _actor = staff.login(db(), request.form.get("username", ""), request.form.get("password", ""))
        except (Unauthenticated, RateLimited) as exc:
            error = exc.message
        else:
            next_path = request.args.get("next", "")
            target = next_path if next_path.startswith("/admin/") else url_for("admin.cases")
            resp = make_response(redirect(target, code=303))
            resp.set_cookie(
                staff.STAFF_COOKIE,
                token,
                httponly=True,
                samesite="Lax",
                secure=current_app.config["SESSION_COOKIE_SECURE"],
                max_age=int(staff.SESSION_TTL.total_seconds()),
            )
            return resp
    return render_template("admin/login.html", error=error), 401 if error else 200


@bp.post("/logout")
@staff_required
def logout():
    staff.logout(db(), staff.request_token())
    resp = make_response(redirect(url_for("admin.login"), code=303))
    resp.delete_cookie(staff.STAFF_COOKIE)
    return resp


@bp.get("/")
def index():
    return redirect(url_for("admin.cases"))


@bp.get("/cases")
@staff_required
def cases():
    status, text = request.args.get("status") or None, request.args.get("q") or None
    rows = rpc("cases", "list_cases", staff.current_actor().to_dict(), status, text)
    return render_template("admin/cases.html", cases=rows, status=status, q=text or "", departments=_department_names())


def _department_names():
    return {d["id"]: d["name"] for d in rpc("content", "list_departments")}


@bp.get("/cases/<int:case_id>")
@staff_required
def case_detail(case_id, errors=None, form=None):
    actor = staff.current_actor().to_dict()
    case = rpc("cases", "get_case", actor, case_id)
    trail = rpc("cases", "audit_trail", actor, case_id)
    return render_template(
        "admin/case_detail.html",
        case=case,
        trail=trail,
        errors=errors or {},
        form=form or {},
        departments=_department_names(),
        request_id=uuid.uuid4().hex,
    )


def _post_to_cases(case_id, method, *args):
    """Run a staff action; a refused form comes back with its errors and what was typed."""
    try:
        rpc("cases", method, staff.current_actor().to_dict(), case_id, *args)
    except ValidationError as exc:
        errors = exc.details.get("fields") or {"_": exc.message}
        return case_detail(case_id, errors=errors, form=request.form), 400
    return redirect(url_for("admin.case_detail", case_id=case_id), code=303)


@bp.post("/cases/<int:case_id>/reply")
@staff_required
def reply(case_id):
    return _post_to_cases(
        case_id, "reply_case", {"body": request.form.get("body", "")}, request.form.get("request_id", "")
    )


@bp.post("/cases/<int:case_id>/assign")
@staff_required
def assign(case_id):
    form = request.form
    return _post_to_cases(
        case_id, "assign_case", {"department_id": form.get("department_id"), "reason": form.get("reason")}
    )
