"""The vertical slice, end to end: a citizen's complaint from the H5 form to the staff reply and back, in WeChat."""

import re
import uuid

import requests
from sqlalchemy import text

from libs.testing import wait_for

NUMBER = re.compile(r"TS\d{8}\d{4}")


def h5_login(system, openid):
    """Open an H5 page as WeChat would: the gateway sends the browser through OAuth2 (snsapi_base) at the sandbox."""
    http = requests.Session()
    http.cookies.set("sandbox_openid", openid, domain="127.0.0.1")
    resp = http.get(f"{system.gateway}/h5/complaints/new")
    assert resp.status_code == 200, resp.text
    assert "投诉举报" in resp.text
    http.csrf = re.search(r'name="csrf" value="(\w+)"', resp.text).group(1)
    return http, re.search(r'name="request_id" value="(\w+)"', resp.text).group(1)


def complaint(request_id, **over):
    data = {
        "request_id": request_id,
        "accused": "城东某某烧烤店",
        "content": "烧烤店每晚油烟直排，居民楼里无法开窗，持续两个多月了。",
        "contact_name": "张先生",
        "contact_phone": "13800138000",
        "department_id": "2",
        "occurred_on": "",
    }
    data.update(over)
    return data


def submit(system, http, data, confirm=True):
    """Post the form as the page would (with the CSRF token h5_login found on it). Many tests file the same
    complaint: `confirm` is the citizen pressing 仍然提交 past the duplicate hints (tests/test_intake.py)."""
    extra = {"confirm_duplicate": "1"} if confirm else {}
    return http.post(
        f"{system.gateway}/h5/complaints", data={"csrf": http.csrf, **extra, **data}, allow_redirects=False
    )


