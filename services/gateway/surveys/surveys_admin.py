"""/admin/surveys: the organiser's 微调研 — build one (static/survey_builder.js edits the sections and questions and
posts them as one JSON document), publish it (optionally with a mass-send draft announcing it), amend what may
change once answers come in, end it, read the results as charts and tables, and download every response.
Forms post, then redirect back with what happened (core/notices.py)."""

import functools
import json

from flask import Blueprint, render_template, request, url_for

from libs.clock import local_minute
from libs.errors import ValidationError
from services.gateway.core import notices
from services.gateway.core.auth import staff_page
from services.gateway.core.web import file_response
from services.gateway.surveys import announce, client

bp = Blueprint("surveys_admin", __name__, url_prefix="/admin/surveys")
MAX_DOCUMENT = 200_000  # characters of the builder's JSON: 100 questions of 30 options fit many times over
AMEND_FIELDS = ("title", "description", "closes_at", "max_responses", "results_public")


@bp.get("")
@staff_page
def surveys():
    notice = notices.shown()
    return render_template(
        "admin/surveys.html",
        surveys=client.staff_surveys(),
        notice=notice.get("message"),
        errors=notice.get("errors") or {},
    )


def _document(raw):
    """The builder's JSON, or a ValidationError the page shows like any other."""
    if len(raw) > MAX_DOCUMENT:
        raise ValidationError("invalid_body", "调研内容过长，请减少题目或选项")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ValidationError("invalid_body", "调研内容格式不正确，请刷新页面后重试") from None
    if not isinstance(data, dict):
        raise ValidationError("invalid_body", "调研内容格式不正确，请刷新页面后重试")
    return data


def _builder(survey=None, form=None, errors=None, notice=None):
    if form and form.get("document"):
        try:
            data = _document(form["document"])
        except ValidationError:
            data = None
    else:
        data = None
    return render_template(
        "admin/survey_builder.html",
        survey=survey,
        data=data or (_as_document(survey) if survey else None),
        errors=errors or {},
        notice=notice,
    )


def _as_document(survey):
    """A stored survey as the builder edits it (the views carry numbered options; the builder keeps labels)."""
    sections = []
    for section in survey["sections"]:
        questions = [
            {k: v for k, v in q.items() if k != "type_label"}
            | {"options": [{"label": o["label"]} for o in q["options"]]}
            for q in section["questions"]
        ]
        sections.append(section | {"questions": questions})
    keys = ("title", "description", "anonymous", "max_responses", "results_public")
    times = {k: _local(survey[k]) if survey[k] else None for k in ("opens_at", "closes_at")}
    return {k: survey[k] for k in keys} | times | {"sections": sections}


@bp.get("/new")
@staff_page
def new():
    notice = notices.shown()
    return _builder(form=notice.get("form"), errors=notice.get("errors"))


@bp.post("/new")
@staff_page
def create():
    form = {"document": request.form.get("document", "")[: MAX_DOCUMENT + 1]}
    back = lambda made: url_for(".survey", survey_id=made["id"]) if made else url_for(".new")  # noqa: E731
    action = lambda: client.create_survey(_document(form["document"]))  # noqa: E731
    return notices.after_post(action, back, form, "已保存为草稿。确认无误后点“发布”。")


@bp.get("/<id:survey_id>")
@staff_page
def survey(survey_id):
    notice = notices.shown()
    return render_template(
        "admin/survey.html",
        survey=client.staff_survey(survey_id),
        notice=notice.get("message"),
        errors=notice.get("errors") or {},
    )


@bp.get("/<id:survey_id>/edit")
@staff_page
def edit(survey_id):
    notice = notices.shown()
    shown = client.staff_survey(survey_id)
    if shown["status"] == "draft":
        return _builder(shown, notice.get("form"), notice.get("errors"))
    form = notice.get("form") or {k: shown[k] for k in AMEND_FIELDS} | {"closes_at": _local(shown["closes_at"])}
    return render_template("admin/survey_amend.html", survey=shown, form=form, errors=notice.get("errors") or {})


def _local(iso):
    """An ISO time as the browser's datetime-local shows it (Beijing time)."""
    return local_minute(iso).replace(" ", "T")


@bp.post("/<id:survey_id>/edit")
@staff_page
def save(survey_id):
    back_here = url_for(".edit", survey_id=survey_id)
    if "document" in request.form:  # the builder: a draft, whole
        form = {"document": request.form.get("document", "")[: MAX_DOCUMENT + 1]}
        action = lambda: client.edit_survey(survey_id, _document(form["document"]))  # noqa: E731
    else:  # a published survey: only what may change once answers come in
        form = {k: request.form.get(k, "") for k in AMEND_FIELDS} | {"results_public": "results_public" in request.form}
        data = form | {"max_responses": form["max_responses"] or None}
        action = lambda: client.edit_survey(survey_id, data)  # noqa: E731
    back = lambda made: url_for(".survey", survey_id=survey_id) if made else back_here  # noqa: E731
    return notices.after_post(action, back, form, "已保存。")


@bp.post("/<id:survey_id>/publish")
@staff_page
def publish(survey_id):
    wanted = request.form.get("announce") == "1"

    def act():
        shown = client.publish_survey(survey_id)
        path = url_for("surveys_h5.survey", survey_id=survey_id)
        told = announce.draft("微调研", shown["title"], shown["description"], path) if wanted else ""
        return f"已发布，市民可在微官网填写。{told}"

    back = lambda _r: url_for(".survey", survey_id=survey_id)  # noqa: E731
    return notices.after_post(act, back, {}, lambda said: said)


@bp.post("/<id:survey_id>/close")
@staff_page
def close(survey_id):
    back = lambda _r: url_for(".survey", survey_id=survey_id)  # noqa: E731
    return notices.after_post(functools.partial(client.close_survey, survey_id), back, {}, "调研已结束，不再接受答卷。")


@bp.get("/<id:survey_id>/responses.<any(csv, xlsx):fmt>")
@staff_page
def responses(survey_id, fmt):
    return file_response(client.responses_file(survey_id, fmt))
