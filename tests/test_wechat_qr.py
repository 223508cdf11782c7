"""二维码 across the system: an operator makes a channel's code through the API and the admin, downloads it for print
(PNG, SVG), a citizen scans it on the sandbox phone, and the funnel counts the follow and the case filed after it."""

import re
import uuid

import requests

from libs.testing import wait_for


def test_a_poster_code_brings_a_follow_and_a_case(system, file_case):
    api = system.staff_session("yunying")
    base = f"{system.gateway}/api/v1/wechat/qr-channels"
    scene = f"poster-{uuid.uuid4().hex[:6]}"
    made = api.post(base, json={"name": "地铁站海报", "scene": scene})
    assert made.status_code == 201, made.text
    channel = made.json()
    png = api.get(f"{base}/{channel['id']}/code.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG") and png.headers["Content-Type"] == "image/png"
    svg = api.get(f"{base}/{channel['id']}/code.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content
    assert f'filename="qr-{scene}.svg"' in svg.headers["Content-Disposition"]

    # what the code encodes opens the sandbox's scan page; its button scans as the phone's citizen
    openid = f"o_qr_{uuid.uuid4().hex[:8]}"
    page = requests.get(channel["url"], cookies={"sandbox_openid": openid})
    assert page.status_code == 200 and scene in page.text
    scanned = requests.post(f"{system.sandbox}/sandbox/phone/{openid}/send", json={"event": "scan", "scene": scene})
    assert scanned.status_code == 200 and "欢迎关注" in scanned.json()["reply"], scanned.text
    requests.post(f"{system.sandbox}/sandbox/phone/{openid}/send", json={"event": "scan", "scene": scene})
    file_case(openid)

    def counted():
        funnel = api.get(f"{base}/{channel['id']}").json()
        return (funnel["scans"], funnel["follows"], funnel["first_use"]) == (2, 1, 1) and funnel

    wait_for(counted, timeout=10, message="the funnel to count the scan, the follow and the case")
    found = api.get(f"{system.gateway}/api/v1/wechat/followers", params={"q": openid}).json()
    assert found["followers"][0]["scene"] == scene


def test_the_admin_page_makes_a_code_and_says_what_is_wrong(system):
    browser = system.staff_browser("yunying")
    page = browser.get(f"{system.gateway}/admin/wechat/qr")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    form = {"csrf": csrf, "name": "三号窗口", "scene": "窗口三", "permanent": "1", "days": "30"}
    refused = browser.post(f"{system.gateway}/admin/wechat/qr", data=form)
    assert 'data-field="scene"' in refused.text and 'value="三号窗口"' in refused.text
    scene = f"window3-{uuid.uuid4().hex[:4]}"
    made = browser.post(f"{system.gateway}/admin/wechat/qr", data=form | {"scene": scene})
    assert "二维码已生成" in made.text and scene in made.text
    channel_id = re.search(r'data-channel="(\d+)">\s*<td>三号窗口', made.text).group(1)
    png = browser.get(f"{system.gateway}/admin/wechat/qr/{channel_id}.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert browser.get(f"{system.gateway}/admin/wechat/qr/{channel_id}.gif").status_code == 404


def test_bad_requests_and_strangers_are_refused(system):
    api = system.staff_session("yunying")
    base = f"{system.gateway}/api/v1/wechat/qr-channels"
    assert api.post(base, data=b"[", headers={"Content-Type": "application/json"}).status_code == 400
    assert api.post(base, json={"name": "x", "scene": "x", "permanent": False, "days": 90}).status_code == 400
    assert api.get(f"{base}/99999999").status_code == 404
    assert api.get(f"{base}/99999999/code.png").status_code == 404
    assert system.staff_session("huanbao").get(base).status_code == 403
    assert requests.get(base).status_code == 401
    assert requests.post(f"{system.sandbox}/sandbox/phone/o_x/send", json={"event": "scan"}).status_code == 400