def test_complaint_from_form_to_reply_in_wechat(system):
    citizen = system.citizen()
    # the citizen talks to the account first, so WeChat's 48 h customer-service window is open
    assert citizen.subscribe().content.startswith("欢迎关注")
    assert citizen.send_text("你好").status == 200

    http, request_id = h5_login(system, citizen.openid)
    resp = submit(system, http, complaint(request_id))
    assert resp.status_code == 303
    number = NUMBER.search(resp.headers["Location"]).group(0)

    page = http.get(system.gateway + resp.headers["Location"])
    assert number in page.text and "提交成功" in page.text
    assert "13800138000" not in page.text  # contact details go to the handling staff only

    # messaging acknowledged it in WeChat, with the number
    acks = wait_for(lambda: system.sandbox_calls("custom_send", citizen.openid), message="the acknowledgement")
    assert number in acks[-1]["body"]["text"]["content"]
    assert "已提交" in acks[-1]["body"]["text"]["content"]

    # the handling department's staff member sees it, with the contact details
    staff = system.staff_session("huanbao")
    listed = staff.get(f"{system.gateway}/api/v1/cases").json()["cases"]
    case = next(c for c in listed if c["number"] == number)
    assert "contact_phone" not in case  # lists never carry contact details
    detail = staff.get(f"{system.gateway}/api/v1/cases/{case['id']}").json()
    assert "contact_phone" not in detail and detail["contact_available"] is True  # revealed on request only
    contact = staff.post(f"{system.gateway}/api/v1/cases/{case['id']}/contact", json={"reason": "电话核实"}).json()
    assert contact == {"contact_name": "张先生", "contact_phone": "13800138000"}

    reply = staff.post(
        f"{system.gateway}/api/v1/cases/{case['id']}/replies",
        json={"body": "已联系城管部门现场核查，责令整改。"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["status"] == "replied" and reply.headers["Cache-Control"] == "no-store"

    # the reply was audited, and the contact view before it too
    trail = staff.get(f"{system.gateway}/api/v1/cases/{case['id']}/audit").json()
    actions = [a["action"] for a in trail]
    assert "case.replied" in actions and "case.contact_viewed" in actions

    # the citizen is told in WeChat
    def told():
        return [
            c for c in system.sandbox_calls("custom_send", citizen.openid) if "新的答复" in c["body"]["text"]["content"]
        ]

    assert "责令整改" in wait_for(told, message="the reply notification")[0]["body"]["text"]["content"]

    # looking the case up by sending its number as a message
    answer = citizen.send_text(number.lower())
    assert number in answer.content and "已答复" in answer.content and "责令整改" in answer.content

    # and in the H5 page
    page = http.get(f"{system.gateway}/h5/cases/{number}").text
    assert "已答复" in page and "责令整改" in page


def test_double_submission_creates_one_case(system):
    citizen = system.citizen()
    http, request_id = h5_login(system, citizen.openid)
    data = complaint(request_id)
    first, second = submit(system, http, data), submit(system, http, data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert system.count("cases.cases", "openid = :o", o=citizen.openid) == 1
    wait_for(lambda: system.count("messaging.outbound_messages", "openid = :o", o=citizen.openid) >= 1)
    assert system.count("cases.outbox", "payload::text LIKE :p", p=f"%{citizen.openid}%") == 1


def test_bad_form_input_is_refused_in_chinese_and_nothing_is_stored(system):
    citizen = system.citizen()
    http, request_id = h5_login(system, citizen.openid)
    cases = [
        complaint(request_id, content="太短"),
        complaint(request_id, contact_phone="12345"),
        complaint(request_id, accused=""),
        complaint(request_id, accused="某" * 101),
        complaint(request_id, content="长" * 2001),
        complaint(request_id, department_id="abc"),
        complaint(request_id, occurred_on="2999-01-01"),
        complaint("bad id!"),
    ]
    for data in cases:
        resp = submit(system, http, data)
        assert resp.status_code == 400, data
        assert re.search(r"[\u4e00-\u9fff]", resp.text)
    resp = submit(system, http, complaint(request_id, content="太短", contact_phone="1"))
    assert "内容至少需要10个字" in resp.text and "联系电话应为11位手机号" in resp.text
    assert 'value="城东某某烧烤店"' in resp.text  # what the citizen typed is kept
    assert system.count("cases.cases", "openid = :o", o=citizen.openid) == 0


def test_citizen_who_never_messaged_gets_a_template_message(system):
    citizen = system.citizen()
    citizen.subscribe()  # follows, but has never sent a message: no 48 h window
    with system.engine.begin() as conn:  # …and the minute a follow opens has passed
        conn.execute(
            text("UPDATE messaging.followers SET last_event_at = now() - interval '2 minutes' WHERE openid = :o"),
            {"o": citizen.openid},
        )
    http, request_id = h5_login(system, citizen.openid)
    number = NUMBER.search(submit(system, http, complaint(request_id)).headers["Location"]).group(0)
    sent = wait_for(lambda: system.sandbox_calls("template_send", citizen.openid), message="a template message")
    data = sent[-1]["body"]["data"]
    assert data["keyword1"]["value"] == number
    assert all(len(v["value"]) <= 20 for v in data.values())
    assert not system.sandbox_calls("custom_send", citizen.openid)


def test_in_the_minute_after_a_follow_the_whole_text_goes_as_a_customer_service_message(system):
    citizen = system.citizen()
    citizen.subscribe()
    http, request_id = h5_login(system, citizen.openid)
    number = NUMBER.search(submit(system, http, complaint(request_id)).headers["Location"]).group(0)
    sent = wait_for(lambda: system.sandbox_calls("custom_send", citizen.openid), message="a customer-service message")
    assert number in sent[-1]["body"]["text"]["content"]
    assert not system.sandbox_calls("template_send", citizen.openid)


def test_non_follower_is_recorded_as_undeliverable(system):
    openid = f"o_test_{uuid.uuid4().hex[:8]}"
    http, request_id = h5_login(system, openid)
    submit(system, http, complaint(request_id))
    row = wait_for(lambda: system.sql("SELECT status FROM messaging.outbound_messages WHERE openid = :o", o=openid))
    assert row[0].status == "undeliverable"


def test_contact_details_only_for_the_handling_staff(system):
    citizen, other = system.citizen(), system.citizen()
    http, request_id = h5_login(system, citizen.openid)
    number = NUMBER.search(submit(system, http, complaint(request_id)).headers["Location"]).group(0)
    case_id = system.sql("SELECT id FROM cases.cases WHERE number = :n", n=number)[0].id
    # messaging answers number lookups from what it learnt from case events
    wait_for(
        lambda: system.count("messaging.case_tracks", "number = :n", n=number), message="case_created in messaging"
    )

    # another department's handler: the case does not exist for them
    market = system.staff_session("shichang")
    assert market.get(f"{system.gateway}/api/v1/cases/{case_id}").status_code == 404
    assert all(c["number"] != number for c in market.get(f"{system.gateway}/api/v1/cases").json()["cases"])
    reply = market.post(
        f"{system.gateway}/api/v1/cases/{case_id}/replies",
        json={"body": "越权答复", "request_id": uuid.uuid4().hex},
    )
    assert reply.status_code == 404
    assert system.count("cases.replies", "case_id = :c", c=case_id) == 0

    # an administrator reaches every department
    assert system.staff_session("admin").get(f"{system.gateway}/api/v1/cases/{case_id}").status_code == 200
    # no token
    assert requests.get(f"{system.gateway}/api/v1/cases/{case_id}").status_code == 401

    # another citizen with the number sees the status only
    other_http, _ = h5_login(system, other.openid)
    page = other_http.get(f"{system.gateway}/h5/cases/{number}").text
    assert "已提交" in page and "13800138000" not in page and "烧烤店" not in page
    answer = other.send_text(number)
    assert "已提交" in answer.content and "烧烤店" not in answer.content

    # the citizen's own view never goes through staff audit
    before = system.count("cases.audit_log", "target_id = :c", c=str(case_id))
    http.get(f"{system.gateway}/h5/cases/{number}")
    assert system.count("cases.audit_log", "target_id = :c", c=str(case_id)) == before


def test_a_citizen_filing_too_often_gets_a_clear_answer(system):
    citizen = system.citizen()
    http, _ = h5_login(system, citizen.openid)
    for _ in range(10):
        assert submit(system, http, complaint(uuid.uuid4().hex)).status_code == 303
    refused = submit(system, http, complaint(uuid.uuid4().hex))
    assert refused.status_code == 429 and "提交得太频繁" in refused.text
    assert 'value="城东某某烧烤店"' in refused.text
    assert system.count("cases.cases", "openid = :o", o=citizen.openid) == 10


def start_oauth(system, http, page="/h5/cases"):
    """Open an H5 page without a session: returns the sandbox authorize URL the gateway sent us to."""
    resp = http.get(f"{system.gateway}{page}", allow_redirects=False)
    assert resp.status_code == 302 and "/connect/oauth2/authorize" in resp.headers["Location"]
    return resp.headers["Location"].split("#")[0]


def test_oauth_state_is_alphanumeric_and_bound_to_the_browser(system):
    http = requests.Session()
    http.cookies.set("sandbox_openid", "o_oauth_state", domain="127.0.0.1")
    authorize = start_oauth(system, http, "/h5/complaints/new")
    state = re.search(r"state=(\w+)", authorize).group(1)
    assert re.fullmatch(r"[A-Za-z0-9]{1,128}", state)  # what WeChat accepts

    # a callback carrying another state (forged, or meant for another browser) logs nobody in
    back = http.get(authorize, allow_redirects=False).headers["Location"]
    forged = http.get(back.replace(f"state={state}", "state=attacker"))
    assert forged.status_code == 400 and "授权已失效" in forged.text
    assert start_oauth(system, http)  # still anonymous

    # the real round trip lands on the page the citizen asked for
    authorize = start_oauth(system, http, "/h5/complaints/new")
    landed = http.get(http.get(authorize, allow_redirects=False).headers["Location"], allow_redirects=False)
    assert landed.status_code == 302 and landed.headers["Location"] == "/h5/complaints/new"


def test_oauth_callback_refuses_bad_codes(system):
    http = requests.Session()
    missing = http.get(f"{system.gateway}/h5/oauth/callback")
    assert missing.status_code == 400 and "微信授权未完成" in missing.text
    authorize = start_oauth(system, http)
    state = re.search(r"state=(\w+)", authorize).group(1)
    forged = http.get(f"{system.gateway}/h5/oauth/callback", params={"code": "made-up", "state": state})
    assert forged.status_code == 401 and "微信授权失败" in forged.text
    assert start_oauth(system, http)  # still anonymous


def test_unknown_case_number_in_h5(system):
    http, _ = h5_login(system, system.citizen().openid)
    resp = http.get(f"{system.gateway}/h5/cases/TS209901010001")
    assert resp.status_code == 404 and "没有找到该编号的案件" in resp.text
