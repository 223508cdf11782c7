"""The Official Account in the admin: 留言 and 发送失败, 粉丝, 群发, 回复设置, 自定义菜单, 二维码, 绑定我的微信."""

import re
import uuid

import segno
from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from libs.auth import can, holds
from libs.errors import Forbidden, NotFound, ValidationError
from services.gateway.core import notices, web
from services.gateway.core.auth import ACCOUNT_COOKIE, current_staff, operable_accounts, staff_page
from services.gateway.core.rpc import db
from services.gateway.core.web import file_response
from services.gateway.dashboard.views import awaiting_approval
from services.gateway.messaging import client
from services.gateway.messaging.api import UPLOAD_LIMIT
from services.gateway.messaging.charts import line_chart
from services.gateway.messaging.qr import code_response
from services.messaging.schemas import (
    GENDERS,
    GROUPS,
    MASS_TARGETS,
    MASS_TYPES,
    MATCHES,
    MATERIAL_BYTES,
    MATERIAL_FORMATS,
    MATERIAL_KINDS,
    MENU_BUTTONS_MAX,
    MENU_SUB_MAX,
    REPLY_KINDS,
    VOICE_SECONDS_MAX,
)

bp = Blueprint("wechat_admin", __name__, url_prefix="/admin/wechat")


@bp.context_processor
def waiting_for_approval():
    """The nav shows reviewers what waits for them (someone else's mass sends and articles)."""
    actor = current_staff()
    if actor is None or not can(actor, "wechat.mass_approve"):
        return {"waiting": {}}
    try:
        return {"waiting": client.pending_approvals()}
    except (Forbidden, NotFound):
        return {"waiting": {}}


RULE_FIELDS = ("name", "keywords", "match", "priority", "reply_kind", "text", "material_id")
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
        images=(images := _ready("image")),
        image_titles={m["id"]: m["title"] for m in images},
    )


def _articles():
    try:
        return client.article_choices()
    except Forbidden:
        return []


def _ready(kind):
    """The library's materials of a kind that WeChat has, for a form's choice (none for staff who may not see it)."""
    try:
        return client.ready_materials(kind)
    except Forbidden:
        return []


def _as_form(rule):
    if rule is None:
        return None
    article = rule.get("article") or {}
    form = {k: rule[k] for k in ("name", "match", "reply_kind", "text")} | {
        "material_id": rule.get("material_id") or ""
    }
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
    data["material_id"] = form["material_id"] or None
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


# -- 自定义菜单 -------------------------------------------------------------------------------------------------
# the form has a slot per possible button: b0..b2 on top, b0.s0..b0.s4 under each; `value` is a click's key or a
# link. Empty slots are left out, so the service's error paths (button.1.sub_button.0.name) are mapped back to slots.
SLOT_FIELDS = ("name", "type", "value", "appid", "pagepath")


def _slots():
    for i in range(MENU_BUTTONS_MAX):
        yield f"b{i}", None
        for j in range(MENU_SUB_MAX):
            yield f"b{i}.s{j}", i


def _button(form, slot):
    kind = form.get(f"{slot}.type") or "click"
    button = {"name": form.get(f"{slot}.name", ""), "type": kind}
    button["key" if kind == "click" else "url"] = form.get(f"{slot}.value", "")
    if kind == "miniprogram":
        button |= {"appid": form.get(f"{slot}.appid", ""), "pagepath": form.get(f"{slot}.pagepath", "")}
    return button


def _menu_from_form(form):
    """(the menu as the service takes it, {its error path prefix: the form's slot})."""
    buttons, where = [], {}
    for i in range(MENU_BUTTONS_MAX):
        subs = [j for j in range(MENU_SUB_MAX) if form.get(f"b{i}.s{j}.name")]
        if not form.get(f"b{i}.name") and not subs:
            continue
        top = _button(form, f"b{i}")
        if subs:
            top = {"name": top["name"], "sub_button": [_button(form, f"b{i}.s{j}") for j in subs]}
            for n, j in enumerate(subs):
                where[f"button.{len(buttons)}.sub_button.{n}"] = f"b{i}.s{j}"
        where[f"button.{len(buttons)}"] = f"b{i}"
        buttons.append(top)
    return {"button": buttons}, where


