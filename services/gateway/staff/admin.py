"""账号管理 in the admin: staff accounts and roles (permission `staff.manage`), over staff/directory.py.

Forms post, redirect and show what happened (core/notices.py), except where a one-time password is shown: that
page is the POST's own answer, never stored and never cached."""

import re

from flask import Blueprint, current_app, g, make_response, render_template, request, url_for

from libs.auth import PERMISSIONS, SCOPES, require
from libs.errors import AppError, NotFound
from services.gateway.content.client import department_names
from services.gateway.core import notices
from services.gateway.core.auth import staff_page
from services.gateway.core.rpc import db
from services.gateway.staff import directory

bp = Blueprint("staff_admin", __name__, url_prefix="/admin/staff")
SCOPE_LABELS = {"own": "本部门", "all": "全部部门"}
STATE_FILTERS = {"": None, "active": True, "disabled": False}


def _manager():
    """staff.manage, checked before a page shows anything (the directory checks it again on every change)."""
    require(g.actor, directory.MANAGE)


def _int(value, default=None):
    """A whole number as a form or query string carries it (ASCII digits only: int() also reads "²" and "١")."""
    return int(value) if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value) else default


def _accounts():
    return {code: a for code, a in current_app.extensions["wechat_accounts"].items()}


def _frame(**extra):
    return {
        "departments": department_names(),
        "roles": directory.list_roles(db()),
        "accounts": _accounts(),
        "scope_labels": SCOPE_LABELS,
        **extra,
    }


def _form_data(form):
    department = form.get("department_id", "")
    return {
        "username": form.get("username", ""),
        "name": form.get("name", ""),
        "roles": form.getlist("roles"),
        "department_id": _int(department, department or None),
        "wechat_accounts": form.getlist("wechat_accounts") or ["main"],
    }


