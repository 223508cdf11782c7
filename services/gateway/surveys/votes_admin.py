"""/admin/votes: the organiser's 微投票 — write one (options one per line), publish it, close it, and follow the
count as it goes. Forms post, then redirect back with what happened (core/notices.py)."""

import functools

from flask import Blueprint, render_template, request, url_for

from libs.clock import local_minute
from services.gateway.core import notices
from services.gateway.core.auth import staff_page
from services.gateway.core.web import file_response
from services.gateway.surveys import announce, client

bp = Blueprint("votes_admin", __name__, url_prefix="/admin/votes")
FIELDS = ("title", "description", "options", "max_choices", "period", "results", "closes_at")


@bp.get("")
@staff_page
def votes():
    notice = notices.shown()
    return render_template(
        "admin/votes.html",
        votes=client.staff_votes(),
        form=notice.get("form") or {"max_choices": "1", "period": "once", "results": "after_vote"},
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        editing=None,
    )


@bp.get("/<id:vote_id>/edit")
@staff_page
def edit(vote_id):
    """A draft in the same form, filled in (a published vote keeps its options and rules: the service says so)."""
    notice = notices.shown()
    vote = client.staff_vote(vote_id)
    form = notice.get("form") or {
        "title": vote["title"],
        "description": vote["description"],
        "options": "\n".join(o["label"] for o in vote["options"]),
        "max_choices": str(vote["max_choices"]),
        "period": vote["period"],
        "results": vote["results_visibility"],
        "closes_at": local_minute(vote["closes_at"]).replace(" ", "T"),
    }
    return render_template(
        "admin/votes.html",
        votes=client.staff_votes(),
        form=form,
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        editing=vote,
    )


@bp.post("/<id:vote_id>/edit")
@staff_page
def save(vote_id):
    form = {k: request.form.get(k, "") for k in FIELDS}
    back = lambda made: url_for(".votes") if made else url_for(".edit", vote_id=vote_id)  # noqa: E731
    action = lambda: client.edit(vote_id, _data(form))  # noqa: E731
    return notices.after_post(action, back, form, "草稿已保存。确认无误后点“发布”。")


def _data(form):
    """The form as the service takes it: one option per line; the time as the browser's datetime-local gives it
    (Beijing time, which the service assumes when no zone is given)."""
    lines = [line.strip() for line in form["options"].splitlines() if line.strip()]
    data = {k: form[k] for k in ("title", "description", "period", "results", "closes_at")}
    return data | {"options": [{"label": line} for line in lines], "max_choices": form["max_choices"] or 1}


@bp.post("")
@staff_page
def create():
    form = {k: request.form.get(k, "") for k in FIELDS}
    back = lambda _r: url_for(".votes")  # noqa: E731
    return notices.after_post(lambda: client.create(_data(form)), back, form, "已保存为草稿，确认无误后点“发布”。")


@bp.post("/<id:vote_id>/publish")
@staff_page
def publish(vote_id):
    wanted = request.form.get("announce") == "1"

    def act():
        shown = client.publish(vote_id)
        path = url_for("votes_h5.vote", vote_id=vote_id)
        told = announce.draft("微投票", shown["title"], shown["description"], path) if wanted else ""
        return f"已发布，市民可在微官网投票。{told}"

    back = lambda _r: url_for(".votes")  # noqa: E731
    return notices.after_post(act, back, {}, lambda said: said)


@bp.post("/<id:vote_id>/close")
@staff_page
def close(vote_id):
    back = lambda _r: url_for(".votes")  # noqa: E731
    return notices.after_post(functools.partial(client.close, vote_id), back, {}, "投票已截止，结果对市民公开。")


@bp.get("/<id:vote_id>/results.<any(csv, xlsx):fmt>")
@staff_page
def results(vote_id, fmt):
    return file_response(client.results_file(vote_id, fmt))
