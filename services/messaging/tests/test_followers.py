"""用户管理 on a running messaging service against the sandbox WeChat: the resumable full sync, groups, the
blacklist, remarks, search, and what citizens say of themselves."""

import uuid
from datetime import UTC, datetime

import eventlet
import pytest
from sqlalchemy import select, text
from wechatpy.client.api import WeChatTag, WeChatUser

from libs.auth import Actor
from libs.errors import Conflict, Forbidden, NotFound, UpstreamFailed, ValidationError
from libs.testing import wait_for
from libs.wechat.sandbox import server as sandbox_server
from services.conftest import rpc_proxy
from services.messaging import followers
from services.messaging.models import Follower, audit_log
from services.messaging.tests.conftest import taken
from services.messaging.tests.test_replies import HANDLER, OPERATOR, said


@pytest.fixture
def operator(messaging, service_config, engine):
    with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
        yield proxy
    with engine.begin() as conn:  # the database outlives the test
        conn.execute(
            text(
                "DELETE FROM messaging.follower_tags; DELETE FROM messaging.tags; DELETE FROM messaging.follower_syncs;"
                " UPDATE messaging.followers SET blacklisted = false, remark = ''"
            )
        )
    followers.blacklist_cache.drop()


def follow(sandbox, service_config, n=1, prefix=None):
    """n citizens who follow the account (WeChat and our table both know them)."""
    prefix = prefix or f"o_f{uuid.uuid4().hex[:6]}_"
    openids = [f"{prefix}{i:03d}" for i in range(n)]
    for openid in openids:
        sandbox[1].follow(openid)
        said(service_config, None, "event", "subscribe", openid=openid)
    return openids


def test_groups_are_made_in_wechat_first_and_followers_put_in_them_fifty_a_call(operator, service_config, sandbox):
    wechat = sandbox[1]
    people = follow(sandbox, service_config, 120)
    tag = operator.save_follower_tag(None, {"name": "志愿者"})
    assert wechat.tags[tag["id"]] == "志愿者"
    assert operator.tag_followers(tag["id"], {"openids": people}) == {"changed": 120}
    calls = [c for c in wechat.calls if c["api"] == "tag_members"]
    assert [len(c["body"]["openid_list"]) for c in calls] == [50, 50, 20]
    assert all(tag["id"] in wechat.profiles[o]["tagid_list"] for o in people)
    listed = {t["name"]: t for t in operator.follower_tags()}
    assert listed["志愿者"]["count"] == 120 and listed["星标组"]["reserved"]
    found = operator.followers({"tag_id": tag["id"]})
    assert found["count"] == 120 and len(found["followers"]) == 50 and found["followers"][0]["tags"] == ["志愿者"]
    operator.tag_followers(tag["id"], {"openids": people[:10]}, False)
    assert operator.followers({"tag_id": tag["id"]})["count"] == 110
    renamed = operator.save_follower_tag(tag["id"], {"name": "社区志愿者"})
    assert renamed["name"] == "社区志愿者" and wechat.tags[tag["id"]] == "社区志愿者"
    operator.delete_follower_tag(tag["id"])
    assert tag["id"] not in wechat.tags and operator.followers({"tag_id": tag["id"]})["count"] == 0


@pytest.mark.parametrize(
    "name, field", [("", "name"), ("名" * 31, "name"), ("黑名单", "name"), ("星标组", "name"), ("a\x00", "name")]
)
def test_bad_group_names_are_refused(operator, name, field):
    with pytest.raises(ValidationError) as refused:
        operator.save_follower_tag(None, {"name": name})
    assert field in refused.value.details["fields"]


def test_group_rules_wechat_keeps_are_kept_here_too(operator, service_config, sandbox):
    operator.save_follower_tag(None, {"name": "老年人"})
    with pytest.raises(ValidationError):
        operator.save_follower_tag(None, {"name": "老年人"})  # the same name twice
    with pytest.raises(Conflict):
        operator.delete_follower_tag(2)  # 星标组 is WeChat's
    with pytest.raises(NotFound):
        operator.tag_followers(999999, {"openids": ["o_x"]})
    with pytest.raises(ValidationError):
        operator.tag_followers(2, {"openids": ["o_nobody_at_all"]})  # not a follower
    with pytest.raises(ValidationError):
        operator.tag_followers(2, {"openids": ["bad openid!"]})
    with pytest.raises(ValidationError):
        operator.tag_followers(2, {"openids": []})
    for i in range(98):  # 星标组 and 老年人 make 2: 98 more is WeChat's 100
        sandbox[1].tags[1000 + i] = f"满{i}"
    with pytest.raises(UpstreamFailed) as refused:
        operator.save_follower_tag(None, {"name": "第101个"})
    assert "45056" in refused.value.message


