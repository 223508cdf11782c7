"""用户管理: the follower list kept in step with WeChat — a resumable full sync, groups (WeChat tags), the
blacklist and remarks — and searched by remark, openid, group and what citizens told us of themselves.

Every change goes to WeChat first and is kept here only once WeChat took it; a change over many followers goes in
WeChat's batch sizes (50 to tag, 20 to blacklist), each batch committed as it lands, so a refusal half-way says how
far it got and loses nothing that was done.

A full sync reads WeChat over seconds or minutes while operators and citizens go on: what it read never replaces
what changed here after the read (a follower row's `changed_at`, a follow or unfollow's own time), and the group
list is read and replaced under the same lock that creating, renaming and deleting a group take.
"""

import logging
import math
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import delete, exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from wechatpy.exceptions import WeChatClientException

from libs.errors import Conflict, NotFound, UpstreamFailed, ValidationError
from libs.schemas import validate
from services.messaging import caches
from services.messaging.inbox import alias
from services.messaging.models import MAIN_ACCOUNT, Follower, FollowerSync, FollowerTag, Tag
from services.messaging.schemas import (
    GENDERS,
    RESERVED_TAGS,
    TAGS_MAX,
    FollowerQuery,
    MembersIn,
    ProfileIn,
    RemarkIn,
    SyncView,
    TagIn,
)
from services.messaging.wechat import reason

log = logging.getLogger(__name__)
PAGE = 50
COUNT_CAP = 10_000  # past this the search says "10000+" instead of counting a million rows
INFO_BATCH, TAG_BATCH, BLACKLIST_BATCH = 100, 50, 20  # WeChat's batch sizes
STAR = 2  # 星标组, the one reserved tag followers carry
CACHE_SECONDS = 5.0


def _refused(exc, done=None):
    said = f"微信拒绝了操作：{reason(exc)}"
    if done is not None:
        said += f"（已完成{done[0]}/{done[1]}，已完成的部分已保存）"
    return UpstreamFailed("wechat_refused", said, {"errcode": str(getattr(exc, "errcode", "") or "")})


