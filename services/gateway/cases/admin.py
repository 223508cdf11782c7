"""/admin for cases: the list, one case, and what staff do with it (reply, dispatch, reveal the contact).

Forms post, then redirect back to the case with what to say (core/notices.py): reloading never re-posts.
"""

import uuid

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from nameko.exceptions import RpcTimeout, UnknownService

from libs.auth import can, holds
from libs.errors import Conflict, DeadlineExceeded, Forbidden, ValidationError
from libs.logs import request_id_var
from services.gateway.cases import client
from services.gateway.content.client import department_names
from services.gateway.core import notices
from services.gateway.core.auth import current_staff, staff_page
from services.gateway.core.rpc import db
from services.gateway.core.web import clean_query

bp = Blueprint("cases_admin", __name__, url_prefix="/admin")


@bp.context_processor
def inject():
    actor = current_staff()
    # only decides which buttons to show; cases enforces the permission itself
    return {"can_assign": actor is not None and can(actor, "case.assign")}


@bp.get("/")
def index():
    """The workplace opens on what the staff member works on: cases, or for a department's editor, its content."""
    actor = current_staff()
    if actor is not None and not holds(actor, "case.read") and holds(actor, "content.edit"):
        return redirect(url_for("content_admin.index"))
    return redirect(url_for("cases_admin.cases"))


@bp.get("/cases")
@staff_page
def cases():
    query = {"status": clean_query("status", 16), "q": clean_query("q", 100)}
    try:
        rows, errors = client.list_cases(query), {}
    except ValidationError as exc:
        rows, errors = [], exc.details.get("fields") or {"_": exc.message}
    return render_template(
        "admin/cases.html", cases=rows, query=query, errors=errors, departments=department_names()
    ), 400 if errors else 200


def _detail(case_id, contact=None):
    notice = notices.get(db(), g.actor.id, request.args.get("notice", ""))
    return render_template(
        "admin/case_detail.html",
        case=client.get_case(case_id),
        trail=client.audit_trail(case_id),
        contact=contact,
        notice=notice.get("message"),
        errors=notice.get("errors") or {},
        form=notice.get("form") or {},
        departments=department_names(),
        # a reply refused or lost on the bus keeps its id: sending it again cannot reply twice
        request_id=notice.get("request_id") or uuid.uuid4().hex,
    )


@bp.get("/cases/<id:case_id>")
@staff_page
def case_detail(case_id):
    return _detail(case_id)


@bp.post("/cases/<id:case_id>/contact")
@staff_page
def reveal_contact(case_id):
    """An explicit, audited reveal. The page asks with fetch() and shows the answer in place, so a reload shows
    the case without it and never posts again; without JavaScript the answer is the case page itself."""
    contact = client.reveal_contact(case_id, {"reason": request.form.get("reason", "")})
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json":
        return jsonify(contact)
    return _detail(case_id, contact)


@bp.get("/cases/<id:case_id>/<any(contact, reply, assign):action>")
@staff_page
def back_to_case(case_id, action):
    """The address of a form post, opened again (a reload, a bookmark): the case page, not a 405."""
    return redirect(url_for("cases_admin.case_detail", case_id=case_id))


def _post_and_redirect(case_id, action, done_message):
    """Run a staff action, then back to the case: with a confirmation, or with the errors and what was typed."""
    form = {k: v for k, v in request.form.items() if k not in ("csrf", "request_id")}
    kept = {"form": form, "request_id": request.form.get("request_id", "")}
    try:
        action()
        payload = {"message": done_message}
    except (ValidationError, Conflict, Forbidden) as exc:
        payload = {"errors": exc.details.get("fields") or {"_": exc.message}, **kept}
    except (RpcTimeout, UnknownService, DeadlineExceeded):
        busy = f"系统繁忙，操作可能未完成，请稍后重新提交（内容已保留，不会重复提交）。错误编号：{request_id_var.get()}"
        payload = {"errors": {"_": busy}, **kept}
    key = notices.put(db(), g.actor.id, payload)
    return redirect(url_for("cases_admin.case_detail", case_id=case_id, notice=key), code=303)


@bp.post("/cases/<id:case_id>/reply")
@staff_page
def reply(case_id):
    body = {"body": request.form.get("body", "")}
    return _post_and_redirect(
        case_id,
        lambda: client.reply(case_id, body, request.form.get("request_id", "")),
        "答复已发送，市民将在微信收到通知",
    )


@bp.post("/cases/<id:case_id>/assign")
@staff_page
def assign(case_id):
    data = {k: request.form.get(k, "") for k in ("department_id", "reason")}
    return _post_and_redirect(case_id, lambda: client.assign(case_id, data), "已分派")
