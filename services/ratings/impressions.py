"""市民印象: a citizen rates a department (1–5 stars, impression tags, an optional comment), once a month; a later
rating that month replaces the earlier one; citizens see and withdraw their own.

Anti-abuse, exact under parallel requests because each citizen's ratings are taken one at a time (an advisory lock
for the transaction, across replicas): at most MAX_PER_HOUR ratings an hour. A burst of ratings of one department
from new followers (followed within NEW_FOLLOWER_DAYS, or never seen following) is flagged: flagged ratings stay out
of the published score until a moderator counts or discards them.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text, update

from libs.auth import require
from libs.clock import LOCAL_TZ
from libs.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from libs.schemas import MAX_INT, is_id, validate
from services.ratings import copies, schemas, words
from services.ratings.models import CitizenAction, Follower, ImpressionTag, Rating

MAX_PER_HOUR = 10
NEW_FOLLOWER_DAYS = 7
BURST_WINDOW = timedelta(hours=1)
COMMENT_LABELS = {"none": "", "visible": "已公开", "held": "待审核", "hidden": "未公开"}


def month_of(now):
    return now.astimezone(LOCAL_TZ).strftime("%Y-%m")


def _citizen(actor):
    if actor.kind != "citizen":
        raise Forbidden("citizens_only", "只有市民本人可以评价")
    return actor.id


def lock_citizen(session, openid):
    """One write of this citizen's at a time until the transaction ends: their hourly counts are then exact."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"ratings.citizen:{openid}"})


def tags(session, active_only=True):
    query = select(ImpressionTag).order_by(ImpressionTag.sort_order, ImpressionTag.id)
    if active_only:
        query = query.where(ImpressionTag.active)
    return [
        {"id": t.id, "label": t.label, "tone": t.tone, "tone_label": schemas.TONE_LABELS[t.tone], "active": t.active}
        for t in session.scalars(query)
    ]


def _fields(problems):
    return ValidationError("invalid_fields", "请检查填写的内容", {"fields": problems})


def rate(uow, data, burst_size):
    openid = _citizen(uow.actor)
    session = uow.session
    clean = validate(schemas.RatingIn, data)
    dept = copies.department(session, clean.department_id)
    known = {t["id"] for t in tags(session)}
    chosen = list(dict.fromkeys(clean.tag_ids))
    if len(chosen) != len(clean.tag_ids) or not set(chosen) <= known:
        raise _fields({"tag_ids": "印象标签不存在或有重复，请刷新页面后重试"})
    refused, held = words.screen(session, clean.comment) if clean.comment else ([], [])
    if refused:
        raise _fields({"comment": f"留言含有不文明用语（{'、'.join(refused)}），请修改后再提交"})
    lock_citizen(session, openid)
    now = _within_limit(session, openid)
    month = month_of(now)
    rating = session.scalar(  # locked: a moderator's decision on it lands before or after this, never under it
        select(Rating)
        .where(Rating.department_id == dept.id, Rating.openid == openid, Rating.month == month)
        .with_for_update()
    )
    if rating is None:
        rating = Rating(department_id=dept.id, openid=openid, month=month, created_at=now, status="counted")
        rating.reviewed, rating.comment, rating.comment_status = False, "", "none"
        session.add(rating)
    rating.comment_status = _comment_status(rating, clean.comment, held)
    rating.stars, rating.tag_ids, rating.comment = clean.stars, chosen, clean.comment
    rating.updated_at, rating.withdrawn = now, False
    rating.from_new_follower = _is_new_follower(session, openid, now)
    # a moderator's flag or discard stays whatever the citizen sends again (or withdraws and sends again)
    session.add(CitizenAction(openid=openid, action="rate", at=now))
    session.flush()
    if rating.from_new_follower and _is_burst(session, dept.id, now, burst_size) and not rating.reviewed:
        rating.status = "flagged" if rating.status == "counted" else rating.status
    return _mine(rating, dept.name, {t["id"]: t["label"] for t in tags(session, active_only=False)})


def _within_limit(session, openid):
    """Now, if this citizen has written fewer than MAX_PER_HOUR ratings (or withdrawals) in the last hour."""
    now = datetime.now(UTC)
    session.execute(
        delete(CitizenAction).where(CitizenAction.openid == openid, CitizenAction.at < now - timedelta(days=1))
    )
    recent = session.scalar(
        select(func.count()).where(CitizenAction.openid == openid, CitizenAction.at > now - timedelta(hours=1))
    )
    if recent >= MAX_PER_HOUR:
        raise RateLimited("too_many_ratings", "您评价得太频繁了，请一小时后再试")
    return now


def _comment_status(rating, comment, held):
    """A comment with a hold word waits; one a moderator hid stays hidden, and goes back to them if it changed."""
    if not comment:
        return "none"
    if held:
        return "held"
    if rating.comment_status == "hidden":
        return "hidden" if comment == rating.comment else "held"
    if rating.comment_status == "held" and comment == rating.comment:
        return "held"
    return "visible"


def _is_new_follower(session, openid, now):
    followed = session.scalar(select(Follower.followed_at).where(Follower.openid == openid))
    return followed is None or followed > now - timedelta(days=NEW_FOLLOWER_DAYS)


