"""回复设置 on a running messaging service: operators' rules, checked as WeChat limits them, answering citizens."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from libs.auth import Actor
from libs.errors import Forbidden, NotFound, ValidationError
from services.conftest import rpc_proxy
from services.messaging import replies
from services.messaging.models import audit_log

OPERATOR = Actor(kind="staff", id="31", name="运营 李娜", roles=("operator",))
HANDLER = Actor(kind="staff", id="32", name="环保局 刘洋", roles=("handler",), department_id=2)
ARTICLE = {"title": "社保卡补办指南", "description": "带上身份证，到任一网点即可", "url": "https://gov.example/sbk"}


@pytest.fixture
def operator(messaging, service_config, engine):
    with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
        yield proxy
    with engine.begin() as conn:  # the database outlives the test: leave no rule to answer other tests' messages
        conn.execute(text("DELETE FROM messaging.reply_rules; DELETE FROM messaging.reply_settings"))
    replies.cache.drop(1)


def said(service_config, content, msg_type="text", event=None, key="", openid=None):
    """What the account answers a citizen (a new one unless `openid`) who sends `content` (or an event, with its
    EventKey)."""
    openid = openid or f"o_reply_{uuid.uuid4().hex[:8]}"
    fields = {"ToUserName": "gh", "FromUserName": openid, "CreateTime": "1", "MsgType": msg_type}
    if event:
        fields |= {"Event": event, "EventKey": key}
    else:
        fields |= {"Content": content, "MsgId": str(uuid.uuid4().int % 10**12)}
    deadline = datetime.now(UTC).timestamp() + 5
    with rpc_proxy("messaging", service_config) as proxy:
        return proxy.receive(f"msg:{openid}:{uuid.uuid4().hex[:6]}", fields, deadline)["reply"]


def rule(**over):
    return {
        "name": "社保卡",
        "keywords": "社保卡，补办",
        "match": "contains",
        "reply_kind": "text",
        "text": "社保卡请到…",
    } | over


def test_a_keyword_rule_answers_by_priority_then_age_and_only_while_enabled(operator, service_config):
    word = f"社保{uuid.uuid4().hex[:4]}"
    low = operator.save_reply_rule(None, rule(name="低", keywords=word, text="低优先级的回答", priority=1))
    operator.save_reply_rule(None, rule(name="高", keywords=[word, "医保"], text="高优先级的回答", priority=9))
    operator.save_reply_rule(None, rule(name="同级较晚", keywords=word, text="同级较晚的回答", priority=9))
    assert said(service_config, f"请问{word.upper()}怎么办？") == "高优先级的回答"  # contains, any case
    high = operator.reply_rules()["rules"][0]
    assert high["name"] == "高" and high["keywords"] == [word, "医保"]
    operator.save_reply_rule(high["id"], rule(name="高", keywords=word, text="高优先级的回答", enabled=False))
    assert said(service_config, word) == "同级较晚的回答"
    operator.delete_reply_rule(high["id"])
    with pytest.raises(NotFound):
        operator.delete_reply_rule(high["id"])
    assert [r["name"] for r in operator.reply_rules()["rules"]] == ["同级较晚", "低"]
    assert low["priority"] == 1


def test_exact_rules_match_the_whole_message_only(operator, service_config):
    operator.save_reply_rule(None, rule(name="办事时间", keywords="上班时间", match="exact", text="工作日 9:00-17:00"))
    assert said(service_config, " 上班时间 ") == "工作日 9:00-17:00"
    assert "留言已收到" in said(service_config, "请问上班时间是几点")  # the built-in default reply


def test_what_the_account_must_understand_comes_before_the_rules(operator, service_config):
    operator.save_reply_rule(None, rule(name="太宽", keywords="咨询,TS", text="规则的回答"))
    assert "咨询已收到" in said(service_config, "咨询 社保卡丢了应该怎么补办呢？")
    assert "没有找到该编号" in said(service_config, "TS202611260001")


def test_an_article_card_reply(operator, service_config):
    operator.save_reply_rule(None, rule(reply_kind="news", text="", article=ARTICLE, keywords="补办社保卡"))
    assert said(service_config, "我要补办社保卡") == {"articles": [ARTICLE | {"image": ""}]}
    assert replies.as_text({"articles": [ARTICLE]}).endswith('<a href="https://gov.example/sbk">点击查看</a>')


def test_follow_and_default_replies_are_the_operators_own_once_set(operator, service_config):
    assert "欢迎关注微政务" in said(service_config, None, "event", "subscribe")
    operator.save_reply_settings({"follow_reply": "欢迎关注本市政务号！", "default_reply": "留言已收到，工作日回复。"})
    assert said(service_config, None, "event", "subscribe") == "欢迎关注本市政务号！"
    assert said(service_config, "随便说点什么") == "留言已收到，工作日回复。"
    assert said(service_config, "一张图", "image") == "留言已收到，工作日回复。"
    operator.save_reply_settings({"follow_reply": "", "default_reply": ""})  # back to the built-in texts
    assert "留言已收到，工作人员会在工作时间查看" in said(service_config, "随便说点什么")


@pytest.mark.parametrize(
    "data, field",
    [
        (rule(keywords=""), "keywords"),
        (rule(keywords=["x" * 31]), "keywords"),
        (rule(keywords=[f"k{i}" for i in range(11)]), "keywords"),
        (rule(text="长" * 683), "text"),  # 2049 bytes: over WeChat's passive reply limit
        (rule(text=""), "text"),
        (rule(reply_kind="news", article=None), "article.title"),
        (rule(reply_kind="news", article=ARTICLE | {"url": "http://gov.example/x"}), "article.url"),
        (rule(reply_kind="news", article=ARTICLE | {"title": ""}), "article.title"),
        (rule(priority=101), "priority"),
        (rule(match="regex"), "match"),
        (rule(name="名" * 61), "name"),
        (rule(text="含控制字符\x00"), "text"),
    ],
)
def test_bad_rules_are_refused_with_the_field_and_a_reason(operator, data, field):
    with pytest.raises(ValidationError) as refused:
        operator.save_reply_rule(None, data)
    fields = refused.value.details["fields"]
    assert field in fields and fields[field], fields
    assert operator.reply_rules()["rules"] == []


def test_only_operators_and_administrators_set_replies_and_every_change_is_audited(
    operator, messaging, service_config, db_session
):
    with rpc_proxy("messaging", service_config, HANDLER) as handler:
        with pytest.raises(Forbidden):
            handler.save_reply_rule(None, rule())
        with pytest.raises(Forbidden):
            handler.reply_rules()
    with rpc_proxy("messaging", service_config) as anonymous, pytest.raises(Forbidden):
        anonymous.save_reply_settings({"default_reply": "x"})
    saved = operator.save_reply_rule(None, rule(name="审计"))
    operator.delete_reply_rule(saved["id"])
    operator.save_reply_settings({"default_reply": "好"})
    actions = db_session.scalars(
        select(audit_log.c.action).where(audit_log.c.actor_id == OPERATOR.id).order_by(audit_log.c.id)
    ).all()
    assert actions[-3:] == ["wechat.reply_rule_saved", "wechat.reply_rule_deleted", "wechat.reply_settings_saved"]


def test_saves_of_the_replies_at_once_all_land_and_the_last_one_stands(operator, service_config):
    """The first save creates the account's row: eight at once must not trip over each other's insert."""
    import eventlet

    def save(i):
        with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
            return proxy.save_reply_settings({"default_reply": f"第{i}版"})

    pool = eventlet.GreenPool(8)
    saved = list(pool.imap(save, range(8)))
    assert len(saved) == 8
    assert operator.reply_rules()["settings"]["default_reply"] in {f"第{i}版" for i in range(8)}