def _menu_as_form(menu):
    form = {}
    for i, top in enumerate(menu.get("button") or []):
        for slot, button in [(f"b{i}", top)] + [(f"b{i}.s{j}", b) for j, b in enumerate(top.get("sub_button") or [])]:
            form[f"{slot}.name"] = button.get("name", "")
            form[f"{slot}.type"] = button.get("type", "")
            form[f"{slot}.value"] = button.get("key") or button.get("url") or ""
            form[f"{slot}.appid"] = button.get("appid", "")
            form[f"{slot}.pagepath"] = button.get("pagepath", "")
    return form


ERROR_PATH = re.compile(r"^(button\.\d+(?:\.sub_button\.\d+)?)(?:\.(\w+))?$")


def _errors_on_slots(errors, where):
    """button.1.sub_button.0.url → b1.s2.value: where the operator typed it."""
    shown = {}
    for path, message in errors.items():
        found = ERROR_PATH.match(path)
        if found and found.group(1) in where:
            field = found.group(2) or "name"
            field = "value" if field in ("key", "url") else field
            field = "name" if field == "sub_button" else field
            shown[f"{where[found.group(1)]}.{field}"] = message
        else:
            shown[path] = message
    return shown


def _menu_tag():
    """?tag_id= chooses a group's conditional menu; none (or anything else) is everyone's menu."""
    value = request.values.get("tag_id", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _menu_url(tag_id, anchor=""):
    return url_for("wechat_admin.menu", **({"tag_id": tag_id} if tag_id is not None else {})) + anchor


@bp.get("/menu")
@staff_page
def menu():
    notice = notices.shown()
    tag_id = _menu_tag()
    data = client.menu(tag_id)
    form = notice.get("form") or _menu_as_form(data["draft"])
    tags = client.follower_tags()
    return render_template(
        "admin/wechat_menu.html",
        menu=data,
        tag_id=tag_id,
        tags=tags,
        tag_names={t["id"]: t["name"] for t in tags},
        form=form,
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        top=range(MENU_BUTTONS_MAX),
        subs=range(MENU_SUB_MAX),
    )


@bp.post("/menu")
@staff_page
def menu_save():
    form = {f"{slot}.{f}": request.form.get(f"{slot}.{f}", "").strip() for slot, _ in _slots() for f in SLOT_FIELDS}
    data, where = _menu_from_form(form)

    tag_id = _menu_tag()

    def save():
        try:
            return client.save_menu(data, tag_id)
        except ValidationError as exc:
            fields = _errors_on_slots(exc.details.get("fields") or {}, where)
            raise ValidationError(exc.code, exc.message, {"fields": fields}) from None

    back = lambda result: _menu_url(tag_id, "#menu-form")  # noqa: E731
    return notices.after_post(save, back, form, "菜单草稿已保存，发布后市民才能看到")


@bp.post("/menu/publish")
@staff_page
def menu_publish():
    tag_id = _menu_tag()
    back = lambda result: _menu_url(tag_id)  # noqa: E731
    done = "菜单已发布到微信，市民重新进入公众号即可看到"
    return notices.after_post(lambda: client.publish_menu(tag_id), back, {}, done)


@bp.post("/menu/withdraw")
@staff_page
def menu_withdraw():
    tag_id = _menu_tag()
    back = lambda result: _menu_url(tag_id)  # noqa: E731
    return notices.after_post(lambda: client.withdraw_menu(tag_id), back, {}, "菜单已从微信撤下（草稿仍保留）")


# -- the inbox -------------------------------------------------------------------------------------------------
@bp.get("/inbox")
@staff_page
def inbox():
    which = "all" if request.args.get("which") == "all" else "unanswered"
    data = client.inbox(which, request.args.get("after") or None)
    # an operator's workplace opens here: what waits for their approval is said at the top
    approvals = (
        awaiting_approval(g.actor) if holds(g.actor, "wechat.mass_approve") and holds(g.actor, "wechat.mass") else []
    )
    return render_template(
        "admin/wechat_inbox.html", data=data, which=which, notice=notices.shown().get("message"), approvals=approvals
    )


@bp.get("/inbox/<openid>")
@staff_page
def conversation(openid):
    notice = notices.shown()
    data = client.conversation(openid[:64])
    return render_template(
        "admin/wechat_conversation.html",
        data=data,
        form=notice.get("form") or {},
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        request_id=uuid.uuid4().hex,
    )


@bp.post("/inbox/<openid>")
@staff_page
def answer(openid):
    form = {"text": request.form.get("text", "")}
    request_id = request.form.get("request_id", "")
    back = lambda result: url_for("wechat_admin.conversation", openid=openid[:64]) + "#answer"  # noqa: E731

    def said(sent):
        if sent["status"] == "failed":
            return f"微信拒收了这条回复：{sent['error']}。已记入发送失败列表，系统会自动重试"
        return f"回复已通过{sent['channel_label']}发送"

    return notices.after_post(lambda: client.answer_citizen(openid[:64], form, request_id), back, form, said)


@bp.get("/failed")
@staff_page
def failed():
    offset = request.args.get("offset", "0")
    offset = int(offset) if offset.isascii() and offset.isdigit() and len(offset) < 7 else 0
    data, notice = client.failed_sends(offset), notices.shown().get("message")
    return render_template("admin/wechat_failed.html", data=data, offset=offset, notice=notice)


@bp.post("/failed/<id:outbound_id>/resend")
@staff_page
def resend(outbound_id):
    back = lambda result: url_for("wechat_admin.failed")  # noqa: E731
    return notices.after_post(lambda: client.resend(outbound_id), back, {}, "已重新发送（结果见列表与对话）")


# -- 用户管理 ----------------------------------------------------------------------------------------------------
FOLLOWER_FILTERS = ("q", "group", "tag_id", "gender", "region", "after")


@bp.get("/followers")
@staff_page
def followers():
    notice = notices.shown()
    query = {k: request.args.get(k, "")[:64] for k in FOLLOWER_FILTERS}
    if query["tag_id"]:
        query["group"] = "all"
    filters = {k: v for k, v in query.items() if v and k != "after"}
    sent = {k: v for k, v in query.items() if v} | {"tag_id": query["tag_id"] or None}
    try:
        found, errors = client.followers(sent), notice.get("errors") or {}
    except ValidationError as exc:  # a hand-edited query string: say so, show the first page
        found, errors = client.followers({}), exc.details.get("fields") or {"_": exc.message}
    return render_template(
        "admin/wechat_followers.html",
        found=found,
        query=query,
        filters=filters,
        tags=client.follower_tags(),
        sync=client.follower_sync(),
        genders=GENDERS,
        groups=GROUPS,
        errors=errors,
        notice=notice.get("message"),
        form=notice.get("form") or {},
    )


def _back_to_followers(result=None):
    kept = {k: v for k, v in request.form.items() if k.startswith("f_") and v}
    return url_for("wechat_admin.followers", **{k[2:]: v for k, v in kept.items()})


@bp.post("/followers/members")
@staff_page
def follower_members():
    """The bulk actions on the ticked followers: into or out of a group, onto or off the blacklist."""
    openids = request.form.getlist("openid")[:1000]
    action, tag = request.form.get("action", ""), request.form.get("tag_id", "")
    data = {"openids": openids}

    def act():
        if not openids:
            raise ValidationError("invalid_fields", "请先勾选粉丝", {"fields": {"_": "请先勾选粉丝"}})
        if action in ("tag", "untag"):
            if not (tag.isascii() and tag.isdigit() and len(tag) < 10):
                raise ValidationError("invalid_fields", "请选择分组", {"fields": {"_": "请选择分组"}})
            return client.tag_followers(int(tag), data, action == "tag")
        if action in ("blacklist", "unblacklist"):
            return client.blacklist_followers(data, action == "blacklist")
        raise ValidationError("invalid_fields", "请选择操作", {"fields": {"_": "请选择操作"}})

    done = {"tag": "已加入分组", "untag": "已移出分组", "blacklist": "已拉黑", "unblacklist": "已移出黑名单"}
    return notices.after_post(
        act, _back_to_followers, {}, lambda r: f"{done.get(action, '已完成')}：{r['changed']}位粉丝"
    )


@bp.post("/followers/<openid>/remark")
@staff_page
def follower_remark(openid):
    form = {"remark": request.form.get("remark", "")}
    return notices.after_post(
        lambda: client.set_follower_remark(openid[:64], form), _back_to_followers, form, "备注名已保存"
    )


@bp.post("/followers/tags", defaults={"tag_id": None})
@bp.post("/followers/tags/<int:tag_id>")
@staff_page
def follower_tag_save(tag_id):
    form = {"name": request.form.get("name", "")}
    back = lambda result: url_for("wechat_admin.followers") + "#tags"  # noqa: E731
    return notices.after_post(lambda: client.save_follower_tag(tag_id, form), back, form, "分组已保存")


@bp.post("/followers/tags/<int:tag_id>/delete")
@staff_page
def follower_tag_delete(tag_id):
    def delete():
        try:
            return client.delete_follower_tag(tag_id)
        except NotFound:
            return None  # deleted already

    back = lambda result: url_for("wechat_admin.followers") + "#tags"  # noqa: E731
    return notices.after_post(delete, back, {}, "分组已删除")


@bp.post("/followers/sync")
@staff_page
def follower_sync_start():
    back = lambda result: url_for("wechat_admin.followers") + "#sync"  # noqa: E731
    return notices.after_post(client.start_follower_sync, back, {}, "已开始同步，页面会显示进度")


@bp.post("/followers/sync/stop")
@staff_page
def follower_sync_stop():
    back = lambda result: url_for("wechat_admin.followers") + "#sync"  # noqa: E731
    return notices.after_post(client.stop_follower_sync, back, {}, "同步已停止")


# -- 二维码 -------------------------------------------------------------------------------------------------------
@bp.get("/qr")
@staff_page
def qr_channels():
    notice = notices.shown()
    return render_template(
        "admin/wechat_qr.html",
        channels=client.qr_channels(),
        form=notice.get("form") or {"permanent": "1", "days": "30"},
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
    )


@bp.post("/qr")
@staff_page
def qr_create():
    form = {k: request.form.get(k, "") for k in ("name", "scene", "permanent", "days", "note")}
    data = form | {"permanent": form["permanent"] == "1", "days": form["days"] or 30}
    back = lambda result: url_for("wechat_admin.qr_channels")  # noqa: E731
    return notices.after_post(
        lambda: client.create_qr_channel(data), back, form, "二维码已生成，可下载 PNG 或 SVG 印刷"
    )


@bp.get("/qr/<id:channel_id>.<any(png, svg):fmt>")
@staff_page
def qr_code(channel_id, fmt):
    return code_response(channel_id, fmt)


# -- 群发消息 -------------------------------------------------------------------------------------------------------
MASS_FIELDS = (
    "title",
    "msgtype",
    "content",
    "material_id",
    "article_id",
    "target.kind",
    "target.tag_id",
    "target.gender",
    "target.region",
)


def _mass_form(send):
    target = send["target"]
    return {
        "title": send["title"],
        "msgtype": send["msgtype"],
        "content": send["content"],
        "material_id": str(send["material_id"] or ""),
        "article_id": str(send["article_id"] or ""),
        "target.kind": target.get("kind", "all"),
        "target.tag_id": "" if target.get("tag_id") is None else str(target["tag_id"]),
        "target.gender": target.get("gender", ""),
        "target.region": target.get("region", ""),
    }


@bp.get("/mass", defaults={"send_id": None})
@bp.get("/mass/<id:send_id>")
@staff_page
def mass_page(send_id):
    notice = notices.shown()
    send = client.mass_send(send_id) if send_id else None
    form = notice.get("form") or (_mass_form(send) if send else {"target.kind": "all"})
    return render_template(
        "admin/wechat_mass.html",
        request_id=uuid.uuid4().hex,  # one per page shown: a double submit of "new" makes one draft
        sends=client.mass_sends(),
        send=send,
        form=form,
        tags=client.follower_tags(),
        genders=GENDERS,
        targets=MASS_TARGETS,
        types=MASS_TYPES,
        carried={k: _ready(k) for k in MATERIAL_KINDS},
        articles=_articles(),
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
    )


@bp.post("/mass", defaults={"send_id": None})
@bp.post("/mass/<id:send_id>")
@staff_page
def mass_save(send_id):
    form = {k: request.form.get(k, "") for k in MASS_FIELDS}
    target = {
        "kind": form["target.kind"] or "all",
        "tag_id": form["target.tag_id"] or None,
        "gender": form["target.gender"],
        "region": form["target.region"],
    }
    data = {"title": form["title"], "msgtype": form["msgtype"] or "text", "content": form["content"], "target": target}
    data |= {"material_id": form["material_id"] or None, "article_id": form["article_id"] or None}

    def back(result):
        saved = (result or {}).get("id") or send_id
        return url_for("wechat_admin.mass_page", send_id=saved) if saved else url_for("wechat_admin.mass_page")

    made_once = None if send_id else request.form.get("request_id") or None  # a double submit makes one draft
    return notices.after_post(lambda: client.save_mass_send(send_id, data, made_once), back, form, "草稿已保存")


def _mass_step(send_id, action, done):
    back = lambda result: url_for("wechat_admin.mass_page", send_id=send_id)  # noqa: E731
    return notices.after_post(action, back, {}, done)


@bp.post("/mass/<id:send_id>/preview")
@staff_page
def mass_preview(send_id):
    return _mass_step(send_id, lambda: client.preview_mass_send(send_id), "预览已发送到您绑定的微信，请查看")


@bp.post("/mass/<id:send_id>/submit")
@staff_page
def mass_submit(send_id):
    return _mass_step(send_id, lambda: client.submit_mass_send(send_id), "已提交审核，需由另一位工作人员审核后发送")


@bp.post("/mass/<id:send_id>/approve")
@staff_page
def mass_approve(send_id):
    return _mass_step(send_id, lambda: client.approve_mass_send(send_id), "审核通过，正在发送")


@bp.post("/mass/<id:send_id>/reject")
@staff_page
def mass_reject(send_id):
    why = request.form.get("reason", "")
    return _mass_step(send_id, lambda: client.reject_mass_send(send_id, why), "已驳回，作者修改后可再次提交")


# -- 公众号助手 ---------------------------------------------------------------------------------------------------
@bp.get("/binding")
@staff_page
def binding():
    notice = notices.shown()
    return render_template(
        "admin/wechat_binding.html",
        state=client.binding(),
        code=None,
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
    )


@bp.post("/binding/code")
@staff_page
def binding_code():
    made = client.create_binding_code()
    qr = segno.make(made["url"], error="m").svg_inline(scale=5, dark="#222")
    # shown once, not stored: reloading the page does not show the code again
    return render_template("admin/wechat_binding.html", state=made, code={"svg": qr, **made}, errors={}, notice=None)


@bp.post("/binding/delete")
@staff_page
def binding_delete():
    back = lambda result: url_for("wechat_admin.binding")  # noqa: E731
    return notices.after_post(client.unbind, back, {}, "已解除绑定")


@bp.get("/media/<sha>")
@staff_page
def media_file(sha):
    return file_response(client.media_file(sha[:64]))


# -- which Official Account ----------------------------------------------------------------------------------------
@bp.post("/account")
@staff_page
def choose_account():
    """The Official Account the staff member works on from now on (one of those their record names)."""
    code = request.form.get("account", "")
    back = web.local_path(request.form.get("next", ""), "/admin/wechat/", url_for("wechat_admin.inbox"))
    if code not in {a.code for a in operable_accounts(g.actor)}:
        raise Forbidden("wechat_account_forbidden", "您没有管理该公众号的权限")
    resp = redirect(back, code=303)
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    resp.set_cookie(ACCOUNT_COOKIE, code, httponly=True, samesite="Lax", secure=secure, path="/admin")
    return resp


# -- 素材管理 -------------------------------------------------------------------------------------------------------
@bp.get("/materials", defaults={"kind": "image"})
@bp.get("/materials/<any(image, voice, video):kind>")
@staff_page
def materials_page(kind):
    notice = notices.shown()
    offset = web.clean_query("offset", 7)
    offset = int(offset) if offset.isascii() and offset.isdigit() else 0
    return render_template(
        "admin/wechat_materials.html",
        request_id=uuid.uuid4().hex,
        kind=kind,
        offset=offset,
        page=PAGE,
        data=client.materials(kind, offset),
        kinds=MATERIAL_KINDS,
        formats=MATERIAL_FORMATS,
        limits={k: v // 1024 // 1024 for k, v in MATERIAL_BYTES.items()},
        seconds=VOICE_SECONDS_MAX,
        form=notice.get("form") or {},
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
    )


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(exc):
    """A file past what the upload route reads: said on the form, as any other refusal, not as a bare 413 page."""
    kind = (request.view_args or {}).get("kind")
    actor = current_staff()
    if request.endpoint != "wechat_admin.material_upload" or kind not in MATERIAL_KINDS or actor is None:
        return exc
    limit = MATERIAL_BYTES[kind] // 1024 // 1024
    payload = {"errors": {"file": f"文件过大：{MATERIAL_KINDS[kind]}不能超过{limit}MB（微信的要求），请压缩后再上传"}}
    back = url_for("wechat_admin.materials_page", kind=kind)
    return redirect(f"{back}?notice={notices.put(db(), actor.id, payload)}", code=303)


PAGE = ARTICLE_PAGE = 50  # what messaging lists at a time (materials.listing, articles.listing)


@bp.post("/materials/<any(image, voice, video):kind>")
@web.allows_upload(UPLOAD_LIMIT)
@staff_page
def material_upload(kind):
    data, file_bytes = web.uploaded(("title", "introduction"), UPLOAD_LIMIT)
    data["kind"] = kind
    back = lambda result: url_for("wechat_admin.materials_page", kind=kind)  # noqa: E731

    def done(result):
        if result["status"] == "ready":
            return f"“{result['title']}”已上传到微信素材库"
        return f"“{result['title']}”已保存，但微信未接收：{result['error']}。可稍后点击“重新上传”"

    made_once = request.form.get("request_id") or None  # a double submit uploads once
    return notices.after_post(lambda: client.upload_material(data, file_bytes, made_once), back, data, done)


@bp.post("/materials/<id:material_id>/retry")
@staff_page
def material_retry(material_id):
    kind = request.form.get("kind", "image")
    back = lambda result: url_for("wechat_admin.materials_page", kind=kind if kind in MATERIAL_KINDS else "image")  # noqa: E731

    def done(result):
        return "已重新上传到微信" if result["status"] == "ready" else f"微信仍未接收：{result['error']}"

    return notices.after_post(lambda: client.retry_material(material_id), back, {}, done)


@bp.post("/materials/<id:material_id>/delete")
@staff_page
def material_delete(material_id):
    kind = request.form.get("kind", "image")
    back = lambda result: url_for("wechat_admin.materials_page", kind=kind if kind in MATERIAL_KINDS else "image")  # noqa: E731

    def delete():
        try:
            return client.delete_material(material_id)
        except NotFound:
            return None  # a second click: it is gone

    return notices.after_post(delete, back, {}, "素材已删除")


@bp.get("/materials/<id:material_id>/file")
@staff_page
def material_file(material_id):
    return file_response(client.material_file(material_id))


# -- 图文 -------------------------------------------------------------------------------------------------------
MATERIAL_SRC = re.compile(r'src="material:([0-9]{1,10})"')


@bp.app_template_filter("material_images")
def material_images(body):
    """An article body as staff see it: messaging sanitised it when it was saved; its library images are shown
    from our copy."""
    return Markup(
        MATERIAL_SRC.sub(lambda m: f'src="{url_for("wechat_admin.material_file", material_id=int(m[1]))}"', body)
    )


ARTICLE_FORM = ("title", "author", "digest", "body", "source_url", "cover_id")


def _article_form(article):
    form = {k: article[k] for k in ARTICLE_FORM}
    return form | {"open_comment": "1" if article["open_comment"] else ""}


@bp.get("/articles", defaults={"article_id": None})
@bp.get("/articles/<id:article_id>")
@staff_page
def articles_page(article_id):
    notice = notices.shown()
    article = client.article(article_id) if article_id else None
    form = notice.get("form") or (_article_form(article) if article else {})
    offset = web.clean_query("offset", 7)
    offset = int(offset) if offset.isascii() and offset.isdigit() else 0
    return render_template(
        "admin/wechat_articles.html",
        request_id=uuid.uuid4().hex,
        data=client.articles(offset),
        offset=offset,
        page=ARTICLE_PAGE,
        article=article,
        editing=request.args.get("edit") == "1" or not article or bool(notice.get("form")),
        form=form,
        images=_ready("image"),
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
    )


@bp.post("/articles", defaults={"article_id": None})
@bp.post("/articles/<id:article_id>")
@staff_page
def article_save(article_id):
    form = {k: request.form.get(k, "") for k in (*ARTICLE_FORM, "open_comment")}
    data = {k: form[k] for k in ARTICLE_FORM} | {"open_comment": form["open_comment"] == "1"}
    data["cover_id"] = form["cover_id"] or None

    def back(result):
        saved = (result or {}).get("id") or article_id
        return (
            url_for("wechat_admin.articles_page", article_id=saved) if saved else url_for("wechat_admin.articles_page")
        )

    made_once = None if article_id else request.form.get("request_id") or None  # a double submit makes one
    return notices.after_post(lambda: client.save_article(article_id, data, made_once), back, form, "图文已保存")


def _article_step(article_id, action, done):
    back = lambda result: url_for("wechat_admin.articles_page", article_id=article_id)  # noqa: E731
    return notices.after_post(action, back, {}, done)


@bp.post("/articles/<id:article_id>/preview")
@staff_page
def article_preview(article_id):
    return _article_step(article_id, lambda: client.preview_article(article_id), "预览已发送到您绑定的微信，请查看")


@bp.post("/articles/<id:article_id>/submit")
@staff_page
def article_submit(article_id):
    return _article_step(
        article_id, lambda: client.submit_article(article_id), "已提交审核，需由另一位工作人员审核后发布"
    )


@bp.post("/articles/<id:article_id>/approve")
@staff_page
def article_approve(article_id):
    def done(result):
        if result["status"] == "failed":
            return f"微信未能发布：{result['error']}"
        return "审核通过，已提交微信发布，结果稍后显示"

    return _article_step(article_id, lambda: client.approve_article(article_id), done)


@bp.post("/articles/<id:article_id>/reject")
@staff_page
def article_reject(article_id):
    why = request.form.get("reason", "")
    return _article_step(article_id, lambda: client.reject_article(article_id, why), "已驳回，作者修改后可再次提交")


@bp.post("/articles/<id:article_id>/delete")
@staff_page
def article_delete(article_id):
    def delete():
        try:
            return client.delete_article(article_id)
        except NotFound:
            return {"deleted": article_id}  # a second click: it is gone

    def back(result):
        # deleted: the list; refused (result None): the article, with the reason
        if result is None:
            return url_for("wechat_admin.articles_page", article_id=article_id)
        return url_for("wechat_admin.articles_page")

    return notices.after_post(delete, back, {}, "图文已删除")


# -- 数据统计 -------------------------------------------------------------------------------------------------------
@bp.get("/stats")
@staff_page
def stats_page():
    notice = notices.shown()
    days = request.args.get("days", "30")
    days = int(days) if days in ("7", "30", "90") else 30
    report = client.wechat_stats(days)
    gaps = lambda values: [v if ok else None for v, ok in zip(values, report["fetched"], strict=True)]  # noqa: E731
    w, ours = report["wechat"], report["ours"]
    charts = [
        (
            "关注",
            line_chart(
                report["days"],
                [
                    ("新关注（微信）", gaps(w["new_user"])),
                    ("取消关注（微信）", gaps(w["cancel_user"])),
                    ("新关注（本系统记录）", ours["follows"]),
                ],
                "关注",
            ),
        ),
        ("累计关注", line_chart(report["days"], [("累计关注（微信）", gaps(w["cumulate_user"]))], "累计关注")),
        (
            "消息",
            line_chart(
                report["days"],
                [
                    ("消息条数（微信）", gaps(w["msg_count"])),
                    ("收到留言（本系统）", ours["messages"]),
                    ("提交诉求（本系统）", ours["cases"]),
                ],
                "消息",
            ),
        ),
        (
            "图文",
            line_chart(
                report["days"],
                [("阅读次数", gaps(w["int_page_read_count"])), ("分享次数", gaps(w["share_count"]))],
                "图文",
            ),
        ),
        (
            "接口",
            line_chart(
                report["days"], [("调用次数", gaps(w["callback_count"])), ("失败次数", gaps(w["fail_count"]))], "接口"
            ),
        ),
    ]
    return render_template(
        "admin/wechat_stats.html",
        report=report,
        charts=charts,
        days=days,
        notice=notice.get("message"),
        errors=notice.get("errors") or {},
    )


@bp.post("/stats/pull")
@staff_page
def stats_pull():
    back = lambda result: url_for("wechat_admin.stats_page")  # noqa: E731

    def said(result):
        if result["error"]:
            return f"已取得{len(result['fetched'])}天的数据；微信暂时拒绝：{result['error']}，稍后会自动重试"
        return f"已从微信取得{len(result['fetched'])}天的数据" if result["fetched"] else "数据已是最新"

    return notices.after_post(client.pull_wechat_stats, back, {}, said)
