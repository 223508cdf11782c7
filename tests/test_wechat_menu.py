"""自定义菜单 across the system: the demo menu published at start, an operator's draft saved and published through
the admin and the API, the sandbox WeChat holding what we say it holds, and a citizen's clicks answered through the
callback (AES, as WeChat posts)."""

import re
import time

import pytest
import requests

from libs.testing import wait_for


@pytest.fixture
def operator(system):
    """The operator's API session; the demo menu is put back (and published) afterwards for the tests that follow."""
    api = system.staff_session("yunying")
    before = api.get(f"{system.gateway}/api/v1/wechat/menu").json()["draft"]
    yield api
    api.put(f"{system.gateway}/api/v1/wechat/menu", json=before).raise_for_status()
    api.post(f"{system.gateway}/api/v1/wechat/menu/publish").raise_for_status()


def phone_menu(system):
    return requests.get(f"{system.sandbox}/sandbox/menu", timeout=5).json()


def test_the_demo_menu_is_published_and_its_clicks_answer_the_citizen(system, file_case):
    names = [b["name"] for b in phone_menu(system)["button"]]
    assert names == ["办事服务", "我要反映", "我的"]
    citizen = system.citizen()
    case = file_case(citizen.openid)

    def listed():
        time.sleep(1)  # a second click on one button within a second is a double tap: WeChat's dedupe drops it
        answer = citizen.click("MY_CASES").content or ""
        return answer if case["number"] in answer else None

    # messaging learns of the case from cases' event
    answer = wait_for(listed, timeout=15, message="the filed case in 我的办件")
    assert answer.startswith("您有1件正在办理的案件") and "状态：已提交" in answer
    (card,) = citizen.click("SERVICE_GUIDE").articles
    assert card["Title"] == "办事指南" and card["Url"] == f"{system.gateway}/h5/services"


def test_an_operator_publishes_through_the_api_and_wechat_refusals_are_said(system, operator):
    base = f"{system.gateway}/api/v1/wechat/menu"
    menu = {"button": [{"type": "click", "name": "联系我们", "key": "CONTACT"}]}
    saved = operator.put(base, json=menu)
    assert saved.status_code == 200 and saved.json()["unpublished_changes"], saved.text
    assert [b["name"] for b in phone_menu(system)["button"]] != ["联系我们"]  # a draft: WeChat has not seen it

    fault = {"path": "/cgi-bin/menu/create", "errcode": 45009, "errmsg": "api freq out of limit"}
    requests.post(f"{system.sandbox}/sandbox/faults", json=fault).raise_for_status()
    refused = operator.post(f"{base}/publish")
    assert refused.status_code == 502, refused.text
    error = refused.json()["error"]
    assert error["code"] == "wechat_refused" and "接口调用次数已达今日上限" in error["message"]
    assert operator.get(base).json()["published"]["button"] != menu["button"]

    published = operator.post(f"{base}/publish")
    assert published.status_code == 200 and not published.json()["unpublished_changes"]
    assert phone_menu(system)["button"] == menu["button"]
    reply = system.citizen().click("CONTACT")
    assert "12345" in reply.content

    withdrawn = operator.delete(f"{base}/publish")
    assert withdrawn.status_code == 200 and withdrawn.json()["published"] is None
    assert phone_menu(system)["button"] == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"button": []}, "button"),
        ({"button": [{"type": "click", "name": "超过五个汉字", "key": "CONTACT"}]}, "button.0.name"),
        (
            {"button": [{"name": "组", "sub_button": [{"type": "view", "name": "网", "url": "javascript:1"}]}]},
            "button.0.sub_button.0.url",
        ),
    ],
)
def test_bad_menus_get_the_field_and_a_reason(system, operator, body, field):
    resp = operator.put(f"{system.gateway}/api/v1/wechat/menu", json=body)
    assert resp.status_code == 400 and field in resp.json()["error"]["details"]["fields"], resp.text


def test_malformed_bodies_and_strangers_are_refused(system):
    api = system.staff_session("yunying")
    for raw in (b"{not json", b"[]", b'{"button": "x"}'):
        resp = api.put(f"{system.gateway}/api/v1/wechat/menu", data=raw, headers={"Content-Type": "application/json"})
        assert resp.status_code == 400, resp.text
    handler = system.staff_session("huanbao")
    assert handler.get(f"{system.gateway}/api/v1/wechat/menu").status_code == 403
    assert handler.post(f"{system.gateway}/api/v1/wechat/menu/publish").status_code == 403
    assert requests.delete(f"{system.gateway}/api/v1/wechat/menu/publish").status_code == 401
    assert system.staff_browser("huanbao").get(f"{system.gateway}/admin/wechat/menu").status_code == 403


