"""The callback answers at the edge (services/gateway/wechat/edge.py): from the account's answer table held in the
gateway process, with no round trip to messaging, which records the message from its queue afterwards. A change an
operator saves is answered with from the very next message, and what needs messaging's data is still asked of it.
The response header X-Answered-By (which WeChat ignores) says which path answered."""

import socket
import time
import uuid

import pytest
from kombu.pools import connections

from libs.testing import wait_for
from libs.wechat.accounts import MAIN
from services.gateway.wechat.edge import Edge


def answered_at_edge(citizen, content, kind=None, sent=None):
    """Sends `content` until the gateway answers it itself (its first table is fetched in the background), with a
    reply of `kind` if given (messaging takes its catalogue copy from content within seconds of starting). Each
    message sent is appended to `sent` if given."""

    def attempt():
        reply = citizen.send_text(content)
        if sent is not None:
            sent.append(reply)
        assert reply.status == 200
        edge = reply.headers.get("X-Answered-By") == "gateway"
        return reply if edge and kind in (None, (reply.fields or {}).get("MsgType")) else None

    return wait_for(attempt, timeout=15, interval=0.2, message="an answer from the gateway's own table")


def test_the_gateway_answers_and_messaging_records_what_it_answered(system):
    citizen = system.citizen(f"o_edge_{uuid.uuid4().hex[:8]}")
    sent = []
    reply = answered_at_edge(citizen, "社保卡丢了怎么办", kind="news", sent=sent)
    card = reply.articles[0]  # the catalogue's card (its name is the demo's unless a test is renaming it)
    assert card["Title"].startswith("办事指南：社") and "/h5/services/" in card["Url"]
    assert system.recorded(citizen.openid, len(sent))  # the edge's ones from the queue, just after
    wait_for(
        lambda: (
            system.count(
                "messaging.outbound_messages",
                "openid = :o AND channel = 'passive' AND status = 'sent'",
                o=citizen.openid,
            )
            == len(sent)
        ),
        message="messaging to record every passive reply",
    )
    # the follower is kept up to date as before: what they wrote last, for the inbox and the 48 h window
    last = system.sql("SELECT last_content FROM messaging.followers WHERE openid = :o", o=citizen.openid)
    assert last == [("社保卡丢了怎么办",)]


def test_a_saved_rule_answers_the_very_next_message_on_any_path(system, replies_operator):
    base = f"{system.gateway}/api/v1/wechat/replies"
    citizen = system.citizen(f"o_edge_{uuid.uuid4().hex[:8]}")
    answered_at_edge(citizen, "预热")
    word = f"停车{uuid.uuid4().hex[:4]}"
    rule = {"name": "停车", "keywords": [word], "match": "contains", "reply_kind": "text", "text": "第0版"}
    created = replies_operator.post(f"{base}/rules", json=rule).json()
    for version in range(1, 6):
        saved = replies_operator.put(f"{base}/rules/{created['id']}", json=rule | {"text": f"第{version}版"})
        assert saved.status_code == 200
        # no pause: the gateway's table is older than the stamp the change raised, so it may not use it
        assert citizen.send_text(f"{word}在哪里").content == f"第{version}版"
    # and once it has fetched the new table, the gateway answers with the change itself
    assert answered_at_edge(citizen, f"{word}在哪里").content == "第5版"


def test_what_needs_messagings_data_is_asked_of_messaging(system, file_case):
    citizen = system.citizen(f"o_edge_{uuid.uuid4().hex[:8]}")
    answered_at_edge(citizen, "预热")
    case = file_case(openid=citizen.openid)

    def looked_up():  # messaging tracks the case from cases' event, just after the filing
        reply = citizen.send_text(case["number"])
        assert reply.headers["X-Answered-By"] == "messaging"
        return reply if case["number"] in reply.content else None

    wait_for(looked_up, timeout=10, message="the case's status by its number")
    clicked = citizen.click("MY_CASES")
    assert clicked.headers["X-Answered-By"] == "messaging"


def _handed_over_message(openid, text):
    now = str(int(time.time()))
    msg_id = str(int(time.time() * 1e6))
    fields = {"ToUserName": "gh_test", "FromUserName": openid, "CreateTime": now, "MsgType": "text"}
    return f"msg:{msg_id}", fields | {"Content": text, "MsgId": msg_id}


def test_a_hand_over_survives_a_broker_connection_dropped_under_it(system, caplog):
    edge = Edge(rpc_pool=None, amqp_uri=system.amqp_uri, base=system.gateway)
    openid = f"o_hand_{uuid.uuid4().hex[:8]}"
    key, fields = _handed_over_message(openid, "第一条")
    edge.hand_over(key, MAIN, fields, "已收到", None)
    # the pooled connection's socket dies (a broker restart, a network blip) while it sits in the pool
    with connections[edge.connection].acquire(block=True) as conn:
        conn.connection.transport.sock.shutdown(socket.SHUT_RDWR)
    key2, fields2 = _handed_over_message(openid, "第二条")
    edge.hand_over(key2, MAIN, fields2, "已收到", None)  # published again on a fresh connection, not lost
    assert "connection to the broker lost, publishing again" in caplog.text
    assert system.recorded(openid, 2)
    rows = system.sql("SELECT content FROM messaging.inbound_messages WHERE openid = :o ORDER BY id", o=openid)
    assert rows == [("第一条",), ("第二条",)]


def test_a_hand_over_the_broker_cannot_take_fails_within_wechats_wait():
    """Nothing listens there: the callback must fail (releasing its claim for WeChat's retry) well within 5 s."""
    edge = Edge(rpc_pool=None, amqp_uri="amqp://guest:guest@127.0.0.1:1//", base="http://x")
    key, fields = _handed_over_message("o_nowhere", "无人接收")
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017 - kombu raises its own or the socket's error; either is a failure
        edge.hand_over(key, MAIN, fields, None, None)
    assert time.monotonic() - started < 4
