"""/api/v1/ratings: the public scores (the departments ranked, a department's scorecard) and the staff's side of
领导点评 (the moderation queue, a decision, an office's response). Citizens rate and comment on the H5 pages
(ratings/h5.py) in their WeChat session. Each route documents itself (core/openapi.py)."""

from flask import Blueprint, jsonify

from services.gateway.core import openapi
from services.gateway.core.auth import staff_api
from services.gateway.core.web import json_body
from services.gateway.ratings import client
from services.ratings import schemas

bp = Blueprint("ratings_api", __name__, url_prefix="/api/v1/ratings")
STAFF = {"errors": (400, 401, 403, 404, 409)}


@openapi.route(
    bp, "/board", "GET", summary="市民印象: departments ranked by Bayesian score (last 12 months)", auth=False
)
def board():
    return jsonify(client.board())


@openapi.route(
    bp,
    "/departments/<id:department_id>",
    "GET",
    summary="A department's scorecard: score, stars, trend, tags, case figures, officials, public comments",
    auth=False,
    errors=(404,),
)
def scorecard(department_id):
    return jsonify(client.scorecard(department_id))


@openapi.route(bp, "/moderation", "GET", summary="领导点评 waiting for a moderator, flagged ratings, held comments")
@staff_api
def moderation():
    return jsonify(client.moderation_queue())


@openapi.route(
    bp,
    "/comments/<id:comment_id>/moderation",
    "POST",
    summary="Approve (optionally with a masked shown_body) or reject (with a reason) a comment",
    body=schemas.ModerationIn,
    **STAFF,
)
@staff_api
def moderate(comment_id):
    return jsonify(client.moderate(comment_id, json_body()))


@openapi.route(
    bp,
    "/comments/<id:comment_id>/response",
    "POST",
    summary="The official's office answers a public comment, once",
    body=schemas.ResponseIn,
    **STAFF,
)
@staff_api
def respond(comment_id):
    return jsonify(client.respond(comment_id, json_body()))
