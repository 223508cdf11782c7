"""领导点评: citizens comment on named officials (the leaders content lists for each department). Comments name real
people, so none is public before a moderator approves it: words on the sensitive list refuse a comment outright
('reject') or mark it for the moderator's attention ('hold'). A public comment that enough citizens report is hidden
until a moderator looks again. The official's office may answer each public comment once. Moderators' decisions
keep what the citizen wrote (a masked version is published beside it) and are audited.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from libs.auth import can, require
from libs.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from libs.schemas import MAX_INT, is_id, validate
from services.ratings import copies, schemas, words
from services.ratings.impressions import lock_citizen
from services.ratings.models import CommentReport, OfficialComment

MAX_PER_HOUR = 5
MAX_REPORTS_PER_HOUR = 20


def _citizen(actor):
    if actor.kind != "citizen":
        raise Forbidden("citizens_only", "只有市民本人可以点评")
    return actor.id


def _fields(problems):
    return ValidationError("invalid_fields", "请检查填写的内容", {"fields": problems})


def _comment(session, comment_id, lock=False):
    query = select(OfficialComment).where(OfficialComment.id == comment_id)
    found = session.scalar(query.with_for_update() if lock else query) if is_id(comment_id, MAX_INT) else None
    if found is None:
        raise NotFound("comment_not_found", "点评不存在")
    return found


def public_view(c):
    return {
        "id": c.id,
        "department_id": c.department_id,
        "official_name": c.official_name,
        "official_title": c.official_title,
        "body": c.shown_body or c.body,
        "created_at": c.created_at.isoformat(),
        "response": c.response,
        "responded_at": c.responded_at.isoformat() if c.responded_at else None,
    }


def own_view(c):
    return public_view(c) | {
        "body": c.body,  # the citizen sees what they wrote
        "status": c.status,
        "status_label": schemas.STATUS_LABELS[c.status],
        "reason": c.reason,
    }


def staff_view(c):
    return own_view(c) | {
        "shown_body": c.shown_body,
        "flagged_words": list(c.flagged_words),
        "reports": c.reports_count,
        "moderated_by": c.moderated_by,
    }


def submit(uow, data):
    openid = _citizen(uow.actor)
    session = uow.session
    clean = validate(schemas.CommentIn, data)
    dept = copies.department(session, clean.department_id)
    titles = dict(copies.leaders(dept))
    if clean.official_name not in titles:
        raise _fields({"official_name": "该部门没有这位领导"})
    refused, held = words.screen(session, clean.body)
    if refused:
        raise _fields({"body": f"点评含有不文明用语（{'、'.join(refused)}），请修改后再提交"})
    lock_citizen(session, openid)
    now = datetime.now(UTC)
    recent = session.scalar(
        select(func.count()).where(
            OfficialComment.openid == openid, OfficialComment.created_at > now - timedelta(hours=1)
        )
    )
    if recent >= MAX_PER_HOUR:
        raise RateLimited("too_many_comments", "您点评得太频繁了，请一小时后再试")
    comment = OfficialComment(
        department_id=dept.id,
        official_name=clean.official_name,
        official_title=titles[clean.official_name],
        openid=openid,
        body=clean.body,
        shown_body="",
        flagged_words=held,
        status="pending",
        reason="",
        reports_count=0,
        response="",
        created_at=now,
    )
    session.add(comment)
    session.flush()
    return own_view(comment)


def mine(session, actor):
    openid = _citizen(actor)
    rows = session.scalars(
        select(OfficialComment).where(OfficialComment.openid == openid).order_by(OfficialComment.id.desc()).limit(100)
    )
    return [own_view(c) for c in rows]


def public(session, department_id, official_name=None, limit=50):
    query = select(OfficialComment).where(
        OfficialComment.department_id == department_id, OfficialComment.status == "published"
    )
    if official_name is not None:
        query = query.where(OfficialComment.official_name == official_name)
    return [public_view(c) for c in session.scalars(query.order_by(OfficialComment.id.desc()).limit(limit))]


def counts(session, department_id):
    """{official name: public comments} for a department's page."""
    rows = session.execute(
        select(OfficialComment.official_name, func.count())
        .where(OfficialComment.department_id == department_id, OfficialComment.status == "published")
        .group_by(OfficialComment.official_name)
    )
    return dict(rows.all())


REPORT = text(
    """
    WITH reported AS (
        INSERT INTO ratings.comment_reports (comment_id, openid, reason, created_at)
        VALUES (:c, :o, :r, now()) ON CONFLICT DO NOTHING RETURNING comment_id
    )
    UPDATE ratings.official_comments SET
        reports_count = reports_count + 1,
        status = CASE WHEN reports_count + 1 >= :n AND status = 'published' THEN 'reported' ELSE status END
    WHERE id IN (SELECT comment_id FROM reported)
    RETURNING status
    """
)


