"""群发消息 on a running messaging service against the sandbox WeChat: who receives it (minus the blacklisted and
those who had 4 this month), a second staff member's approval, batches of ≤ 10,000 each with a clientmsgid, and
WeChat's MASSSENDJOBFINISH."""

import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from sqlalchemy import select, text

from libs.auth import Actor
from libs.errors import Conflict, Forbidden, NotFound, ValidationError
from libs.testing import wait_for
from services.conftest import rpc_proxy
from services.messaging import mass
from services.messaging.models import MassBatch, MassRecipient, audit_log
from services.messaging.service import MessagingService
from services.messaging.tests.conftest import taken
from services.messaging.tests.test_replies import HANDLER, OPERATOR

APPROVER = Actor(kind="staff", id="33", name="审核 周敏", roles=("operator",))


@pytest.fixture
def operator(messaging, service_config):
    with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
        yield proxy


@pytest.fixture
def approver(messaging, service_config):
    with rpc_proxy("messaging", service_config, APPROVER) as proxy:
        yield proxy


def group(engine, sandbox, n, blacklisted=0):
    """n followers in a group of their own (so other tests' followers stay out of the count); returns (tag id,
    openids). The first `blacklisted` are on the blacklist."""
    tag_id = random.randint(10**6, 2 * 10**9)
    prefix = f"o_m{uuid.uuid4().hex[:6]}_"
    openids = [f"{prefix}{i:06d}" for i in range(n)]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO messaging.tags VALUES (1, :t, :n, now())"), {"t": tag_id, "n": f"群发{tag_id}"})
        conn.execute(
            text(
                "INSERT INTO messaging.followers (openid, account_id, subscribed, subscribed_at, scene, blacklisted)"
                " SELECT :p || lpad(i::text, 6, '0'), 1, true, now(), '', i < :b FROM generate_series(0, :n - 1) i"
            ),
            {"p": prefix, "n": n, "b": blacklisted},
        )
        conn.execute(
            text(
                "INSERT INTO messaging.follower_tags SELECT :p || lpad(i::text, 6, '0'), :t, 1"
                " FROM generate_series(0, :n - 1) i"
            ),
            {"p": prefix, "n": n, "t": tag_id},
        )
    for openid in openids[:100]:
        sandbox[1].follow(openid)
    return tag_id, openids


def draft(tag_id, **over):
    return {
        "title": "停水通知",
        "content": "明日9:00-17:00滨江区部分区域停水，请提前储水。",
        "target": {"kind": "tag", "tag_id": tag_id},
    } | over


def sent(operator, send_id, timeout=60):
    return wait_for(
        lambda: (s := operator.mass_send(send_id))["status"] in ("sent", "failed") and s,
        timeout=timeout,
        interval=0.2,
        message="the mass send to finish",
    )


