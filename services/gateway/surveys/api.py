"""/api/v1 for 微投票 and 微调研: the organiser's votes and surveys (staff with survey.manage) and the public lists;
citizens vote and answer on the H5 pages (votes_h5.py, surveys_h5.py) in their WeChat session.
Each route documents itself (core/openapi.py)."""

from flask import Blueprint, jsonify

from services.gateway.core import openapi
from services.gateway.core.auth import staff_api
from services.gateway.core.web import clean_query, file_response, json_body
from services.gateway.surveys import client
from services.surveys import schemas

bp = Blueprint("surveys_api", __name__, url_prefix="/api/v1")
STAFF = {"errors": (400, 401, 403, 404, 409)}


@openapi.route(bp, "/votes", "GET", summary="Every vote, newest first, live counts", response=[schemas.StaffVoteView])
@staff_api
def list_votes():
    return jsonify(client.staff_votes())


@openapi.route(
    bp, "/votes", "POST", summary="A new vote (a draft)", body=schemas.VoteIn, response=schemas.StaffVoteView, **STAFF
)
@staff_api
def create_vote():
    return jsonify(client.create(json_body())), 201


@openapi.route(bp, "/votes/<id:vote_id>", "GET", summary="One vote with live counts", response=schemas.StaffVoteView)
@staff_api
def get_vote(vote_id):
    return jsonify(client.staff_vote(vote_id))


@openapi.route(
    bp,
    "/votes/<id:vote_id>/results",
    "GET",
    summary="A vote's results to download: ?format=csv or xlsx (one row per option: votes, share of participants)",
    errors=(400, 401, 403, 404),
)
@staff_api
def vote_results(vote_id):
    return file_response(client.results_file(vote_id, clean_query("format", 4)))


@openapi.route(
    bp,
    "/votes/<id:vote_id>",
    "PUT",
    summary="Change a draft (a published vote keeps its options and rules)",
    body=schemas.VoteIn,
    response=schemas.StaffVoteView,
    **STAFF,
)
@staff_api
def edit_vote(vote_id):
    return jsonify(client.edit(vote_id, json_body()))


@openapi.route(
    bp, "/votes/<id:vote_id>/publish", "POST", summary="Open a draft", response=schemas.StaffVoteView, **STAFF
)
@staff_api
def publish_vote(vote_id):
    return jsonify(client.publish(vote_id))


@openapi.route(
    bp, "/votes/<id:vote_id>/close", "POST", summary="Close a vote now", response=schemas.StaffVoteView, **STAFF
)
@staff_api
def close_vote(vote_id):
    return jsonify(client.close(vote_id))


@openapi.route(
    bp,
    "/public/votes",
    "GET",
    summary="Published and closed votes (微投票), newest first",
    response=[schemas.VoteSummary],
    auth=False,
)
def public_votes():
    return jsonify(client.public_votes())


# -- 微调研 ------------------------------------------------------------------------------------------------------
@openapi.route(bp, "/surveys", "GET", summary="Every survey, newest first", response=[schemas.SurveySummary])
@staff_api
def list_surveys():
    return jsonify(client.staff_surveys())


@openapi.route(
    bp,
    "/surveys",
    "POST",
    summary="A new survey (a draft): sections of questions, show-if logic, window, cap, anonymous or named",
    body=schemas.SurveyIn,
    response=schemas.StaffSurveyView,
    **STAFF,
)
@staff_api
def create_survey():
    return jsonify(client.create_survey(json_body())), 201


@openapi.route(
    bp, "/surveys/<id:survey_id>", "GET", summary="One survey with its results so far", response=schemas.StaffSurveyView
)
@staff_api
def get_survey(survey_id):
    return jsonify(client.staff_survey(survey_id))


@openapi.route(
    bp,
    "/surveys/<id:survey_id>",
    "PUT",
    summary="Change a draft; once published only title, description, closing time, cap and results_public change",
    body=schemas.SurveyIn,
    response=schemas.StaffSurveyView,
    **STAFF,
)
@staff_api
def edit_survey(survey_id):
    return jsonify(client.edit_survey(survey_id, json_body()))


@openapi.route(
    bp, "/surveys/<id:survey_id>/publish", "POST", summary="Open a draft", response=schemas.StaffSurveyView, **STAFF
)
@staff_api
def publish_survey(survey_id):
    return jsonify(client.publish_survey(survey_id))


@openapi.route(
    bp, "/surveys/<id:survey_id>/close", "POST", summary="End a survey now", response=schemas.StaffSurveyView, **STAFF
)
@staff_api
def close_survey(survey_id):
    return jsonify(client.close_survey(survey_id))


@openapi.route(
    bp,
    "/surveys/<id:survey_id>/responses",
    "GET",
    summary="Every response to download: ?format=csv or xlsx (audited; a named survey's carry the respondent)",
    errors=(400, 401, 403, 404),
)
@staff_api
def survey_responses(survey_id):
    return file_response(client.responses_file(survey_id, clean_query("format", 4)))


@openapi.route(
    bp,
    "/public/surveys",
    "GET",
    summary="Published and ended surveys (微调研), newest first",
    response=[schemas.SurveySummary],
    auth=False,
)
def public_surveys():
    return jsonify(client.public_surveys())
