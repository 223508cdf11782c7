"""/admin for cases: the list, one case, and what staff do with it (reply, dispatch, reveal the contact).

Forms post, then redirect back to the case with what to say (core/notices.py): reloading never re-posts.
"""

import uuid
from datetime import datetime

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from nameko.exceptions import RpcTimeout, UnknownService

from libs.auth import can, holds
from libs.clock import LOCAL_TZ
from libs.errors import Conflict, DeadlineExceeded, Forbidden, ValidationError
from libs.logs import request_id_var
from services.cases.schemas import KIND_LABELS, QUEUES, STATUS_LABELS, STEP_LABELS
from services.gateway.cases import client
from services.gateway.cases.api import case_query
from services.gateway.content.client import department_names
from services.gateway.core import notices
from services.gateway.core.auth import current_staff, staff_page
from services.gateway.core.rpc import db
from services.gateway.core.web import clean_query, file_response
from services.gateway.messaging.client import preview_reply

bp = Blueprint("cases_admin", __name__, url_prefix="/admin")


@bp.context_processor
def inject():
    actor = current_staff()
    # only decides which buttons to show; cases enforces the permission itself
    return {
        "can_assign": actor is not None and can(actor, "case.assign"),
        "can_extend": actor is not None and holds(actor, "case.extend"),
    }


@bp.get("/")
def index():
    """The workplace opens on what the staff member works on: cases, or for a department's editor its content, for
    the account's operator its inbox, for an auditor the audit log."""
    actor = current_staff()
    if actor is not None and holds(actor, "staff.manage"):
        return redirect(url_for("dashboard.page"))  # 系统管理员: the whole picture first
    if actor is not None and not holds(actor, "case.read"):
        if holds(actor, "content.edit"):
            return redirect(url_for("content_admin.index"))
        if holds(actor, "wechat.inbox"):
            return redirect(url_for("wechat_admin.inbox"))
        if holds(actor, "audit.read"):
            return redirect(url_for("audit_admin.page"))
        if holds(actor, "staff.manage"):
            return redirect(url_for("staff_admin.people"))
    return redirect(url_for("cases_admin.cases"))


def _default_queue(actor):
    """Where a desk opens: the center on new cases, a department on its own, a supervisor on the overdue."""
    if can(actor, "case.assign"):
        return "new"
    if holds(actor, "case.supervise"):
        return "overdue"
    return "department" if actor.department_id else "all"


@bp.get("/cases")
@staff_page
def cases():
    query = case_query()
    query["queue"] = query["queue"] or _default_queue(g.actor)
    notice = notices.shown()
    try:
        listed, errors = client.list_cases(query), notice.get("errors") or {}
    except ValidationError as exc:
        empty = {"cases": [], "total": 0, "page": 1, "pages": 1, "counts": {}}
        listed, errors = empty, exc.details.get("fields") or {"_": exc.message}
    return render_template(
        "admin/cases.html",
        listed=listed,
        query=query,
        queues=QUEUES,
        errors=errors,
        notice=notice.get("message"),
        departments=department_names(),
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
    ), 400 if errors and not notice else 200


@bp.post("/cases/bulk-assign")
@staff_page
def bulk_assign():
    data = {
        "case_ids": request.form.getlist("case_id"),
        "department_id": request.form.get("department_id", ""),
        "reason": request.form.get("reason", ""),
    }
    back = request.form.get("back", "")
    target = back if back.startswith("/admin/cases") and "//" not in back else url_for("cases_admin.cases")
    return notices.after_post(lambda: client.bulk_assign(data), lambda _r: target, {}, "已批量派单")


