"""/api/v1 for content: the public catalogue (departments now)."""

from flask import Blueprint, jsonify

from services.content.schemas import Department
from services.gateway.content import client
from services.gateway.core import openapi

bp = Blueprint("content_api", __name__)


@openapi.route(bp, "/api/v1/departments", "GET", summary="Departments", response=[Department], errors=(), auth=False)
def departments():
    return jsonify(client.departments())
