"""The WeChat callback at the gateway: what WeChat sends is answered; anything else is refused, recording nothing."""

import concurrent.futures
import itertools
import time

import pytest
import redis
import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto

from libs.testing import free_port, fresh_vhost, wait_for
from libs.wechat.callback import signature

_ids = itertools.count(int(time.time()) * 1000)


def msg_id():
    return next(_ids)


def nothing_recorded(system, citizen, key=None):
    inbound = system.count("messaging.inbound_messages", "openid = :o", o=citizen.openid)
    keys = system.count("gateway.callback_keys", "key = :k", k=key) if key else 0
    return inbound == 0 and keys == 0


def test_url_verification_echoes_only_when_signed(system):
    citizen = system.citizen()
    good = citizen.verify_url("echo-123")
    assert good.status_code == 200 and good.text == "echo-123"
    forged = requests.get(
        f"{system.gateway}/wechat",
        params={"signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "n", "echostr": "x"},
    )
    assert forged.status_code == 403 and "x" not in forged.text


@pytest.mark.parametrize("safe_mode", [False, True], ids=["plain", "aes"])
def test_text_gets_a_passive_reply(system, safe_mode):
    citizen = system.citizen(safe_mode=safe_mode)
    reply = citizen.send_text("你好")
    assert reply.status == 200
    if safe_mode:
        assert "<Encrypt>" in reply.text  # the reply itself is encrypted in safe mode
    assert reply.fields["ToUserName"] == citizen.openid and reply.fields["MsgType"] == "text"
    assert "留言已收到，工作人员会在工作时间查看" in reply.content
    assert system.recorded(citizen.openid)


def test_forged_signature_is_refused(system):
    citizen = system.citizen(safe_mode=False)
    mid = msg_id()
    params, body = citizen.signed_request(citizen.text_xml("伪造", msg_id=mid))
    params["signature"] = signature("wrong-token", params["timestamp"], params["nonce"])
    assert citizen.post("", params=params, body=body).status == 403
    assert nothing_recorded(system, citizen, f"msg:{mid}")


def test_forged_msg_signature_in_safe_mode_is_refused(system):
    citizen = system.citizen(safe_mode=True)
    params, body = citizen.signed_request(citizen.text_xml("伪造"))
    params["msg_signature"] = "f" * 40
    assert citizen.post("", params=params, body=body).status == 403
    assert nothing_recorded(system, citizen)


@pytest.mark.parametrize("offset", [-3600, 3600], ids=["stale", "future"])
def test_timestamp_outside_the_skew_window_is_refused(system, offset):
    citizen = system.citizen()
    ts = int(time.time()) + offset
    reply = citizen.post(citizen.text_xml("重放", create_time=ts), timestamp=ts)
    assert reply.status == 403
    assert nothing_recorded(system, citizen)


def test_missing_signature_params_are_refused(system):
    citizen = system.citizen(safe_mode=False)
    assert citizen.post("", params={}, body=citizen.text_xml("x").encode()).status == 403
    assert nothing_recorded(system, citizen)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><xml><ToUserName>a</ToUserName><FromUserName>{openid}</FromUserName>'
    "<CreateTime>{ts}</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>"
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>a</ToUserName>'
    "<FromUserName>{openid}</FromUserName><CreateTime>{ts}</CreateTime><MsgType>text</MsgType>"
    "<Content>&xxe;</Content><MsgId>2</MsgId></xml>"
)