def _detail(case_id, contact=None, preview=None, typed=None, refused=None):
    notice = notices.get(db(), g.actor.id, request.args.get("notice", ""))
    case = client.get_case(case_id)
    return render_template(
        "admin/case_detail.html",
        case=case,
        trail=client.audit_trail(case_id),
        contact=contact,
        notice=notice.get("message"),
        errors=refused or notice.get("errors") or {},
        form=typed or notice.get("form") or {},
        departments=department_names(),
        templates=client.reply_templates(case_id) if "reply" in case["actions"] else [],
        preview=preview,
        step_labels=STEP_LABELS,
        # a reply refused or lost on the bus keeps its id: sending it again cannot reply twice
        request_id=(typed or {}).get("request_id") or notice.get("request_id") or uuid.uuid4().hex,
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


@bp.get("/cases/<id:case_id>/<path:action>")
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


@bp.post("/cases/<id:case_id>/preview")
@staff_page
def preview(case_id):
    """The reply exactly as the citizen will get it in WeChat; the form below it sends it unchanged."""
    typed = {"body": request.form.get("body", ""), "request_id": request.form.get("request_id", "")}
    case = client.get_case(case_id)
    errors = {}
    text = None
    if len(typed["body"].strip()) < 2:
        errors = {"body": "请填写答复内容"}
    else:
        text = preview_reply(case["kind_label"], case["number"], typed["body"][:2000])
    return _detail(case_id, preview=text, typed=typed, refused=errors), 400 if errors else 200


@bp.post("/cases/<id:case_id>/steps/<any(accept, assign, start, return, reject, merge, close, reopen):action>")
@staff_page
def step(case_id, action):
    data = {k: request.form.get(k, "") for k in ("reason", "department_id", "target") if k in request.form}
    label = STEP_LABELS.get(action, action)
    return _post_and_redirect(case_id, lambda: client.act(case_id, action, data), f"已{label}")


@bp.post("/cases/<id:case_id>/note")
@staff_page
def note(case_id):
    body = {"body": request.form.get("body", "")}
    return _post_and_redirect(case_id, lambda: client.add_note(case_id, body), "备注已保存（仅工作人员可见）")


@bp.post("/cases/<id:case_id>/extension")
@staff_page
def extension(case_id):
    data = {"days": request.form.get("days", ""), "reason": request.form.get("extension_reason", "")}
    return _post_and_redirect(case_id, lambda: client.request_extension(case_id, data), "延期申请已提交，等待审批")


@bp.post("/cases/<id:case_id>/extension/<id:extension_id>")
@staff_page
def extension_decision(case_id, extension_id):
    approve = request.form.get("approve") == "1"
    return _post_and_redirect(
        case_id,
        lambda: client.decide_extension(case_id, extension_id, approve),
        "已批准延期" if approve else "已驳回延期申请",
    )


@bp.get("/cases/<id:case_id>/photos/<sha>")
@staff_page
def photo(case_id, sha):
    """A photo of a case the staff member may read (never cached outside their browser)."""
    return file_response(client.photo(case_id, sha[:64]))


@bp.get("/cases/new")
@staff_page
def new_case():
    """受理中心 takes down a case from a phone call or at the counter."""
    notice = notices.shown()
    return render_template(
        "admin/case_new.html",
        departments=department_names(),
        kinds=KIND_LABELS,
        form=notice.get("form") or {"kind": "complaint", "channel": "phone"},
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        request_id=(notice.get("form") or {}).get("request_id") or uuid.uuid4().hex,
    )


@bp.post("/cases/new")
@staff_page
def new_case_save():
    fields = ("kind", "channel", "accused", "content", "location", "contact_name", "contact_phone", "department_id")
    form = {k: request.form.get(k, "") for k in fields} | {"request_id": request.form.get("request_id", "")}
    data = {k: v for k, v in form.items() if k != "request_id"} | {"anonymous": request.form.get("anonymous") == "1"}

    def back(result):
        return url_for("cases_admin.case_detail", case_id=result["id"]) if result else url_for("cases_admin.new_case")

    return notices.after_post(
        lambda: client.file_for_citizen(data, form["request_id"]), back, form, "已登记并受理，可在下方派单"
    )


@bp.get("/reports")
@staff_page
def reports():
    """The statistics page: this month by default; downloads as CSV and XLSX."""
    today = datetime.now(LOCAL_TZ).date()
    start = clean_query("start", 10) or today.replace(day=1).isoformat()
    end = clean_query("end", 10) or today.isoformat()
    fmt = clean_query("format", 4)
    if fmt in ("csv", "xlsx"):
        return file_response(client.stats_file(start, end, fmt))
    try:
        report, errors = client.stats(start, end), {}
    except ValidationError as exc:
        report, errors = {"departments": []}, exc.details.get("fields") or {"_": exc.message}
    return render_template(
        "admin/reports.html", report=report, start=start, end=end, errors=errors
    ), 400 if errors else 200


@bp.get("/cases/templates", defaults={"template_id": None})
@bp.get("/cases/templates/<id:template_id>")
@staff_page
def templates(template_id):
    """The model answers staff start replies from, per kind and service type."""
    notice = notices.shown()
    every = client.reply_templates()
    editing = next((t for t in every if t["id"] == template_id), None)
    return render_template(
        "admin/reply_templates.html",
        templates=every,
        editing=editing,
        kinds=KIND_LABELS,
        form=notice.get("form") or editing or {},
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
    )


@bp.post("/cases/templates", defaults={"template_id": None})
@bp.post("/cases/templates/<id:template_id>")
@staff_page
def template_save(template_id):
    form = {k: request.form.get(k, "") for k in ("kind", "service_type_id", "title", "body")}
    data = {k: (v or None) if k in ("kind", "service_type_id") else v for k, v in form.items()}

    def back(result):
        saved = (result or {}).get("id") or template_id
        return url_for("cases_admin.templates", template_id=saved) if saved else url_for("cases_admin.templates")

    return notices.after_post(lambda: client.save_reply_template(template_id, data), back, form, "模板已保存")
