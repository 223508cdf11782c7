"""二维码: parametric QR codes per channel (a poster, a window, a flyer) and each channel's funnel — scans, new
follows, and the first use of a service (a case filed after the scan).

WeChat makes the code (`qrcode/create`: a permanent QR_LIMIT_STR_SCENE or a temporary QR_STR_SCENE of ≤ 30 days)
and gives back what it encodes; the gateway draws it as PNG or SVG for print (segno). A follow through it carries
`EventKey=qrscene_<scene>`, a scan by a follower a SCAN event with the scene: record_inbound keeps both here.
"""

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from wechatpy.exceptions import WeChatClientException

from libs.clock import LOCAL_TZ
from libs.errors import NotFound, UpstreamFailed, ValidationError
from libs.schemas import is_id, validate
from services.messaging.models import MAIN_ACCOUNT, CaseTrack, Follower, QrChannel, QrScan
from services.messaging.schemas import QrChannelIn
from services.messaging.wechat import reason


def record_scan(session, openid, scene, follow, account_id=MAIN_ACCOUNT):
    session.add(QrScan(account_id=account_id, scene=scene[:64], openid=openid, follow=follow, at=datetime.now(UTC)))


def create(uow, client, data, account_id=MAIN_ACCOUNT):
    uow.require("wechat.channels")
    clean = validate(QrChannelIn, data)
    session = uow.session
    if session.scalar(select(QrChannel.id).where(QrChannel.account_id == account_id, QrChannel.scene == clean.scene)):
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"scene": "这个场景值已被其他渠道使用"}})
    request = {"action_info": {"scene": {"scene_str": clean.scene}}}
    if clean.permanent:
        request["action_name"] = "QR_LIMIT_STR_SCENE"
    else:
        request |= {"action_name": "QR_STR_SCENE", "expire_seconds": clean.days * 86400}
    try:
        made = client.qrcode.create(request)
    except (WeChatClientException, OSError) as exc:
        raise UpstreamFailed(
            "wechat_refused", f"微信未能生成二维码：{reason(exc)}", {"errcode": str(getattr(exc, "errcode", "") or "")}
        ) from None
    now = datetime.now(UTC)
    row = QrChannel(
        account_id=account_id,
        name=clean.name,
        scene=clean.scene,
        permanent=clean.permanent,
        ticket=str(made["ticket"])[:256],
        url=str(made["url"])[:256],
        expires_at=None if clean.permanent else now + timedelta(seconds=int(made.get("expire_seconds") or 0)),
        note=clean.note,
        created_by=uow.actor.name or uow.actor.id,
        created_at=now,
    )
    try:
        with uow.savepoint():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same scene saved at the same moment by someone else
        raise ValidationError(
            "invalid_fields", "请检查填写的内容", {"fields": {"scene": "这个场景值已被其他渠道使用"}}
        ) from None
    uow.audit("wechat.qr_created", "qr_channel", row.id, detail={"name": row.name, "scene": row.scene})
    return _view(row, {})


def _funnels(session, scenes, account_id):
    """scene → (scans, follows, first uses)."""
    if not scenes:
        return {}
    mine = and_(QrScan.account_id == account_id, QrScan.scene.in_(scenes))
    counts = {
        scene: (scans, follows)
        for scene, scans, follows in session.execute(
            select(
                QrScan.scene,
                func.count(),
                func.count(func.distinct(QrScan.openid)).filter(QrScan.follow.is_(True)),
            )
            .where(mine)
            .group_by(QrScan.scene)
        )
    }
    first = select(QrScan.scene, QrScan.openid, func.min(QrScan.at).label("at")).where(mine)
    first = first.group_by(QrScan.scene, QrScan.openid).subquery()
    used = dict(
        session.execute(
            select(first.c.scene, func.count(func.distinct(first.c.openid)))
            .join(CaseTrack, and_(CaseTrack.openid == first.c.openid, CaseTrack.created_at >= first.c.at))
            .group_by(first.c.scene)
        )
        .tuples()
        .all()
    )
    return {s: (*counts.get(s, (0, 0)), used.get(s, 0)) for s in scenes}


def _view(row, funnels):
    scans, follows, used = funnels.get(row.scene, (0, 0, 0))
    return {
        "id": row.id,
        "name": row.name,
        "scene": row.scene,
        "permanent": row.permanent,
        "url": row.url,
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "expired": bool(row.expires_at and row.expires_at <= datetime.now(UTC)),
        "note": row.note,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
        "scans": scans,
        "follows": follows,
        "first_use": used,
    }


def growth(session, days=30, account_id=MAIN_ACCOUNT):
    """New followers per day over the last `days` days (today included), by the QR channel they came through and the
    rest (search, articles, shares): the dashboards' follower growth."""
    days = max(1, min(int(days), 90))
    last = datetime.now(LOCAL_TZ).date()
    span = [last - timedelta(days=i) for i in range(days - 1, -1, -1)]
    start = datetime.combine(span[0], time(0), LOCAL_TZ)
    local_day = func.date(func.timezone("Asia/Shanghai", QrScan.at))
    by_scene = session.execute(
        select(QrScan.scene, local_day, func.count(func.distinct(QrScan.openid)))
        .where(QrScan.account_id == account_id, QrScan.follow.is_(True), QrScan.at >= start)
        .group_by(QrScan.scene, local_day)
    ).all()
    follow_day = func.date(func.timezone("Asia/Shanghai", Follower.subscribed_at))
    total = dict(
        session.execute(
            select(follow_day, func.count())
            .where(Follower.account_id == account_id, Follower.subscribed.is_(True), Follower.subscribed_at >= start)
            .group_by(follow_day)
        )
        .tuples()
        .all()
    )
    names = dict(
        session.execute(select(QrChannel.scene, QrChannel.name).where(QrChannel.account_id == account_id))
        .tuples()
        .all()
    )
    cells = defaultdict(lambda: defaultdict(int))  # channel name -> day -> new followers
    for scene, day, n in by_scene:
        cells[names.get(scene, scene)][day] += n
    series = [{"name": name, "values": [per_day.get(d, 0) for d in span]} for name, per_day in sorted(cells.items())]
    rest = [max(0, total.get(d, 0) - sum(c.get(d, 0) for c in cells.values())) for d in span]
    series.append({"name": "其他途径", "values": rest})
    return {"days": [d.isoformat() for d in span], "series": series}


def channels(session, account_id=MAIN_ACCOUNT):
    rows = session.scalars(
        select(QrChannel).where(QrChannel.account_id == account_id).order_by(QrChannel.id.desc()).limit(500)
    ).all()
    funnels = _funnels(session, [r.scene for r in rows], account_id)
    return [_view(r, funnels) for r in rows]


def channel(session, channel_id, account_id=MAIN_ACCOUNT):
    row = session.get(QrChannel, channel_id) if is_id(channel_id, 2**31 - 1) else None
    if row is None or row.account_id != account_id:
        raise NotFound("qr_channel_not_found", "二维码渠道不存在")
    return _view(row, _funnels(session, [row.scene], account_id))
