"""/api/v1/wechat: the Official Account's settings for operators' tools (permissions wechat.replies, wechat.menu)."""

from flask import Blueprint, jsonify
from pydantic import BaseModel

from services.gateway.core import openapi
from services.gateway.core.auth import staff_api
from services.gateway.core.web import json_body
from services.gateway.messaging import client
from services.messaging.schemas import MenuIn, RuleIn, RuleView, SettingsIn

bp = Blueprint("wechat_api", __name__, url_prefix="/api/v1/wechat")


class ReplySettingsView(BaseModel):
    follow_reply: str
    default_reply: str


class ReplyRules(BaseModel):
    rules: list[RuleView]
    settings: ReplySettingsView


class Deleted(BaseModel):
    deleted: int


@openapi.route(
    bp,
    "/replies",
    "GET",
    summary="回复设置: the keyword rules in the order they are tried, and the follow and default replies",
    response=ReplyRules,
)
@staff_api
def get_replies():
    return jsonify(client.reply_rules())


@openapi.route(
    bp,
    "/replies/rules",
    "POST",
    summary="Add a keyword rule (text reply of ≤ 2048 bytes, or one article card)",
    body=RuleIn,
    response=RuleView,
    status=201,
)
@staff_api
def create_rule():
    return jsonify(client.save_reply_rule(None, json_body())), 201


@openapi.route(
    bp, "/replies/rules/<id:rule_id>", "PUT", summary="Change a keyword rule", body=RuleIn, response=RuleView
)
@staff_api
def update_rule(rule_id):
    return jsonify(client.save_reply_rule(rule_id, json_body()))


@openapi.route(bp, "/replies/rules/<id:rule_id>", "DELETE", summary="Delete a keyword rule", response=Deleted)
@staff_api
def delete_rule(rule_id):
    return jsonify(client.delete_reply_rule(rule_id))


@openapi.route(
    bp,
    "/replies/settings",
    "PUT",
    summary="The follow reply and the default reply (empty: the built-in text)",
    body=SettingsIn,
    response=ReplySettingsView,
)
@staff_api
def put_settings():
    return jsonify(client.save_reply_settings(json_body()))


class MenuView(BaseModel):
    draft: dict
    published: dict | None
    published_at: str | None
    updated_at: str | None
    unpublished_changes: bool
    actions: dict[str, str]
    types: dict[str, str]


@openapi.route(
    bp,
    "/menu",
    "GET",
    summary="自定义菜单: the draft, what WeChat was last given and when, and the click actions offered",
    response=MenuView,
)
@staff_api
def get_menu():
    return jsonify(client.menu())


@openapi.route(
    bp,
    "/menu",
    "PUT",
    summary="Save the menu draft (the shape of WeChat menu/create, its limits checked); WeChat sees it once published",
    body=MenuIn,
    response=MenuView,
)
@staff_api
def put_menu():
    return jsonify(client.save_menu(json_body()))


@openapi.route(
    bp,
    "/menu/publish",
    "POST",
    summary="Give WeChat the saved draft (502 wechat_refused with WeChat's reason when it refuses)",
    response=MenuView,
    errors=(400, 401, 403, 404, 502),
)
@staff_api
def publish_menu():
    return jsonify(client.publish_menu())


@openapi.route(
    bp,
    "/menu/publish",
    "DELETE",
    summary="Take the menu off WeChat (the draft stays)",
    response=MenuView,
    errors=(401, 403, 502),
)
@staff_api
def withdraw_menu():
    return jsonify(client.withdraw_menu())