@pytest.mark.parametrize("safe_mode", [False, True], ids=["plain", "aes"])
@pytest.mark.parametrize(
    "make_body",
    [
        pytest.param(lambda c, ts: "<xml><ToUserName>a</ToUserName><FromUserName>", id="truncated"),
        pytest.param(lambda c, ts: "这不是XML", id="not-xml"),
        pytest.param(lambda c, ts: BILLION_LAUGHS.format(openid=c.openid, ts=ts), id="billion-laughs"),
        pytest.param(lambda c, ts: XXE.format(openid=c.openid, ts=ts), id="xxe"),
        pytest.param(lambda c, ts: f"<root><FromUserName>{c.openid}</FromUserName></root>", id="no-xml-root"),
        pytest.param(
            lambda c, ts: f"<xml><ToUserName>a</ToUserName><CreateTime>{ts}</CreateTime><MsgType>text</MsgType></xml>",
            id="no-sender",
        ),
        pytest.param(
            lambda c, ts: (
                f"<xml><ToUserName>a</ToUserName><FromUserName>{c.openid}</FromUserName>"
                "<CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>"
            ),
            id="bad-createtime",
        ),
    ],
)
def test_malformed_xml_is_refused(system, make_body, safe_mode):
    citizen = system.citizen(safe_mode=safe_mode)
    ts = int(time.time())
    reply = citizen.post(make_body(citizen, ts), timestamp=ts)
    assert reply.status == 400
    assert nothing_recorded(system, citizen)


def test_non_utf8_body_is_refused(system):
    citizen = system.citizen(safe_mode=False)
    params, _ = citizen.signed_request("")
    body = citizen.text_xml("你好").encode("gbk")
    assert citizen.post("", params=params, body=body).status == 400
    assert nothing_recorded(system, citizen)


def test_ciphertext_that_does_not_decrypt_is_refused(system):
    citizen = system.citizen(safe_mode=True)
    ts, n = str(int(time.time())), "abc123"
    garbage = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0IGF0IGFsbCEhISE="
    body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>"
    params = {
        "signature": signature(citizen.token, ts, n),
        "timestamp": ts,
        "nonce": n,
        "encrypt_type": "aes",
        "msg_signature": signature(citizen.token, ts, n, garbage),
    }
    assert citizen.post("", params=params, body=body.encode()).status == 400
    assert nothing_recorded(system, citizen)


def test_message_encrypted_for_another_account_is_refused(system):
    citizen = system.citizen(safe_mode=True)
    ts, n = str(int(time.time())), "abc123"
    other = WeChatCrypto(citizen.token, citizen.aes_key, "wxanotheraccount")
    encrypted = other.encrypt_message(citizen.text_xml("串号"), n, ts)
    outer = xmltodict.parse(encrypted)["xml"]
    params = {
        "signature": signature(citizen.token, ts, n),
        "timestamp": ts,
        "nonce": n,
        "encrypt_type": "aes",
        "msg_signature": outer["MsgSignature"],
    }
    assert citizen.post("", params=params, body=encrypted.encode()).status == 403
    assert nothing_recorded(system, citizen)


def test_oversized_body_is_refused(system):
    citizen = system.citizen(safe_mode=False)
    reply = citizen.post(citizen.text_xml("长" * 40_000))
    assert reply.status == 413
    assert nothing_recorded(system, citizen)


def test_retry_of_a_message_is_processed_once(system):
    citizen = system.citizen()
    mid = msg_id()
    first = citizen.send_text("重复发送", msg_id=mid)
    retry = citizen.send_text("重复发送", msg_id=mid)
    assert "留言已收到，工作人员会在工作时间查看" in first.content
    assert retry.status == 200 and retry.text == "success"
    assert system.recorded(citizen.openid)


def test_retries_landing_on_two_gateway_replicas_are_processed_once(system):
    citizen, mid = system.citizen(), msg_id()
    late = system.citizen(citizen.openid, gateway=system.late_gateway)
    xml = citizen.text_xml("两个网关", msg_id=mid)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda who: who.post(xml), [citizen, late] * 4))
    assert all(r.status == 200 for r in replies)
    assert system.recorded(citizen.openid)
    assert claimed(system, f"msg:{mid}")  # in Redis: no PostgreSQL round trip on the callback's way
    assert system.count("gateway.callback_keys", "key = :k", k=f"msg:{mid}") == 0


def claimed(system, key):
    return bool(redis.Redis().exists(f"{system.cache_prefix}:cb:key:{key}"))


