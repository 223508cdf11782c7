"""账号管理 through the JSON API (permission `staff.manage`): staff accounts, roles and the permission catalogue,
over staff/directory.py. A one-time password is in the response that made it, and nowhere else."""

import re

from flask import Blueprint, current_app, g, jsonify, request
from pydantic import BaseModel

from libs.auth import PERMISSIONS, require
from libs.errors import ValidationError
from services.gateway.content.client import department_names
from services.gateway.core import openapi
from services.gateway.core.auth import staff_api
from services.gateway.core.rpc import db
from services.gateway.core.web import json_body
from services.gateway.staff import directory

bp = Blueprint("staff_api", __name__, url_prefix="/api/v1")


class StaffIn(BaseModel):
    username: str | None = None  # on creation only
    name: str
    roles: list[str]
    department_id: int | None = None
    wechat_accounts: list[str] = ["main"]


class StaffAccount(BaseModel):
    id: int
    username: str
    name: str
    roles: list[str]
    department_id: int | None
    wechat_accounts: list[str]
    active: bool
    second_factor: bool
    must_change_password: bool
    created_at: str | None
    sessions: int
    sign_in_paused: bool | None = None  # one account's detail only


class StaffPage(BaseModel):
    items: list[StaffAccount]
    total: int
    page: int


class Created(BaseModel):
    staff: StaffAccount
    one_time_password: str


class ActiveIn(BaseModel):
    active: bool
    reason: str = ""


class OneTimePassword(BaseModel):
    one_time_password: str


class RoleIn(BaseModel):
    code: str | None = None  # on creation only
    label: str
    scope: str  # "own" | "all"
    permissions: list[str]
    second_factor: bool = False


class RoleOut(BaseModel):
    code: str
    label: str
    scope: str
    permissions: list[str]
    second_factor: bool
    builtin: bool
    holders: int


class Permission(BaseModel):
    code: str
    label: str


def _accounts():
    return dict(current_app.extensions["wechat_accounts"])


@openapi.route(
    bp,
    "/staff",
    "GET",
    summary="Staff accounts, 20 a page; filters q (username or name), role, active (true/false)",
    response=StaffPage,
    errors=(401, 403),
)
@staff_api
def list_staff():
    page = request.args.get("page", "1")
    page = int(page) if re.fullmatch(r"[0-9]{1,5}", page) else 1
    active = {"true": True, "false": False}.get(request.args.get("active", ""))
    items, total = directory.list_staff(
        db(), g.actor, request.args.get("q", "")[:32], request.args.get("role", "")[:32], active, page
    )
    return jsonify({"items": items, "total": total, "page": page})


@openapi.route(
    bp,
    "/staff",
    "POST",
    summary="A new staff account; returns its one-time password (they choose their own at first sign-in)",
    body=StaffIn,
    response=Created,
    status=201,
    errors=(400, 401, 403),
)
@staff_api
def create_staff():
    person, password = directory.create_staff(db(), g.actor, json_body(), department_names(), _accounts())
    return jsonify({"staff": person, "one_time_password": password}), 201


@openapi.route(
    bp, "/staff/<int:staff_id>", "GET", summary="One staff account", response=StaffAccount, errors=(401, 403, 404)
)
@staff_api
def get_staff(staff_id):
    return jsonify(directory.get_staff(db(), g.actor, staff_id))


@openapi.route(
    bp,
    "/staff/<int:staff_id>",
    "PUT",
    summary="Change a staff account's name, roles, department and Official Accounts (effective at their next request)",
    body=StaffIn,
    response=StaffAccount,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def update_staff(staff_id):
    return jsonify(directory.update_staff(db(), g.actor, staff_id, json_body(), department_names(), _accounts()))


@openapi.route(
    bp,
    "/staff/<int:staff_id>/active",
    "PUT",
    summary="Disable (every session ends at once) or enable an account",
    body=ActiveIn,
    response=StaffAccount,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def set_active(staff_id):
    data = json_body()
    if not isinstance(data.get("active"), bool):
        raise ValidationError(
            "invalid_fields", "请检查填写的内容", {"fields": {"active": "请说明启用（true）还是停用（false）"}}
        )
    reason = data.get("reason") if isinstance(data.get("reason"), str) else ""
    return jsonify(directory.set_active(db(), g.actor, staff_id, data["active"], reason[:200]))


@openapi.route(
    bp,
    "/staff/<int:staff_id>/password-reset",
    "POST",
    summary="A one-time password for the account; its sessions end and a new password is chosen at sign-in",
    response=OneTimePassword,
    errors=(401, 403, 404),
)
@staff_api
def reset_password(staff_id):
    return jsonify({"one_time_password": directory.reset_password(db(), g.actor, staff_id)})


@openapi.route(
    bp,
    "/staff/<int:staff_id>/second-factor",
    "DELETE",
    summary="Forget the account's authenticator and recovery codes (a lost phone); the password becomes a one-time "
    "one (returned), and the next sign-in sets up a new authenticator and chooses a password",
    response=OneTimePassword,
    errors=(401, 403, 404, 502),
)
@staff_api
def reset_second_factor(staff_id):
    return jsonify({"one_time_password": directory.reset_second_factor(db(), g.actor, staff_id)})


@openapi.route(
    bp,
    "/staff/<int:staff_id>/unlock",
    "POST",
    summary="Lift the sign-in pause after too many failures (audited)",
    status=204,
    errors=(401, 403, 404),
)
@staff_api
def unlock(staff_id):
    directory.unlock(db(), g.actor, staff_id)
    return "", 204


@openapi.route(
    bp,
    "/staff/<int:staff_id>/sessions",
    "DELETE",
    summary="End every session of the account",
    status=204,
    errors=(401, 403, 404),
)
@staff_api
def end_sessions(staff_id):
    directory.end_sessions(db(), g.actor, staff_id)
    return "", 204


@openapi.route(bp, "/roles", "GET", summary="Roles and what each may do", response=[RoleOut], errors=(401, 403))
@staff_api
def list_roles():
    require(g.actor, directory.MANAGE)
    return jsonify(directory.list_roles(db()))


@openapi.route(bp, "/permissions", "GET", summary="The permission catalogue", response=[Permission], errors=(401, 403))
@staff_api
def permissions():
    require(g.actor, directory.MANAGE)
    return jsonify([{"code": code, "label": label} for code, label in PERMISSIONS.items()])


@openapi.route(
    bp, "/roles", "POST", summary="A new role", body=RoleIn, response=RoleOut, status=201, errors=(400, 401, 403)
)
@staff_api
def create_role():
    return jsonify(directory.save_role(db(), g.actor, json_body())), 201


@openapi.route(
    bp,
    "/roles/<code>",
    "PUT",
    summary="Change a role (effective at once for everyone holding it)",
    body=RoleIn,
    response=RoleOut,
    errors=(400, 401, 403, 404, 409),
)
@staff_api
def save_role(code):
    return jsonify(directory.save_role(db(), g.actor, json_body(), code))


@openapi.route(
    bp,
    "/roles/<code>",
    "DELETE",
    summary="Delete a role nobody holds (not a built-in one)",
    status=204,
    errors=(401, 403, 404, 409),
)
@staff_api
def delete_role(code):
    directory.delete_role(db(), g.actor, code)
    return "", 204