@bp.get("/")
@staff_page
def people():
    q = request.args.get("q", "")[:32]
    role = request.args.get("role", "")[:32]
    state = request.args.get("state", "")
    page = max(_int(request.args.get("page"), 1), 1)
    items, total = directory.list_staff(db(), g.actor, q, role, STATE_FILTERS.get(state), page)
    pages = max(1, -(-total // directory.PAGE_SIZE))
    notice = notices.shown()
    return render_template(
        "admin/staff_list.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        query={"q": q, "role": role, "state": state},
        notice=notice.get("message"),
        errors=notice.get("errors") or {},
        **_frame(),
    )


def _one_time(person, password, what):
    resp = make_response(
        render_template("admin/staff_password.html", person=person, password=password, what=what, **_frame())
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/new", methods=["GET", "POST"])
@staff_page
def new():
    _manager()
    errors, form = {}, {"roles": [], "wechat_accounts": ["main"]}
    if request.method == "POST":
        form = _form_data(request.form)
        try:
            person, password = directory.create_staff(db(), g.actor, form, department_names(), _accounts())
        except AppError as exc:  # shown on the form, with what was typed (a one-time password cannot be PRG'd)
            errors = exc.details.get("fields") or {"_": exc.message}
        else:
            return _one_time(person, password, "已新建账号")
    return render_template("admin/staff_form.html", person=None, form=form, errors=errors, **_frame()), (
        400 if errors else 200
    )


@bp.get("/<int:staff_id>")
@staff_page
def person(staff_id):
    found = directory.get_staff(db(), g.actor, staff_id)
    shown = notices.shown()
    form = shown.get("form") or found
    return render_template(
        "admin/staff_form.html",
        person=found,
        form=form,
        errors=shown.get("errors") or {},
        notice=shown.get("message"),
        **_frame(),
    )


@bp.post("/<int:staff_id>")
@staff_page
def save(staff_id):
    form = _form_data(request.form)
    return notices.after_post(
        lambda: directory.update_staff(db(), g.actor, staff_id, form, department_names(), _accounts()),
        lambda _r: url_for("staff_admin.person", staff_id=staff_id),
        form,
    )


@bp.post("/<int:staff_id>/<any(disable, enable):action>")
@staff_page
def set_active(staff_id, action):
    active = action == "enable"
    return notices.after_post(
        lambda: directory.set_active(db(), g.actor, staff_id, active, request.form.get("reason", "")[:200]),
        lambda _r: url_for("staff_admin.person", staff_id=staff_id),
        {},
        done="已启用账号。" if active else "已停用账号，他的登录已全部结束。",
    )


@bp.post("/<int:staff_id>/password")
@staff_page
def reset_password(staff_id):
    password = directory.reset_password(db(), g.actor, staff_id)
    return _one_time(directory.get_staff(db(), g.actor, staff_id), password, "已重置密码")


@bp.post("/<int:staff_id>/second-factor")
@staff_page
def reset_second_factor(staff_id):
    password = directory.reset_second_factor(db(), g.actor, staff_id)
    return _one_time(directory.get_staff(db(), g.actor, staff_id), password, "已清除动态口令并重置密码")


@bp.post("/<int:staff_id>/unlock")
@staff_page
def unlock(staff_id):
    return notices.after_post(
        lambda: directory.unlock(db(), g.actor, staff_id),
        lambda _r: url_for("staff_admin.person", staff_id=staff_id),
        {},
        done="已解除登录暂停，他可以重新登录。",
    )


@bp.post("/<int:staff_id>/sessions")
@staff_page
def end_sessions(staff_id):
    return notices.after_post(
        lambda: directory.end_sessions(db(), g.actor, staff_id),
        lambda _r: url_for("staff_admin.person", staff_id=staff_id),
        {},
        done="已结束他的全部登录。",
    )


# -- roles ----------------------------------------------------------------------------------------------------
def _role_form(form):
    return {
        "code": form.get("code", "").strip(),
        "label": form.get("label", ""),
        "scope": form.get("scope", ""),
        "permissions": form.getlist("permissions"),
        "second_factor": form.get("second_factor") == "on",
    }


@bp.get("/roles")
@staff_page
def roles():
    _manager()
    shown = notices.shown()
    return render_template(
        "admin/staff_roles.html",
        permissions=PERMISSIONS,
        notice=shown.get("message"),
        errors=shown.get("errors") or {},
        **_frame(),
    )


@bp.route("/roles/new", methods=["GET", "POST"])
@staff_page
def new_role():
    if request.method == "POST":
        form = _role_form(request.form)
        return notices.after_post(
            lambda: directory.save_role(db(), g.actor, form),
            lambda r: url_for("staff_admin.role", code=r["code"]) if r else url_for("staff_admin.new_role"),
            form,
        )
    _manager()
    shown = notices.shown()
    form = shown.get("form") or {"scope": "own", "permissions": [], "second_factor": False}
    return render_template(
        "admin/staff_role.html",
        role=None,
        form=form,
        errors=shown.get("errors") or {},
        permissions=PERMISSIONS,
        scopes=SCOPES,
        **_frame(),
    )


@bp.get("/roles/<code>")
@staff_page
def role(code):
    _manager()
    found = next((r for r in directory.list_roles(db()) if r["code"] == code), None)
    if found is None:
        raise NotFound("role_not_found", "没有这个角色")
    shown = notices.shown()
    return render_template(
        "admin/staff_role.html",
        role=found,
        form=shown.get("form") or found,
        errors=shown.get("errors") or {},
        notice=shown.get("message"),
        permissions=PERMISSIONS,
        scopes=SCOPES,
        **_frame(),
    )


@bp.post("/roles/<code>")
@staff_page
def save_role(code):
    form = _role_form(request.form)
    return notices.after_post(
        lambda: directory.save_role(db(), g.actor, form, code),
        lambda _r: url_for("staff_admin.role", code=code),
        form,
    )


@bp.post("/roles/<code>/delete")
@staff_page
def delete_role(code):
    return notices.after_post(
        lambda: directory.delete_role(db(), g.actor, code),
        lambda _r: url_for("staff_admin.roles"),
        {},
        done="已删除角色。",
    )
