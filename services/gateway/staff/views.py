"""Signing in and out: the admin's sign-in pages (password, then the second factor or setting it up, then a new
password when an administrator reset it), the staff member's own account page, and the API's token endpoints
(over staff/accounts.py).

A sign-in half done is held in its own short-lived cookie (SameSite=Strict), never in the staff cookie: no page
opens with it, and a form posted from another site does not carry it."""

import io

import segno
from flask import Blueprint, current_app, g, jsonify, make_response, redirect, render_template, request, url_for
from pydantic import BaseModel

from libs.errors import Forbidden, RateLimited, Unauthenticated, ValidationError
from services.gateway.core import openapi
from services.gateway.core.auth import STAFF_COOKIE, current_staff, request_token, staff_api, staff_page
from services.gateway.core.rpc import db
from services.gateway.core.web import json_body, local_path
from services.gateway.staff import accounts

bp = Blueprint("staff", __name__)
SIGN_IN_COOKIE = "wzw_sign_in"
STEP_PAGES = {"second_factor": "staff.login_code", "enroll": "staff.login_setup", "password": "staff.login_password"}


class LoginIn(BaseModel):
    username: str
    password: str
    code: str | None = None  # the authenticator's 6 digits (or a recovery code), for roles that need one


class StaffOut(BaseModel):
    kind: str
    id: str
    name: str
    roles: list[str]
    department_id: int | None


class LoginOut(BaseModel):
    token: str
    staff: StaffOut


def client_address():
    """The address the request came from (behind GATEWAY.TRUSTED_PROXIES proxies, the one they report)."""
    return (request.remote_addr or "-")[:64]


def _cookie(resp, name, value, max_age, samesite):
    resp.set_cookie(
        name,
        value,
        httponly=True,
        samesite=samesite,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        max_age=max_age,
        path="/admin",
    )


def _after(sign_in, target):
    """Where a sign-in goes once a step is done: the next step's page, or in (the staff cookie set)."""
    if sign_in.stage == "full":
        resp = make_response(redirect(target, code=303))
        _cookie(resp, STAFF_COOKIE, sign_in.token, int(accounts.SESSION_TTL.total_seconds()), "Lax")
        resp.delete_cookie(SIGN_IN_COOKIE, path="/admin")
        return resp
    resp = make_response(redirect(url_for(STEP_PAGES[sign_in.stage], next=target), code=303))
    _cookie(resp, SIGN_IN_COOKIE, sign_in.token, int(accounts.STEP_TTL.total_seconds()), "Strict")
    return resp


def _target():
    return local_path(request.args.get("next", ""), "/admin/", "/admin/")


@bp.route("/admin/login", methods=["GET", "POST"])
def login():
    error, username, status = None, "", 200
    if request.method == "POST":
        username = request.form.get("username", "")
        try:
            sign_in = accounts.login(
                db(),
                username,
                request.form.get("password", ""),
                client_address(),
                # whatever the browser held before (a session, a sign-in half done) ends: ids never carry across
                replaces=(request.cookies.get(STAFF_COOKIE), request.cookies.get(SIGN_IN_COOKIE)),
            )
        except (Unauthenticated, RateLimited) as exc:
            error, status = exc.message, 429 if isinstance(exc, RateLimited) else 401
        else:
            return _after(sign_in, _target())
    page = render_template(
        "admin/sign_in.html",
        step="login",
        error=error,
        username=username[:32],
        expired=request.args.get("expired") == "1",
    )
    return page, status


def _no_sign_in_pending():
    """A step's page without a sign-in at that step: already signed in (a reload after the last step) goes on in,
    else back to the password."""
    if current_staff() is not None:
        return redirect(_target(), code=303)
    return redirect(url_for("staff.login", next=_target(), expired=1), code=303)


def _step_page(stage, handle):
    """A step's page: GET shows it; POST hands the form to `handle(token)` (a SignIn, or a response)."""
    token = request.cookies.get(SIGN_IN_COOKIE)
    if accounts.pending(db(), token, stage) is None:
        return _no_sign_in_pending()
    error = None
    if request.method == "POST":
        try:
            result = handle(token)
        except (Unauthenticated, RateLimited) as exc:
            if exc.code == "sign_in_expired" or isinstance(exc, RateLimited):
                resp = make_response(render_template("admin/sign_in.html", step="login", error=exc.message))
                resp.delete_cookie(SIGN_IN_COOKIE, path="/admin")
                return resp, 429 if isinstance(exc, RateLimited) else 401
            error = exc.message
        except ValidationError as exc:
            error = (exc.details.get("fields") or {}).get("password") or exc.message
        else:
            return result if not isinstance(result, accounts.SignIn) else _after(result, _target())
    page = render_template("admin/sign_in.html", step={"password": "new_password"}.get(stage, stage), error=error)
    return page, 401 if error else 200


@bp.route("/admin/login/code", methods=["GET", "POST"])
def login_code():
    return _step_page(
        "second_factor",
        lambda token: accounts.second_factor(db(), token, request.form.get("code", ""), client_address()),
    )


