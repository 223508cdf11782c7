"""用户管理 across the system: an operator syncs the follower list from the sandbox WeChat, groups, blacklists and
finds followers in the admin and the API; a citizen states gender and district on the H5 profile page."""

import re
import uuid

import requests

from libs.testing import wait_for


def followers_in_wechat(system, n):
    prefix = f"o_w{uuid.uuid4().hex[:6]}_"
    resp = requests.post(f"{system.sandbox}/sandbox/followers", json={"count": n, "prefix": prefix})
    resp.raise_for_status()
    return [f"{prefix}{i:07d}" for i in range(n)]


def test_an_operator_syncs_groups_and_blacklists_through_the_api(system):
    api = system.staff_session("yunying")
    base = f"{system.gateway}/api/v1/wechat"
    people = followers_in_wechat(system, 30)
    started = api.post(f"{base}/follower-sync")
    assert started.status_code in (201, 409), started.text  # another test may have one running
    wait_for(
        lambda: api.get(f"{base}/follower-sync").json()["sync"]["status"] == "done",
        timeout=60,
        interval=0.5,
        message="the sync",
    )
    found = api.get(f"{base}/followers", params={"q": people[3]}).json()
    assert [f["openid"] for f in found["followers"]] == [people[3]]

    tag = api.post(f"{base}/follower-tags", json={"name": f"网格员{uuid.uuid4().hex[:4]}"})
    assert tag.status_code == 201, tag.text
    tag_id = tag.json()["id"]
    added = api.post(f"{base}/follower-tags/{tag_id}/members", json={"openids": people[:25]})
    assert added.json() == {"changed": 25}
    assert api.get(f"{base}/followers", params={"tag_id": tag_id}).json()["count"] == 25
    removed = api.delete(f"{base}/follower-tags/{tag_id}/members", json={"openids": people[:5]})
    assert removed.json() == {"changed": 5}
    assert api.post(f"{base}/blacklist", json={"openids": [people[0]]}).json() == {"changed": 1}
    assert api.get(f"{base}/followers", params={"group": "blacklisted", "q": people[0]}).json()["count"] == 1
    remark = api.put(f"{base}/followers/{people[1]}/remark", json={"remark": "网格员老李"})
    assert remark.status_code == 200 and remark.json()["remark"] == "网格员老李"
    assert api.get(f"{base}/followers", params={"q": "老李"}).json()["followers"][0]["openid"] == people[1]
    assert api.delete(f"{base}/follower-tags/{tag_id}").json() == {"deleted": tag_id}