def test_the_admin_form_shows_errors_at_the_button_typed_then_saves_and_publishes(system, operator):
    browser = system.staff_browser("yunying")
    page = browser.get(f"{system.gateway}/admin/wechat/menu")
    assert page.status_code == 200 and 'value="办事服务"' in page.text  # the demo draft, in its slots
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    form = {
        "csrf": csrf,
        "b0.name": "服务",
        "b0.s3.name": "指南",
        "b0.s3.type": "click",
        "b0.s3.value": "SERVICE_GUIDE",
    }
    # the second filled sub-slot is the service's sub_button.1: its error must come back to slot b0.s4
    bad = form | {"b0.s4.name": "坏链接", "b0.s4.type": "view", "b0.s4.value": "ftp://x", "b2.name": "我的办件"}
    refused = browser.post(f"{system.gateway}/admin/wechat/menu", data=bad | {"b2.value": "MY_CASES"})
    assert refused.status_code == 200 and 'data-field="b0.s4.value"' in refused.text, refused.text[-3000:]
    assert 'value="坏链接"' in refused.text  # what was typed is kept

    good = form | {"b2.name": "我的办件", "b2.type": "click", "b2.value": "MY_CASES"}
    saved = browser.post(f"{system.gateway}/admin/wechat/menu", data=good)
    assert "菜单草稿已保存" in saved.text and "草稿有未发布的修改" in saved.text
    published = browser.post(f"{system.gateway}/admin/wechat/menu/publish", data={"csrf": csrf})
    assert "菜单已发布到微信" in published.text and "草稿有未发布的修改" not in published.text
    assert phone_menu(system)["button"] == [
        {"name": "服务", "sub_button": [{"type": "click", "name": "指南", "key": "SERVICE_GUIDE"}]},
        {"type": "click", "name": "我的办件", "key": "MY_CASES"},
    ]


def test_the_sandbox_phone_sends_a_click_and_shows_the_answer(system):
    openid = f"o_phone_{int(time.time() * 1000)}"
    sent = requests.post(
        f"{system.sandbox}/sandbox/phone/{openid}/send", json={"event": "CLICK", "key": "CONTACT", "label": "联系我们"}
    )
    assert sent.status_code == 200 and "12345" in sent.json()["reply"]
    timeline = requests.get(f"{system.sandbox}/sandbox/phone/{openid}/timeline").json()
    assert [m["content"] for m in timeline][0] == "点击了菜单“联系我们”"
    assert requests.post(f"{system.sandbox}/sandbox/phone/{openid}/send", json={"event": "CLICK"}).status_code == 400


def test_a_groups_conditional_menu_is_what_its_followers_see(system, operator):
    base = f"{system.gateway}/api/v1/wechat"
    elder = system.citizen()
    requests.post(f"{system.sandbox}/sandbox/phone/{elder.openid}/send", json={"event": "subscribe"})
    tag = operator.post(f"{base}/follower-tags", json={"name": f"长者{time.time_ns() % 10**6}"}).json()
    operator.post(f"{base}/follower-tags/{tag['id']}/members", json={"openids": [elder.openid]})
    elders = {"button": [{"type": "click", "name": "长者热线", "key": "CONTACT"}]}
    assert operator.put(f"{base}/menu", params={"tag_id": tag["id"]}, json=elders).status_code == 200
    published = operator.post(f"{base}/menu/publish", params={"tag_id": tag["id"]})
    assert published.status_code == 200, published.text
    seen = requests.get(f"{system.sandbox}/sandbox/menu", params={"openid": elder.openid}).json()
    assert seen["button"] == elders["button"]
    assert [b["name"] for b in phone_menu(system)["button"]] == ["办事服务", "我要反映", "我的"]  # everyone else
    assert operator.get(f"{base}/menu", params={"tag_id": "x"}).status_code == 400
    assert operator.get(f"{base}/menu", params={"tag_id": "99999999"}).status_code == 404
    browser = system.staff_browser("yunying")
    page = browser.get(f"{system.gateway}/admin/wechat/menu", params={"tag_id": tag["id"]})
    assert "的个性化菜单" in page.text and 'value="长者热线"' in page.text
    withdrawn = operator.delete(f"{base}/menu/publish", params={"tag_id": tag["id"]})
    assert withdrawn.status_code == 200
    assert [
        b["name"]
        for b in requests.get(f"{system.sandbox}/sandbox/menu", params={"openid": elder.openid}).json()["button"]
    ] == ["办事服务", "我要反映", "我的"]