def report(uow, comment_id, data, reports_to_hide):
    """One report per citizen per comment; at reports_to_hide the comment leaves the public page for review."""
    openid = _citizen(uow.actor)
    session = uow.session
    clean = validate(schemas.ReportIn, data)
    comment = _comment(session, comment_id)
    if comment.status != "published":
        raise NotFound("comment_not_found", "点评不存在")
    lock_citizen(session, openid)
    recent = session.scalar(
        select(func.count()).where(
            CommentReport.openid == openid, CommentReport.created_at > datetime.now(UTC) - timedelta(hours=1)
        )
    )
    if recent >= MAX_REPORTS_PER_HOUR:
        raise RateLimited("too_many_reports", "您举报得太频繁了，请一小时后再试")
    status = session.scalar(REPORT, {"c": comment.id, "o": openid, "r": clean.reason, "n": reports_to_hide})
    if status is None:
        raise Conflict("already_reported", "您已经举报过这条点评，我们会尽快核实")
    return {"reported": comment.id, "hidden": status == "reported"}


# -- staff ----------------------------------------------------------------------------------------------------------
def queue(session, actor):
    """What waits for a moderator: new comments (those with words on the list first) and reported ones."""
    require(actor, "rating.moderate")
    waiting = session.scalars(
        select(OfficialComment)
        .where(OfficialComment.status.in_(("pending", "reported")))
        .order_by(
            OfficialComment.status.desc(), func.cardinality(OfficialComment.flagged_words).desc(), OfficialComment.id
        )
        .limit(200)
    )
    return [staff_view(c) for c in waiting]


def moderate(uow, comment_id, data):
    uow.require("rating.moderate")
    clean = validate(schemas.ModerationIn, data)
    comment = _comment(uow.session, comment_id, lock=True)
    if comment.status not in ("pending", "reported"):
        raise Conflict("comment_decided", f"这条点评已经审核过了（{schemas.STATUS_LABELS[comment.status]}）")
    if clean.shown_body:
        refused, _held = words.screen(uow.session, clean.shown_body)
        if refused:
            raise _fields({"shown_body": f"公开内容仍含有不文明用语（{'、'.join(refused)}）"})
    was = comment.status
    now = datetime.now(UTC)
    comment.moderated_by, comment.moderated_at = uow.actor.id, now
    if clean.decision == "approve":
        comment.status, comment.reason = "published", ""
        if "shown_body" in clean.model_fields_set:  # left out: a masking decided before stays
            comment.shown_body = clean.shown_body if clean.shown_body != comment.body else ""
        comment.reports_count = 0  # restored: those who reported it cannot report it again; others can
    else:
        comment.status, comment.reason = "rejected", clean.reason
    detail = {"was": was, "reason": comment.reason, "original": comment.body, "shown": comment.shown_body}
    uow.audit(f"rating.comment_{clean.decision}d", "official_comment", comment.id, detail=detail)
    return staff_view(comment)


def for_office(session, actor, department_id=None):
    """Public comments on a department's leaders, for its office to answer (a head: their own department)."""
    if not actor.is_staff:
        raise Forbidden("forbidden", "没有权限执行此操作")
    department_id = department_id if department_id is not None else actor.department_id
    if department_id is None or not can(actor, "rating.respond", department_id):
        raise Forbidden("forbidden", "没有权限执行此操作", {"permission": "rating.respond"})
    rows = session.scalars(
        select(OfficialComment)
        .where(OfficialComment.department_id == department_id, OfficialComment.status == "published")
        .order_by(OfficialComment.responded_at.is_not(None), OfficialComment.id.desc())
        .limit(200)
    )
    return [public_view(c) for c in rows]


def respond(uow, comment_id, data):
    """The official's office answers a public comment, once, in public (audited)."""
    clean = validate(schemas.ResponseIn, data)
    comment = _comment(uow.session, comment_id, lock=True)
    uow.require("rating.respond", comment.department_id)
    if comment.status != "published":
        raise Conflict("comment_not_public", "只能回复已公开的点评")
    if comment.response:
        raise Conflict("already_responded", "这条点评已经回复过了，每条只能回复一次")
    refused, _held = words.screen(uow.session, clean.body)
    if refused:
        raise _fields({"body": f"回复含有不文明用语（{'、'.join(refused)}）"})
    comment.response, comment.responded_by, comment.responded_at = clean.body, uow.actor.id, datetime.now(UTC)
    uow.audit("rating.comment_responded", "official_comment", comment.id, detail={"response": clean.body})
    return public_view(comment)
