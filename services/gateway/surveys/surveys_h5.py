"""/h5/surveys for 微调研: the list, one survey as a form (WeUI cells per question type; show-if logic applied as the
citizen answers, by static/survey_logic.js), the response, and the results when the organiser made them public.

The form is read back into answers by question type; surveys checks them (required, ranges, logic) and the page
comes back with each problem under its question and everything the citizen entered kept."""

from flask import Blueprint, redirect, render_template, request, url_for
from nameko.exceptions import RpcTimeout, UnknownService

from libs.errors import Conflict, DeadlineExceeded, NotFound, ValidationError
from libs.logs import request_id_var
from services.gateway.core.auth import citizen_csrf_token, citizen_page, city_account
from services.gateway.surveys import client
from services.surveys.schemas import MAX_TEXT

bp = Blueprint("surveys_h5", __name__, url_prefix="/h5/surveys")


@bp.app_template_filter("plain_number")
def plain_number(value):
    """600.0 → 600, 12.5 → 12.5: a limit as a person writes it."""
    return str(int(value)) if float(value).is_integer() else format(value, "f").rstrip("0")


def _page(survey, errors=None, given=None, notice=None, status=200):
    return (
        render_template(
            "h5/survey.html",
            survey=survey,
            errors=errors or {},
            given=given or {},
            notice=notice,
            csrf=citizen_csrf_token(),
        ),
        status,
    )


def _not_found(exc):
    back = url_for("surveys_h5.surveys")
    return render_template("h5/not_found.html", title="未找到调研", message=exc.message, back=back), 404


def _answers(survey, form):
    """The form as answers: what the citizen left empty is not sent (surveys says if it was required)."""
    given, raw = {}, {}
    for section in survey["sections"]:
        for q in section["questions"]:
            key, name = q["key"], f"q_{q['key']}"
            if q["type"] == "multiple":
                chosen = form.getlist(name)[: len(q["options"]) + 1]
                raw[key] = chosen
                if chosen:
                    given[key] = chosen
            elif q["type"] == "ranking":
                ranks = {str(o["id"]): form.get(f"{name}_{o['id']}", "")[:3] for o in q["options"]}
                raw[key] = ranks
                if any(ranks.values()):
                    given[key] = {o: r for o, r in ranks.items() if r}
            else:
                value = form.get(name, "")[: MAX_TEXT + 1]  # one more than allowed: surveys says it is too long
                raw[key] = value
                if value.strip():
                    given[key] = value
    return given, raw


@bp.get("")
@city_account
@citizen_page
def surveys():
    return render_template("h5/surveys.html", surveys=client.public_surveys())


@bp.get("/<id:survey_id>")
@city_account
@citizen_page
def survey(survey_id):
    try:
        shown = client.public_survey(survey_id)
    except NotFound as exc:
        return _not_found(exc)
    thanked = request.args.get("done") == "1" and shown["responded"]
    return _page(shown, notice="提交成功，感谢您的参与！" if thanked else None)


@bp.post("/<id:survey_id>")
@city_account
@citizen_page
def respond(survey_id):
    try:
        shown = client.public_survey(survey_id)
    except NotFound as exc:
        return _not_found(exc)
    if not shown["open"] or shown["responded"]:  # said before any answer is looked at
        reason = "您已经提交过本次调研，每人只能提交一次，感谢参与" if shown["responded"] else "调研已结束"
        reasons = {"not_yet": "调研尚未开始", "full": "本次调研的答卷已满额，感谢关注"}
        return _page(shown, errors={"_": reasons.get(shown["state"], reason)}, status=409)
    given, raw = _answers(shown, request.form)
    try:
        client.respond(survey_id, given)
    except NotFound as exc:
        return _not_found(exc)
    except ValidationError as exc:
        problems = exc.details.get("fields") or {"_": exc.message}
        return _page(shown, errors=problems, given=raw, status=400)
    except Conflict as exc:  # answered before, full, ended, not yet open: the page as it is now, with why
        return _page(client.public_survey(survey_id), errors={"_": exc.message}, status=409)
    except (RpcTimeout, UnknownService, DeadlineExceeded):
        message = f"系统繁忙，问卷可能未提交成功，请稍后刷新页面查看。错误编号：{request_id_var.get()}"
        back = url_for("surveys_h5.survey", survey_id=survey_id)
        return render_template("h5/not_found.html", title="系统繁忙", message=message, back=back), 503
    return redirect(url_for("surveys_h5.survey", survey_id=survey_id, done=1), code=303)