def test_a_send_goes_through_approval_and_reaches_the_group_minus_blacklist_and_full_quota(
    operator, approver, engine, sandbox, db_session, service_config
):
    tag_id, people = group(engine, sandbox, 30, blacklisted=2)
    month = mass._month()
    with engine.begin() as conn:  # people[2] already had their 4 mass messages this month
        for _i in range(4):
            conn.execute(
                text(
                    "INSERT INTO messaging.mass_sends (account_id, title, msgtype, content, target, status,"
                    " author_id, author_name, created_at, updated_at) VALUES (1, 'old', 'text', 'x', '{}',"
                    " 'sent', '1', 'x', now(), now())"
                )
            )
            send_id = conn.execute(text("SELECT max(id) FROM messaging.mass_sends")).scalar()
            conn.execute(
                text("INSERT INTO messaging.mass_recipients VALUES (:s, :o, 1, :m, 0)"),
                {"s": send_id, "o": people[2], "m": month},
            )
    made = operator.save_mass_send(None, draft(tag_id))
    assert made["status"] == "draft" and made["estimate"] == {
        "targeted": 30,
        "blacklisted": 2,
        "over_quota": 1,
        "will_send": 27,
        "month": month,
    }
    assert operator.submit_mass_send(made["id"])["status"] == "pending"
    assert operator.submit_mass_send(made["id"])["status"] == "pending"  # a second click
    with pytest.raises(Forbidden) as own:
        operator.approve_mass_send(made["id"])
    assert "不能审核自己" in own.value.message
    approved = approver.approve_mass_send(made["id"])
    assert approved["status"] == "sending" and approved["recipients"] == 27
    assert approved["skipped"] == {"blacklisted": 2, "over_quota": 1}
    done = sent(operator, made["id"])
    assert done["status"] == "sent" and done["batches"] == done["batches_sent"] == 1
    (call,) = taken(sandbox, "mass_send")
    assert call["body"]["count"] == 27 and call["body"]["clientmsgid"].startswith(f"wzw1-{made['id']}-0-")
    received = [m for m in sandbox[1].timeline.get(people[5], []) if m["kind"] == "mass"]
    assert [m["content"] for m in received] == [draft(tag_id)["content"]]
    assert not sandbox[1].timeline.get(people[0])  # blacklisted
    assert not [m for m in sandbox[1].timeline.get(people[2], []) if m["kind"] == "mass"]  # had 4 already

    # WeChat reports the batch (MASSSENDJOBFINISH through the callback)
    batch = db_session.scalar(select(MassBatch).where(MassBatch.send_id == made["id"]))
    fields = {
        "ToUserName": "gh",
        "FromUserName": "o_wechat_mass_report",
        "CreateTime": "1",
        "MsgType": "event",
        "Event": "MASSSENDJOBFINISH",
        "MsgID": str(batch.msg_id),
        "Status": "send success",
        "TotalCount": "27",
        "FilterCount": "27",
        "SentCount": "26",
        "ErrorCount": "1",
    }
    with rpc_proxy("messaging", service_config) as proxy:
        proxy.receive(f"evt:mass:{uuid.uuid4().hex}", fields, datetime.now(UTC).timestamp() + 5)
    finished = operator.mass_send(made["id"])
    assert (finished["delivered"], finished["delivery_errors"]) == (26, 1)


def test_a_hundred_thousand_followers_go_in_ten_batches_with_their_own_clientmsgid(operator, approver, engine, sandbox):
    tag_id, _ = group(engine, sandbox, 100_000)
    made = operator.save_mass_send(None, draft(tag_id))
    assert made["estimate"]["will_send"] == 100_000
    operator.submit_mass_send(made["id"])
    approver.approve_mass_send(made["id"])
    done = sent(operator, made["id"], timeout=60)
    assert done["status"] == "sent" and done["batches_sent"] == 10 and done["recipients"] == 100_000
    calls = [c["body"] for c in taken(sandbox, "mass_send")]
    assert sorted(c["count"] for c in calls) == [10_000] * 10
    assert len({c["clientmsgid"] for c in calls}) == 10


def test_two_replicas_sending_the_last_batches_at_once_still_finish_the_send(
    operator, approver, engine, sandbox, container_factory, service_config, monkeypatch
):
    """Each replica takes one batch; each counts what is still pending before the other commits (the worst
    interleaving, forced: a replica that has counted waits for the other before it commits). One of them must still
    see the other's batch sent and finish the send. Once, in a bench run, neither did, and the send to 100,000
    followers stayed "sending" for good."""
    container_factory(MessagingService, service_config).start()  # the second replica, beside `operator`'s
    monkeypatch.setattr(mass, "MASS_BATCH", 2)
    settled = []
    settle = mass._settle

    def settle_then_wait_for_the_other(session, send):
        settle(session, send)
        settled.append(send.id)
        deadline = time.monotonic() + 2  # with the send's row lock, the other cannot count until this one commits
        while len(settled) < 2 and time.monotonic() < deadline:
            eventlet.sleep(0.01)

    monkeypatch.setattr(mass, "_settle", settle_then_wait_for_the_other)
    tag_id, _ = group(engine, sandbox, 4)
    made = operator.save_mass_send(None, draft(tag_id))
    operator.submit_mass_send(made["id"])
    approver.approve_mass_send(made["id"])
    done = sent(operator, made["id"], timeout=20)
    assert done["status"] == "sent" and done["batches_sent"] == 2 and len(settled) == 2


