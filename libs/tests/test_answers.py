"""libs/wechat/answers.py: what an account answers by itself, decided from a Table as the gateway holds it.

Pure functions, nothing replaced. That messaging's own answers (from its database) equal these is proven in
services/messaging/tests/test_answer_table.py; that the callback uses them, in tests/test_wechat_edge.py.
"""

import pytest

from libs.wechat import answers
from libs.wechat.answers import ASK, Table

BASE = "https://gov.example.cn"
CARDS = [
    {"id": 7, "name": "社会保障卡补领", "summary": "社保卡丢失或损坏后补办", "keywords": ["社保卡", "补卡"]},
    {"id": 8, "name": "营业执照办理", "summary": "个体工商户登记", "keywords": ["营业执照"]},
]
CARD = {"articles": [{"title": "卡", "description": "", "url": f"{BASE}/h5/news/1", "image": ""}]}


def table(**over):
    made = Table(
        version=3,
        name="市政府",
        rules=[
            ("exact", ["你好"], "您好，这里是市政府。"),
            ("contains", ["停水"], "停水通知请看官网。"),
            ("contains", ["水"], "水务热线 12345。"),  # tried after 停水: rules come in priority order
            ("contains", ["卡片"], CARD),
        ],
        texts={"follow": "", "default": ""},
        blacklist=frozenset({"o_black"}),
        bound=frozenset({"o_staff"}),
        catalogue=answers.Catalogue(CARDS),
        actions=frozenset({"MY_CASES", "CONTACT"}),
    )
    for key, value in over.items():
        setattr(made, key, value)
    return made


def text(content, sender="o_citizen"):
    return {"MsgType": "text", "FromUserName": sender, "Content": content}


def event(name, key="", sender="o_citizen"):
    return {"MsgType": "event", "FromUserName": sender, "Event": name, "EventKey": key}


@pytest.mark.parametrize(
    "fields, expected",
    [
        (text("你好"), "您好，这里是市政府。"),
        (text(" 你好 "), "您好，这里是市政府。"),
        (text("你好呀"), None),  # exact means exact: falls through to the default reply below
        (text("明天停水吗"), "停水通知请看官网。"),
        (text("水费怎么交"), "水务热线 12345。"),
        (text("有卡片吗"), CARD),
        (text("TS202611260001"), ASK),  # a case number's status is messaging's data
        (text("咨询 社保卡丢了怎么补办才好呢"), answers.INQUIRY_TAKEN),
        (text("咨询 丢了"), answers.INQUIRY_TOO_SHORT),
        (text("群发 明天停水", sender="o_staff"), ASK),  # a bound operator's command
        (text("你好", sender="o_black"), None),  # blacklisted: nothing
        (event("CLICK", "MY_CASES"), ASK),
        (event("CLICK", "你好"), "您好，这里是市政府。"),  # a key naming no action is read as text
        (event("subscribe", "qrscene_bind-abc"), ASK),
        (event("SCAN", "bind-abc"), ASK),
        (event("MASSSENDJOBFINISH"), ASK),
        (event("LOCATION"), None),
        (event("unsubscribe"), None),
    ],
)
def test_what_the_account_answers(fields, expected):
    got = answers.compose(fields, table(), BASE)
    if expected is None and fields["MsgType"] == "text" and fields["FromUserName"] != "o_black":
        expected = answers.HELP.format(base=BASE)
    assert got == expected


def test_a_follow_gets_the_operators_reply_or_the_welcome():
    assert answers.compose(event("subscribe"), table(), BASE) == answers.WELCOME.format(base=BASE, name="市政府")
    own = table(texts={"follow": "欢迎！", "default": ""})
    assert answers.compose(event("subscribe", "qrscene_poster1"), own, BASE) == "欢迎！"


def test_no_rule_then_the_catalogue_then_the_default():
    card = answers.compose(text("我的社保卡丢了怎么办"), table(), BASE)
    assert card["articles"][0]["title"] == "办事指南：社会保障卡补领"
    assert card["articles"][0]["url"] == f"{BASE}/h5/services/7"
    assert answers.compose(text("今天天气"), table(texts={"default": "稍后回复"}), BASE) == "稍后回复"
    # digits are not Chinese pairs: a number alone matches no service
    assert answers.compose(text("12345"), table(), BASE) == answers.HELP.format(base=BASE)


def test_a_departments_account_links_to_its_own_pages():
    got = answers.compose(text("随便说说"), table(), BASE, code="hbj")
    assert f"{BASE}/h5/messages?wx=hbj" in got and f"{BASE}/h5/complaints/new?wx=hbj" in got
    card = answers.compose(text("社保卡丢了"), table(), BASE, code="hbj")
    assert card["articles"][0]["url"] == f"{BASE}/h5/services/7?wx=hbj"


def test_a_table_crosses_the_bus_whole():
    sent = table()
    wire = sent.to_wire(CARDS)
    got = Table.from_wire(wire)
    for fields in (
        text("你好"),
        text("有卡片吗"),
        text("社保卡丢了"),
        text("x", sender="o_black"),
        event("CLICK", "MY_CASES"),
    ):
        assert answers.compose(fields, got, BASE) == answers.compose(fields, sent, BASE)
    # without cards (the receiver holds this copy already) the receiver's own index is kept
    kept = Table.from_wire(sent.to_wire(None), catalogue=sent.catalogue)
    assert kept.catalogue is sent.catalogue
    assert Table.from_wire(sent.to_wire(None)).best_card("社保卡丢了", BASE) is None
