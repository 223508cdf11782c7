"""数据统计 on a running messaging service: WeChat's daily figures pulled from the sandbox's datacube, kept, and
reported beside our own for the same days."""

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import text

from libs.clock import LOCAL_TZ, today
from libs.errors import Forbidden, ValidationError
from services.conftest import rpc_proxy
from services.messaging.models import Follower
from services.messaging.tests.conftest import taken
from services.messaging.tests.test_replies import HANDLER, OPERATOR


@pytest.fixture
def operator(messaging, service_config, engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM messaging.wechat_stats; DELETE FROM messaging.wechat_stats_days"))
    with rpc_proxy("messaging", service_config, OPERATOR) as proxy:
        yield proxy


def test_days_are_fetched_a_week_a_round_newest_first_and_kept(operator, sandbox):
    first = operator.pull_wechat_stats()
    yesterday = today() - timedelta(days=1)
    assert first["error"] == "" and first["fetched"][0] == yesterday.isoformat() and len(first["fetched"]) == 7
    second = operator.pull_wechat_stats()
    assert second["fetched"][0] == (yesterday - timedelta(days=7)).isoformat()
    report = operator.wechat_stats(14)
    assert report["days"][-1] == yesterday.isoformat() and len(report["days"]) == 14 and all(report["fetched"])
    new = report["wechat"]["new_user"]
    assert all(15 <= n <= 120 for n in new)  # three sources of 5-40 each, as the sandbox's WeChat reports them
    assert set(report["sources"]) == {"其他", "扫描二维码", "公众号搜索"}
    assert sum(report["sources"].values()) == sum(new)
    calls = [c for c in taken(sandbox) if c["api"].startswith("datacube_")]
    assert len(calls) == 14 * 5  # one call per report per day, nothing fetched twice


def test_a_refusal_stops_the_round_and_the_day_is_fetched_later(operator, sandbox):
    sandbox[1].faults["/datacube/getusersummary"] = [-1, "system error", 1]
    refused = operator.pull_wechat_stats()
    assert refused["fetched"] == [] and "微信系统繁忙" in refused["error"]
    assert len(operator.pull_wechat_stats()["fetched"]) == 7


def test_our_own_figures_stand_beside_wechats(operator, db_session):
    yesterday_noon = datetime.combine(today() - timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=6)
    for _ in range(3):
        db_session.add(Follower(openid=f"o_stat_{uuid.uuid4().hex[:8]}", subscribed=True, subscribed_at=yesterday_noon))
    db_session.commit()
    report = operator.wechat_stats(7)
    assert report["ours"]["follows"][-1] >= 3 and len(report["ours"]["messages"]) == 7
    assert report["fetched"] == [False] * 7  # nothing pulled yet: the page says so instead of showing zeros as facts


def test_only_operators_read_the_figures(operator, messaging, service_config):
    for bad in (0, 367, "30", True):
        with pytest.raises(ValidationError):
            operator.wechat_stats(bad)
    with rpc_proxy("messaging", service_config, HANDLER) as handler, pytest.raises(Forbidden):
        handler.wechat_stats()


def test_yesterday_fetched_early_is_fetched_again_once_an_hour(operator, engine):
    operator.pull_wechat_stats()
    yesterday = today() - timedelta(days=1)
    # as if fetched this morning before WeChat had the whole of yesterday, more than an hour ago
    early = min(datetime.now(LOCAL_TZ) - timedelta(hours=2), datetime.combine(today(), time(8, 0), LOCAL_TZ))
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE messaging.wechat_stats_days SET fetched_at = :at WHERE day = :d"),
            {"at": early, "d": yesterday},
        )
    assert yesterday.isoformat() in operator.pull_wechat_stats()["fetched"]
    assert yesterday.isoformat() not in operator.pull_wechat_stats()["fetched"]  # fetched now: complete
