"""The answers the gateways' callbacks give by themselves, on a running messaging service: the table it hands them
answers every message exactly as messaging would, its stamp in Redis moves with every change, and the messages
answered at the edge are recorded from the queue (in batches, each once; one that cannot be recorded is parked).

Real: PostgreSQL, RabbitMQ, Redis, the sandbox WeChat. The gateway is played by publishing to the queue as it does.
"""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from kombu import Connection
from sqlalchemy import text

from libs.auth import Actor
from libs.batches import declare
from libs.testing import wait_for
from libs.wechat import answers
from services.conftest import rpc_proxy
from services.messaging import caches, replies
from services.messaging.schemas import ANSWERED_EXCHANGE, ANSWERED_QUEUE

OPERATOR = Actor(kind="staff", id="41", name="运营 王芳", roles=("operator",))
BASE = "http://127.0.0.1:8080"  # GATEWAY.PUBLIC_URL in the test config


@pytest.fixture
def stamps(service_config):
    cache = service_config["CACHE"]  # a prefix of this test's own (services/conftest.py)
    client = redis.Redis.from_url(cache["REDIS_URL"])
    yield lambda code="main": int(client.get(answers.stamp_key(cache["PREFIX"], code)) or -1)
    for key in client.scan_iter(f"{cache['PREFIX']}:*"):
        client.delete(key)


@pytest.fixture
def setup_answers(messaging, stamps, service_config, engine):
    """Rules, texts, a blacklisted follower, a bound operator and two catalogue cards on the main account."""
    tag = uuid.uuid4().hex[:6]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO messaging.catalogue_cards (service_type_id, name, summary, keywords, updated_at) VALUES "
                "(9001, '社会保障卡补领', '社保卡丢失或损坏后补办', '[\"社保卡\"]', now()),"
                "(9002, '营业执照办理', '个体工商户登记', '[\"营业执照\"]', now())"
            )
        )
        conn.execute(
            text(
                "INSERT INTO messaging.followers (openid, account_id, subscribed, scene, blacklisted) "
                "VALUES (:o, 1, true, '', true)"
            ),
            {"o": f"o_black_{tag}"},
        )
        conn.execute(
            text(
                "INSERT INTO messaging.operator_bindings (account_id, staff_id, staff_name, roles, token,"
                " expires_at, openid, bound_at, created_at)"
                " VALUES (1, '41', '运营 王芳', '[\"operator\"]', :t, :e, :o, now(), now())"
            ),
            {"t": f"tok-{tag}", "e": datetime.now(UTC) + timedelta(days=1), "o": f"o_staff_{tag}"},
        )
    with rpc_proxy("messaging", service_config, OPERATOR) as operator:
        operator.save_reply_rule(None, {"name": "问候", "keywords": "你好", "match": "exact", "text": "您好！"})
        card = {"title": "停水通知", "description": "明日检修", "url": "https://gov.example/water"}
        operator.save_reply_rule(None, {"name": "停水", "keywords": "停水", "reply_kind": "news", "article": card})
        operator.save_reply_settings({"follow_reply": "欢迎关注本号", "default_reply": "已收到，稍后回复"})
    yield tag
    with engine.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM messaging.reply_rules; DELETE FROM messaging.reply_settings;"
                "DELETE FROM messaging.catalogue_cards WHERE service_type_id > 9000;"
                "DELETE FROM messaging.operator_bindings WHERE token LIKE 'tok-%';"
                "UPDATE messaging.followers SET blacklisted = false WHERE openid LIKE 'o_black_%'"
            )
        )
    replies.cache.drop(1)


def fields_of(kind, value, openid):
    base = {"ToUserName": "gh", "FromUserName": openid, "CreateTime": "1"}
    if kind == "text":
        return base | {"MsgType": "text", "Content": value, "MsgId": str(uuid.uuid4().int % 10**12)}
    return base | {"MsgType": "event", "Event": kind, "EventKey": value}


def test_the_table_answers_every_message_as_messaging_does(setup_answers, service_config, stamps):
    tag = setup_answers
    with rpc_proxy("messaging", service_config) as proxy:
        table = answers.Table.from_wire(proxy.answer_table("main"))
        corpus = [
            ("text", "你好", None),
            ("text", "你好啊", None),
            ("text", "明天停水吗", None),
            ("text", "我的社保卡丢了", None),
            ("text", "营业执照在哪办", None),
            ("text", "随便说一句", None),
            ("text", "咨询 社保卡丢了怎么补办才好", None),
            ("text", "咨询 短", None),
            ("text", "TS202611260001", None),  # ASK: messaging looks the case up
            ("text", "你好", f"o_black_{tag}"),  # blacklisted: nothing
            ("text", "群发 明天停水", f"o_staff_{tag}"),  # ASK: a bound operator's command
            ("subscribe", "", None),
            ("subscribe", "qrscene_poster", None),
            ("CLICK", "你好", None),
            ("CLICK", "MY_CASES", None),  # ASK
            ("CLICK", "CONTACT", None),  # ASK
            ("LOCATION", "", None),
        ]
        asked = 0
        for kind, value, openid in corpus:
            fields = fields_of(kind, value, openid or f"o_eq_{uuid.uuid4().hex[:8]}")
            at_edge = answers.compose(fields, table, BASE)
            deadline = datetime.now(UTC).timestamp() + 5
            by_messaging = proxy.receive(f"eq:{uuid.uuid4().hex}", fields, deadline)["reply"]
            if at_edge == answers.ASK:
                asked += 1
                continue
            assert at_edge == by_messaging, (kind, value)
        assert asked == 4
        # the stamp says which version the table is (the operator's changes raised it on commit)
        assert stamps() == table.version > 0


