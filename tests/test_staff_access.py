"""Staff identity at the gateway: login, sessions, lockout, CSRF on the admin pages, bad JSON."""

import concurrent.futures
import re
import secrets
import uuid

import requests
from sqlalchemy.orm import Session

from services.gateway.staff.accounts import create_staff


def new_staff(system, roles=("handler",), department_id=2):
    username = f"t{uuid.uuid4().hex[:10]}"
    with Session(system.engine) as session:
        create_staff(session, username, "测试人员", "right-password", roles, department_id)
        session.commit()
    return username


def an_address():
    """A client address of the test's own (the gateway trusts one proxy in tests, as behind nginx): the lockout
    also counts failures per address, and the tests' guesses must not lock 127.0.0.1 out of the whole run."""
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def api_login(system, username, password, address=None, **extra):
    return requests.post(
        f"{system.gateway}/api/v1/auth/login",
        json={"username": username, "password": password, **extra},
        headers={"X-Forwarded-For": address or an_address()},
    )


def test_lockout_after_five_wrong_passwords(system):
    username = new_staff(system)
    for left in (4, 3, 2, 1):
        resp = api_login(system, username, "wrong")
        assert resp.status_code == 401 and resp.json()["error"]["code"] == "bad_credentials"
        assert resp.json()["error"]["details"]["tries_left"] == left and f"还可尝试{left}次" in resp.text
    fifth = api_login(system, username, "wrong")
    assert fifth.status_code == 429 and "15分钟" in fifth.json()["error"]["message"]
    locked = api_login(system, username, "right-password")
    assert locked.status_code == 429 and "15分钟" in locked.json()["error"]["message"]
    assert system.count("gateway.audit_log", "target_id = :u AND action = 'staff.login_failed'", u=username) == 5


def test_unknown_user_and_malformed_bodies(system):
    assert api_login(system, "nobody-here", "x").status_code == 401  # told as a wrong password is (tries left too)
    for body in ("not json", "[1, 2]", '"text"'):
        resp = requests.post(
            f"{system.gateway}/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
        )
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_json"
    assert (
        requests.post(f"{system.gateway}/api/v1/auth/login", json={"username": ["a"], "password": 1}).status_code == 401
    )


def test_logout_ends_the_session_everywhere(system):
    username = new_staff(system)
    token = api_login(system, username, "right-password").json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{system.gateway}/api/v1/cases", headers=headers).status_code == 200
    assert requests.post(f"{system.gateway}/api/v1/auth/logout", headers=headers).status_code == 204
    assert requests.get(f"{system.gateway}/api/v1/cases", headers=headers).status_code == 401


def test_admin_reply_needs_the_csrf_token(system, file_case):
    username = new_staff(system, roles=("dispatcher",), department_id=None)
    http = requests.Session()
    resp = http.post(f"{system.gateway}/admin/login", data={"username": username, "password": "right-password"})
    assert resp.status_code == 200 and "案件" in resp.text
    case_id = file_case(kind="suggestion", accused="", content="建议在地铁站增设无障碍电梯，方便轮椅出行。")["id"]
    page = http.get(f"{system.gateway}/admin/cases/{case_id}").text
    csrf = re.search(r'name="csrf" value="(\w+)"', page).group(1)
    before = system.count("cases.replies", "case_id = :c", c=case_id)
    reply_url = f"{system.gateway}/admin/cases/{case_id}/reply"
    forged = http.post(
        f"{system.gateway}/admin/cases/{case_id}/reply", data={"body": "跨站提交", "request_id": uuid.uuid4().hex}
    )
    assert forged.status_code == 400 and "请刷新页面" in forged.text
    assert system.count("cases.replies", "case_id = :c", c=case_id) == before
    ok = http.post(
        reply_url,
        data={"body": "正常答复", "request_id": uuid.uuid4().hex, "csrf": csrf},
    )
    assert ok.status_code == 200 and "正常答复" in ok.text and "答复已发送" in ok.text
    assert system.count("cases.replies", "case_id = :c", c=case_id) == before + 1


def test_admin_pages_need_login(system):
    resp = requests.get(f"{system.gateway}/admin/cases", allow_redirects=False)
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]