def test_a_refusal_half_way_keeps_what_wechat_took_and_says_how_far_it_got(operator, service_config, sandbox):
    people = follow(sandbox, service_config, 60)
    tag = operator.save_follower_tag(None, {"name": "半途"})
    # the first batch of 50 goes through; WeChat refuses the second
    sandbox[1].faults["/cgi-bin/tags/members/batchtagging"] = [45009, "api freq out of limit", 1, 1]
    with pytest.raises(UpstreamFailed) as refused:
        operator.tag_followers(tag["id"], {"openids": people})
    assert "已完成50/60" in refused.value.message and "接口调用次数已达今日上限" in refused.value.message
    assert operator.followers({"tag_id": tag["id"]})["count"] == 50


def test_the_blacklist_silences_auto_replies_and_remarks_reach_wechat(operator, service_config, sandbox):
    (troll,) = follow(sandbox, service_config)
    assert said(service_config, "你好", openid=troll) is not None
    assert operator.blacklist_followers({"openids": [troll]}) == {"changed": 1}
    assert troll in sandbox[1].blacklist
    assert said(service_config, "你好", openid=troll) is None  # kept, not answered
    assert operator.followers({"group": "blacklisted"})["followers"][0]["openid"] == troll
    operator.blacklist_followers({"openids": [troll]}, False)
    assert troll not in sandbox[1].blacklist and said(service_config, "你好", openid=troll) is not None

    assert operator.set_follower_remark(troll, {"remark": "经常反映噪音问题的张先生"})["remark"]
    assert sandbox[1].profiles[troll]["remark"] == "经常反映噪音问题的张先生"
    assert operator.followers({"q": "噪音"})["followers"][0]["openid"] == troll
    assert operator.followers({"q": troll})["count"] == 1
    assert operator.followers({"q": "100%_"})["count"] == 0  # LIKE's wildcards are text here
    with pytest.raises(ValidationError):
        operator.set_follower_remark(troll, {"remark": "长" * 31})
    with pytest.raises(NotFound):
        operator.set_follower_remark("o_nobody", {"remark": "x"})


def test_a_full_sync_pages_through_wechat_and_resumes_where_it_stopped(operator, service_config, sandbox, db_session):
    wechat = sandbox[1]
    prefix = f"o_s{uuid.uuid4().hex[:6]}_"
    for i in range(25_000):
        wechat.followers.add(f"{prefix}{i:07d}")
        wechat.profiles[f"{prefix}{i:07d}"] = {
            "subscribe_time": 1_700_000_000,
            "remark": "备注" if i == 7 else "",
            "tagid_list": [2] if i < 3 else [],
            "subscribe_scene": "ADD_SCENE_QR_CODE",
            "qr_scene_str": "poster-1" if i % 2 else "",
        }
    wechat.blacklist.add(f"{prefix}0000009")
    gone = f"o_gone_{uuid.uuid4().hex[:6]}"
    db_session.add(Follower(openid=gone, subscribed=True, subscribed_at=datetime(2020, 1, 1, tzinfo=UTC)))
    db_session.commit()
    # WeChat refuses the second page's first user-info call once: the sync stops there and picks up that page
    refusals = {"n": 0}
    original = wechat.record

    def record(api, body=None):
        if api == "user_batchget":
            refusals["n"] += 1
            if refusals["n"] == 101:
                wechat.faults["/cgi-bin/user/info/batchget"] = [-1, "system error", 1]
        return original(api, body)

    wechat.record = record
    started = operator.start_follower_sync()
    assert started["status"] == "running"
    with pytest.raises(Conflict):
        operator.start_follower_sync()  # one at a time
    done = wait_for(
        lambda: (s := operator.follower_sync())["status"] == "done" and s,
        timeout=120,
        interval=0.5,
        message="the sync to finish",
    )
    total = len(wechat.followers)
    assert done["fetched"] == total and done["total"] == total and done["pages"] == 3
    cursors = [c["params"].get("next_openid", "") for c in taken(sandbox, "user_get")]
    assert cursors[0] == "" and cursors[1] == cursors[2]  # the refused page was asked for again, not page 1
    assert len(set(cursors)) == 3
    seen = db_session.scalars(select(Follower).where(Follower.openid.like(f"{prefix}%"))).all()
    assert len(seen) == 25_000 and all(f.subscribed for f in seen)
    by_id = {f.openid: f for f in seen}
    assert by_id[f"{prefix}0000007"].remark == "备注" and by_id[f"{prefix}0000001"].scene == "poster-1"
    assert by_id[f"{prefix}0000009"].blacklisted
    assert operator.followers({"tag_id": 2, "q": ""})["count"] >= 3
    db_session.expire_all()
    assert not db_session.get(Follower, gone).subscribed  # WeChat no longer lists them: they left


