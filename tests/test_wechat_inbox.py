"""The inbox across the system: a citizen writes through the sandbox WeChat (AES), an operator answers in the admin
and the API; the answer arrives on the citizen's phone, and 我的留言 shows it whole."""

import base64
import re
import uuid

import requests

from libs.testing import wait_for


def write(system, content):
    citizen = system.citizen()
    requests.post(f"{system.sandbox}/sandbox/phone/{citizen.openid}/send", json={"event": "subscribe"})
    assert citizen.send_text(content).status == 200
    return citizen


def timeline(system, openid):
    return requests.get(f"{system.sandbox}/sandbox/phone/{openid}/timeline").json()


def test_an_operator_answers_in_the_admin_and_the_citizen_reads_it_in_wechat(system):
    citizen = write(system, "小区旁边工地夜间施工，怎么投诉？")
    browser = system.staff_browser("yunying")
    inbox = browser.get(f"{system.gateway}/admin/wechat/inbox")
    assert inbox.status_code == 200 and "小区旁边工地夜间施工" in inbox.text
    assert citizen.openid not in re.sub(r'href="[^"]*"|data-openid="[^"]*"', "", inbox.text)  # named by alias only
    page = browser.get(f"{system.gateway}/admin/wechat/inbox/{citizen.openid}")
    assert 'data-channel="custom"' in page.text and "客服消息" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    key = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    form = {"csrf": csrf, "request_id": key, "text": "夜间施工可拨打12345或在线投诉，我们会转交城管部门。"}
    for _ in range(2):  # a double click: one message
        sent = browser.post(f"{system.gateway}/admin/wechat/inbox/{citizen.openid}", data=form)
        assert sent.status_code == 200 and "回复已通过客服消息发送" in sent.text
    received = [m for m in timeline(system, citizen.openid) if m["kind"] == "custom"]
    assert [m["content"] for m in received] == [form["text"]]

    refused = browser.post(f"{system.gateway}/admin/wechat/inbox/{citizen.openid}", data=form | {"text": ""})
    assert 'data-field="text"' in refused.text

    # 我的留言, as the citizen opens it in WeChat (OAuth through the sandbox)
    h5 = requests.Session()
    h5.cookies.set("sandbox_openid", citizen.openid, domain="127.0.0.1")
    mine = h5.get(f"{system.gateway}/h5/messages")
    assert mine.status_code == 200 and form["text"] in mine.text and "小区旁边工地夜间施工" in mine.text


def test_the_api_answers_once_per_key_and_lists_refused_sends(system):
    citizen = write(system, "请问公积金怎么提取？")
    api = system.staff_session("yunying")
    base = f"{system.gateway}/api/v1/wechat"
    listed = api.get(f"{base}/conversations").json()
    assert citizen.openid in [c["openid"] for c in listed["conversations"]]
    key = uuid.uuid4().hex
    fault = {"path": "/cgi-bin/message/custom/send", "errcode": 45015, "errmsg": "response out of time limit"}
    requests.post(f"{system.sandbox}/sandbox/faults", json=fault).raise_for_status()
    first = api.post(
        f"{base}/conversations/{citizen.openid}/answers", json={"text": "请带身份证"}, headers={"Idempotency-Key": key}
    )
    assert first.status_code == 201 and first.json()["status"] == "failed", first.text
    assert "已超过48小时客服消息时限" in first.json()["error"]
    again = api.post(
        f"{base}/conversations/{citizen.openid}/answers", json={"text": "请带身份证"}, headers={"Idempotency-Key": key}
    )
    assert again.status_code == 200 and again.json()["changed"] is False

    failed = api.get(f"{base}/failed-sends").json()
    assert first.json()["id"] in [s["id"] for s in failed["sends"]]
    resent = api.post(f"{base}/failed-sends/{first.json()['id']}/resend")
    assert resent.status_code == 200 and resent.json() == {"resent": True, "channel": "custom"}
    assert [m["content"] for m in timeline(system, citizen.openid) if m["kind"] == "custom"] == ["请带身份证"]


def test_bad_requests_and_strangers_are_refused(system):
    citizen = write(system, "你好")
    api = system.staff_session("yunying")
    base = f"{system.gateway}/api/v1/wechat"
    answers = f"{base}/conversations/{citizen.openid}/answers"
    assert api.post(answers, data=b"{oops", headers={"Content-Type": "application/json"}).status_code == 400
    assert api.post(answers, json={"text": "好"}).json()["error"]["code"] == "invalid_request_id"
    assert api.post(answers, json={"text": "x" * 601, "request_id": uuid.uuid4().hex}).status_code == 400
    assert api.get(f"{base}/conversations/o_nobody_here").status_code == 404
    assert api.get(f"{base}/conversations", params={"after": "garbage|x"}).status_code == 400
    assert api.get(f"{base}/failed-sends", params={"offset": "-5"}).status_code == 400
    assert api.post(f"{base}/failed-sends/999999999/resend").status_code == 404
    handler = system.staff_session("huanbao")
    assert handler.get(f"{base}/conversations").status_code == 403
    assert handler.post(answers, json={"text": "好", "request_id": uuid.uuid4().hex}).status_code == 403
    assert requests.get(f"{base}/failed-sends").status_code == 401
    assert system.staff_browser("huanbao").get(f"{system.gateway}/admin/wechat/inbox").status_code == 403


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_a_photo_a_citizen_sends_is_kept_and_shown_in_the_inbox(system):
    openid = f"o_photo_{uuid.uuid4().hex[:8]}"
    sent = requests.post(
        f"{system.sandbox}/sandbox/phone/{openid}/send",
        json={"image": base64.b64encode(PNG).decode(), "content_type": "image/png"},
    )
    assert sent.status_code == 200
    browser = system.staff_browser("yunying")

    def shown():
        page = browser.get(f"{system.gateway}/admin/wechat/inbox/{openid}").text
        found = re.search(r'<img class="media" src="([^"]+)"', page)
        return found and found.group(1)

    src = wait_for(shown, timeout=20, message="the photo downloaded from WeChat")
    photo = browser.get(f"{system.gateway}{src}")
    assert photo.status_code == 200 and photo.content == PNG and photo.headers["Content-Type"] == "image/png"
    assert photo.headers["X-Content-Type-Options"] == "nosniff" and "no-store" in photo.headers["Cache-Control"]
    assert system.staff_browser("huanbao").get(f"{system.gateway}{src}").status_code == 403
    assert browser.get(f"{system.gateway}/admin/wechat/media/{'0' * 64}").status_code == 404