def _is_burst(session, department_id, now, burst_size):
    """Whether this department has had burst_size or more ratings from new followers within the window; if so,
    every one of them is flagged. Taken one department at a time, so parallel ratings cannot each miss the count."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"ratings.burst:{department_id}"})
    recent = (
        Rating.department_id == department_id,
        Rating.from_new_follower,
        Rating.updated_at > now - BURST_WINDOW,
        Rating.status != "discarded",
        Rating.reviewed.is_(False),  # a moderator counted these: they do not make a burst again
    )
    if session.scalar(select(func.count()).where(*recent)) < burst_size:
        return False
    session.execute(update(Rating).where(*recent, Rating.status == "counted").values(status="flagged"))
    return True


def _mine(rating, department_name, labels):
    return {
        "id": rating.id,
        "department_id": rating.department_id,
        "department_name": department_name,
        "month": rating.month,
        "stars": rating.stars,
        "tags": [labels[t] for t in rating.tag_ids if t in labels],
        "tag_ids": list(rating.tag_ids),
        "comment": rating.comment,
        "comment_label": COMMENT_LABELS[rating.comment_status],
        "updated_at": rating.updated_at.isoformat(),
    }


def mine(session, actor):
    """The citizen's own ratings, newest first (whether a rating was flagged is not said: it would teach evasion)."""
    openid = _citizen(actor)
    names = {d.id: d.name for d in copies.departments(session)}
    labels = {t["id"]: t["label"] for t in tags(session, active_only=False)}
    mine_ = select(Rating).where(Rating.openid == openid, Rating.withdrawn.is_(False))
    rows = session.scalars(mine_.order_by(Rating.updated_at.desc()).limit(100))
    return [_mine(r, names.get(r.department_id, "（已撤销的部门）"), labels) for r in rows]


def withdraw(uow, rating_id):
    openid = _citizen(uow.actor)
    if not is_id(rating_id, MAX_INT):
        raise NotFound("rating_not_found", "评价不存在")
    lock_citizen(uow.session, openid)
    now = _within_limit(uow.session, openid)
    gone = uow.session.execute(
        update(Rating)
        .where(Rating.id == rating_id, Rating.openid == openid, Rating.withdrawn.is_(False))
        .values(withdrawn=True, updated_at=now)
    )
    if not gone.rowcount:  # another citizen's rating is as good as none
        raise NotFound("rating_not_found", "评价不存在")
    uow.session.add(CitizenAction(openid=openid, action="withdraw", at=now))
    return {"withdrawn": rating_id}


def public_comments(session, department_id, limit=20):
    rows = session.scalars(
        select(Rating)
        .where(
            Rating.department_id == department_id,
            Rating.comment_status == "visible",
            Rating.status == "counted",
            Rating.withdrawn.is_(False),
        )
        .order_by(Rating.updated_at.desc())
        .limit(limit)
    )
    labels = {t["id"]: t["label"] for t in tags(session, active_only=False)}
    return [
        {
            "stars": r.stars,
            "tags": [labels[t] for t in r.tag_ids if t in labels],
            "comment": r.comment,
            "month": r.month,
        }
        for r in rows
    ]


# -- staff: bursts and held comments --------------------------------------------------------------------------------
def review_queue(session, actor):
    require(actor, "rating.moderate")
    names = {d.id: d.name for d in copies.departments(session)}
    labels = {t["id"]: t["label"] for t in tags(session, active_only=False)}

    def row(r):
        return _mine(r, names.get(r.department_id, "?"), labels) | {"status": r.status, "version": _version(r)}

    present = Rating.withdrawn.is_(False)
    flagged = session.scalars(
        select(Rating).where(Rating.status == "flagged", present).order_by(Rating.updated_at).limit(200)
    )
    held = session.scalars(
        select(Rating).where(Rating.comment_status == "held", present).order_by(Rating.updated_at).limit(200)
    )
    return {"flagged": [row(r) for r in flagged], "held": [row(r) for r in held]}


def review(uow, rating_ids, decision):
    """Flagged ratings counted after all, or discarded as part of a campaign (audited, with how many)."""
    uow.require("rating.moderate")
    if decision not in ("count", "discard"):
        raise ValidationError("invalid_decision", "处理方式只能是计入或剔除")
    ids = [i for i in rating_ids or [] if is_id(i, MAX_INT)][:500] if isinstance(rating_ids, list) else []
    if not ids:
        raise ValidationError("invalid_fields", "请选择要处理的评价", {"fields": {"rating_ids": "请选择要处理的评价"}})
    status = "counted" if decision == "count" else "discarded"
    done = uow.session.execute(
        update(Rating)
        .where(Rating.id.in_(ids), Rating.status == "flagged")
        .values(status=status, reviewed=True)
        .returning(Rating.id)
    ).scalars()
    done = sorted(done)
    if not done:
        raise Conflict("ratings_not_flagged", "这些评价已经处理过了")
    uow.audit(f"rating.burst_{decision}ed", "rating", done[0], detail={"rating_ids": done})
    return {"decided": done, "status": status}


def _version(rating):
    """What a moderator's page showed: the citizen's last change and the comment's state (another moderator's
    decision changes it too)."""
    return f"{rating.updated_at.isoformat()}|{rating.comment_status}"


def moderate_comment(uow, rating_id, show, seen):
    """A held impression comment shown or kept hidden (the stars count either way). `seen`: its _version as the
    moderator's page showed it; a comment changed, withdrawn or decided since is not decided again unseen."""
    uow.require("rating.moderate")
    rating = uow.session.get(Rating, rating_id, with_for_update=True) if is_id(rating_id, MAX_INT) else None
    if rating is None or rating.comment_status not in ("held", "visible", "hidden"):
        raise NotFound("rating_not_found", "评价不存在")
    if not isinstance(seen, str) or seen != _version(rating) or rating.withdrawn:
        raise Conflict("rating_changed", "这条留言已被市民修改或撤回，或已由他人审核；请刷新页面，查看最新内容后再审核")
    rating.comment_status = "visible" if show else "hidden"
    uow.audit("rating.comment_shown" if show else "rating.comment_hidden", "rating", rating.id)
    return {"id": rating.id, "comment_status": rating.comment_status}
