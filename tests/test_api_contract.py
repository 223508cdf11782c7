"""The JSON API keeps to its OpenAPI document, and refuses bad input with an error code."""

import re
import uuid

import requests

from libs.config import load_config
from libs.testing import CONFIG
from services.gateway.app import create_app


def test_every_api_route_is_documented_and_every_documented_path_exists(system):
    spec = requests.get(f"{system.gateway}/api/openapi.json").json()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    app = create_app(load_config(str(CONFIG)))
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:int:)?(\w+)>", "{id}", rule.rule)
            served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


def test_reply_refusals(system, file_case):
    case_id = file_case(kind="inquiry", accused="", content="请问公租房申请需要哪些材料？")["id"]
    staff = system.staff_session("shouli")
    url = f"{system.gateway}/api/v1/cases/{case_id}/replies"
    cases = [
        ({"request_id": uuid.uuid4().hex}, 400, "invalid_fields"),  # no body
        ({"body": "答" * 2001, "request_id": uuid.uuid4().hex}, 400, "invalid_fields"),
        ({"body": 42, "request_id": uuid.uuid4().hex}, 400, "invalid_fields"),
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
