"""数据统计: WeChat's own daily figures pulled through its data API (datacube) and kept here beyond WeChat's short
query windows, beside our own figures for the same days.

WeChat publishes a day's figures the next morning and answers for recent days only, so a timer fetches each
day from the last DAYS_BACK that is missing (a few per round, newest first) and fetches yesterday again until it
was fetched after 09:00 the day after (Beijing time), when WeChat's figures for it are complete.
"""

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

from sqlalchemy import Date, cast, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from wechatpy.exceptions import WeChatClientException

from libs.clock import LOCAL_TZ, today
from libs.errors import ValidationError
from services.messaging.models import (
    MAIN_ACCOUNT,
    CaseTrack,
    Follower,
    InboundMessage,
    OutboundMessage,
    WeChatStat,
    WeChatStatsDay,
)
from services.messaging.wechat import reason

log = logging.getLogger(__name__)
DAYS_BACK = 30
PER_ROUND = 7
COMPLETE_AFTER = time(9, 0)  # WeChat's figures for a day are complete by the next morning
REFETCH = timedelta(hours=1)
METRICS = {
    "new_user": "新关注",
    "cancel_user": "取消关注",
    "cumulate_user": "累计关注",
    "msg_user": "发消息人数",
    "msg_count": "消息条数",
    "int_page_read_user": "图文阅读人数",
    "int_page_read_count": "图文阅读次数",
    "share_user": "分享人数",
    "share_count": "分享次数",
    "callback_count": "接口调用次数",
    "fail_count": "接口调用失败次数",
}
SOURCES = {  # WeChat's user_source codes
    "0": "其他",
    "1": "公众号搜索",
    "17": "名片分享",
    "30": "扫描二维码",
    "51": "支付后关注",
    "57": "文章内账号名称",
    "100": "微信广告",
    "161": "他人转载",
    "176": "专辑页内账号名称",
}


def due_days(session, account_id=MAIN_ACCOUNT):
    """Days to fetch: missing ones of the last DAYS_BACK, and any fetched before WeChat's figures were complete."""
    yesterday = today() - timedelta(days=1)
    window = [yesterday - timedelta(days=i) for i in range(DAYS_BACK)]
    fetched = dict(
        session.execute(
            select(WeChatStatsDay.day, WeChatStatsDay.fetched_at).where(
                WeChatStatsDay.account_id == account_id, WeChatStatsDay.day >= window[-1]
            )
        )
        .tuples()
        .all()
    )

    now = datetime.now(LOCAL_TZ)

    def due(day):
        at = fetched.get(day)
        if at is None:
            return True
        # fetched before WeChat had the whole day: again, once an hour, until it has
        return at < datetime.combine(day + timedelta(days=1), COMPLETE_AFTER, LOCAL_TZ) and now - at >= REFETCH

    return [d for d in window if due(d)][:PER_ROUND]


def _figures(client, day):
    """(metric, source, value) of one day, from WeChat's five reports."""
    found = defaultdict(int)
    for item in client.datacube.get_user_summary(day, day):
        source = str(item.get("user_source", 0))
        found[("new_user", source)] += int(item.get("new_user", 0))
        found[("cancel_user", source)] += int(item.get("cancel_user", 0))
    for item in client.datacube.get_user_cumulate(day, day):
        found[("cumulate_user", "")] = int(item.get("cumulate_user", 0))
    for item in client.datacube.get_upstream_msg(day, day):
        found[("msg_user", "")] += int(item.get("msg_user", 0))
        found[("msg_count", "")] += int(item.get("msg_count", 0))
    for item in client.datacube.get_article_summary(day, day):
        for metric in ("int_page_read_user", "int_page_read_count", "share_user", "share_count"):
            found[(metric, "")] += int(item.get(metric, 0))
    for item in client.datacube.get_interface_summary(day, day):
        found[("callback_count", "")] += int(item.get("callback_count", 0))
        found[("fail_count", "")] += int(item.get("fail_count", 0))
    return found