# -- the blacklist, read on every message ------------------------------------------------------------------------
class _Blacklist:
    """account id → (read at, the blacklisted openids) for CACHE_SECONDS: a blacklisted follower gets no
    auto-reply, so each message asks; the set is small, and a change here drops this replica's copy."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = {}

    def holds(self, session, openid, account_id=MAIN_ACCOUNT):
        entry, version = self.entries.get(account_id), caches.current(account_id)
        if entry is None or time.monotonic() - entry[0] >= CACHE_SECONDS or entry[2] != version:
            listed = set(
                session.scalars(
                    select(Follower.openid).where(Follower.account_id == account_id, Follower.blacklisted.is_(True))
                )
            )
            entry = (time.monotonic(), listed, version)
            with self.lock:
                self.entries[account_id] = entry
        return openid in entry[1]

    def drop(self, account_id=MAIN_ACCOUNT):
        with self.lock:
            self.entries.pop(account_id, None)


blacklist_cache = _Blacklist()


# -- search ----------------------------------------------------------------------------------------------------
def search(session, data, account_id=MAIN_ACCOUNT):
    """Followers matching the filters, ordered by openid, PAGE at a time (`next` is the next page's `after`)."""
    query = validate(FollowerQuery, data)
    where = [Follower.account_id == account_id, Follower.subscribed.is_(query.subscribed)]
    if query.q:
        # a whole openid finds its follower (one index lookup); anything else is a part of a remark
        is_openid = session.scalar(select(Follower.openid).where(Follower.openid == query.q, *where))
        where.append(Follower.openid == query.q if is_openid else Follower.remark.ilike(f"%{_escape_like(query.q)}%"))
    if query.group == "blacklisted":
        where.append(Follower.blacklisted.is_(True))
    elif query.group == "untagged":
        where.append(~exists().where(FollowerTag.openid == Follower.openid))
    if query.tag_id is not None:
        where.append(exists().where(FollowerTag.openid == Follower.openid, FollowerTag.tag_id == query.tag_id))
    if query.gender:
        where.append(Follower.gender == query.gender)
    if query.region:
        where.append(Follower.region == query.region)
    page_where = [*where, Follower.openid > query.after] if query.after else where
    rows = session.scalars(select(Follower).where(*page_where).order_by(Follower.openid).limit(PAGE + 1)).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    counted = session.scalar(
        select(func.count()).select_from(select(Follower.openid).where(*where).limit(COUNT_CAP + 1).subquery())
    )
    names = tag_names(session, account_id)
    tagged = {}
    for openid, tag_id in session.execute(
        select(FollowerTag.openid, FollowerTag.tag_id).where(FollowerTag.openid.in_([r.openid for r in rows]))
    ):
        tagged.setdefault(openid, []).append(names.get(tag_id, str(tag_id)))
    return {
        "followers": [_view(r, tagged.get(r.openid, [])) for r in rows],
        "next": rows[-1].openid if more else None,
        "count": min(counted, COUNT_CAP),
        "more_than": counted > COUNT_CAP,
    }


def follow_times(session, after, limit, account_id=MAIN_ACCOUNT):
    """[openid, followed at (ISO)] of current followers after `after` in openid order: a page of what other services
    copy (ratings tells new followers from old ones)."""
    rows = session.execute(
        select(Follower.openid, Follower.subscribed_at)
        .where(
            Follower.account_id == account_id,
            Follower.subscribed,
            Follower.subscribed_at.is_not(None),
            Follower.openid > after,
        )
        .order_by(Follower.openid)
        .limit(limit)
    )
    return [[openid, at.isoformat()] for openid, at in rows]


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _view(f, tags):
    return {
        "openid": f.openid,
        "alias": alias(f.openid),
        "remark": f.remark,
        "subscribed": f.subscribed,
        "subscribed_at": f.subscribed_at.isoformat() if f.subscribed_at else None,
        "subscribe_scene": f.subscribe_scene,
        "scene": f.scene,
        "blacklisted": f.blacklisted,
        "gender": f.gender,
        "region": f.region,
        "tags": sorted(tags),
    }


def tag_names(session, account_id=MAIN_ACCOUNT):
    names = {STAR: RESERVED_TAGS[STAR]}
    names.update(session.execute(select(Tag.id, Tag.name).where(Tag.account_id == account_id)).tuples().all())
    return names


# -- groups ------------------------------------------------------------------------------------------------------
def tags(session, account_id=MAIN_ACCOUNT):
    counts = dict(
        session.execute(
            select(FollowerTag.tag_id, func.count())
            .where(FollowerTag.account_id == account_id)
            .group_by(FollowerTag.tag_id)
        )
        .tuples()
        .all()
    )
    return [
        {"id": tag_id, "name": name, "count": counts.get(tag_id, 0), "reserved": tag_id < 100}
        for tag_id, name in sorted(tag_names(session, account_id).items())
    ]


def _tag(session, tag_id, account_id):
    if tag_id == STAR:
        return None  # reserved: exists, but has no row of its own
    row = session.get(Tag, (account_id, tag_id)) if isinstance(tag_id, int) and 0 < tag_id < 2**31 else None
    if row is None:
        raise NotFound("tag_not_found", "分组不存在")
    return row


def _tags_lock(session, account_id):
    """Taken by whatever changes the group list; a sync's end reads WeChat's list and replaces ours under it."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"messaging.tags:{account_id}"})


def save_tag(uow, client, tag_id, data, account_id=MAIN_ACCOUNT):
    """Create a group (tag_id None) or rename one; WeChat first, ours once it took it."""
    uow.require("wechat.followers")
    name = validate(TagIn, data).name
    session = uow.session
    _tags_lock(session, account_id)
    row = None if tag_id is None else _tag(session, tag_id, account_id)
    if tag_id is not None and row is None:
        raise Conflict("tag_reserved", "“星标组”是微信保留的分组，不能修改")
    clash = session.scalar(select(Tag).where(Tag.account_id == account_id, Tag.name == name))
    if clash is not None and clash is not row:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"name": "已有同名分组"}})
    if row is None and session.scalar(select(func.count()).where(Tag.account_id == account_id)) >= TAGS_MAX - 1:
        raise ValidationError("too_many_tags", f"最多{TAGS_MAX}个分组（含微信保留的星标组），请先删除不用的分组")
    try:
        if row is None:
            created = client.tag.create(name)
            row = Tag(account_id=account_id, id=int(created["id"]), name=name, created_at=datetime.now(UTC))
            session.add(row)
        else:
            client.tag.update(row.id, name)
            row.name = name
    except (WeChatClientException, OSError) as exc:
        raise _refused(exc) from None
    session.flush()
    uow.audit("wechat.tag_saved", "tag", row.id, detail={"name": name})
    return {"id": row.id, "name": row.name, "count": 0, "reserved": False}


def delete_tag(uow, client, tag_id, account_id=MAIN_ACCOUNT):
    uow.require("wechat.followers")
    _tags_lock(uow.session, account_id)
    row = _tag(uow.session, tag_id, account_id)
    if row is None:
        raise Conflict("tag_reserved", "“星标组”是微信保留的分组，不能删除")
    try:
        client.tag.delete(row.id)
    except (WeChatClientException, OSError) as exc:
        if getattr(exc, "errcode", None) != 45159:  # WeChat has it no more: ours goes too
            raise _refused(exc) from None
    uow.session.execute(delete(FollowerTag).where(FollowerTag.account_id == account_id, FollowerTag.tag_id == row.id))
    uow.audit("wechat.tag_deleted", "tag", row.id, detail={"name": row.name})
    uow.session.delete(row)
    return {"deleted": tag_id}


def _known(session, openids, account_id):
    found = set(
        session.scalars(select(Follower.openid).where(Follower.account_id == account_id, Follower.openid.in_(openids)))
    )
    unknown = [o for o in openids if o not in found]
    if unknown:
        raise ValidationError(
            "unknown_followers", f"有{len(unknown)}位不是本公众号的粉丝", {"fields": {"openids": "包含未知的粉丝"}}
        )


def _in_batches(uow, items, size, send, keep):
    """WeChat call per batch, then ours for it, committed batch by batch."""
    done = 0
    for start in range(0, len(items), size):
        batch = items[start : start + size]
        try:
            send(batch)
        except (WeChatClientException, OSError) as exc:
            raise _refused(exc, (done, len(items))) from None
        keep(batch)
        uow.checkpoint()
        done += len(batch)
    return done


def tag_followers(uow, client, tag_id, data, add=True, account_id=MAIN_ACCOUNT):
    """Put followers in a group (or take them out), 50 per WeChat call."""
    uow.require("wechat.followers")
    openids = validate(MembersIn, data).openids
    session = uow.session
    _tag(session, tag_id, account_id)
    _known(session, openids, account_id)
    uow.audit(
        "wechat.followers_tagged" if add else "wechat.followers_untagged", "tag", tag_id, detail={"count": len(openids)}
    )

    def keep(batch):
        # the followers' rows first, as a sync writes them (then their groups): the same order cannot deadlock, and
        # a sync holding them has committed its groups before this reads them
        session.execute(update(Follower).where(Follower.openid.in_(batch)).values(changed_at=datetime.now(UTC)))
        if add:
            rows = [{"openid": o, "tag_id": tag_id, "account_id": account_id} for o in batch]
            session.execute(insert(FollowerTag).values(rows).on_conflict_do_nothing())
        else:
            session.execute(delete(FollowerTag).where(FollowerTag.tag_id == tag_id, FollowerTag.openid.in_(batch)))

    send = (lambda b: client.tag.tag_user(tag_id, b)) if add else (lambda b: client.tag.untag_user(tag_id, b))
    return {"changed": _in_batches(uow, openids, TAG_BATCH, send, keep)}


def set_blacklisted(uow, client, data, on=True, account_id=MAIN_ACCOUNT):
    """拉黑 (or release): no auto-replies, no mass sends; 20 per WeChat call."""
    uow.require("wechat.followers")
    openids = validate(MembersIn, data).openids
    session = uow.session
    _known(session, openids, account_id)
    uow.audit(
        "wechat.blacklisted" if on else "wechat.unblacklisted",
        "follower",
        ",".join(alias(o) for o in openids[:5]) + ("…" if len(openids) > 5 else ""),
        detail={"count": len(openids)},
    )

    def keep(batch):
        changed = {"blacklisted": on, "changed_at": datetime.now(UTC)}
        session.execute(update(Follower).where(Follower.openid.in_(batch)).values(**changed))
        caches.changed(session, account_id)  # each batch commits on its own: every replica hears of it

    send = client.tag.batch_black_list if on else client.tag.batch_unblack_list
    changed = _in_batches(uow, openids, BLACKLIST_BATCH, send, keep)
    return {"changed": changed}


def set_remark(uow, client, openid, data, account_id=MAIN_ACCOUNT):
    uow.require("wechat.followers")
    remark = validate(RemarkIn, data).remark
    follower = uow.session.get(Follower, openid) if isinstance(openid, str) and 0 < len(openid) <= 64 else None
    if follower is None or follower.account_id != account_id:
        raise NotFound("follower_not_found", "没有这位粉丝")
    try:
        client.user.update_remark(openid, remark)
    except (WeChatClientException, OSError) as exc:
        raise _refused(exc) from None
    follower.remark, follower.changed_at = remark, datetime.now(UTC)
    uow.audit("wechat.remark_set", "follower", alias(openid), detail={"remark": remark})
    return {"openid": openid, "remark": remark}


# -- the full sync ---------------------------------------------------------------------------------------------
def sync_view(row):
    return SyncView.model_validate(row).model_dump(mode="json") if row else None


def latest_sync(session, account_id=MAIN_ACCOUNT):
    return sync_view(
        session.scalar(
            select(FollowerSync).where(FollowerSync.account_id == account_id).order_by(FollowerSync.id.desc()).limit(1)
        )
    )


def start_sync(uow, account_id=MAIN_ACCOUNT):
    uow.require("wechat.followers")
    now = datetime.now(UTC)
    row = FollowerSync(
        account_id=account_id,
        status="running",
        started_by=uow.actor.name or uow.actor.id,
        started_at=now,
        updated_at=now,
    )
    try:
        with uow.savepoint():
            uow.session.add(row)
            uow.session.flush()
    except IntegrityError:
        raise Conflict("sync_running", "已有一次同步正在进行，请等它完成") from None
    uow.audit("wechat.sync_started", "follower_sync", row.id)
    return sync_view(row)


def stop_sync(uow, account_id=MAIN_ACCOUNT):
    uow.require("wechat.followers")
    row = uow.session.scalar(
        select(FollowerSync)
        .where(FollowerSync.account_id == account_id, FollowerSync.status == "running")
        .with_for_update()
    )
    if row is None:
        return latest_sync(uow.session, account_id)  # already over: what was asked for is done
    row.status, row.finished_at = "failed", datetime.now(UTC)
    row.error = (row.error + "；" if row.error else "") + "已由工作人员停止"
    uow.audit("wechat.sync_stopped", "follower_sync", row.id)
    return sync_view(row)


def sync_step(session, client):
    """One page of a running sync (the user/get page of 10,000 and its user info, 100 per call), committed with
    the cursor for the next page. SKIP LOCKED: replicas share the work without doing a page twice. Returns
    whether a page was done (False: nothing to do, or WeChat refused and the page is tried again next round)."""
    job = session.scalar(
        select(FollowerSync)
        .where(FollowerSync.status == "running", FollowerSync.account_id.in_(list(client.provider.accounts.by_id)))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if job is None:
        return False
    now = datetime.now(UTC)
    client = client.of(job.account_id)
    try:
        if job.pages and job.fetched >= job.total:
            # every page is in: the end runs in a transaction of its own, whose first lock is the groups' (as when a
            # group is deleted: inside the last page's, it waited for that lock holding rows the deletion waited for)
            _finish(session, client, job)
            session.commit()
            return True
        page = client.user.get_followers(job.cursor or None)
        openids = (page.get("data") or {}).get("openid") or []
        for start in range(0, len(openids), INFO_BATCH):
            batch = openids[start : start + INFO_BATCH]
            read_at = datetime.now(UTC)
            infos = client.user.get_batch([{"openid": o, "lang": "zh_CN"} for o in batch])
            _keep_users(session, job.account_id, infos, read_at)
        total = int(page.get("total", 0))
        last = not openids or not page.get("next_openid") or job.fetched + len(openids) >= total
    except (WeChatClientException, OSError) as exc:
        job.error, job.updated_at = reason(exc), now
        session.commit()
        log.warning("follower sync %s: WeChat refused a page, tried again next round: %s", job.id, exc)
        return False
    job.cursor = page.get("next_openid") or job.cursor
    job.fetched += len(openids)
    # the last page read: the next step ends the sync (fetched ≥ total is what says so, after a crash too)
    total = job.fetched if last else total
    job.total, job.pages, job.error, job.updated_at = total, job.pages + 1, "", now
    session.commit()
    return True


def _keep_users(session, account_id, infos, read_at):
    """WeChat's view of these followers (asked at `read_at`), except where ours changed after that."""
    now = datetime.now(UTC)
    rows, tagged = [], []
    for info in infos:
        openid = str(info.get("openid", ""))[:64]
        if not openid:
            continue
        subscribed = info.get("subscribe") == 1
        since = datetime.fromtimestamp(int(info["subscribe_time"]), UTC) if info.get("subscribe_time") else None
        rows.append(
            {
                "openid": openid,
                "account_id": account_id,
                "subscribed": subscribed,
                "subscribed_at": since,
                "remark": str(info.get("remark") or "")[:30],
                "subscribe_scene": str(info.get("subscribe_scene") or "")[:32],
                "scene": str(info.get("qr_scene_str") or "")[:64],
                "synced_at": now,
            }
        )
        tagged += [{"openid": openid, "tag_id": int(t), "account_id": account_id} for t in info.get("tagid_list") or []]
    if not rows:
        return
    stmt = insert(Follower).values(rows)
    kept = ("subscribed", "subscribed_at", "remark", "subscribe_scene", "scene", "synced_at")
    # an operator's change, a follow or an unfollow since the read is newer than what WeChat said
    unchanged = (
        func.coalesce(
            func.greatest(Follower.changed_at, Follower.subscribed_at, Follower.unsubscribed_at),
            datetime.min.replace(tzinfo=UTC),
        )
        < read_at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["openid"], set_={k: stmt.excluded[k] for k in kept}, where=unchanged
    ).returning(Follower.openid)
    written = set(session.scalars(stmt))
    seen = {r["openid"] for r in rows} - written  # left alone, but in WeChat's list: not taken for gone at the end
    if seen:
        session.execute(update(Follower).where(Follower.openid.in_(seen)).values(synced_at=now))
    # WeChat's groups for these followers replace ours
    session.execute(delete(FollowerTag).where(FollowerTag.openid.in_(written)))
    tagged = [t for t in tagged if t["openid"] in written]
    if tagged:
        session.execute(insert(FollowerTag).values(tagged).on_conflict_do_nothing())


def _finish(session, client, job):
    """The last page is in: WeChat's groups and blacklist replace ours, and whoever the sync did not see has
    left (unless they followed while it ran)."""
    _tags_lock(session, job.account_id)
    wechat_tags = {int(t["id"]): t["name"] for t in client.tag.get() if int(t["id"]) >= 100}
    now = datetime.now(UTC)
    for tag_id, name in wechat_tags.items():
        stmt = insert(Tag).values(account_id=job.account_id, id=tag_id, name=name[:30], created_at=now)
        session.execute(stmt.on_conflict_do_update(index_elements=["account_id", "id"], set_={"name": name[:30]}))
    session.execute(delete(Tag).where(Tag.account_id == job.account_id, Tag.id.not_in(list(wechat_tags) or [-1])))
    # memberships of groups WeChat no longer has: a page read before a group's deletion wrote them back after it
    session.execute(
        delete(FollowerTag).where(
            FollowerTag.account_id == job.account_id,
            FollowerTag.tag_id >= 100,  # WeChat's own ids start there; 星标组 (2) is reserved and kept
            FollowerTag.tag_id.not_in(list(wechat_tags) or [-1]),
        )
    )
    listed, begin, read_at = [], None, datetime.now(UTC)
    while True:
        page = client.tag.get_black_list(begin)
        found = (page.get("data") or {}).get("openid") or []
        listed += found
        begin = page.get("next_openid")
        if not found or not begin or len(listed) >= int(page.get("total", 0)):
            break
    mine = Follower.account_id == job.account_id
    # an operator who (un)blacklisted someone after the read is newer than WeChat's list
    unchanged = Follower.changed_at.is_(None) | (Follower.changed_at < read_at)
    session.execute(
        update(Follower)
        .where(mine, unchanged, Follower.openid.in_(listed), ~Follower.blacklisted)
        .values(blacklisted=True)
    )
    session.execute(
        update(Follower)
        .where(mine, unchanged, Follower.blacklisted, Follower.openid.not_in(listed or ["-"]))
        .values(blacklisted=False)
    )
    started = job.started_at
    session.execute(
        update(Follower)
        .where(
            mine,
            Follower.subscribed.is_(True),
            (Follower.synced_at.is_(None)) | (Follower.synced_at < started),
            (Follower.subscribed_at.is_(None)) | (Follower.subscribed_at < started),
        )
        .values(subscribed=False, unsubscribed_at=now)
    )
    job.status, job.finished_at = "done", now
    caches.changed(session, job.account_id)


# -- what citizens tell us of themselves -------------------------------------------------------------------------
def profile(session, openid, regions):
    follower = session.get(Follower, openid)
    return {
        "follows": bool(follower and follower.subscribed),
        "gender": follower.gender if follower else "",
        "region": follower.region if follower else "",
        "region_source": follower.region_source if follower else "",
        "location_consent": follower.location_consent if follower else False,
        "regions": [r["name"] for r in regions],
        "genders": GENDERS,
    }


def save_profile(session, openid, data, regions):
    clean = validate(ProfileIn, data)
    if clean.region and clean.region not in [r["name"] for r in regions]:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"region": "请选择列表中的区域"}})
    follower = session.get(Follower, openid, with_for_update=True)
    if follower is None or not follower.subscribed:
        raise Conflict("not_following", "请先关注公众号，再设置个人资料")
    follower.gender, follower.location_consent = clean.gender, clean.location_consent
    if clean.region or follower.region_source != "location":
        follower.region, follower.region_source = clean.region, "profile" if clean.region else ""
    if not clean.location_consent and follower.region_source == "location":
        follower.region, follower.region_source = "", ""  # consent withdrawn: what the location said goes too
    session.commit()
    return profile(session, openid, regions)


def region_of(lat, lng, regions, radius_km):
    """The region whose centre is nearest to a LOCATION event, if within radius_km."""
    best, best_km = "", radius_km
    for region in regions:
        # equirectangular distance: exact enough across one city
        dx = math.radians(lng - region["lng"]) * math.cos(math.radians((lat + region["lat"]) / 2))
        km = 6371 * math.hypot(dx, math.radians(lat - region["lat"]))
        if km <= best_km:
            best, best_km = region["name"], km
    return best


def keep_location(session, openid, fields, regions, radius_km):
    """A LOCATION event counts only for a citizen who consented, and never over what they said themselves."""
    try:
        lat, lng = float(fields.get("Latitude")), float(fields.get("Longitude"))
    except (TypeError, ValueError):
        return
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return
    region = region_of(lat, lng, regions, radius_km)
    if region:
        session.execute(
            update(Follower)
            .where(Follower.openid == openid, Follower.location_consent.is_(True), Follower.region_source != "profile")
            .values(region=region, region_source="location")
        )
