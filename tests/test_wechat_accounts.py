"""Several Official Accounts across the system: a department's own account (市生态环境局, `hbj`) answers at its own
callback URL with its own credentials, keeps its followers and replies apart from the city's, and only the staff
its record names operate it (API and admin pages)."""

import re
import uuid

import requests
from sqlalchemy import text

from libs.testing import wait_for


def test_each_account_has_its_own_callback_and_credentials(system):
    city, hbj = system.citizen(), system.citizen(account="hbj")
    assert "欢迎关注" in city.subscribe().content
    assert "欢迎关注市生态环境局" in hbj.subscribe().content  # the account says its own name
    # the city's credentials do not sign the department's callback, nor the other way round
    forged = system.citizen(openid=hbj.openid)
    forged.callback_url = f"{system.gateway}/wechat/hbj"
    assert forged.send_text("你好").status == 403
    assert requests.post(f"{system.gateway}/wechat/nosuch", data=b"<xml/>").status_code == 404
    assert requests.get(f"{system.gateway}/wechat/nosuch").status_code == 404
    # the URL check WeChat makes when the department configures its server address
    assert hbj.verify_url("hbj-echo").text == "hbj-echo"
    rows = system.sql(
        "SELECT f.openid, a.code FROM messaging.followers f JOIN messaging.accounts a ON a.id = f.account_id"
        " WHERE f.openid IN (:a, :b) ORDER BY a.code",
        a=city.openid,
        b=hbj.openid,
    )
    assert [tuple(r) for r in rows] == [(hbj.openid, "hbj"), (city.openid, "main")]


def test_operators_see_and_change_only_their_own_account(system):
    hbj_api, city_api = system.staff_session("hbyunying"), system.staff_session("yunying")
    rules = f"{system.gateway}/api/v1/wechat/replies/rules"
    word = f"河道{uuid.uuid4().hex[:4]}"
    made = hbj_api.post(rules, json={"name": "河道", "keywords": word, "text": "河道问题请拨打环保热线12369"})
    assert made.status_code == 201, made.text
    try:
        citizen = system.citizen(account="hbj")
        assert wait_for(lambda: citizen.send_text(word).content == "河道问题请拨打环保热线12369", timeout=10)
        assert system.citizen().send_text(word).content != "河道问题请拨打环保热线12369"  # not the city's rule
        listed = hbj_api.get(f"{system.gateway}/api/v1/wechat/followers", params={"q": citizen.openid}).json()
        assert [f["openid"] for f in listed["followers"]] == [citizen.openid]
        assert (
            city_api.get(f"{system.gateway}/api/v1/wechat/followers", params={"q": citizen.openid}).json()["followers"]
            == []
        )
        # asking for an account one does not operate is refused, whichever way round
        other = {"X-WeChat-Account": "main"}
        refused = hbj_api.get(f"{system.gateway}/api/v1/wechat/replies", headers=other)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "wechat_account_forbidden"
        assert (
            city_api.get(f"{system.gateway}/api/v1/wechat/replies", headers={"X-WeChat-Account": "hbj"}).status_code
            == 403
        )
        assert (
            city_api.get(f"{system.gateway}/api/v1/wechat/replies", headers={"X-WeChat-Account": "x" * 40}).status_code
            == 404
        )
        assert word not in city_api.get(f"{system.gateway}/api/v1/wechat/replies").text
        admin = system.staff_session("admin")  # every account
        assert word in admin.get(f"{system.gateway}/api/v1/wechat/replies", headers={"X-WeChat-Account": "hbj"}).text
    finally:
        hbj_api.delete(f"{rules}/{made.json()['id']}")


def test_the_admin_switches_account_among_those_the_staff_member_operates(system):
    admin = system.staff_browser("admin")
    page = admin.get(f"{system.gateway}/admin/wechat/followers")
    assert 'id="account-switch"' in page.text and "市生态环境局" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    switched = admin.post(
        f"{system.gateway}/admin/wechat/account",
        data={"csrf": csrf, "account": "hbj", "next": "/admin/wechat/followers"},
    )
    assert switched.url.endswith("/admin/wechat/followers")
    assert re.search(r'<option value="hbj" selected>', switched.text)
    # an operator of one account has no switch, and cannot choose another
    single = system.staff_browser("hbyunying")
    own = single.get(f"{system.gateway}/admin/wechat/inbox")
    assert 'id="account-switch"' not in own.text and "公众号：市生态环境局" in own.text
    token = re.search(r'name="csrf" value="([^"]+)"', own.text).group(1)
    refused = single.post(f"{system.gateway}/admin/wechat/account", data={"csrf": token, "account": "main"})
    assert refused.status_code == 403
    assert system.staff_browser("yunying").get(f"{system.gateway}/admin/wechat/inbox").text.count("市生态环境局") == 0


