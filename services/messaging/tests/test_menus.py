"""自定义菜单 on a running messaging service: the draft checked against WeChat's limits, published to the sandbox
WeChat, and the account answering the menu's clicks."""

import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from sqlalchemy import select, text

from libs.errors import Forbidden, NotFound, UpstreamFailed, ValidationError
from services.conftest import rpc_proxy
from services.messaging.models import CaseTrack, audit_log
from services.messaging.tests.test_replies import HANDLER, OPERATOR, rule, said

MENU = {
    "button": [
        {
            "name": "办事服务",
            "sub_button": [
                {"type": "click", "name": "服务指南", "key": "SERVICE_GUIDE"},
                {"type": "view", "name": "微官网", "url": "https://gov.example/h5/"},
            ],
        },
        {"type": "click", "name": "我的办件", "key": "MY_CASES"},
        {
            "type": "miniprogram",
            "name": "小程序",
            "url": "https://gov.example/h5/",
            "appid": "wx0123456789abcdef",
            "pagepath": "pages/index",
        },
    ]
}


@pytest.fixture
def operator(messaging, service_config, engine):
    with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
        yield proxy
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM messaging.menus; DELETE FROM messaging.reply_rules"))


def test_a_saved_draft_reaches_wechat_only_when_published(operator, sandbox):
    wechat = sandbox[1]
    saved = operator.save_menu(MENU)
    assert saved["draft"] == MENU and saved["published"] is None and saved["unpublished_changes"]
    assert wechat.menu is None
    published = operator.publish_menu()
    assert published["published"] == MENU and not published["unpublished_changes"] and published["published_at"]
    assert wechat.menu["button"] == MENU["button"]  # exactly WeChat's menu/create shape
    changed = {"button": MENU["button"][:2]}
    assert operator.save_menu(changed)["unpublished_changes"]
    assert wechat.menu["button"] == MENU["button"]  # still the published one
    operator.publish_menu()
    assert wechat.menu["button"] == changed["button"]
    withdrawn = operator.withdraw_menu()
    assert wechat.menu is None and withdrawn["published"] is None and withdrawn["draft"] == changed


def test_only_the_fields_a_button_type_uses_are_given_to_wechat(operator, sandbox):
    messy = {"button": [{"type": "view", "name": "网页", "url": "https://gov.example/", "key": "IGNORED"}]}
    operator.save_menu(messy)
    operator.publish_menu()
    assert sandbox[1].menu["button"] == [{"type": "view", "name": "网页", "url": "https://gov.example/"}]


def sub(**over):
    return {"type": "click", "name": "子菜单", "key": "MY_CASES"} | over


@pytest.mark.parametrize(
    "menu, field",
    [
        ({"button": []}, "button"),
        ({"button": [sub()] * 4}, "button"),
        ({"button": [{"name": "分组", "sub_button": [sub()] * 6}]}, "button.0.sub_button"),
        ({"button": [sub(name="六个汉字菜单")]}, "button.0.name"),  # 18 bytes: over the top button's 16
        ({"button": [{"name": "分组", "sub_button": [sub(name="长" * 21)]}]}, "button.0.sub_button.0.name"),
        ({"button": [sub(key="k" * 129)]}, "button.0.key"),
        ({"button": [sub(key="")]}, "button.0.key"),
        ({"button": [sub(type="view", url="ftp://gov.example/")]}, "button.0.url"),
        ({"button": [sub(type="view", url="https://gov.example/" + "a" * 240)]}, "button.0.url"),  # > 256 bytes
        ({"button": [sub(type="miniprogram", url="https://g.example/", appid="wx1", pagepath="p")]}, "button.0.appid"),
        ({"button": [sub(type="location_select")]}, "button.0.type"),
        ({"button": [sub(name="")]}, "button.0.name"),
        ({"button": [sub(name="含\x00控制符")]}, "button.0.name"),
        ({"button": "菜单"}, "button"),
    ],
)
def test_menus_over_wechats_limits_are_refused_with_the_field_and_a_reason(operator, menu, field, sandbox):
    with pytest.raises(ValidationError) as refused:
        operator.save_menu(menu)
    fields = refused.value.details["fields"]
    assert field in fields and fields[field], fields
    assert operator.menu()["updated_at"] is None
    with pytest.raises(NotFound):
        operator.publish_menu()  # nothing saved, nothing to publish
    assert not [c for c in sandbox[1].calls if c["api"] == "menu_create"]


def test_wechat_refusing_the_menu_is_said_in_chinese_and_the_draft_stays_unpublished(operator, sandbox):
    wechat = sandbox[1]
    operator.save_menu(MENU)
    wechat.faults["/cgi-bin/menu/create"] = [40055, "invalid button url domain", 1]
    with pytest.raises(UpstreamFailed) as refused:
        operator.publish_menu()
    assert "菜单链接的域名不合法" in refused.value.message and "40055" in refused.value.message
    assert refused.value.details == {"errcode": "40055"}
    state = operator.menu()
    assert state["published"] is None and state["unpublished_changes"]
    assert operator.publish_menu()["published"] == MENU  # once WeChat takes it