def fetch_day(session, client, day, account_id=MAIN_ACCOUNT):
    found = _figures(client, day)
    # an operator's 立即更新 and the timer may fetch the same day at once: one writes it at a time
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"messaging.stats:{account_id}"})
    session.execute(delete(WeChatStat).where(WeChatStat.account_id == account_id, WeChatStat.day == day))
    rows = [{"account_id": account_id, "day": day, "metric": m, "source": s, "value": v} for (m, s), v in found.items()]
    if rows:
        session.execute(insert(WeChatStat).values(rows))
    now = datetime.now(LOCAL_TZ)
    stmt = insert(WeChatStatsDay).values(account_id=account_id, day=day, fetched_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["account_id", "day"], set_={"fetched_at": now}))


def pull(session, client, account_id=MAIN_ACCOUNT):
    """Fetch the days due, each committed on its own; stops at WeChat's first refusal (tried again next round).
    Returns {"fetched": [days], "error": reason or ""}."""
    done = []
    for day in due_days(session, account_id):
        try:
            fetch_day(session, client, day, account_id)
        except (WeChatClientException, OSError) as exc:
            session.rollback()
            log.warning("WeChat's figures for %s not fetched: %s", day, exc)
            return {"fetched": [d.isoformat() for d in done], "error": reason(exc)}
        session.commit()
        done.append(day)
    return {"fetched": [d.isoformat() for d in done], "error": ""}


def _ours(session, column, where, first):
    local = cast(func.timezone("Asia/Shanghai", column), Date)
    rows = session.execute(select(local, func.count()).where(column >= first, *where).group_by(local)).tuples()
    return dict(rows.all())


def report(session, days=DAYS_BACK, account_id=MAIN_ACCOUNT):
    """The last `days` days: WeChat's figures per metric (new followers also by source), and ours beside them."""
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 366:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"days": "天数应为1到366"}})
    last = today() - timedelta(days=1)
    span = [last - timedelta(days=i) for i in range(days - 1, -1, -1)]
    rows = session.execute(
        select(WeChatStat.day, WeChatStat.metric, WeChatStat.source, WeChatStat.value).where(
            WeChatStat.account_id == account_id, WeChatStat.day >= span[0], WeChatStat.day <= last
        )
    ).all()
    wechat, by_source = defaultdict(lambda: defaultdict(int)), defaultdict(int)
    for day, metric, source, value in rows:
        wechat[metric][day] += value
        if metric == "new_user":
            by_source[source] += value
    first = datetime.combine(span[0], time(0), LOCAL_TZ)
    ours = {
        "follows": _ours(session, Follower.subscribed_at, [Follower.account_id == account_id], first),
        "messages": _ours(
            session,
            InboundMessage.received_at,
            [InboundMessage.msg_type != "event", InboundMessage.account_id == account_id],
            first,
        ),
        "cases": _ours(session, CaseTrack.created_at, [CaseTrack.account_id == account_id], first),
        "answers": _ours(
            session,
            OutboundMessage.created_at,
            [OutboundMessage.sent_by != "", OutboundMessage.account_id == account_id],
            first,
        ),
    }
    fetched = set(
        session.scalars(
            select(WeChatStatsDay.day).where(WeChatStatsDay.account_id == account_id, WeChatStatsDay.day >= span[0])
        )
    )
    return {
        "days": [d.isoformat() for d in span],
        "fetched": [d in fetched for d in span],
        "wechat": {m: [wechat[m].get(d, 0) for d in span] for m in METRICS},
        "labels": METRICS,
        "sources": {SOURCES.get(s, f"来源{s}"): v for s, v in sorted(by_source.items(), key=lambda x: -x[1]) if v},
        "ours": {k: [v.get(d, 0) for d in span] for k, v in ours.items()},
    }
