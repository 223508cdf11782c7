"""回复设置 across the system: an operator sets rules in the admin and the API; a citizen writing to the account
through the sandbox (AES, as WeChat posts) gets the rule's text or article card as the passive reply."""

import re
import uuid

import pytest
import requests


def test_a_keyword_rule_and_an_article_card_answer_citizens_through_wechat(system, replies_operator):
    base = f"{system.gateway}/api/v1/wechat/replies"
    word = f"公积金{uuid.uuid4().hex[:4]}"
    text_rule = {
        "name": "公积金",
        "keywords": [word],
        "match": "contains",
        "reply_kind": "text",
        "text": "公积金提取请带身份证",
    }
    created = replies_operator.post(f"{base}/rules", json=text_rule)
    assert created.status_code == 201, created.text
    citizen = system.citizen(safe_mode=True)
    reply = citizen.send_text(f"{word}怎么提取")
    assert reply.status == 200 and reply.content == "公积金提取请带身份证"

    card = {"title": "公积金提取指南", "description": "四步办完", "url": f"{system.gateway}/h5/", "image": ""}
    card["url"] = "https://gov.example/gjj"
    changed = replies_operator.put(
        f"{base}/rules/{created.json()['id']}",
        json=text_rule | {"reply_kind": "news", "text": "", "article": card},
    )
    assert changed.status_code == 200, changed.text
    reply = citizen.send_text(word)
    assert reply.fields["MsgType"] == "news"
    (shown,) = reply.articles
    assert (shown["Title"], shown["Description"], shown["Url"]) == (
        "公积金提取指南",
        "四步办完",
        "https://gov.example/gjj",
    )


def test_the_follow_reply_is_the_operators_once_set(system, replies_operator):
    saved = replies_operator.put(
        f"{system.gateway}/api/v1/wechat/replies/settings", json={"follow_reply": "欢迎关注！"}
    )
    assert saved.status_code == 200 and saved.json()["follow_reply"] == "欢迎关注！"
    assert system.citizen().subscribe().content == "欢迎关注！"


@pytest.mark.parametrize(
    "body, status, code",
    [
        (b"{not json", 400, "invalid_json"),
        (b"[]", 400, "invalid_json"),
        (b'{"name": "x", "keywords": [], "text": "y"}', 400, "invalid_fields"),
        (b'{"name": "x", "keywords": ["k"], "reply_kind": "news"}', 400, "invalid_fields"),
    ],
)
def test_bad_rules_get_a_code_and_a_reason(system, replies_operator, body, status, code):
    resp = replies_operator.post(
        f"{system.gateway}/api/v1/wechat/replies/rules", data=body, headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == status and resp.json()["error"]["code"] == code, resp.text


def test_only_operators_and_administrators_reach_the_replies(system):
    handler = system.staff_session("huanbao")
    assert handler.get(f"{system.gateway}/api/v1/wechat/replies").status_code == 403
    assert requests.get(f"{system.gateway}/api/v1/wechat/replies").status_code == 401
    admin = system.staff_session("admin")
    assert admin.delete(f"{system.gateway}/api/v1/wechat/replies/rules/99999").status_code == 404
    page = system.staff_browser("huanbao").get(f"{system.gateway}/admin/wechat/replies")
    assert page.status_code == 403


def test_the_admin_page_shows_errors_in_place_then_saves(system, replies_operator):
    browser = system.staff_browser("yunying")
    page = browser.get(f"{system.gateway}/admin/wechat/replies")
    assert page.status_code == 200 and "关键词回复" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    form = {"csrf": csrf, "name": "办事时间", "keywords": "", "match": "exact", "priority": "5", "reply_kind": "text"}
    refused = browser.post(f"{system.gateway}/admin/wechat/replies/rules", data=form | {"text": "9:00-17:00"})
    assert refused.status_code == 200 and 'data-field="keywords"' in refused.text
    assert 'value="办事时间"' in refused.text  # what was typed is kept
    saved = browser.post(
        f"{system.gateway}/admin/wechat/replies/rules",
        data=form | {"keywords": "办事时间，几点上班", "text": "9:00-17:00", "enabled": "1"},
    )
    assert "回复规则已保存" in saved.text and "几点上班" in saved.text
    assert system.citizen().send_text("几点上班").content == "9:00-17:00"

    # 删除, clicked twice (or by two operators): the second says it is done, not an error page
    rule_id = re.search(r"/admin/wechat/replies/rules/(\d+)/delete", saved.text).group(1)
    csrf = re.search(r'name="csrf" value="([^"]+)"', saved.text).group(1)
    for _ in range(2):
        gone = browser.post(f"{system.gateway}/admin/wechat/replies/rules/{rule_id}/delete", data={"csrf": csrf})
        assert gone.status_code == 200 and "回复规则已删除" in gone.text and "几点上班" not in gone.text