def test_while_redis_is_down_retries_are_deduplicated_in_postgresql(system):
    port = free_port()
    system.start_gateway("gateway-no-redis", port, REDIS_URL="redis://127.0.0.1:1/0")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/healthz"), timeout=30, message="the gateway without Redis")
        citizen, mid = system.citizen(gateway=base, safe_mode=False), msg_id()
        params, body = citizen.signed_request(citizen.text_xml("没有Redis", msg_id=mid))
        assert "留言已收到" in citizen.post("", params=params, body=body).content
        assert citizen.post("", params=params, body=body).text == "success"  # the retry
        assert system.count("gateway.callback_keys", "key = :k", k=f"msg:{mid}") == 1
        swapped = system.citizen(safe_mode=False).text_xml("冒名消息", msg_id=msg_id()).encode()
        assert citizen.post("", params=params, body=swapped).status == 403
    finally:
        proc = system.procs.pop("gateway-no-redis")
        proc.terminate()
        proc.wait(10)


def test_event_retries_are_deduplicated_by_sender_and_time(system):
    citizen = system.citizen()
    ts = int(time.time())
    xml = citizen.event_xml("subscribe", create_time=ts)
    assert citizen.post(xml).content.startswith("欢迎关注")
    assert citizen.post(xml).text == "success"
    assert system.recorded(citizen.openid)
    assert system.sql("SELECT subscribed FROM messaging.followers WHERE openid = :o", o=citizen.openid)[0][0] is True


def test_answer_that_misses_the_deadline_goes_out_as_customer_service_message(system):
    citizen = system.citizen(gateway=system.late_gateway)
    reply = citizen.send_text("晚到的回复")
    assert reply.status == 200 and reply.text == "success"
    sent = wait_for(lambda: system.sandbox_calls("custom_send", citizen.openid), message="the async reply")
    assert "留言已收到，工作人员会在工作时间查看" in sent[0]["body"]["text"]["content"]
    channels = system.sql("SELECT channel FROM messaging.outbound_messages WHERE openid = :o", o=citizen.openid)
    assert [c.channel for c in channels] == ["custom"]


def test_unsubscribe_is_recorded_without_reply(system):
    citizen = system.citizen()
    citizen.subscribe()
    reply = citizen.unsubscribe()
    assert reply.status == 200 and reply.text == "success"
    assert system.sql("SELECT subscribed FROM messaging.followers WHERE openid = :o", o=citizen.openid)[0][0] is False


def test_case_lookup_for_unknown_number(system):
    assert "没有找到" in system.citizen().send_text("TS209901010001").content


def test_callback_while_messaging_is_down_is_left_for_wechats_retry(system):
    """No messaging on the bus: 503 (WeChat retries) and the dedupe key released, so the retry is processed."""
    port = free_port()
    with fresh_vhost(system.amqp_base, system.rabbit_api) as empty_bus:
        system.start_gateway("gateway-alone", port, AMQP_URI=empty_bus)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(f"{base}/healthz"), timeout=30, message="the lone gateway")
        citizen, mid = system.citizen(gateway=base), msg_id()
        reply = citizen.send_text("没人接收", msg_id=mid)
        assert reply.status == 503
        assert not claimed(system, f"msg:{mid}")
        ready = requests.get(f"{base}/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["messaging"] != "ok"
        alone = system.procs.pop("gateway-alone")
        alone.terminate()
        alone.wait(10)
    # WeChat's retry reaches a healthy gateway and is processed
    assert "留言已收到" in system.citizen(citizen.openid).send_text("没人接收", msg_id=mid).content


def _answers(url):
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def test_signed_url_replayed_with_another_body_is_refused(system):
    """Plain mode signs only the query string; a captured URL must not carry a message of the attacker's."""
    citizen = system.citizen(safe_mode=False)
    params, body = citizen.signed_request(citizen.text_xml("原始消息", msg_id=msg_id()))
    assert citizen.post("", params=params, body=body).status == 200
    victim = system.citizen(safe_mode=False)
    swapped = victim.text_xml("冒名消息", msg_id=msg_id()).encode()
    assert citizen.post("", params=params, body=swapped).status == 403
    assert nothing_recorded(system, victim)
    # the same URL with the same message is an ordinary retry
    assert citizen.post("", params=params, body=body).text == "success"