def test_bad_requests_and_strangers_are_refused(system):
    api = system.staff_session("yunying")
    base = f"{system.gateway}/api/v1/wechat"
    assert api.post(f"{base}/follower-tags", json={"name": "黑名单"}).status_code == 400
    assert api.post(f"{base}/follower-tags", data=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    assert api.post(f"{base}/follower-tags/999999/members", json={"openids": ["o_x"]}).status_code == 404
    assert api.post(f"{base}/blacklist", json={"openids": "o_x"}).status_code == 400
    assert api.post(f"{base}/blacklist", json={"openids": ["o_not_a_follower"]}).status_code == 400
    assert api.post(f"{base}/blacklist", json={"openids": ["o"] * 1001}).status_code == 400
    assert api.get(f"{base}/followers", params={"gender": "x"}).status_code == 400
    assert api.get(f"{base}/followers", params={"tag_id": "-1"}).status_code == 400
    assert api.put(f"{base}/followers/o_nobody/remark", json={"remark": "x"}).status_code == 404
    assert api.delete(f"{base}/follower-tags/2").status_code == 409  # 星标组 is WeChat's own
    handler = system.staff_session("huanbao")
    assert handler.get(f"{base}/followers").status_code == 403
    assert handler.post(f"{base}/follower-sync").status_code == 403
    assert requests.get(f"{base}/follower-tags").status_code == 401
    assert system.staff_browser("huanbao").get(f"{system.gateway}/admin/wechat/followers").status_code == 403


def test_the_admin_page_finds_groups_and_remarks_followers(system):
    people = followers_in_wechat(system, 3)
    citizen = system.citizen(openid=people[0])
    citizen.subscribe()  # known to messaging without a sync
    browser = system.staff_browser("yunying")
    page = browser.get(f"{system.gateway}/admin/wechat/followers", params={"q": people[0]})
    assert page.status_code == 200 and f'data-openid="{people[0]}"' in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    made = browser.post(
        f"{system.gateway}/admin/wechat/followers/tags", data={"csrf": csrf, "name": f"楼长{uuid.uuid4().hex[:4]}"}
    )
    assert "分组已保存" in made.text
    tag_id = re.findall(r'data-tag="(\d+)"', made.text)[-1]
    nothing = browser.post(
        f"{system.gateway}/admin/wechat/followers/members", data={"csrf": csrf, "action": "tag", "tag_id": tag_id}
    )
    assert "请先勾选粉丝" in nothing.text
    tagged = browser.post(
        f"{system.gateway}/admin/wechat/followers/members",
        data={"csrf": csrf, "action": "tag", "tag_id": tag_id, "openid": people[0], "f_q": people[0]},
    )
    assert "已加入分组：1位粉丝" in tagged.text and f'data-openid="{people[0]}"' in tagged.text  # filters kept
    remarked = browser.post(
        f"{system.gateway}/admin/wechat/followers/{people[0]}/remark", data={"csrf": csrf, "remark": "三号楼楼长"}
    )
    assert "备注名已保存" in remarked.text
    bad = browser.get(f"{system.gateway}/admin/wechat/followers", params={"gender": "unknown"})
    assert bad.status_code == 200 and 'data-field="gender"' in bad.text  # a hand-edited query: said, not a 500


def test_a_citizen_states_gender_and_district_on_the_profile_page(system):
    citizen = system.citizen()
    citizen.subscribe()
    h5 = requests.Session()
    h5.cookies.set("sandbox_openid", citizen.openid, domain="127.0.0.1")
    page = h5.get(f"{system.gateway}/h5/profile")
    assert page.status_code == 200 and "西湖区" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    saved = h5.post(f"{system.gateway}/h5/profile", data={"csrf": csrf, "gender": "male", "region": "西湖区"})
    assert saved.status_code == 200 and 'id="saved"' in saved.text and 'value="西湖区" selected' in saved.text
    refused = h5.post(f"{system.gateway}/h5/profile", data={"csrf": csrf, "gender": "male", "region": "火星"})
    assert refused.status_code == 400 and 'data-field="region"' in refused.text
    assert h5.post(f"{system.gateway}/h5/profile", data={"gender": "male"}).status_code == 400  # no CSRF token
    api = system.staff_session("yunying")
    found = api.get(f"{system.gateway}/api/v1/wechat/followers", params={"q": citizen.openid}).json()
    assert found["followers"][0]["gender"] == "male" and found["followers"][0]["region"] == "西湖区"


def test_a_group_name_cannot_break_out_of_the_page(system):
    """A name with quotes lands in a data attribute, escaped; no script built from it."""
    api = system.staff_session("yunying")
    name = "');alert(1);('" + uuid.uuid4().hex[:4]
    made = api.post(f"{system.gateway}/api/v1/wechat/follower-tags", json={"name": name})
    assert made.status_code == 201, made.text
    page = system.staff_browser("yunying").get(f"{system.gateway}/admin/wechat/followers").text
    assert "confirm('删除分组" not in page and 'onsubmit="return confirm(this.dataset.confirm)"' in page
    assert "&#39;);alert(1);(&#39;" in page
    api.delete(f"{system.gateway}/api/v1/wechat/follower-tags/{made.json()['id']}")
