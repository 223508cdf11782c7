"""The inbox on a running messaging service: citizens' messages listed for operators, answered by the channel
WeChat allows at that moment, once per request id; refused sends listed with WeChat's reason and sent again."""

import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from sqlalchemy import select, update

from libs.auth import Actor
from libs.errors import Conflict, Forbidden, NotFound, ValidationError
from services.conftest import rpc_proxy
from services.messaging.models import Follower, OutboundMessage, audit_log
from services.messaging.tests.test_replies import HANDLER, OPERATOR, said


@pytest.fixture
def operator(messaging, service_config):
    with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
        yield proxy


def citizen_writes(service_config, sandbox, content="请问社保卡丢了怎么补办？", msg_type="text"):
    openid = f"o_inbox_{uuid.uuid4().hex[:10]}"
    sandbox[1].followers.add(openid)  # WeChat delivers messages only from followers
    said(service_config, content, msg_type, openid=openid)
    return openid


def sends(sandbox, openid, api):
    """What WeChat took of this API for the citizen (a call it refused, e.g. with a stale token, is not counted)."""
    kind = {"custom_send": "custom", "template_send": "template"}[api]
    return [m for m in sandbox[1].timeline.get(openid, []) if m["kind"] == kind]


def test_a_message_waits_in_the_inbox_until_answered_by_customer_service_message(operator, service_config, sandbox):
    openid = citizen_writes(service_config, sandbox)
    listed = operator.inbox()
    mine = next(c for c in listed["conversations"] if c["openid"] == openid)
    assert mine["unanswered"] and mine["last_content"] == "请问社保卡丢了怎么补办？" and mine["alias"] != openid
    thread = operator.conversation(openid)
    assert thread["channel"]["channel"] == "custom" and thread["channel"]["left"] == 5
    assert "客服消息" in thread["channel"]["said"]

    sent = operator.answer_citizen(openid, {"text": "请带身份证到任一社保网点补办。"}, uuid.uuid4().hex)
    assert (sent["channel"], sent["status"], sent["changed"]) == ("custom", "sent", True)
    (received,) = sends(sandbox, openid, "custom_send")
    assert received["content"] == "请带身份证到任一社保网点补办。"
    assert openid not in [c["openid"] for c in operator.inbox()["conversations"]]
    assert openid in [c["openid"] for c in operator.inbox("all")["conversations"]]
    messages = operator.conversation(openid)["messages"]
    assert [m["from"] for m in messages] == ["citizen", "account", "account"]  # the passive reply, then staff's
    assert messages[-1]["sent_by"] == OPERATOR.name and messages[-1]["channel_label"] == "客服消息"


def test_a_double_submit_sends_once_and_a_reused_id_is_refused(operator, service_config, sandbox):
    openid = citizen_writes(service_config, sandbox)
    key = uuid.uuid4().hex

    def answer(_):
        with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
            return proxy.answer_citizen(openid, {"text": "已收到，正在核实。"}, key)

    results = list(eventlet.GreenPool(6).imap(answer, range(6)))
    assert sorted(r["changed"] for r in results) == [False] * 5 + [True]
    assert len(sends(sandbox, openid, "custom_send")) == 1
    with pytest.raises(Conflict):
        operator.answer_citizen(openid, {"text": "另一条"}, key)


def test_after_48_hours_the_answer_goes_as_a_template_pointing_to_my_messages(
    operator, service_config, sandbox, db_session
):
    openid = citizen_writes(service_config, sandbox)
    long_ago = datetime.now(UTC) - timedelta(hours=49)
    db_session.execute(
        update(Follower).where(Follower.openid == openid).values(last_message_at=long_ago, last_event_at=None)
    )
    db_session.commit()
    assert operator.conversation(openid)["channel"]["channel"] == "template"
    answer = "经核实，您反映的问题已转交社保中心办理，请留意后续通知，谢谢！"
    sent = operator.answer_citizen(openid, {"text": answer}, uuid.uuid4().hex)
    assert (sent["channel"], sent["status"]) == ("template", "sent")
    (received,) = sends(sandbox, openid, "template_send")
    assert received["url"].endswith("/h5/messages")
    call = [c for c in sandbox[1].calls if c["api"] == "template_send" and c["body"]["touser"] == openid][-1]
    shown = call["body"]["data"]
    assert shown["first"]["value"] == "您的留言有了回复" and len(shown["keyword2"]["value"]) == 20
    with rpc_proxy("messaging", service_config, Actor.citizen(openid)) as citizen:
        assert citizen.my_messages()[-1]["content"] == answer  # the whole answer, on 我的留言


def test_a_click_opens_a_minute_for_three_customer_service_messages(operator, service_config, sandbox, db_session):
    openid = f"o_click_{uuid.uuid4().hex[:10]}"
    sandbox[1].followers.add(openid)
    said(service_config, None, "event", "CLICK", "CONTACT", openid=openid)
    follower = db_session.get(Follower, openid)
    assert follower.last_event_at is not None and follower.last_message_at is None
    channels = [operator.answer_citizen(openid, {"text": f"第{i}条"}, uuid.uuid4().hex)["channel"] for i in range(4)]
    assert channels == ["custom", "custom", "custom", "template"]