@bp.route("/admin/login/setup", methods=["GET", "POST"])
def login_setup():
    """Setting up the authenticator: a QR code (and the secret, to type), confirmed by a code from it; then the
    recovery codes, shown this once, on the page that finishes the sign-in."""
    token = request.cookies.get(SIGN_IN_COOKIE)
    if accounts.pending(db(), token, "enroll") is None:
        return _no_sign_in_pending()
    error = None
    if request.method == "POST":
        try:
            sign_in, codes = accounts.enroll(db(), token, request.form.get("code", ""), client_address())
        except RateLimited as exc:
            resp = make_response(render_template("admin/sign_in.html", step="login", error=exc.message), 429)
            resp.delete_cookie(SIGN_IN_COOKIE, path="/admin")
            return resp
        except Unauthenticated as exc:
            if exc.code == "sign_in_expired":
                return redirect(url_for("staff.login", next=_target(), expired=1), code=303)
            error = exc.message
        else:
            following = _target() if sign_in.stage == "full" else url_for(STEP_PAGES[sign_in.stage], next=_target())
            resp = make_response(
                render_template("admin/sign_in.html", step="recovery_codes", codes=codes, following=following)
            )
            if sign_in.stage == "full":
                _cookie(resp, STAFF_COOKIE, sign_in.token, int(accounts.SESSION_TTL.total_seconds()), "Lax")
                resp.delete_cookie(SIGN_IN_COOKIE, path="/admin")
            else:  # a new password still to choose
                _cookie(resp, SIGN_IN_COOKIE, sign_in.token, int(accounts.STEP_TTL.total_seconds()), "Strict")
            resp.headers["Cache-Control"] = "no-store"
            return resp
    secret, uri = accounts.enrollment(db(), token)
    svg = io.BytesIO()
    segno.make(uri, error="m").save(svg, kind="svg", scale=5, border=2, xmldecl=False)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    page = render_template("admin/sign_in.html", step="enroll", error=error, secret=grouped, qr=svg.getvalue().decode())
    return page, 401 if error else 200


@bp.route("/admin/login/password", methods=["GET", "POST"])
def login_password():
    def handle(token):
        if request.form.get("password", "") != request.form.get("confirm", ""):
            raise ValidationError(
                "invalid_fields", "两次输入的新密码不一致", {"fields": {"password": "两次输入的新密码不一致"}}
            )
        return accounts.choose_password(db(), token, request.form.get("password", ""), client_address())

    return _step_page("password", handle)


@bp.route("/admin/account", methods=["GET", "POST"])
@staff_page
def account():
    """The signed-in staff member's own account: their roles, and a change of password."""
    errors, done = {}, False
    if request.method == "POST":
        if request.form.get("password", "") != request.form.get("confirm", ""):
            errors = {"confirm": "两次输入的新密码不一致"}
        else:
            try:
                accounts.change_password(
                    db(),
                    g.actor,
                    request_token(),
                    request.form.get("current", ""),
                    request.form.get("password", ""),
                    client_address(),
                )
            except ValidationError as exc:
                errors = exc.details.get("fields") or {"password": exc.message}
            else:
                return redirect(url_for("staff.account", changed=1), code=303)
    done = request.args.get("changed") == "1"
    return render_template("admin/account.html", errors=errors, changed=done), 400 if errors else 200


@bp.post("/admin/logout")
@staff_page
def logout():
    accounts.logout(db(), request_token())
    resp = make_response(redirect(url_for("staff.login"), code=303))
    resp.delete_cookie(STAFF_COOKIE, path="/admin")
    resp.delete_cookie(STAFF_COOKIE)  # one set before cookies were scoped to /admin
    return resp


@openapi.route(
    bp,
    "/api/v1/auth/login",
    "POST",
    summary="Staff login; returns a bearer token valid for 8 hours (idle 30 minutes). Roles that need a second "
    "factor send `code` (the authenticator's 6 digits or a recovery code) and must have set it up in the admin",
    body=LoginIn,
    response=LoginOut,
    errors=(400, 401, 403, 429),
    auth=False,
)
def api_login():
    data = json_body()
    sign_in = accounts.login(db(), data.get("username"), data.get("password"), client_address())
    if sign_in.stage == "second_factor":
        if not data.get("code"):
            accounts.logout(db(), sign_in.token)
            raise Unauthenticated("second_factor_required", "请同时提供动态口令（code）")
        sign_in = accounts.second_factor(db(), sign_in.token, data.get("code"), client_address())
    if sign_in.stage != "full":
        accounts.logout(db(), sign_in.token)
        if sign_in.stage == "enroll":
            raise Forbidden("second_factor_setup_required", "请先在管理后台登录并设置动态口令")
        raise Forbidden(
            "password_change_required", "请先在管理后台登录并设置自己的密码（初始或重置后的密码只能用来设置新密码）"
        )
    return jsonify({"token": sign_in.token, "staff": sign_in.actor.to_dict()})


@openapi.route(bp, "/api/v1/auth/me", "GET", summary="Who the token signs in as", response=StaffOut, errors=(401,))
@staff_api
def api_me():
    return jsonify(g.actor.to_dict())


@openapi.route(bp, "/api/v1/auth/logout", "POST", summary="End the session", status=204, auth=True, errors=())
def api_logout():
    accounts.logout(db(), request_token())
    return "", 204