def test_roles_without_case_access_get_403(system):
    username = new_staff(system, roles=("auditor",), department_id=None)
    token = api_login(system, username, "right-password").json()["token"]
    resp = requests.get(f"{system.gateway}/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403
    assert resp.json()["error"] == {
        "code": "forbidden",
        "message": "没有权限执行此操作",
        "details": {"permission": "case.read"},
    }


def test_security_headers(system):
    admin = requests.get(f"{system.gateway}/admin/login")
    assert admin.headers["X-Frame-Options"] == "DENY" and admin.headers["X-Content-Type-Options"] == "nosniff"
    h5 = requests.get(f"{system.gateway}/h5/cases", allow_redirects=False)
    assert "X-Frame-Options" not in h5.headers  # the H5 pages open inside a webview


def test_case_search_through_the_api(system, file_case):
    number = file_case(accused="搜索用的奶茶店", content="奶茶店占道经营，晚上噪音很大。")["number"]
    staff = system.staff_session("shouli")
    found = staff.get(f"{system.gateway}/api/v1/cases", params={"q": number}).json()["cases"]
    assert [c["number"] for c in found] == [number]
    assert number in [
        c["number"] for c in staff.get(f"{system.gateway}/api/v1/cases", params={"q": "奶茶店"}).json()["cases"]
    ]
    bad = staff.get(f"{system.gateway}/api/v1/cases", params={"status": "deleted"})
    assert bad.status_code == 400 and bad.json()["error"]["details"]["fields"]["status"] == "请选择正确的状态"


def test_dispatcher_hands_a_case_to_another_department(system, file_case):
    case = file_case(accused="某超市", content="超市出售过期食品，已保留购物小票。", contact_phone="13400000000")
    dispatcher, market = system.staff_session("shouli"), system.staff_session("shichang")
    url = f"{system.gateway}/api/v1/cases/{case['id']}"
    assert market.get(url).status_code == 404

    bad = dispatcher.post(f"{url}/assignment", json={"department_id": 999})
    assert bad.status_code == 400 and bad.json()["error"]["details"]["fields"]["department_id"] == "部门不存在"
    assert dispatcher.post(f"{url}/assignment", data="{").status_code == 400

    done = dispatcher.post(f"{url}/assignment", json={"department_id": 3, "reason": "食品安全归市场监管"})
    assert done.status_code == 200 and done.json()["changed"] is True
    assert "contact_phone" not in market.get(url).json()  # reading a case is not reading the contact
    assert market.post(f"{url}/contact", json={"reason": "核实"}).json()["contact_phone"] == "13400000000"
    assert market.post(f"{url}/assignment", json={"department_id": 2}).status_code == 403


def test_thirty_parallel_wrong_passwords_count_exactly_five(system):
    """Attempts on one account are taken one at a time: a parallel burst cannot check more than five passwords."""
    username = new_staff(system)
    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(lambda i: api_login(system, username, f"guess-{i}").status_code, range(30)))
    assert sorted(statuses) == [401] * 4 + [429] * 26  # the fifth wrong one already says it is locked
    assert system.count("gateway.audit_log", "target_id = :u AND action = 'staff.login_failed'", u=username) == 5
    assert api_login(system, username, "right-password").status_code == 429  # locked, even with the right one


def test_a_reply_refused_then_reloaded_stays_on_the_case_page(system, file_case):
    """Post/redirect/get: after a refused reply the browser is on the case page, and a reload shows it again."""
    case_id = file_case()["id"]
    http = system.staff_browser("shouli")
    page = http.get(f"{system.gateway}/admin/cases/{case_id}")
    assert page.headers["Cache-Control"] == "no-store"
    csrf = re.search(r'name="csrf" value="(\w+)"', page.text).group(1)
    for url, data in (
        (f"/admin/cases/{case_id}/reply", {"body": "", "request_id": uuid.uuid4().hex}),
        (f"/admin/cases/{case_id}/assign", {"department_id": "99999"}),
    ):
        resp = http.post(f"{system.gateway}{url}", data={**data, "csrf": csrf}, allow_redirects=False)
        assert resp.status_code == 303 and f"/admin/cases/{case_id}?notice=" in resp.headers["Location"]
        for _ in range(2):  # the redirect target, then a reload of it
            again = http.get(system.gateway + resp.headers["Location"])
            assert again.status_code == 200 and re.search(r'class="err"', again.text)
    # another staff member cannot read someone else's notice
    other = system.staff_browser("admin")
    assert 'class="err"' not in other.get(system.gateway + resp.headers["Location"]).text


