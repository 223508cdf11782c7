"""The Official Account's pages in the admin: 回复设置 (follow reply, keyword rules, default reply)."""

from flask import Blueprint, render_template, request, url_for

from libs.errors import NotFound
from services.gateway.core import notices
from services.gateway.core.auth import staff_page
from services.gateway.messaging import client
from services.messaging.schemas import MATCHES, REPLY_KINDS

bp = Blueprint("wechat_admin", __name__, url_prefix="/admin/wechat")
RULE_FIELDS = ("name", "keywords", "match", "priority", "reply_kind", "text")
ARTICLE_FIELDS = ("title", "description", "url", "image")


@bp.get("/replies", defaults={"rule_id": None})
@bp.get("/replies/<id:rule_id>")
@staff_page
def replies(rule_id):
    notice = notices.shown()
    data = client.reply_rules()
    editing = next((r for r in data["rules"] if r["id"] == rule_id), None)
    typed = notice.get("form") or {}
    settings_form = typed if typed.get("_form") == "settings" else data["settings"]
    form = (typed if typed and typed.get("_form") != "settings" else None) or _as_form(editing)
    form = form or {"match": "contains", "reply_kind": "text", "enabled": "1"}
    return render_template(
        "admin/wechat_replies.html",
        rules=data["rules"],
        settings=settings_form,
        editing=editing,
        form=form,
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        matches=MATCHES,
        kinds=REPLY_KINDS,
    )


def _as_form(rule):
    if rule is None:
        return None
    article = rule.get("article") or {}
    form = {k: rule[k] for k in ("name", "match", "reply_kind", "text")}
    form |= {
        "keywords": "，".join(rule["keywords"]),
        "priority": rule["priority"],
        "enabled": "1" if rule["enabled"] else "",
    }
    return form | {f"article.{k}": article.get(k, "") for k in ARTICLE_FIELDS}


@bp.post("/replies/rules", defaults={"rule_id": None})
@bp.post("/replies/rules/<id:rule_id>")
@staff_page
def rule_save(rule_id):
    form = {k: request.form.get(k, "") for k in (*RULE_FIELDS, "enabled", *(f"article.{k}" for k in ARTICLE_FIELDS))}
    data = {k: form[k] for k in RULE_FIELDS} | {"enabled": form["enabled"] == "1"}
    data["priority"] = form["priority"] or 0
    if form["reply_kind"] == "news":
        data["article"] = {k: form[f"article.{k}"] for k in ARTICLE_FIELDS}

    def back(result):
        saved = (result or {}).get("id") or rule_id
        target = url_for("wechat_admin.replies", rule_id=saved) if saved else url_for("wechat_admin.replies")
        return target + "#rule-form"

    return notices.after_post(lambda: client.save_reply_rule(rule_id, data), back, form, "回复规则已保存")


@bp.post("/replies/rules/<id:rule_id>/delete")
@staff_page
def rule_delete(rule_id):
    def delete():
        try:
            return client.delete_reply_rule(rule_id)
        except NotFound:
            return None  # a second click, or another operator was first: what was asked for is done

    back = lambda result: url_for("wechat_admin.replies") + "#rules"  # noqa: E731
    return notices.after_post(delete, back, {}, "回复规则已删除")


@bp.post("/replies/settings")
@staff_page
def settings_save():
    form = {k: request.form.get(k, "") for k in ("follow_reply", "default_reply")}

    def back(result):
        return url_for("wechat_admin.replies") + "#settings"

    typed = form | {"_form": "settings"}  # shown again in its own form, not in the rule's
    return notices.after_post(lambda: client.save_reply_settings(form), back, typed, "关注回复和默认回复已保存")
