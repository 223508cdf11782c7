"""群发消息 across the system: one operator composes, a second approves, the batches reach the sandbox WeChat, the
citizens' phones show the message, and WeChat's MASSSENDJOBFINISH comes back through the callback."""

import re
import uuid

import requests

from libs.testing import wait_for


def grouped_followers(system, api, n):
    """n citizens who follow the account, in a group of their own (the other tests' followers stay out)."""
    openids = []
    for _ in range(n):
        citizen = system.citizen()
        requests.post(f"{system.sandbox}/sandbox/phone/{citizen.openid}/send", json={"event": "subscribe"})
        openids.append(citizen.openid)
    tag = api.post(f"{system.gateway}/api/v1/wechat/follower-tags", json={"name": f"群发{uuid.uuid4().hex[:6]}"})
    tag_id = tag.json()["id"]
    api.post(f"{system.gateway}/api/v1/wechat/follower-tags/{tag_id}/members", json={"openids": openids})
    return tag_id, openids


def test_an_approved_send_reaches_the_group_and_wechat_reports_it(system):
    author, approver = system.staff_session("yunying"), system.staff_session("shenhe")
    base = f"{system.gateway}/api/v1/wechat/mass-sends"
    tag_id, people = grouped_followers(system, author, 3)
    text = "本周六9:00-12:00市民中心开展免费义诊，欢迎参加。"
    draft = author.post(base, json={"title": "义诊通知", "content": text, "target": {"kind": "tag", "tag_id": tag_id}})
    assert draft.status_code == 201, draft.text
    send = draft.json()
    assert send["estimate"]["will_send"] == 3 and send["target_label"].startswith("分组“")
    assert author.post(f"{base}/{send['id']}/submit").json()["status"] == "pending"
    own = author.post(f"{base}/{send['id']}/approve")
    assert own.status_code == 403 and own.json()["error"]["code"] == "mass_own_send"
    approved = approver.post(f"{base}/{send['id']}/approve")
    assert approved.status_code == 200 and approved.json()["recipients"] == 3, approved.text

    def reported():
        now = author.get(f"{base}/{send['id']}").json()
        return now["status"] == "sent" and now["delivered"] == 3 and now

    wait_for(reported, timeout=20, message="the send and WeChat's MASSSENDJOBFINISH")
    for openid in people:
        timeline = requests.get(f"{system.sandbox}/sandbox/phone/{openid}/timeline").json()
        assert [m["content"] for m in timeline if m["kind"] == "mass"] == [text]


def test_bad_requests_and_strangers_are_refused(system):
    api = system.staff_session("yunying")
    base = f"{system.gateway}/api/v1/wechat/mass-sends"
    assert api.post(base, data=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    bad = api.post(base, json={"title": "x", "content": "y", "target": {"kind": "filter"}})
    assert bad.status_code == 400 and "target.gender" in bad.json()["error"]["details"]["fields"]
    assert api.get(f"{base}/99999999").status_code == 404
    assert api.post(f"{base}/99999999/approve").status_code == 404
    made = api.post(base, json={"title": "x", "content": "y"}).json()
    assert api.post(f"{base}/{made['id']}/reject", json={"reason": "x"}).status_code == 409  # a draft
    assert api.post(f"{base}/{made['id']}/preview").status_code == 400  # no WeChat of their own bound
    assert system.staff_session("huanbao").get(base).status_code == 403
    assert requests.post(f"{base}/{made['id']}/approve").status_code == 401


def test_the_admin_pages_take_a_send_from_draft_to_approval(system):
    author = system.staff_browser("yunying")
    tag_id, people = grouped_followers(system, system.staff_session("yunying"), 2)
    page = author.get(f"{system.gateway}/admin/wechat/mass")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    form = {"csrf": csrf, "title": "", "content": "明天停电", "target.kind": "tag", "target.tag_id": str(tag_id)}
    form["request_id"] = request_id
    refused = author.post(f"{system.gateway}/admin/wechat/mass", data=form)
    assert 'data-field="title"' in refused.text and "明天停电" in refused.text
    saved = author.post(f"{system.gateway}/admin/wechat/mass", data=form | {"title": "停电通知"})
    assert "草稿已保存" in saved.text and 'id="estimate"' in saved.text and "将发送 <b>2</b> 位" in saved.text
    send_id = re.search(r"/admin/wechat/mass/(\d+)/submit", saved.text).group(1)
    # the same form sent again (a double click, a reload of the post): the same draft, not a second one
    again = author.post(f"{system.gateway}/admin/wechat/mass", data=form | {"title": "停电通知"})
    assert re.search(r"/admin/wechat/mass/(\d+)/submit", again.text).group(1) == send_id
    # a preview goes only to the author's own bound WeChat: none is bound, so it is refused with the way to do it
    unbound = author.post(f"{system.gateway}/admin/wechat/mass/{send_id}/preview", data={"csrf": csrf})
    assert 'data-field="openid"' in unbound.text and "绑定我的微信" in unbound.text
    submitted = author.post(f"{system.gateway}/admin/wechat/mass/{send_id}/submit", data={"csrf": csrf})
    assert 'id="await-approval"' in submitted.text and 'id="approve-send"' not in submitted.text

    approver = system.staff_browser("shenhe")
    review = approver.get(f"{system.gateway}/admin/wechat/mass/{send_id}")
    csrf2 = re.search(r'name="csrf" value="([^"]+)"', review.text).group(1)
    empty = approver.post(f"{system.gateway}/admin/wechat/mass/{send_id}/reject", data={"csrf": csrf2, "reason": ""})
    assert 'data-field="reason"' in empty.text
    done = approver.post(f"{system.gateway}/admin/wechat/mass/{send_id}/approve", data={"csrf": csrf2})
    assert "审核通过，正在发送" in done.text