def as_staff(service_config, call, actor=OPERATOR):
    """call(proxy) on a proxy of its own (the test's own may be busy in another green thread)."""
    with rpc_proxy("messaging", service_config, actor) as proxy:
        return call(proxy)


def after_wechat_answered(monkeypatch, method, then):
    """(wechatpy class, method name): once WeChat has answered that call, then(args) runs before the answer goes
    back to our code, so that a change lands between what the sync read and what it writes."""
    original = getattr(method[0], method[1])

    def answered(self, *args, **kwargs):
        answer = original(self, *args, **kwargs)
        then(args)
        return answer

    monkeypatch.setattr(method[0], method[1], answered)


def test_what_operators_change_while_a_sync_reads_wechat_is_not_undone_by_it(
    operator, service_config, sandbox, db_session, monkeypatch
):
    """A sync reads WeChat, then writes: an operator's change that lands in between (a remark, a group, the
    blacklist, a new group) is newer than what the sync read, and stays."""
    # pages of 2: the first page is committed when the sync's end reads the blacklist (a row the sync itself wrote
    # in its open transaction would only make the operator wait for it, which is no race)
    monkeypatch.setattr(sandbox_server, "FOLLOWER_PAGE", 2)
    people = follow(sandbox, service_config, 3)
    remarked, released = people[0], people[1]
    group = operator.save_follower_tag(None, {"name": "楼长"})
    operator.blacklist_followers({"openids": [released]})
    created = []

    def as_operator(call):
        return as_staff(service_config, call)

    def after_the_answer(method, then):
        after_wechat_answered(monkeypatch, method, then)

    def change_people(args):
        if any(u["openid"] == remarked for u in args[0]):
            as_operator(lambda p: p.set_follower_remark(remarked, {"remark": "三号楼楼长"}))
            as_operator(lambda p: p.tag_followers(group["id"], {"openids": [remarked]}))

    def add_group(args):  # it waits for the sync's end, which holds the groups' lock: run it beside
        created.append(eventlet.spawn(as_operator, lambda p: p.save_follower_tag(None, {"name": "新分组"})))
        eventlet.sleep(0.5)  # time enough to land, were it not waiting

    after_the_answer((WeChatUser, "get_batch"), change_people)
    after_the_answer(
        (WeChatTag, "get_black_list"),
        lambda _: as_operator(lambda p: p.blacklist_followers({"openids": [released]}, False)),
    )
    after_the_answer((WeChatTag, "get"), add_group)
    operator.start_follower_sync()
    wait_for(lambda: operator.follower_sync()["status"] == "done", timeout=60, interval=0.2, message="the sync")
    new_group = created[0].wait()
    db_session.expire_all()
    mine = {f["openid"]: f for f in operator.followers({"q": remarked})["followers"]}
    assert mine[remarked]["remark"] == "三号楼楼长" and mine[remarked]["tags"] == ["楼长"]
    assert not db_session.get(Follower, released).blacklisted
    assert new_group["id"] in {t["id"] for t in operator.follower_tags()}
    assert all(db_session.get(Follower, o).subscribed for o in people)


