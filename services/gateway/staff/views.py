"""Signing in and out: the admin login page and the API's token endpoints (over staff/accounts.py)."""

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request, url_for
from pydantic import BaseModel

from libs.errors import RateLimited, Unauthenticated
from services.gateway.core import openapi
from services.gateway.core.auth import STAFF_COOKIE, request_token, staff_page
from services.gateway.core.rpc import db
from services.gateway.core.web import json_body, local_path
from services.gateway.staff import accounts

bp = Blueprint("staff", __name__)


class LoginIn(BaseModel):
    username: str
    password: str


class StaffOut(BaseModel):
    kind: str
    id: str
    name: str
    roles: list[str]
    department_id: int | None


class LoginOut(BaseModel):
    token: str
    staff: StaffOut


@bp.route("/admin/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            token, _actor = accounts.login(db(), request.form.get("username", ""), request.form.get("password", ""))
        except (Unauthenticated, RateLimited) as exc:
            error = exc.message
        else:
            target = local_path(request.args.get("next", ""), "/admin/", "/admin/")
            resp = make_response(redirect(target, code=303))
            resp.set_cookie(
                STAFF_COOKIE,
                token,
                httponly=True,
                samesite="Lax",
                secure=current_app.config["SESSION_COOKIE_SECURE"],
                max_age=int(accounts.SESSION_TTL.total_seconds()),
            )
            return resp
    return render_template("admin/login.html", error=error), 401 if error else 200


@bp.post("/admin/logout")
@staff_page
def logout():
    accounts.logout(db(), request_token())
    resp = make_response(redirect(url_for("staff.login"), code=303))
    resp.delete_cookie(STAFF_COOKIE)
    return resp


@openapi.route(
    bp,
    "/api/v1/auth/login",
    "POST",
    summary="Staff login; returns a bearer token valid for 8 hours",
    body=LoginIn,
    response=LoginOut,
    errors=(400, 401, 429),
    auth=False,
)
def api_login():
    data = json_body()
    token, actor = accounts.login(db(), data.get("username"), data.get("password"))
    return jsonify({"token": token, "staff": actor.to_dict()})


@openapi.route(bp, "/api/v1/auth/logout", "POST", summary="End the session", status=204, auth=True, errors=())
def api_logout():
    accounts.logout(db(), request_token())
    return "", 204
