"""二维码 on a running messaging service: codes made by the sandbox WeChat, and each channel's funnel from the scans
and follows that come back through the callback."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from libs.errors import Forbidden, NotFound, UpstreamFailed, ValidationError
from services.conftest import rpc_proxy
from services.messaging.models import CaseTrack, audit_log
from services.messaging.tests.test_replies import HANDLER, OPERATOR, said


@pytest.fixture
def operator(messaging, service_config, engine):
    with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
        yield proxy
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM messaging.qr_channels; DELETE FROM messaging.qr_scans"))


def test_a_permanent_and_a_temporary_code_are_made_by_wechat(operator, sandbox):
    poster = operator.create_qr_channel({"name": "市民中心海报", "scene": "poster-hall", "note": "一楼大厅"})
    assert poster["permanent"] and poster["expires_at"] is None and poster["url"].startswith(sandbox[0])
    body = [c["body"] for c in sandbox[1].calls if c["api"] == "qrcode_create"][-1]
    assert body == {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "poster-hall"}}}
    flyer = operator.create_qr_channel({"name": "社区活动传单", "scene": "flyer_0601", "permanent": False, "days": 7})
    expires = datetime.fromisoformat(flyer["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    assert [c["name"] for c in operator.qr_channels()] == ["社区活动传单", "市民中心海报"]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "", "scene": "a"}, "name"),
        ({"name": "x", "scene": ""}, "scene"),
        ({"name": "x", "scene": "有中文"}, "scene"),
        ({"name": "x", "scene": "a" * 65}, "scene"),
        ({"name": "x", "scene": "a b"}, "scene"),
        ({"name": "x", "scene": "bind-abc"}, "scene"),  # 公众号助手's codes
        ({"name": "x", "scene": "ok", "permanent": False, "days": 31}, "days"),
        ({"name": "x", "scene": "ok", "permanent": False, "days": 0}, "days"),
    ],
)
def test_bad_channels_are_refused(operator, sandbox, data, field):
    with pytest.raises(ValidationError) as refused:
        operator.create_qr_channel(data)
    assert field in refused.value.details["fields"]
    assert not [c for c in sandbox[1].calls if c["api"] == "qrcode_create"]


def test_a_scene_is_one_channels_and_wechat_refusals_are_said(operator, sandbox):
    operator.create_qr_channel({"name": "窗口", "scene": "window-3"})
    with pytest.raises(ValidationError) as taken:
        operator.create_qr_channel({"name": "另一个", "scene": "window-3"})
    assert "已被其他渠道使用" in taken.value.details["fields"]["scene"]
    sandbox[1].faults["/cgi-bin/qrcode/create"] = [48001, "api unauthorized", 1]
    with pytest.raises(UpstreamFailed) as refused:
        operator.create_qr_channel({"name": "无权限", "scene": "no-right"})
    assert "公众号没有此接口的权限" in refused.value.message
    with pytest.raises(NotFound):
        operator.qr_channel(999999)


def test_the_funnel_counts_scans_follows_and_first_uses(operator, service_config, db_session):
    channel = operator.create_qr_channel({"name": "办事大厅", "scene": "hall"})
    newcomer, follower, idle = (f"o_qr_{uuid.uuid4().hex[:8]}" for _ in range(3))
    said(service_config, None, "event", "subscribe", "qrscene_hall", openid=newcomer)  # follows through the code
    said(service_config, None, "event", "subscribe", openid=follower)
    said(service_config, None, "event", "SCAN", "hall", openid=follower)  # already followed: a scan
    said(service_config, None, "event", "SCAN", "hall", openid=follower)
    said(service_config, None, "event", "subscribe", "qrscene_hall", openid=idle)
    now = datetime.now(UTC) + timedelta(seconds=1)
    for openid, number in ((newcomer, "TS202611289901"), (follower, "TS202611289902")):
        db_session.add(
            CaseTrack(
                number=number,
                openid=openid,
                kind_label="投诉",
                status="submitted",
                status_label="已提交",
                created_at=now,
                updated_at=now,
            )
        )
    db_session.commit()
    try:
        funnel = operator.qr_channel(channel["id"])
        assert (funnel["scans"], funnel["follows"], funnel["first_use"]) == (4, 2, 2)
    finally:
        db_session.execute(text("DELETE FROM messaging.case_tracks WHERE number LIKE 'TS20261128990%'"))
        db_session.commit()


def test_only_operators_make_codes_and_each_is_audited(operator, messaging, service_config, db_session):
    with rpc_proxy("messaging", service_config, HANDLER) as handler:
        with pytest.raises(Forbidden):
            handler.create_qr_channel({"name": "x", "scene": "x"})
        with pytest.raises(Forbidden):
            handler.qr_channels()
    operator.create_qr_channel({"name": "审计", "scene": "audit-1"})
    last = db_session.scalars(
        select(audit_log.c.action).where(audit_log.c.actor_id == OPERATOR.id).order_by(audit_log.c.id.desc())
    ).first()
    assert last == "wechat.qr_created"
