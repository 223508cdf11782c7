"""libs on their own: config substitution, the permission model, the callback checks, the event envelope."""

import re
import time

import pytest

from libs.auth import PERMISSIONS, Actor, can, require
from libs.config import load_config
from libs.errors import Forbidden, Unauthenticated
from libs.events import envelope
from libs.logs import request_id_var
from libs.wechat.callback import CallbackRejected, check_signature, dedupe_key, parse_xml, signature


def test_config_substitutes_environment_with_defaults(tmp_path, monkeypatch):
    path = tmp_path / "c.yaml"
    path.write_text("A: ${WZW_T_A:fallback}\nB: ${WZW_T_B:3}\nC: amqp://${WZW_T_HOST:localhost}:5672/x\n")
    monkeypatch.setenv("WZW_T_A", "from-env")
    monkeypatch.delenv("WZW_T_B", raising=False)
    monkeypatch.setenv("WZW_T_HOST", "mq")
    assert load_config(str(path)) == {"A": "from-env", "B": 3, "C": "amqp://mq:5672/x"}


STAFF = {
    "dispatcher": Actor("staff", "1", roles=("dispatcher",)),
    "handler": Actor("staff", "2", roles=("handler",), department_id=2),
    "auditor": Actor("staff", "3", roles=("auditor",)),
    "citizen": Actor.citizen("o1"),
    "nobody": Actor("staff", "4"),
}


@pytest.mark.parametrize(
    "who, permission, department, allowed",
    [
        ("dispatcher", "case.read_contact", 7, True),
        ("handler", "case.read_contact", 2, True),
        ("handler", "case.read_contact", 3, False),
        ("handler", "case.read", None, False),
        ("handler", "case.assign", 2, False),
        ("auditor", "case.read", 2, False),
        ("auditor", "audit.read", 2, True),
        ("citizen", "case.read", 2, False),
        ("nobody", "case.read", 2, False),
    ],
)
def test_can(who, permission, department, allowed):
    assert can(STAFF[who], permission, department) is allowed
    if not allowed:
        with pytest.raises(Forbidden):
            require(STAFF[who], permission, department)


def test_unknown_permission_is_a_programming_error():
    with pytest.raises(KeyError):
        can(STAFF["dispatcher"], "case.delete_everything")
    assert set(PERMISSIONS) >= {"case.read", "case.reply", "case.read_contact"}


@pytest.mark.parametrize("data", [None, {}, {"kind": "root", "id": "x"}, {"kind": "staff"}, "staff"])
def test_actor_from_bad_dict_is_unauthenticated(data):
    with pytest.raises(Unauthenticated):
        Actor.from_dict(data)


def test_actor_round_trip():
    actor = STAFF["handler"]
    assert Actor.from_dict(actor.to_dict()) == actor


def test_an_actor_does_what_its_grants_say_not_what_its_role_names_did():
    """Roles are data in the gateway: the grants it resolved ride with the actor, and services follow them."""
    edited = Actor(kind="staff", id="7", roles=("handler",), department_id=2, grants=(("audit.read", "all"),))
    assert can(edited, "audit.read") and not can(edited, "case.read", 2)
    carried = Actor.from_header(edited.to_header())
    assert carried == edited and can(carried, "audit.read") and not can(carried, "case.read", 2)
    own = Actor(kind="staff", id="8", roles=("x",), department_id=3, grants=(("case.read", "own"),))
    assert can(own, "case.read", 3) and not can(own, "case.read", 4) and not can(own, "case.read")


@pytest.mark.parametrize("grants", [["case.read"], "all", {"case.read": "everything"}, {"case.read": None}])
def test_malformed_grants_grant_nothing_they_do_not_name(grants):
    data = Actor(kind="staff", id="9", roles=("auditor",)).to_dict() | {"grants": grants}
    actor = Actor.from_dict(data)
    assert not can(actor, "case.read", 1) and not can(actor, "case.reply", 1)


def test_signature_checks_value_and_window():
    now = int(time.time())
    good = signature("tok", str(now), "n")
    check_signature("tok", good, str(now), "n", 300)
    with pytest.raises(CallbackRejected) as forged:
        check_signature("tok", good[:-1] + ("1" if good[-1] == "0" else "0"), str(now), "n", 300)
    assert forged.value.status == 403
    old = str(now - 301)
    with pytest.raises(CallbackRejected):
        check_signature("tok", signature("tok", old, "n"), old, "n", 300)
    with pytest.raises(CallbackRejected):
        check_signature("tok", good, "not-a-number", "n", 300)


def test_parse_refuses_entities_and_non_utf8():
    with pytest.raises(CallbackRejected) as err:
        parse_xml(b'<!DOCTYPE x [<!ENTITY a "b">]><xml><A>&a;</A></xml>')
    assert err.value.status == 400
    with pytest.raises(CallbackRejected):
        parse_xml("<xml><A>中文</A></xml>".encode("gbk"))
    assert parse_xml("<xml><A>中文</A></xml>".encode()) == {"A": "中文"}