def test_nobody_is_answered_who_unfollowed(operator, service_config, sandbox):
    openid = citizen_writes(service_config, sandbox)
    said(service_config, None, "event", "unsubscribe", openid=openid)
    assert operator.conversation(openid)["channel"]["channel"] == "none"
    with pytest.raises(Conflict) as refused:
        operator.answer_citizen(openid, {"text": "您好"}, uuid.uuid4().hex)
    assert "取消关注" in refused.value.message
    assert sends(sandbox, openid, "custom_send") == []


def test_a_refused_send_is_listed_with_wechats_reason_and_sent_again_once(operator, service_config, sandbox):
    openid = citizen_writes(service_config, sandbox)
    sandbox[1].faults["/cgi-bin/message/custom/send"] = [45047, "out of response count limit", 1]
    sent = operator.answer_citizen(openid, {"text": "稍后回复您"}, uuid.uuid4().hex)
    assert sent["status"] == "failed" and "客服消息条数已达上限" in sent["error"] and "45047" in sent["error"]
    listed = operator.failed_sends()
    row = next(s for s in listed["sends"] if s["id"] == sent["id"])
    assert row["status_label"] == "发送失败" and row["sent_by"] == OPERATOR.name and listed["total"] >= 1
    assert operator.resend(sent["id"]) == {"resent": True, "channel": "custom"}
    assert operator.resend(sent["id"])["resent"] is False  # a second click: already sent again
    assert len(sends(sandbox, openid, "custom_send")) == 1
    assert sent["id"] not in [s["id"] for s in operator.failed_sends()["sends"]]


@pytest.mark.parametrize(
    "data, field",
    [({"text": ""}, "text"), ({"text": "长" * 601}, "text"), ({"text": "a\x07b"}, "text"), ({}, "text")],
)
def test_bad_answers_are_refused_and_nothing_is_sent(operator, service_config, sandbox, data, field):
    openid = citizen_writes(service_config, sandbox)
    with pytest.raises(ValidationError) as refused:
        operator.answer_citizen(openid, data, uuid.uuid4().hex)
    assert field in refused.value.details["fields"]
    assert sends(sandbox, openid, "custom_send") == []


def test_bad_ids_and_cursors_are_refused(operator, service_config, sandbox):
    openid = citizen_writes(service_config, sandbox)
    for bad_key in ("short", "x" * 65, None, "含中文的编号1234"):
        with pytest.raises(ValidationError):
            operator.answer_citizen(openid, {"text": "好"}, bad_key)
    for who in ("o_nobody", "", "x" * 65, None, 12):
        with pytest.raises(NotFound):
            operator.conversation(who)
    for cursor in ("yesterday|o", "2026-13-01T00:00:00|o"):
        with pytest.raises(ValidationError):
            operator.inbox("all", cursor)
    with pytest.raises(ValidationError):
        operator.inbox("everything")
    for bad in (0, -1, 2**63, "1", True):
        with pytest.raises(NotFound):
            operator.resend(bad)
    with pytest.raises(ValidationError):
        operator.failed_sends(-1)


def test_only_operators_reach_the_inbox_and_every_reading_and_answer_is_audited(
    operator, service_config, sandbox, db_session
):
    openid = citizen_writes(service_config, sandbox)
    with rpc_proxy("messaging", service_config, HANDLER) as handler:
        for call in (
            lambda: handler.inbox(),
            lambda: handler.conversation(openid),
            lambda: handler.answer_citizen(openid, {"text": "好"}, uuid.uuid4().hex),
            lambda: handler.failed_sends(),
            lambda: handler.resend(1),
            lambda: handler.my_messages(),
        ):
            with pytest.raises(Forbidden):
                call()
    operator.conversation(openid)
    sent = operator.answer_citizen(openid, {"text": "好的"}, uuid.uuid4().hex)
    actions = db_session.scalars(
        select(audit_log.c.action).where(audit_log.c.actor_id == OPERATOR.id).order_by(audit_log.c.id)
    ).all()
    assert actions[-2:] == ["wechat.conversation_read", "wechat.message_answered"]
    assert db_session.get(OutboundMessage, sent["id"]).sent_by == OPERATOR.name


def test_the_inbox_pages_through_citizens_newest_first(operator, service_config, sandbox):
    written = [citizen_writes(service_config, sandbox, f"第{i}条留言") for i in range(3)]
    seen, after = [], None
    while True:
        page = operator.inbox("all", after)
        seen += [c["openid"] for c in page["conversations"]]
        after = page["next"]
        if after is None:
            break
    assert len(seen) == len(set(seen))  # no one twice across pages
    assert [o for o in seen if o in written] == written[::-1]
    assert citizen_writes(service_config, sandbox, msg_type="image") in [
        c["openid"] for c in operator.inbox()["conversations"] if c["last_content"] == "[图片]"
    ]
