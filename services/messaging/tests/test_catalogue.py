"""A message no rule matched is answered with the catalogue's best service card, from messaging's own copy."""

import pytest
from sqlalchemy import text

from services.conftest import rpc_proxy
from services.messaging import catalogue, replies
from services.messaging.tests.test_replies import OPERATOR, rule, said

SERVICES = [
    {
        "id": 901,
        "name": "社保卡申领",
        "summary": "首次申领、补领、换领社会保障卡",
        "keywords": ["社保卡", "补办社保卡"],
    },
    {"id": 902, "name": "失业保险金申领", "summary": "失业人员按月领取失业保险金", "keywords": ["失业金", "领失业金"]},
    {"id": 903, "name": "营业执照办理", "summary": "个体工商户、企业设立登记", "keywords": ["营业执照", "开店"]},
]


@pytest.fixture
def cards(messaging, db_session, engine):
    catalogue.replace_all(db_session, SERVICES)
    db_session.commit()
    catalogue.cards.drop()
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM messaging.catalogue_cards; DELETE FROM messaging.reply_rules"))
    catalogue.cards.drop()
    replies.cache.drop(1)


@pytest.mark.parametrize(
    "message, service",
    [("我的社保卡丢了怎么办", 901), ("请问失业金怎么领", 902), ("开店要办营业执照吗", 903)],
)
def test_a_message_gets_the_best_services_card(cards, service_config, message, service):
    (card,) = said(service_config, message)["articles"]
    assert card["url"].endswith(f"/h5/services/{service}") and card["title"].startswith("办事指南：")
    assert "您的留言也已转给工作人员" in card["description"]


def test_nothing_close_enough_gets_the_default_reply(cards, service_config):
    for message in ("你好", "随便说点什么", "今天天气不错", "？？？"):
        assert "留言已收到" in said(service_config, message)


def test_the_operators_rules_come_first(cards, service_config, messaging):
    with rpc_proxy("messaging", service_config, OPERATOR) as operator:
        operator.save_reply_rule(None, rule(keywords="社保卡", text="社保卡请拨打12333"))
    assert said(service_config, "我的社保卡丢了怎么办") == "社保卡请拨打12333"


def test_the_copy_follows_the_catalogue(cards, db_session, service_config):
    catalogue.replace_all(db_session, SERVICES[1:])  # 社保卡申领 is gone from content
    db_session.commit()
    catalogue.cards.drop()
    assert "留言已收到" in said(service_config, "我的社保卡丢了怎么办")
    catalogue.keep(db_session, [SERVICES[0] | {"name": "社会保障卡补领"}])
    db_session.commit()
    catalogue.cards.drop()
    assert said(service_config, "社保卡丢了")["articles"][0]["title"] == "办事指南：社会保障卡补领"