def test_a_retried_batch_is_harmless_and_a_refused_one_does_not_count_against_the_month(
    operator, approver, engine, sandbox, db_session, monkeypatch
):
    monkeypatch.setattr(mass, "RETRY_AFTER", timedelta(0))
    tag_id, people = group(engine, sandbox, 12)
    # WeChat is busy once: the batch goes again (with the same clientmsgid) and is sent
    sandbox[1].faults["/cgi-bin/message/mass/send"] = [-1, "system busy", 1]
    made = operator.save_mass_send(None, draft(tag_id))
    operator.submit_mass_send(made["id"])
    approver.approve_mass_send(made["id"])
    assert sent(operator, made["id"])["status"] == "sent"
    assert [c["api"] for c in sandbox[1].calls].count("refused:/cgi-bin/message/mass/send") == 1
    assert len(taken(sandbox, "mass_send")) == 1

    # an earlier try reached WeChat but its answer was lost: WeChat refuses the clientmsgid again (45065), and the
    # batch counts as sent instead of going out twice
    again = operator.save_mass_send(None, draft(tag_id, title="答复丢失"))
    sandbox[1].lost_answers["/cgi-bin/message/mass/send"] = 1
    operator.submit_mass_send(again["id"])
    approver.approve_mass_send(again["id"])
    assert sent(operator, again["id"])["status"] == "sent"
    # the first send, and this one once: the retry after the lost answer sent nothing more
    assert len([m for m in sandbox[1].timeline.get(people[3], []) if m["kind"] == "mass"]) == 2

    sandbox[1].faults["/cgi-bin/message/mass/send"] = [48001, "api unauthorized", 1]
    other = operator.save_mass_send(None, draft(tag_id, title="第二次"))
    operator.submit_mass_send(other["id"])
    approver.approve_mass_send(other["id"])
    failed = sent(operator, other["id"])
    assert failed["status"] == "failed" and failed["batches_failed"] == 1
    counted = db_session.scalar(select(MassRecipient.openid).where(MassRecipient.send_id == other["id"]).limit(1))
    assert counted is None  # nobody reached: nobody's monthly count used


def test_the_monthly_limit_holds_when_two_sends_are_approved_at_once(
    operator, approver, engine, sandbox, service_config
):
    tag_id, people = group(engine, sandbox, 5)
    month = mass._month()
    with engine.begin() as conn:  # each already had 3 this month: one place left
        for _ in range(3):
            conn.execute(
                text(
                    "INSERT INTO messaging.mass_sends (account_id, title, msgtype, content, target, status,"
                    " author_id, author_name, created_at, updated_at) VALUES (1, 'old', 'text', 'x', '{}',"
                    " 'sent', '1', 'x', now(), now())"
                )
            )
            old = conn.execute(text("SELECT max(id) FROM messaging.mass_sends")).scalar()
            for openid in people:
                conn.execute(
                    text("INSERT INTO messaging.mass_recipients VALUES (:s, :o, 1, :m, 0)"),
                    {"s": old, "o": openid, "m": month},
                )
    ids = []
    for i in range(2):
        made = operator.save_mass_send(None, draft(tag_id, title=f"并发{i}"))
        operator.submit_mass_send(made["id"])
        ids.append(made["id"])

    def approve(send_id):
        with rpc_proxy("messaging", service_config, APPROVER) as proxy:
            try:
                return proxy.approve_mass_send(send_id)["recipients"]
            except Conflict:
                return 0  # the other took the last places

    assert sorted(eventlet.GreenPool(2).imap(approve, ids)) == [0, 5]


