"""公众号助手 across the system: a staff member makes a one-time code in the admin, scans it with the sandbox phone,
and a 群发 command sent from that phone lands in the approval queue under their name."""

import re
import uuid

import requests


def test_an_operator_binds_their_wechat_and_sends_a_command(system):
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