def test_a_departments_followers_open_the_pages_as_that_account_knows_them(system):
    person = f"o_p_{uuid.uuid4().hex[:8]}"
    phone = requests.Session()  # the phone in the sandbox: WeChat knows who holds it
    phone.get(f"{system.sandbox}/?openid={person}&account=hbj")
    sent = phone.post(f"{system.sandbox}/sandbox/phone/{person}_hbj/send?account=hbj", json={"content": "河水发臭了"})
    assert sent.status_code == 200
    mine = phone.get(f"{system.gateway}/h5/messages?wx=hbj")  # OAuth with the department's AppID
    assert mine.status_code == 200 and "河水发臭了" in mine.text
    calls = requests.get(f"{system.sandbox}/sandbox/calls", params={"api": "oauth_authorize", "account": "hbj"}).json()
    assert any(c["params"].get("appid") == "wxsandbox0000002" for c in calls)
    # the same person at the city's account is another openid, with none of that
    city = phone.get(f"{system.gateway}/h5/messages?wx=main")
    assert city.status_code == 200 and "河水发臭了" not in city.text


def test_a_form_left_open_on_another_account_is_not_carried_out_on_the_one_chosen_since(system):
    admin = system.staff_browser("admin")
    page = admin.get(f"{system.gateway}/admin/wechat/replies")  # shown for the city's account
    stale = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert stale.endswith(".main")
    admin.post(f"{system.gateway}/admin/wechat/account", data={"csrf": stale, "account": "hbj"})  # another tab
    refused = admin.post(
        f"{system.gateway}/admin/wechat/replies/settings",
        data={"csrf": stale, "follow_reply": "这句话本该是市里的", "default_reply": ""},
    )
    assert refused.status_code == 409 and "另一个公众号" in refused.text
    hbj = system.staff_session("hbyunying").get(f"{system.gateway}/api/v1/wechat/replies").json()
    assert hbj["settings"]["follow_reply"] != "这句话本该是市里的"
    assert admin.post(f"{system.gateway}/admin/logout", data={"csrf": stale}).status_code in (200, 303)


def test_a_departments_follower_hears_by_its_own_template_after_the_window(system):
    citizen = system.citizen(account="hbj")
    requests.post(f"{system.sandbox}/sandbox/phone/{citizen.openid}/send?account=hbj", json={"event": "subscribe"})
    citizen.send_text("河道里有死鱼")
    assert system.recorded(citizen.openid, 2)  # the follow and the message
    with system.engine.begin() as conn:  # three days on: WeChat's 48 h for customer-service messages are over
        conn.execute(
            text(
                "UPDATE messaging.followers SET last_message_at = now() - interval '3 days', last_event_at = NULL"
                " WHERE openid = :o"
            ),
            {"o": citizen.openid},
        )
    api = system.staff_session("hbyunying")
    sent = api.post(
        f"{system.gateway}/api/v1/wechat/conversations/{citizen.openid}/answers",
        json={"text": "已通知属地街道处理。"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert sent.status_code in (200, 201) and sent.json()["channel"] == "template", sent.text
    calls = requests.get(f"{system.sandbox}/sandbox/calls", params={"api": "template_send", "account": "hbj"}).json()
    (call,) = [c for c in calls if c["body"]["touser"] == citizen.openid]
    assert call["body"]["template_id"] == "tmpl-hbj-message-answer"
    assert call["body"]["url"].endswith("/h5/messages?wx=hbj")  # the page opens as the department knows them


def test_a_page_asked_for_an_unknown_account_authorizes_with_the_citys(system):
    for junk in ("nosuch", "<script>", "hbj'--", "x" * 300):
        resp = requests.get(f"{system.gateway}/h5/messages", params={"wx": junk}, allow_redirects=False)
        assert resp.status_code == 302 and "appid=wxsandbox0000001" in resp.headers["Location"]
    resp = requests.get(f"{system.gateway}/h5/messages", params={"wx": "hbj"}, allow_redirects=False)
    assert "appid=wxsandbox0000002" in resp.headers["Location"]