def test_dedupe_keys():
    assert dedupe_key({"MsgId": "9", "FromUserName": "o", "CreateTime": "1"}) == "msg:9"
    assert dedupe_key({"FromUserName": "o", "CreateTime": "1", "Event": "subscribe"}) == "evt:o:1:subscribe"
    # two menu clicks in one second are two clicks; a retry of one repeats its key
    clicks = [{"FromUserName": "o", "CreateTime": "1", "Event": "CLICK", "EventKey": k} for k in ("A", "B", "A")]
    first, second, retry = map(dedupe_key, clicks)
    assert first != second and first == retry and first.startswith("evt:o:1:CLICK:")


def test_envelope_carries_ids_and_request_id():
    token = request_id_var.set("req-123")
    try:
        event = envelope({"x": 1})
    finally:
        request_id_var.reset(token)
    assert len(event["event_id"]) == 32 and event["request_id"] == "req-123" and event["data"] == {"x": 1}
    assert envelope({})["event_id"] != event["event_id"]


def test_a_pool_with_no_free_proxy_answers_like_a_timeout():
    """Every proxy busy for as long as a call may take: RpcTimeout (the gateway's 503), not queue.Empty (a 500)."""
    from nameko.exceptions import RpcTimeout

    from libs.rpc_pool import RpcPool

    pool = RpcPool({"AMQP_URI": "amqp://nobody@127.0.0.1:1/none"}, size=0, timeout=0.05)
    with pytest.raises(RpcTimeout):
        pool.call("cases", "health")


def test_an_envelope_is_read_the_same_with_or_without_the_parser():
    """WeChat's safe-mode body (ToUserName + Encrypt) is read by a strict pattern; any other shape (wechatpy's own
    envelope with MsgSignature, whitespace, another order, an entity) goes through the parser, which refuses
    entities: each decrypts to the same message, or is refused."""
    from wechatpy.crypto import WeChatCrypto

    from libs.wechat.callback import ENVELOPE, decrypt

    key, token, app_id = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "tok", "wx0123456789abcdef"
    message = "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Content>你好</Content></xml>"
    now = str(int(time.time()))
    wrapped = WeChatCrypto(token, key, app_id).encrypt_message(message, "n1", now)
    encrypted = re.search(r"<Encrypt><!\[CDATA\[([^\]]+)\]\]>", wrapped).group(1)
    args = {"msg_signature": signature(token, now, "n1", encrypted), "timestamp": now, "nonce": "n1"}
    wechats = f"<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    spaced = (
        f"<xml>\n  <Encrypt><![CDATA[{encrypted}]]></Encrypt>\n  <ToUserName><![CDATA[gh_x]]></ToUserName>\n</xml>\n"
    )
    assert ENVELOPE.fullmatch(wechats.encode()) and ENVELOPE.fullmatch(spaced.encode())
    assert not ENVELOPE.fullmatch(wrapped.encode())  # wechatpy's shape: parsed in full
    for body in (wechats, spaced, wrapped):
        assert decrypt(body.encode(), args, token, key, app_id, 300) == message.encode()
    with_entity = f'<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt><![CDATA[{encrypted}]]></Encrypt><A>&a;</A></xml>'
    with pytest.raises(CallbackRejected) as refused:
        decrypt(with_entity.encode(), args, token, key, app_id, 300)
    assert refused.value.status == 400
    forged = dict(args, msg_signature=signature(token, now, "n1", encrypted + "x"))
    with pytest.raises(CallbackRejected) as bad:
        decrypt(wechats.encode(), forged, token, key, app_id, 300)
    assert bad.value.status == 403


def test_every_audited_action_has_a_chinese_label():
    """The audit viewer names each action in Chinese: an action written anywhere without a label fails here."""
    import pathlib

    from libs.audit import ACTION_LABELS

    root = pathlib.Path(__file__).resolve().parents[2]
    literal, patterns = set(), set()
    for path in (root / "services").rglob("*.py"):
        if "tests" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(
            r'\.audit\(\s*(f?)"([a-z_]+\.[a-z_{}.]+)"(?:\s+if\s+\w+\s+else\s+"([a-z_.]+)")?', source
        ):
            (patterns if match.group(1) else literal).add(match.group(2))
            if match.group(3):
                literal.add(match.group(3))
    assert len(literal) > 80  # the scan finds the actions (it would pass vacuously if the pattern broke)
    assert sorted(a for a in literal if a not in ACTION_LABELS) == []
    for pattern in patterns:
        shape = re.compile(re.sub(r"\\\{[^}]*\\\}", "[a-z_]+", re.escape(pattern)) + "$")
        assert any(shape.match(a) for a in ACTION_LABELS), pattern