def test_the_operations_page_is_for_administrators(system):
    admin, handler = system.staff_browser("admin"), system.staff_browser("huanbao")
    page = admin.get(f"{system.gateway}/admin/ops/events")
    assert page.status_code == 200 and "处理失败的事件" in page.text
    refused = handler.get(f"{system.gateway}/admin/ops/events")
    assert refused.status_code == 403 and "没有权限" in refused.text
    csrf = re.search(r'name="csrf" value="(\w+)"', admin.get(f"{system.gateway}/admin/cases").text).group(1)
    missing = admin.post(
        f"{system.gateway}/admin/ops/events/messaging/nosuchevent/handle_case_created/replay", data={"csrf": csrf}
    )
    assert missing.status_code == 404 and "没有这条待处理的事件" in missing.text
    assert (
        admin.post(f"{system.gateway}/admin/ops/events/nosuchservice/x/y/replay", data={"csrf": csrf}).status_code
        == 404
    )


def test_review_findings_stay_fixed(system, file_case):
    """Found by review: a 36-character request id broke every audited write; the audit trail handed staff the filer's
    openid; the API accepted the admin cookie (CSRF); a reply key could be reused on another case."""
    request_id = str(uuid.uuid4())  # what ingresses send: 36 characters
    resp = requests.post(
        f"{system.gateway}/api/v1/auth/login",
        json={"username": "shouli", "password": "demo12345"},
        headers={"X-Request-Id": request_id},
    )
    assert resp.status_code == 200 and resp.headers["X-Request-Id"] == request_id
    assert system.count("gateway.audit_log", "request_id = :r", r=request_id) == 1

    openid = f"o_private_{uuid.uuid4().hex[:8]}"
    case = file_case(openid=openid)
    staff = system.staff_session("shouli")
    trail = staff.get(f"{system.gateway}/api/v1/cases/{case['id']}/audit").json()
    filed = [a for a in trail if a["action"] == "case.filed"]
    assert filed and filed[0]["actor_kind"] == "citizen" and openid not in str(trail)

    browser = system.staff_browser("shouli")
    assert browser.get(f"{system.gateway}/admin/cases").status_code == 200
    forged = browser.post(
        f"{system.gateway}/api/v1/cases/{case['id']}/replies",
        data='{"body": "跨站答复"}',
        headers={"Content-Type": "text/plain", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert forged.status_code == 401  # the API takes the bearer token only

    key = uuid.uuid4().hex
    url = f"{system.gateway}/api/v1/cases/{case['id']}/replies"
    assert staff.post(url, json={"body": "第一次答复"}, headers={"Idempotency-Key": key}).status_code == 201
    assert staff.post(url, json={"body": "第一次答复"}, headers={"Idempotency-Key": key}).status_code == 200
    reused = staff.post(url, json={"body": "另一条答复"}, headers={"Idempotency-Key": key})
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "request_id_reused"
    other = file_case()
    elsewhere = staff.post(
        f"{system.gateway}/api/v1/cases/{other['id']}/replies",
        json={"body": "第一次答复"},
        headers={"Idempotency-Key": key},
    )
    assert elsewhere.status_code == 409
    assert system.count("cases.replies", "request_id = :k", k=key) == 1

    for bad in ("\ud800", "a\udfffb"):
        assert (
            requests.post(f"{system.gateway}/api/v1/auth/login", json={"username": bad, "password": bad}).status_code
            == 401
        )
        assert (
            staff.post(url, json={"body": "答复" + bad}, headers={"Idempotency-Key": uuid.uuid4().hex}).status_code
            == 400
        )

    # a refusal is an answer, not a failure: logged as expected, without a traceback
    log = system.log("cases") + system.log("cases-2")
    assert "(expected) error handling worker" in log and "Traceback" not in log


def test_form_addresses_opened_again_lead_back_to_their_page(system, file_case):
    case_id = file_case()["id"]
    http = system.staff_browser("shouli")
    for action in ("contact", "reply", "assign"):
        resp = http.get(f"{system.gateway}/admin/cases/{case_id}/{action}", allow_redirects=False)
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/admin/cases/{case_id}")
    for key in ("%00", "x" * 200, "../../etc"):
        assert http.get(f"{system.gateway}/admin/cases/{case_id}?notice={key}").status_code == 200
    assert http.get(f"{system.gateway}/admin/ops/events?notice=%00").status_code in (200, 403)
    assert (
        requests.get(f"{system.gateway}/h5/complaints", allow_redirects=False)
        .headers["Location"]
        .endswith("/h5/complaints/new")
    )
