"""Several Official Accounts on one install: a department's own account (市生态环境局, `hbj`) beside the city's, with
its own followers, replies, menu and WeChat credentials; staff operate only the accounts their record names."""

import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from libs.auth import Actor
from libs.errors import Forbidden, NotFound
from services.conftest import rpc_proxy
from services.messaging import replies
from services.messaging.models import Account, Follower, OutboundMessage
from services.messaging.tests.test_menus import MENU
from services.messaging.tests.test_replies import OPERATOR

HBJ_OPERATOR = Actor(
    kind="staff", id="41", name="环保局运营 吴婷", roles=("operator",), wechat_accounts=("hbj",), account="hbj"
)


@pytest.fixture
def hbj(messaging, service_config, engine):
    with rpc_proxy("messaging", service_config, HBJ_OPERATOR) as proxy:
        yield proxy
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM messaging.reply_rules"))
    replies.cache.drop(1)
    replies.cache.drop(2)


@pytest.fixture
def operator(messaging, service_config):
    with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
        yield proxy


def message(service_config, account, content, openid):
    fields = {
        "ToUserName": "gh",
        "FromUserName": openid,
        "CreateTime": "1",
        "MsgType": "text",
        "Content": content,
        "MsgId": str(uuid.uuid4().int % 10**12),
    }
    with rpc_proxy("messaging", service_config) as proxy:
        key = f"{account}:msg:{fields['MsgId']}"
        return proxy.receive(key, fields, datetime.now(UTC).timestamp() + 5, account)["reply"]


def test_each_account_keeps_its_followers_and_answers_with_its_own_rules(hbj, operator, service_config, db_session):
    word = f"垃圾分类{uuid.uuid4().hex[:4]}"
    operator.save_reply_rule(None, {"name": "市里", "keywords": word, "text": "市政务服务中心的回答"})
    hbj.save_reply_rule(None, {"name": "环保", "keywords": word, "text": "市生态环境局的回答"})
    city_citizen, hbj_citizen = f"o_city_{uuid.uuid4().hex[:6]}", f"o_hbj_{uuid.uuid4().hex[:6]}"
    assert message(service_config, "main", word, city_citizen) == "市政务服务中心的回答"
    assert message(service_config, "hbj", word, hbj_citizen) == "市生态环境局的回答"
    hbj_id = db_session.scalar(select(Account.id).where(Account.code == "hbj"))
    assert hbj_id > 1 and db_session.get(Follower, hbj_citizen).account_id == hbj_id
    assert db_session.get(Follower, city_citizen).account_id == 1
    passive = db_session.scalar(select(OutboundMessage).where(OutboundMessage.openid == hbj_citizen))
    assert passive.account_id == hbj_id
    # each operator sees their own account's followers and rules only
    assert [f["openid"] for f in hbj.followers({"q": hbj_citizen})["followers"]] == [hbj_citizen]
    assert hbj.followers({"q": city_citizen})["followers"] == []
    assert [r["name"] for r in hbj.reply_rules()["rules"]] == ["环保"]
    assert "环保" not in [r["name"] for r in operator.reply_rules()["rules"]]
    with pytest.raises(NotFound):
        message(service_config, "nosuch", word, city_citizen)


def test_staff_act_only_on_the_accounts_their_record_names(messaging, service_config):
    main_operator_on_hbj = Actor(kind="staff", id="31", name="运营", roles=("operator",), account="hbj")
    hbj_operator_on_main = Actor(
        kind="staff", id="41", name="运营", roles=("operator",), wechat_accounts=("hbj",), account="main"
    )
    unknown = Actor(kind="staff", id="42", name="运营", roles=("operator",), wechat_accounts=("*",), account="nosuch")
    everyone = Actor(kind="staff", id="1", name="管理员", roles=("admin",), wechat_accounts=("*",), account="hbj")
    for actor, refused in ((main_operator_on_hbj, Forbidden), (hbj_operator_on_main, Forbidden), (unknown, NotFound)):
        with rpc_proxy("messaging", service_config, actor) as proxy:
            for call in (proxy.followers, proxy.reply_rules, proxy.mass_sends, proxy.materials, proxy.menu):
                with pytest.raises(refused):
                    call()
    with rpc_proxy("messaging", service_config, everyone) as admin:  # "*": every account the install serves
        assert admin.mass_sends() == [] and "published" in admin.menu()  # refused nothing


def test_an_accounts_menu_goes_to_wechat_with_its_own_credentials(hbj, operator, sandbox):
    hbj.save_menu(MENU)
    hbj.publish_menu()
    states = sandbox[2]
    assert states["hbj"].menu is not None and states["hbj"].menu["button"][0]["name"] == MENU["button"][0]["name"]
    assert states["main"].menu is None or states["main"].menu != states["hbj"].menu
    # the call carried a token WeChat issued to the department's AppID, not the city's
    (call,) = [c for c in states["hbj"].calls if c["api"] == "menu_create"]
    assert call["params"]["access_token"] in states["hbj"].tokens
    assert call["params"]["access_token"] not in states["main"].tokens
    assert operator.menu()["published"] != hbj.menu()["published"]


def test_an_answer_reaches_the_citizen_through_their_own_account(hbj, service_config, sandbox, db_session):
    citizen = f"o_hbj_{uuid.uuid4().hex[:6]}"
    sandbox[2]["hbj"].follow(citizen)
    message(service_config, "hbj", "河边有人倾倒垃圾", citizen)
    sent = hbj.answer_citizen(citizen, {"text": "已安排执法人员前往处理。"}, uuid.uuid4().hex)
    assert sent["channel"] == "custom" and sent["status"] == "sent"
    assert [m["content"] for m in sandbox[2]["hbj"].timeline[citizen] if m["kind"] == "custom"] == [
        "已安排执法人员前往处理。"
    ]
    assert citizen not in sandbox[2]["main"].timeline


def test_a_departments_replies_link_to_the_pages_as_that_account_knows_the_citizen(messaging, service_config):
    fields = {
        "ToUserName": "gh",
        "FromUserName": f"o_hbj_{uuid.uuid4().hex[:6]}",
        "CreateTime": "1",
        "MsgType": "event",
        "Event": "subscribe",
        "EventKey": "",
    }
    with rpc_proxy("messaging", service_config) as proxy:
        welcome = proxy.receive(f"hbj:evt:{uuid.uuid4().hex}", fields, datetime.now(UTC).timestamp() + 5, "hbj")
        city = proxy.receive(
            f"evt:{uuid.uuid4().hex}", fields | {"FromUserName": "o_city_x"}, datetime.now(UTC).timestamp() + 5
        )
    links = re.findall(r'href="([^"]+)"', welcome["reply"])
    assert links and all("/h5/" in link and link.endswith("wx=hbj") for link in links)
    assert "wx=" not in city["reply"]