def test_only_operators_and_administrators_touch_the_menu_and_each_change_is_audited(
    operator, messaging, service_config, db_session
):
    with rpc_proxy("messaging", service_config, HANDLER) as handler:
        for call in (lambda: handler.menu(), lambda: handler.save_menu(MENU), lambda: handler.publish_menu()):
            with pytest.raises(Forbidden):
                call()
    with rpc_proxy("messaging", service_config) as anonymous, pytest.raises(Forbidden):
        anonymous.withdraw_menu()
    operator.save_menu(MENU)
    operator.publish_menu()
    operator.withdraw_menu()
    actions = db_session.scalars(
        select(audit_log.c.action).where(audit_log.c.actor_id == OPERATOR.id).order_by(audit_log.c.id)
    ).all()
    assert actions[-3:] == ["wechat.menu_saved", "wechat.menu_published", "wechat.menu_withdrawn"]


def test_saves_and_publishes_at_once_leave_one_menu_and_wechat_holding_the_recorded_one(
    operator, service_config, sandbox
):
    def save_and_publish(i):
        menu = {"button": [sub(name=f"第{i}版")]}
        with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
            proxy.save_menu(menu)
            return proxy.publish_menu()

    results = list(eventlet.GreenPool(8).imap(save_and_publish, range(8)))
    assert len(results) == 8
    final = operator.menu()
    assert final["published"]["button"] == sandbox[1].menu["button"]  # what we say WeChat has, it has


# -- clicks ------------------------------------------------------------------------------------------------------
def track(db_session, openid, number, status, label, minutes_ago):
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    db_session.add(
        CaseTrack(
            number=number,
            openid=openid,
            kind_label="投诉",
            status=status,
            status_label=label,
            created_at=at,
            updated_at=at,
        )
    )
    db_session.commit()


def test_my_cases_lists_the_clickers_open_cases_newest_first(messaging, service_config, db_session):
    openid = f"o_menu_{uuid.uuid4().hex[:8]}"
    assert "没有正在办理的案件" in said(service_config, None, "event", "CLICK", "MY_CASES", openid)
    n = uuid.uuid4().int % 10**8
    track(db_session, openid, f"TS2026{n:08d}01", "in_progress", "办理中", 30)
    track(db_session, openid, f"TS2026{n:08d}02", "replied", "已答复", 5)
    track(db_session, openid, f"TS2026{n:08d}03", "closed", "已办结", 1)
    track(db_session, f"{openid}x", f"TS2026{n:08d}04", "submitted", "已提交", 1)  # someone else's
    answer = said(service_config, None, "event", "CLICK", "MY_CASES", openid)
    assert answer.startswith("您有2件正在办理的案件")
    assert answer.index(f"{n:08d}02") < answer.index(f"{n:08d}01")
    assert f"{n:08d}03" not in answer and f"{n:08d}04" not in answer
    assert "状态：已答复" in answer and "/h5/cases/TS2026" in answer


def test_the_other_actions_answer_with_their_card_or_link(messaging, service_config):
    guide = said(service_config, None, "event", "CLICK", "SERVICE_GUIDE")
    assert guide["articles"][0]["title"] == "办事指南" and guide["articles"][0]["url"].endswith("/h5/services")
    assert "/h5/complaints/new" in said(service_config, None, "event", "CLICK", "COMPLAIN")
    assert "咨询 社保卡丢了" in said(service_config, None, "event", "CLICK", "INQUIRY")
    assert "12345" in said(service_config, None, "event", "CLICK", "CONTACT")


def test_a_key_that_names_no_action_is_answered_by_the_keyword_rules_else_the_default(operator, service_config):
    operator.save_reply_rule(
        None, rule(name="办公时间", keywords="OFFICE_HOURS", match="exact", text="工作日9点至17点")
    )
    assert said(service_config, None, "event", "CLICK", "OFFICE_HOURS") == "工作日9点至17点"
    assert "留言已收到，工作人员会在工作时间查看" in said(service_config, None, "event", "CLICK", "NO_SUCH_KEY")
    assert said(service_config, None, "event", "VIEW", "https://gov.example/h5/") is None  # a link opens; no reply


def test_a_groups_conditional_menu_needs_the_default_one_and_replaces_itself_in_wechat(operator, sandbox, engine):
    wechat = sandbox[1]
    try:
        tag = operator.save_follower_tag(None, {"name": "老年人"})
        elders = {"button": [{"type": "click", "name": "长者服务", "key": "CONTACT"}]}
        saved = operator.save_menu(elders, tag["id"])
        assert saved["tag_id"] == tag["id"] and saved["draft"] == elders
        with pytest.raises(UpstreamFailed) as refused:
            operator.publish_menu(tag["id"])  # WeChat wants the default menu first
        assert "请先发布默认菜单" in refused.value.message
        operator.save_menu(MENU)
        operator.publish_menu()
        operator.publish_menu(tag["id"])
        (first,) = wechat.conditional.values()
        assert first["matchrule"] == {"tag_id": str(tag["id"])} and first["button"] == elders["button"]
        operator.save_menu({"button": [{"type": "click", "name": "长者热线", "key": "CONTACT"}]}, tag["id"])
        operator.publish_menu(tag["id"])
        (second,) = wechat.conditional.values()  # the old one was deleted, not left beside the new one
        assert second["button"][0]["name"] == "长者热线"
        assert operator.menu()["conditional"] == [{"tag_id": tag["id"], "published": True}]
        operator.withdraw_menu(tag["id"])
        assert wechat.conditional == {} and wechat.menu is not None
        operator.publish_menu(tag["id"])
        operator.withdraw_menu()  # everyone's menu: the group's goes with it
        assert wechat.menu is None and wechat.conditional == {}
        assert operator.menu(tag["id"])["published"] is None
        for bad in (999_999, -1, "2", True):
            with pytest.raises(NotFound):
                operator.save_menu(elders, bad)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM messaging.menus; DELETE FROM messaging.tags"))