def test_every_change_raises_the_stamp_and_a_stamp_never_goes_down(setup_answers, stamps, service_config):
    with rpc_proxy("messaging", service_config, OPERATOR) as operator, rpc_proxy("messaging", service_config) as proxy:
        first = proxy.answer_table("main")
        assert stamps() == first["version"]
        operator.save_reply_settings({"follow_reply": "", "default_reply": "改了"})
        assert stamps() == first["version"] + 1  # written when the change committed, before the RPC answered
        second = proxy.answer_table("main", first["cards_fingerprint"])
        assert second["version"] == first["version"] + 1 and second["texts"].get("default") == "改了"
        assert second["cards"] is None  # the catalogue copy has not changed: the gateway keeps its index
        caches.raise_stamp("main", first["version"])  # a table read before the change, stamped late
        assert stamps() == second["version"]
        operator.save_reply_settings({"follow_reply": "", "default_reply": ""})
    with pytest.raises(Exception, match="wechat_account_not_found"), rpc_proxy("messaging", service_config) as proxy:
        proxy.answer_table("nosuch")


def publish(service_config, bodies):
    """As the gateway hands over what it answered (services/gateway/wechat/edge.py)."""
    exchange, queue = declare(ANSWERED_EXCHANGE, ANSWERED_QUEUE)
    with Connection(service_config["AMQP_URI"]) as conn:
        producer = conn.Producer()
        for body in bodies:
            raw = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
            producer.publish(
                raw, exchange=exchange, routing_key=queue.routing_key, declare=[queue], content_type="application/json"
            )


def test_what_the_gateway_answered_is_recorded_once_and_a_broken_message_is_parked(messaging, service_config, engine):
    openid = f"o_edge_{uuid.uuid4().hex[:8]}"
    keys = [f"edge:{openid}:{i}" for i in range(12)]
    bodies = [
        {"key": k, "account": "main", "fields": fields_of("text", f"第{i}条", openid), "reply": "已收到"}
        for i, k in enumerate(keys)
    ]
    bodies.append(dict(bodies[0]))  # WeChat's retry slipped past the dedupe claim: recorded once
    bodies.append({"key": "edge:broken", "account": "nosuch", "fields": fields_of("text", "x", openid), "reply": None})
    bodies.append('"not an object"')  # only our gateways publish here, but a wrong shape must not stop the queue
    publish(service_config, bodies)

    def count(sql):
        with engine.connect() as conn:
            return conn.execute(text(sql), {"o": openid}).scalar()

    wait_for(lambda: count("SELECT count(*) FROM messaging.inbound_messages WHERE openid = :o") == 12, timeout=15)
    wait_for(
        lambda: count("SELECT count(*) FROM messaging.parked_events WHERE handler = 'record_answered'") == 2,
        timeout=15,
    )
    passive = "SELECT count(*) FROM messaging.outbound_messages WHERE openid = :o AND channel = 'passive'"
    assert count(passive) == 12
    assert count("SELECT last_content FROM messaging.followers WHERE openid = :o") == "第11条"
    with engine.connect() as conn:
        parked = conn.execute(
            text(
                "SELECT error, source FROM messaging.parked_events WHERE handler = 'record_answered'"
                " AND error LIKE '%wechat_account_not_found%'"
            )
        ).first()
    assert "wechat_account_not_found" in parked.error and parked.source == "gateway"
    with engine.begin() as conn:  # the database outlives the test: other tests count parked events
        conn.execute(text("DELETE FROM messaging.parked_events WHERE handler = 'record_answered'"))


ADMIN = Actor(kind="staff", id="1", name="管理员", roles=("admin",))


def test_an_answered_message_that_could_not_be_recorded_is_replayed_by_ops(messaging, service_config, engine):
    openid = f"o_edge_{uuid.uuid4().hex[:8]}"
    body = {"key": f"edge:{openid}", "account": "main", "fields": fields_of("text", "停电了", openid), "reply": "收到"}

    def parked():
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT event_id FROM messaging.parked_events WHERE handler = 'record_answered'")
            ).scalar()

    with engine.begin() as conn:  # the table is gone: the batch fails, and so does the message alone
        conn.execute(text("ALTER TABLE messaging.inbound_messages RENAME TO inbound_messages_broken"))
    try:
        publish(service_config, [body])
        event_id = wait_for(parked, timeout=15, message="the message parked")
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE messaging.inbound_messages_broken RENAME TO inbound_messages"))
    with rpc_proxy("messaging", service_config, ADMIN) as ops:
        assert ops.replay_parked_event(event_id, "record_answered") == {
            "replayed": True,
            "already_handled": False,
            "error": None,
        }
        again = ops.replay_parked_event(event_id, "record_answered")
        assert again["already_handled"] is True  # nothing recorded twice
    with engine.begin() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM messaging.inbound_messages WHERE openid = :o"), {"o": openid}
        ).scalar()
        logged = conn.execute(
            text("SELECT content FROM messaging.outbound_messages WHERE openid = :o AND channel = 'passive'"),
            {"o": openid},
        ).all()
        conn.execute(text("DELETE FROM messaging.parked_events WHERE handler = 'record_answered'"))
    assert stored == 1 and logged == [("收到",)]
