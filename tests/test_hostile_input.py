"""Hostile input through every door, as an attacker would send it: a clear 400 (or 404), never a 500, nothing stored.

The corpus grows with every hole found: NUL and control characters in any text field, ids past int32/bigint,
`true` for a number, absurdly nested JSON, validly signed callbacks of every malformed shape
(libs/tests/test_callback_input.py), and parallel requests racing a limit.
"""

import concurrent.futures
import re
import uuid

import pytest
import requests

from libs.tests.test_callback_input import HOSTILE_CALLBACKS, OPENID
from tests.test_slice import complaint, h5_login, submit

NUL_TEXTS = ["\x00", "正常文字\x00后面", "\x1b[31m红色", "\x7f" * 3 + "\x08"]
BAD_IDS = ["2147483648", "9223372036854775808", "1e400", "true", "-1", "0", "99999", "1.5", "ⅷ", "٣"]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def refused(resp, status=400):
    assert resp.status_code == status, resp.text[:300]
    return resp


@pytest.mark.parametrize("field", ["accused", "content", "contact_name", "contact_phone", "occurred_on"])
@pytest.mark.parametrize("text", NUL_TEXTS)
def test_control_characters_in_the_complaint_form(system, field, text):
    citizen = system.citizen()
    http, request_id = h5_login(system, citizen.openid)
    value = {"content": "这是一段足够长的投诉内容" + text}.get(field, text)
    resp = refused(submit(system, http, complaint(request_id, **{field: value})))
    assert CHINESE.search(resp.text) and 'name="request_id"' in resp.text  # the form, with its reasons
    assert system.count("cases.cases", "openid = :o", o=citizen.openid) == 0


@pytest.mark.parametrize("department_id", BAD_IDS)
def test_departments_that_do_not_exist_or_are_not_numbers(system, department_id):
    citizen = system.citizen()
    http, request_id = h5_login(system, citizen.openid)
    resp = refused(submit(system, http, complaint(request_id, department_id=department_id)))
    assert re.search(r'data-field="department_id"|部门', resp.text)
    assert system.count("cases.cases", "openid = :o", o=citizen.openid) == 0


@pytest.mark.parametrize(
    "department_id", [2**31, 2**63, 10**400, True, -1, 0, 99999, 1.5, "二", None, [], {"id": 2}, "1e400"]
)
def test_assignment_through_the_api_refuses_every_kind_of_bad_department(system, file_case, department_id):
    case = file_case()
    staff = system.staff_session("shouli")
    resp = refused(
        staff.post(f"{system.gateway}/api/v1/cases/{case['id']}/assignment", json={"department_id": department_id})
    )
    assert resp.json()["error"]["code"] == "invalid_fields"
    assert "department_id" in resp.json()["error"]["details"]["fields"]


def test_json_numbers_beyond_any_float_and_constants(system, file_case):
    case = file_case()
    staff = system.staff_session("shouli")
    url = f"{system.gateway}/api/v1/cases/{case['id']}/assignment"
    for raw in ('{"department_id": 1e400}', '{"department_id": NaN}', '{"department_id": Infinity}'):
        resp = refused(staff.post(url, data=raw, headers={"Content-Type": "application/json"}))
        assert resp.json()["error"]["code"] in ("invalid_fields", "invalid_json")


@pytest.mark.parametrize("depth", [25, 1000, 100_000])
def test_deeply_nested_json_is_refused(system, file_case, depth):
    case = file_case()
    staff = system.staff_session("shouli")
    body = '{"body": ' + "[" * depth + "]" * depth + "}"
    for url in (f"/api/v1/cases/{case['id']}/replies", f"/api/v1/cases/{case['id']}/assignment", "/api/v1/auth/login"):
        resp = staff.post(f"{system.gateway}{url}", data=body, headers={"Content-Type": "application/json"})
        assert resp.status_code in (400, 413), (url, resp.status_code, resp.text[:200])
        assert resp.json()["error"]["code"] in ("invalid_json", "invalid_fields", "too_large")