def test_a_group_deleted_during_a_syncs_last_page_is_deleted_and_the_sync_ends(
    operator, service_config, sandbox, db_session, monkeypatch
):
    """The deletion waits for the page's rows, and the sync's end waits for the deletion: neither holds what the
    other waits for (inside the last page's transaction, the end used to wait for the groups' lock, a deadlock)."""
    monkeypatch.setattr(followers, "INFO_BATCH", 1)  # one follower a call: the deletion comes after the first
    people = follow(sandbox, service_config, 2)
    group = operator.save_follower_tag(None, {"name": "临时分组"})
    operator.tag_followers(group["id"], {"openids": people})
    deleting = []

    def delete_group(args):
        if not deleting and any(u["openid"] == people[1] for u in args[0]):
            deleting.append(eventlet.spawn(as_staff, service_config, lambda p: p.delete_follower_tag(group["id"])))
            eventlet.sleep(0.5)  # it takes the groups' lock, then waits for the first follower's rows in this page

    after_wechat_answered(monkeypatch, (WeChatUser, "get_batch"), delete_group)
    operator.start_follower_sync()
    done = wait_for(
        lambda: (s := operator.follower_sync())["status"] != "running" and s, timeout=60, interval=0.2, message="sync"
    )
    assert done["status"] == "done" and done["error"] == ""
    assert deleting[0].wait() == {"deleted": group["id"]}
    assert group["id"] not in sandbox[1].tags and group["id"] not in {t["id"] for t in operator.follower_tags()}
    left = db_session.scalar(text("SELECT count(*) FROM messaging.follower_tags WHERE tag_id = :t"), {"t": group["id"]})
    assert left == 0


def test_the_citizen_states_gender_and_region_and_location_counts_only_with_consent(
    messaging, service_config, sandbox, operator
):
    (citizen,) = follow(sandbox, service_config)
    location = {"Latitude": "30.2101", "Longitude": "120.2100", "Precision": "30"}
    with rpc_proxy("messaging", service_config, Actor.citizen(citizen)) as me:
        said(service_config, None, "event", "LOCATION", openid=citizen)  # no coordinates: ignored
        send_location(service_config, citizen, location)
        assert me.my_profile()["region"] == ""  # no consent yet
        me.save_my_profile({"gender": "female", "region": "", "location_consent": True})
        send_location(service_config, citizen, location)
        assert me.my_profile()["region"] == "滨江区" and me.my_profile()["region_source"] == "location"
        me.save_my_profile({"gender": "female", "region": "西湖区", "location_consent": True})
        send_location(service_config, citizen, location)
        assert me.my_profile()["region"] == "西湖区"  # what they said wins
        with pytest.raises(ValidationError):
            me.save_my_profile({"gender": "other"})
        with pytest.raises(ValidationError):
            me.save_my_profile({"region": "火星"})
    found = operator.followers({"gender": "female", "region": "西湖区"})
    assert citizen in [f["openid"] for f in found["followers"]]
    with rpc_proxy("messaging", service_config, Actor.citizen("o_never_followed")) as stranger:
        with pytest.raises(Conflict):
            stranger.save_my_profile({"gender": "male"})


def send_location(service_config, openid, coordinates):
    fields = {
        "ToUserName": "gh",
        "FromUserName": openid,
        "CreateTime": str(uuid.uuid4().int % 10**9),
        "MsgType": "event",
        "Event": "LOCATION",
        **coordinates,
    }
    with rpc_proxy("messaging", service_config) as proxy:
        proxy.receive(f"evt:{openid}:{uuid.uuid4().hex}", fields, datetime.now(UTC).timestamp() + 5)


def test_only_operators_manage_followers_and_each_change_is_audited(
    operator, messaging, service_config, sandbox, db_session
):
    (someone,) = follow(sandbox, service_config)
    with rpc_proxy("messaging", service_config, HANDLER) as handler:
        for call in (
            lambda: handler.followers({}),
            lambda: handler.save_follower_tag(None, {"name": "x"}),
            lambda: handler.blacklist_followers({"openids": [someone]}),
            lambda: handler.start_follower_sync(),
            lambda: handler.set_follower_remark(someone, {"remark": "x"}),
        ):
            with pytest.raises(Forbidden):
                call()
    tag = operator.save_follower_tag(None, {"name": "审计"})
    operator.tag_followers(tag["id"], {"openids": [someone]})
    operator.set_follower_remark(someone, {"remark": "备注"})
    actions = db_session.scalars(
        select(audit_log.c.action).where(audit_log.c.actor_id == OPERATOR.id).order_by(audit_log.c.id)
    ).all()
    assert actions[-3:] == ["wechat.tag_saved", "wechat.followers_tagged", "wechat.remark_set"]


def test_two_operators_creating_groups_at_once_both_land(operator, service_config):
    def create(i):
        with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
            return proxy.save_follower_tag(None, {"name": f"并发{i}"})

    made = list(eventlet.GreenPool(6).imap(create, range(6)))
    assert len({t["id"] for t in made}) == 6
    assert {f"并发{i}" for i in range(6)} <= {t["name"] for t in operator.follower_tags()}
