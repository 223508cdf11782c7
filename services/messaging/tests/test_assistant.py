"""公众号助手 on a running messaging service: a staff member binds their own WeChat with a one-time code, then
commands sent from it act as them; everyone else who writes the same words is an ordinary citizen."""

import uuid

import eventlet
import pytest
from sqlalchemy import select, text

from libs.errors import Forbidden
from services.conftest import rpc_proxy
from services.messaging import assistant
from services.messaging.models import MassSend, audit_log
from services.messaging.tests.test_mass import APPROVER
from services.messaging.tests.test_replies import HANDLER, OPERATOR, said


@pytest.fixture
def operator(messaging, service_config, engine):
    with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
        yield proxy
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM messaging.operator_bindings"))
    assistant.bindings.drop()


def scene_of(sandbox):
    body = [c["body"] for c in sandbox[1].calls if c["api"] == "qrcode_create"][-1]
    assert body["action_name"] == "QR_STR_SCENE" and body["expire_seconds"] == 600  # temporary: 10 minutes
    return body["action_info"]["scene"]["scene_str"]


def test_a_bound_operator_writes_a_mass_send_from_wechat(operator, service_config, sandbox, db_session):
    code = operator.create_binding_code()
    assert code["url"] and not code["bound"]
    wechat = f"o_staff_{uuid.uuid4().hex[:8]}"
    reply = said(service_config, None, "event", "subscribe", "qrscene_" + scene_of(sandbox), openid=wechat)
    assert reply.startswith(f"已将本微信绑定为工作人员“{OPERATOR.name}”")
    assert operator.binding()["bound"]
    stranger = f"o_other_{uuid.uuid4().hex[:8]}"
    again = said(service_config, None, "event", "SCAN", scene_of(sandbox), openid=stranger)
    assert "已使用或已失效" in again  # one use only

    answer = said(service_config, "群发：本周六上午市民中心免费义诊", openid=wechat)
    assert answer.startswith("已创建群发《公众号助手：本周六上午市民中心免费义诊》并提交审核")
    made = db_session.scalar(select(MassSend).order_by(MassSend.id.desc()).limit(1))
    assert (made.status, made.author_id, made.content) == ("pending", OPERATOR.id, "本周六上午市民中心免费义诊")
    command = db_session.execute(
        select(audit_log).where(audit_log.c.action == "wechat.command").order_by(audit_log.c.id.desc()).limit(1)
    ).one()
    assert command.actor_id == OPERATOR.id

    # the same words from anyone else are a citizen's message
    assert "留言已收到" in said(service_config, "群发 我也想群发", openid=stranger)
    assert db_session.scalar(select(MassSend.id).order_by(MassSend.id.desc()).limit(1)) == made.id

    operator.unbind()
    assert "留言已收到" in said(service_config, "群发 解绑以后", openid=wechat)


def test_a_new_binding_replaces_the_old_one_and_takes_the_wechat_from_anyone_else(operator, service_config, sandbox):
    first, second = (f"o_staff_{uuid.uuid4().hex[:8]}" for _ in range(2))
    operator.create_binding_code()
    said(service_config, None, "event", "SCAN", scene_of(sandbox), openid=first)
    operator.create_binding_code()
    said(service_config, None, "event", "SCAN", scene_of(sandbox), openid=second)
    assert "留言已收到" in said(service_config, "群发 旧的微信", openid=first)
    with rpc_proxy("messaging", service_config, APPROVER) as other:
        other.create_binding_code()
        said(service_config, None, "event", "SCAN", scene_of(sandbox), openid=second)
        assert other.binding()["bound"]
    assert not operator.binding()["bound"]


def test_codes_expire_and_only_mass_writers_may_bind(operator, service_config, sandbox, engine):
    operator.create_binding_code()
    with engine.begin() as conn:
        conn.execute(text("UPDATE messaging.operator_bindings SET expires_at = now() - interval '1 second'"))
    assert "已失效" in said(service_config, None, "event", "SCAN", scene_of(sandbox), openid="o_late_scan")
    assert "已失效" in said(service_config, None, "event", "SCAN", "bind-made-up-token", openid="o_forger")
    with rpc_proxy("messaging", service_config, HANDLER) as handler, pytest.raises(Forbidden):
        handler.create_binding_code()
    with rpc_proxy("messaging", service_config) as anonymous, pytest.raises(Forbidden):
        anonymous.binding()


def test_one_code_scanned_by_many_at_once_binds_one_wechat(operator, service_config, sandbox):
    operator.create_binding_code()
    scene = scene_of(sandbox)
    phones = [f"o_rush_{uuid.uuid4().hex[:8]}" for _ in range(8)]

    def scan(openid):
        return said(service_config, None, "event", "SCAN", scene, openid=openid)

    replies = list(eventlet.GreenPool(8).imap(scan, phones))
    assert sum(r.startswith("已将本微信绑定为工作人员") for r in replies) == 1
    assert sum("已使用或已失效" in r for r in replies) == 7
    assert operator.binding()["bound"]