def test_drafts_are_checked_and_decisions_need_the_right_person_and_state(operator, approver, engine, sandbox):
    tag_id, people = group(engine, sandbox, 3)
    for bad, field in [
        (draft(tag_id, title=""), "title"),
        (draft(tag_id, content=""), "content"),
        (draft(tag_id, content="长" * 601), "content"),
        (draft(tag_id, target={"kind": "tag"}), "target.tag_id"),
        (draft(tag_id, target={"kind": "filter"}), "target.gender"),
        (draft(tag_id, target={"kind": "everyone"}), "target.kind"),
        (draft(tag_id, target={"kind": "tag", "tag_id": 1_999_999_999 - tag_id % 7}), "target.tag_id"),
    ]:
        with pytest.raises(ValidationError) as refused:
            operator.save_mass_send(None, bad)
        assert field in refused.value.details["fields"], (bad, refused.value.details)
    made = operator.save_mass_send(None, draft(tag_id))
    with pytest.raises(Conflict):
        approver.approve_mass_send(made["id"])  # a draft: nothing to decide yet
    operator.submit_mass_send(made["id"])
    with pytest.raises(ValidationError):
        approver.reject_mass_send(made["id"], " ")
    rejected = approver.reject_mass_send(made["id"], "措辞需要再斟酌")
    assert rejected["status"] == "rejected" and rejected["reject_reason"] == "措辞需要再斟酌"
    again = approver.save_mass_send(made["id"], draft(tag_id, content="改过的内容"))  # the approver edits it…
    assert again["status"] == "draft" and again["author_name"] == APPROVER.name
    approver.submit_mass_send(made["id"])
    with pytest.raises(Forbidden):
        approver.approve_mass_send(made["id"])  # …and so cannot approve it
    operator.approve_mass_send(made["id"])
    with pytest.raises(Conflict):
        operator.save_mass_send(made["id"], draft(tag_id))  # sending: no more changes
    with pytest.raises(NotFound):
        operator.mass_send(99_999_999)

    single_tag, (only,) = group(engine, sandbox, 1)
    lonely = operator.save_mass_send(None, draft(single_tag))
    with pytest.raises(Conflict) as too_few:  # WeChat's minimum of 2, said when it is submitted
        operator.submit_mass_send(lonely["id"])
    assert "至少2位" in too_few.value.message
    pair_tag, pair = group(engine, sandbox, 2)
    pending = operator.save_mass_send(None, draft(pair_tag))
    operator.submit_mass_send(pending["id"])
    with engine.begin() as conn:  # one of the two leaves before the approval
        conn.execute(text("UPDATE messaging.followers SET subscribed = false WHERE openid = :o"), {"o": pair[0]})
    with pytest.raises(Conflict) as left:
        approver.approve_mass_send(pending["id"])
    assert "至少2位" in left.value.message


def test_a_preview_reaches_the_operators_own_wechat_only(operator, engine, sandbox):
    tag_id, people = group(engine, sandbox, 3)
    made = operator.save_mass_send(None, draft(tag_id))
    with pytest.raises(ValidationError) as unbound:
        operator.preview_mass_send(made["id"])  # no WeChat of their own bound: nowhere to preview
    assert "绑定" in unbound.value.details["fields"]["openid"]
    with engine.begin() as conn:  # the operator's own WeChat is people[1] (公众号助手's binding)
        conn.execute(
            text(
                "INSERT INTO messaging.operator_bindings (account_id, staff_id, staff_name, roles, token, expires_at,"
                " openid, bound_at, created_at) VALUES (1, :s, 'x', '[]', :t, now() + interval '1 day', :o, now(),"
                " now())"
            ),
            {"s": OPERATOR.id, "t": uuid.uuid4().hex, "o": people[1]},
        )
    try:
        assert operator.preview_mass_send(made["id"]) == {"previewed": True}
        (shown,) = sandbox[1].timeline[people[1]]
        assert shown["content"].startswith("[群发预览]")
        assert not sandbox[1].timeline.get(people[0])
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM messaging.operator_bindings"))


def test_only_operators_send_and_every_step_is_audited(
    operator, approver, messaging, service_config, engine, sandbox, db_session
):
    tag_id, _ = group(engine, sandbox, 2)
    with rpc_proxy("messaging", service_config, HANDLER) as handler:
        with pytest.raises(Forbidden):
            handler.save_mass_send(None, draft(tag_id))
        with pytest.raises(Forbidden):
            handler.mass_sends()
    made = operator.save_mass_send(None, draft(tag_id))
    operator.submit_mass_send(made["id"])
    approver.approve_mass_send(made["id"])
    actions = db_session.scalars(
        select(audit_log.c.action)
        .where(audit_log.c.target_id == str(made["id"]), audit_log.c.target_type == "mass_send")
        .order_by(audit_log.c.id)
    ).all()
    assert actions == ["wechat.mass_saved", "wechat.mass_submitted", "wechat.mass_approved"]
