"""公众号助手 across the system: a staff member makes a one-time code in the admin, scans it with the sandbox phone,
and a 群发 command sent from that phone lands in the approval queue under their name."""

import re
import uuid

import requests


def followers(system, n=2):
    """A mass send needs at least two followers to reach (WeChat's rule): a fresh system may have fewer."""
    for _ in range(n):
        openid = f"o_follower_{uuid.uuid4().hex[:8]}"
        requests.post(f"{system.sandbox}/sandbox/phone/{openid}/send", json={"event": "subscribe"}).raise_for_status()


def test_an_operator_binds_their_wechat_and_sends_a_command(system):
    followers(system)
    browser = system.staff_browser("yunying")
    page = browser.get(f"{system.gateway}/admin/wechat/binding")
    assert page.status_code == 200 and 'data-bound="0"' in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    made = browser.post(f"{system.gateway}/admin/wechat/binding/code", data={"csrf": csrf})
    assert made.status_code == 200 and "<svg" in made.text
    url = re.search(r'<a href="([^"]+)" target="_blank"', made.text).group(1)
    scene = requests.get(url).text
    scene = re.search(r'id="scene">([^<]+)<', scene).group(1)
    phone = f"o_staffphone_{uuid.uuid4().hex[:6]}"
    scanned = requests.post(f"{system.sandbox}/sandbox/phone/{phone}/send", json={"event": "scan", "scene": scene})
    assert "已将本微信绑定为工作人员" in scanned.json()["reply"]
    assert 'data-bound="1"' in browser.get(f"{system.gateway}/admin/wechat/binding").text

    command = requests.post(f"{system.sandbox}/sandbox/phone/{phone}/send", json={"content": "群发 今晚8点起城区停水"})
    assert "并提交审核" in command.json()["reply"]
    api = system.staff_session("shenhe")
    queued = [
        s for s in api.get(f"{system.gateway}/api/v1/wechat/mass-sends").json() if s["content"] == "今晚8点起城区停水"
    ]
    assert queued and queued[0]["status"] == "pending" and queued[0]["author_name"] == "公众号运营 李娜"

    gone = browser.post(f"{system.gateway}/admin/wechat/binding/delete", data={"csrf": csrf})
    assert "已解除绑定" in gone.text and 'data-bound="0"' in gone.text
    api2 = system.staff_session("yunying")
    assert api2.get(f"{system.gateway}/api/v1/wechat/binding").json()["bound"] is False
    assert system.staff_session("huanbao").post(f"{system.gateway}/api/v1/wechat/binding").status_code == 403


def bind_phone(system, browser):
    page = browser.get(f"{system.gateway}/admin/wechat/binding")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    made = browser.post(f"{system.gateway}/admin/wechat/binding/code", data={"csrf": csrf})
    url = re.search(r'<a href="([^"]+)" target="_blank"', made.text).group(1)
    scene = re.search(r'id="scene">([^<]+)<', requests.get(url).text).group(1)
    phone = f"o_staffphone_{uuid.uuid4().hex[:6]}"
    scanned = requests.post(f"{system.sandbox}/sandbox/phone/{phone}/send", json={"event": "scan", "scene": scene})
    assert "已将本微信绑定为工作人员" in scanned.json()["reply"]
    return phone


def test_a_disabled_or_changed_account_s_wechat_stops_acting_for_it(system):
    """The bound WeChat acts with the grants the staff member had; 账号管理 ends it when that changes."""
    from sqlalchemy.orm import Session

    from services.gateway.staff.accounts import create_staff

    followers(system)
    admin = system.staff_session("admin")
    for change in ("disable", "roles"):
        username = f"op{uuid.uuid4().hex[:8]}"
        with Session(system.engine) as session:
            staff_id = create_staff(session, username, "临时运营", "op-pass-123", ["operator"]).id
            session.commit()
        browser = requests.Session()
        browser.headers["X-Forwarded-For"] = f"10.66.{uuid.uuid4().int % 250}.1"
        browser.post(f"{system.gateway}/admin/login", data={"username": username, "password": "op-pass-123"})
        phone = bind_phone(system, browser)
        acting = requests.post(f"{system.sandbox}/sandbox/phone/{phone}/send", json={"content": "群发 绑定后可用"})
        assert "并提交审核" in acting.json()["reply"]  # the binding acts for them, until:
        if change == "disable":
            assert admin.put(f"{system.gateway}/api/v1/staff/{staff_id}/active", json={"active": False}).ok
        else:
            body = {"name": "临时运营", "roles": ["editor"], "department_id": 1}
            assert admin.put(f"{system.gateway}/api/v1/staff/{staff_id}", json=body).ok
        command = requests.post(f"{system.sandbox}/sandbox/phone/{phone}/send", json={"content": "群发 测试通知"})
        assert "并提交审核" not in command.json()["reply"], change
        assert system.count("messaging.operator_bindings", "staff_id = :s", s=str(staff_id)) == 0
