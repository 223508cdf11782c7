"""/admin/ratings: moderators (rating.moderate) review 领导点评 before they are public and after citizens report them,
decide flagged bursts of ratings, show or keep hidden held impression comments, and keep the tags and sensitive
words; /admin/ratings/board ranks the departments; an official's office (rating.respond) answers comments at
/admin/ratings/office. Forms post, then redirect back with what happened (core/notices.py)."""

import functools

from flask import Blueprint, g, render_template, request, url_for

from services.gateway.core import notices
from services.gateway.core.auth import staff_page
from services.gateway.ratings import client

bp = Blueprint("ratings_admin", __name__, url_prefix="/admin/ratings")


def _render(template, **context):
    notice = notices.shown()
    errors, form = notice.get("errors") or {}, notice.get("form") or {}
    return render_template(template, notice=notice.get("message"), errors=errors, form=form, **context)


@bp.get("")
@staff_page
def queue():
    return _render("admin/ratings.html", queue=client.moderation_queue(), tab="queue")


@bp.post("/comments/<id:comment_id>")
@staff_page
def moderate(comment_id):
    data = {
        "decision": request.form.get("decision", ""),
        "reason": request.form.get("reason", "")[:201],
        "shown_body": request.form.get("shown_body", "")[:501],
    }
    done = "已公开。" if data["decision"] == "approve" else "已驳回，市民可在“我的评价”中看到理由。"
    back = lambda _r: url_for(".queue") + f"#comment-{comment_id}"  # noqa: E731
    form = data | {"comment_id": comment_id}  # a refusal is shown on this comment's card, with what was typed
    return notices.after_post(functools.partial(client.moderate, comment_id, data), back, form, done)


@bp.post("/impressions/<id:rating_id>")
@staff_page
def moderate_impression(rating_id):
    show = request.form.get("show") == "1"
    back = lambda _r: url_for(".queue")  # noqa: E731
    seen = request.form.get("seen", "")[:80]  # the version the moderator read (a changed comment is not decided)
    action = functools.partial(client.moderate_impression, rating_id, show, seen)
    return notices.after_post(action, back, {}, "留言已公开。" if show else "留言不公开（星级照常计入）。")


@bp.post("/review")
@staff_page
def review():
    ids = [int(x) for x in request.form.getlist("rating_id")[:500] if x.isascii() and x.isdigit() and len(x) < 10]
    decision = request.form.get("decision", "")
    back = lambda _r: url_for(".queue")  # noqa: E731
    what = "计入得分" if decision == "count" else "剔除，不计入得分"
    done = lambda result: f"已处理{len(result['decided'])}条评价：{what}。"  # noqa: E731 - those still flagged
    return notices.after_post(functools.partial(client.review, ids, decision), back, {}, done)


@bp.get("/board")
@staff_page
def board():
    return _render("admin/ratings_board.html", board=client.board(), tab="board")


@bp.get("/settings")
@staff_page
def settings():
    return _render("admin/ratings_settings.html", settings=client.settings(), tab="settings")


@bp.post("/settings/tags")
@staff_page
def save_tag():
    raw = request.form.get("tag_id", "")
    tag_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    data = {
        "label": request.form.get("label", "")[:11],
        "tone": request.form.get("tone", ""),
        "active": request.form.get("active") == "1",
    }
    back = lambda _r: url_for(".settings")  # noqa: E731
    return notices.after_post(functools.partial(client.save_tag, tag_id, data), back, data, "标签已保存。")


@bp.post("/settings/words")
@staff_page
def add_word():
    data = {"word": request.form.get("word", "")[:21], "action": request.form.get("action", "")}
    back = lambda _r: url_for(".settings")  # noqa: E731
    return notices.after_post(functools.partial(client.add_word, data), back, data, "敏感词已添加。")


@bp.post("/settings/words/<id:word_id>/remove")
@staff_page
def remove_word(word_id):
    back = lambda _r: url_for(".settings")  # noqa: E731
    return notices.after_post(functools.partial(client.remove_word, word_id), back, {}, "敏感词已删除。")


@bp.get("/office")
@staff_page
def office():
    """A head answers for their own department; a role over every department (the administrator) picks one."""
    raw = request.args.get("department_id", "")
    chosen = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    actor = g.actor
    if actor.department_id is None and chosen is None:
        return _render("admin/ratings_office.html", comments=None, board=client.board(), chosen=None, tab="office")
    comments = client.office_comments(chosen)
    return _render("admin/ratings_office.html", comments=comments, board=None, chosen=chosen, tab="office")


@bp.post("/office/<id:comment_id>")
@staff_page
def respond(comment_id):
    data = {"body": request.form.get("body", "")[:501]}
    chosen = request.form.get("department_id", "")
    picked = {"department_id": chosen} if chosen.isascii() and chosen.isdigit() and len(chosen) < 10 else {}
    back = lambda _r: url_for(".office", **picked) + f"#comment-{comment_id}"  # noqa: E731
    return notices.after_post(functools.partial(client.respond, comment_id, data), back, data, "回复已公开。")