@pytest.mark.parametrize("text", NUL_TEXTS)
def test_control_characters_through_the_api(system, file_case, text):
    case = file_case()
    staff = system.staff_session("shouli")
    base = f"{system.gateway}/api/v1"
    reply = refused(
        staff.post(
            f"{base}/cases/{case['id']}/replies",
            json={"body": "答复" + text},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
    )
    assert reply.json()["error"]["details"]["fields"]["body"]
    refused(staff.post(f"{base}/cases/{case['id']}/assignment", json={"department_id": 2, "reason": text}))
    refused(staff.post(f"{base}/cases/{case['id']}/contact", json={"reason": text}))
    refused(staff.get(f"{base}/cases", params={"q": text}))
    refused(staff.get(f"{base}/cases", params={"status": text}))
    # from an address of its own: the sign-in lockout counts failures per address too
    address = {"X-Forwarded-For": f"10.77.{len(text) % 250}.{uuid.uuid4().int % 250 + 1}"}
    login = requests.post(f"{base}/auth/login", json={"username": "shouli" + text, "password": text}, headers=address)
    assert login.status_code == 401
    assert system.count("cases.replies", "case_id = :c", c=case["id"]) == 0


@pytest.mark.parametrize("text", NUL_TEXTS)
def test_control_characters_in_the_admin(system, file_case, text):
    case = file_case()
    staff = system.staff_browser("shouli")
    refused(staff.get(f"{system.gateway}/admin/cases", params={"q": text}))
    page = staff.get(f"{system.gateway}/admin/cases/{case['id']}").text
    csrf = re.search(r'name="csrf" value="(\w+)"', page).group(1)
    back = staff.post(
        f"{system.gateway}/admin/cases/{case['id']}/reply",
        data={"body": "答复" + text, "csrf": csrf, "request_id": uuid.uuid4().hex},
    )
    assert back.status_code == 200 and 'id="reply-error"' in back.text  # redirected back, with the reason
    assert system.count("cases.replies", "case_id = :c", c=case["id"]) == 0


def test_ids_past_bigint_in_admin_and_h5_urls(system):
    staff = system.staff_browser("shouli")
    for case_id in ("9223372036854775808", "99999999999999999999999", "0"):
        refused(staff.get(f"{system.gateway}/admin/cases/{case_id}"), 404)
    http, _ = h5_login(system, system.citizen().openid)
    for number in ("TS" + "9" * 40, "%00", "TS20261128%000001"):
        refused(http.get(f"{system.gateway}/h5/cases/{number}"), 404)


@pytest.mark.parametrize("safe_mode", [False, True], ids=["plain", "aes"])
def test_hostile_callbacks_signed_correctly_are_refused(system, safe_mode):
    citizen = system.citizen(openid=OPENID, safe_mode=safe_mode)
    for name, xml in HOSTILE_CALLBACKS:
        reply = citizen.post(xml)
        assert reply.status == 400, (name, reply.status, reply.text[:200])
    assert system.count("messaging.inbound_messages", "openid = :o", o=OPENID) == 0


def test_thirty_parallel_filings_by_one_citizen_store_exactly_ten(system):
    """The hourly limit holds under a burst: filings of one citizen are taken one at a time on every replica."""
    citizen = system.citizen()
    http, _ = h5_login(system, citizen.openid)

    def one(_):
        session = requests.Session()
        session.cookies.update(http.cookies)
        session.csrf = http.csrf
        return submit(system, session, complaint(uuid.uuid4().hex)).status_code

    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(one, range(30)))
    assert sorted(statuses) == [303] * 10 + [429] * 20
    assert system.count("cases.cases", "openid = :o", o=citizen.openid) == 10


def test_the_complaint_form_needs_its_csrf_token(system):
    citizen = system.citizen()
    http, request_id = h5_login(system, citizen.openid)
    for token in ("", "forged", "非ASCII令牌"):
        resp = http.post(
            f"{system.gateway}/h5/complaints", data={**complaint(request_id), "csrf": token}, allow_redirects=False
        )
        assert resp.status_code == 400 and CHINESE.search(resp.text)
    assert system.count("cases.cases", "openid = :o", o=citizen.openid) == 0
    shown = refused(submit(system, http, complaint(request_id, department_id="99")))
    assert 'data-field="department_id"' in shown.text and "部门不存在" in shown.text


@pytest.mark.parametrize(
    "target", ["/admin/%0d%0aX-Injected:1", "/admin/%00", "//evil.example/admin/", "https://evil.example/"]
)
def test_login_redirect_targets_are_our_own_clean_paths(system, target):
    http = requests.Session()
    resp = http.post(
        f"{system.gateway}/admin/login?next={target}",
        data={"username": "shouli", "password": "demo12345"},
        allow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/"
    assert "X-Injected" not in resp.headers


def test_a_page_address_with_a_newline_survives_the_oauth_round_trip(system):
    http = requests.Session()
    http.cookies.set("sandbox_openid", system.citizen().openid, domain="127.0.0.1")
    resp = http.get(f"{system.gateway}/h5/cases/TS%0d%0aX-Injected:1", allow_redirects=True)
    assert resp.status_code in (200, 404) and "X-Injected" not in resp.headers
