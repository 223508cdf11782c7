"""The JSON API keeps to its OpenAPI document (generated from the code), and refuses bad input with an error code."""

import re
import uuid

import jsonschema
import pytest
import requests

from libs.config import load_config
from libs.testing import CONFIG
from services.gateway.app import create_app
from services.gateway.core.openapi import openapi_path


def test_every_api_route_is_documented_and_every_documented_path_exists(system, monkeypatch):
    spec = requests.get(f"{system.gateway}/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    monkeypatch.setenv("GATEWAY_SECRET_KEY", system.secret_key)
    app = create_app(load_config(str(CONFIG)))
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            served |= {(openapi_path(rule.rule), m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    jsonschema.Draft202012Validator.check_schema({"$defs": spec["components"]["schemas"]})


def conforms(spec, path, method, resp):
    """The response body validates against what the document says this path answers with this status."""
    operation = spec["paths"][path][method]
    documented = operation["responses"].get(str(resp.status_code))
    assert documented is not None, f"{method.upper()} {path} answered an undocumented {resp.status_code}"
    schema = documented.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    jsonschema.validate(resp.json(), {**schema, "components": spec["components"]}, cls=jsonschema.Draft202012Validator)


def test_real_responses_validate_against_the_document(system, file_case):
    spec = requests.get(f"{system.gateway}/api/openapi.json").json()
    case = file_case(kind="inquiry", accused="", content="请问公租房申请需要哪些材料？在哪里办理？")
    staff, base = system.staff_session("shouli"), f"{system.gateway}/api/v1"
    calls = [
        ("/api/v1/departments", "get", requests.get(f"{base}/departments")),
        ("/api/v1/cases", "get", staff.get(f"{base}/cases")),
        ("/api/v1/cases", "get", staff.get(f"{base}/cases", params={"status": "nope"})),
        ("/api/v1/cases", "get", requests.get(f"{base}/cases")),
        ("/api/v1/cases/{case_id}", "get", staff.get(f"{base}/cases/{case['id']}")),
        ("/api/v1/cases/{case_id}", "get", staff.get(f"{base}/cases/99999999")),
        ("/api/v1/cases/{case_id}/contact", "post", staff.post(f"{base}/cases/{case['id']}/contact", json={})),
        (
            "/api/v1/cases/{case_id}/replies",
            "post",
            staff.post(
                f"{base}/cases/{case['id']}/replies",
                json={"body": "请携带身份证和户口本到市民中心办理。"},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            ),
        ),
        ("/api/v1/cases/{case_id}/replies", "post", staff.post(f"{base}/cases/{case['id']}/replies", json={})),
        (
            "/api/v1/cases/{case_id}/assignment",
            "post",
            staff.post(f"{base}/cases/{case['id']}/assignment", json={"department_id": 4}),
        ),
        ("/api/v1/cases/{case_id}/audit", "get", staff.get(f"{base}/cases/{case['id']}/audit")),
        ("/api/v1/auth/login", "post", requests.post(f"{base}/auth/login", json={"username": "x", "password": "y"})),
        ("/api/v1/ops/parked-events", "get", system.staff_session("admin").get(f"{base}/ops/parked-events")),
        ("/api/v1/ops/parked-events", "get", staff.get(f"{base}/ops/parked-events")),
    ]
    for path, method, resp in calls:
        conforms(spec, path, method, resp)
    # the assignment comes after the reply: an answered case waits to be closed, not dispatched (409)
    assert [c[2].status_code for c in calls] == [200, 200, 400, 401, 200, 404, 200, 201, 400, 409, 200, 401, 200, 403]


def test_reply_refusals(system, file_case):
    case_id = file_case(kind="inquiry", accused="", content="请问公租房申请需要哪些材料？")["id"]
    staff = system.staff_session("shouli")
    url = f"{system.gateway}/api/v1/cases/{case_id}/replies"
    cases = [
        ({"request_id": uuid.uuid4().hex}, 400, "invalid_fields"),  # no body
        ({"body": "答" * 2001, "request_id": uuid.uuid4().hex}, 400, "invalid_fields"),
        ({"body": 42, "request_id": uuid.uuid4().hex}, 400, "invalid_fields"),
        ({"body": "好的\x00", "request_id": uuid.uuid4().hex}, 400, "invalid_fields"),
        ({"body": "好的"}, 400, "invalid_request_id"),
        ({"body": "好的", "request_id": "x"}, 400, "invalid_request_id"),
    ]
    for body, status, code in cases:
        resp = staff.post(url, json=body)
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), body
        assert re.search(r"[\u4e00-\u9fff]", resp.json()["error"]["message"])
    assert staff.post(url, data="not json", headers={"Content-Type": "application/json"}).status_code == 400
    missing = staff.post(
        f"{system.gateway}/api/v1/cases/99999999/replies", json={"body": "好的", "request_id": uuid.uuid4().hex}
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "case_not_found"
    assert system.count("cases.replies", "case_id = :c", c=case_id) == 0


@pytest.mark.parametrize(
    "case_id", ["2147483648", "9223372036854775808", "99999999999999999999999", "0", "-1", "1e400"]
)
def test_ids_past_any_column_are_404_not_500(system, case_id):
    staff = system.staff_session("shouli")
    for method, suffix in (("get", ""), ("post", "/replies"), ("post", "/contact"), ("get", "/audit")):
        body = {"body": "好的", "request_id": uuid.uuid4().hex}
        resp = getattr(staff, method)(f"{system.gateway}/api/v1/cases/{case_id}{suffix}", json=body)
        assert resp.status_code == 404, (method, suffix, resp.text)
        assert resp.json()["error"]["code"] in ("not_found", "case_not_found")
