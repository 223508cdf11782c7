"""/api/v1: JSON for staff tools and integrations. Errors are {"error": {"code", "message", "details"}}."""

import functools
import os

import yaml
from flask import Blueprint, jsonify, request

from libs.errors import Unauthenticated, ValidationError
from services.gateway import staff
from services.gateway.app import db, rpc

bp = Blueprint("api", __name__, url_prefix="/api")
OPENAPI_FILE = os.path.join(os.path.dirname(__file__), "openapi.yaml")


def json_body():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("invalid_json", "请求体必须是 JSON 对象")
    return data


def staff_api(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        actor = staff.current_actor()
        if actor is None:
            raise Unauthenticated("unauthenticated", "需要登录（Authorization: Bearer <token>）")
        return view(actor.to_dict(), *args, **kwargs)

    return wrapper


@bp.get("/openapi.json")
def openapi():
    with open(OPENAPI_FILE, encoding="utf-8") as fh:
        return jsonify(yaml.safe_load(fh))


@bp.post("/v1/auth/login")
def login():
    data = json_body()
    token, actor = staff.login(db(), data.get("username"), data.get("password"))
    return jsonify({"token": token, "staff": actor.to_dict()})


@bp.post("/v1/auth/logout")
def logout():
    staff.logout(db(), staff.request_token())
    return "", 204


@bp.get("/v1/departments")
def departments():
    return jsonify(rpc("content", "list_departments"))


@bp.get("/v1/cases")
@staff_api
def list_cases(actor):
    args = request.args
    return jsonify(rpc("cases", "list_cases", actor, args.get("status") or None, args.get("q") or None))


@bp.get("/v1/cases/<int:case_id>")
@staff_api
def get_case(actor, case_id):
    return jsonify(rpc("cases", "get_case", actor, case_id))


@bp.post("/v1/cases/<int:case_id>/replies")
@staff_api
def reply(actor, case_id):
    data = json_body()
    request_id = request.headers.get("Idempotency-Key") or data.get("request_id")
    result = rpc("cases", "reply_case", actor, case_id, {"body": data.get("body")}, request_id)
    return jsonify(result), 201 if result["created"] else 200


@bp.post("/v1/cases/<int:case_id>/assignment")
@staff_api
def assign(actor, case_id):
    data = json_body()
    return jsonify(rpc("cases", "assign_case", actor, case_id, {k: data.get(k) for k in ("department_id", "reason")}))


@bp.get("/v1/cases/<int:case_id>/audit")
@staff_api
def audit(actor, case_id):
    return jsonify(rpc("cases", "audit_trail", actor, case_id))
