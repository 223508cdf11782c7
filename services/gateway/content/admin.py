"""/admin/content: staff edit the catalogue (departments, service types, news), preview news before publishing.

Forms post, then redirect back with a confirmation or with the errors and what was typed (core/notices.py).
Lists are typed one per line (materials; leaders and FAQ as "a | b | c"); content checks everything.
"""

import functools
import re
from datetime import UTC, datetime

from flask import Blueprint, g, render_template, request, url_for

from libs.auth import can
from libs.clock import local_minute
from libs.errors import Forbidden, NotFound
from services.gateway.content import client
from services.gateway.content.api import POSTER_FIELDS, UPLOAD_LIMIT, upload
from services.gateway.core import notices, web
from services.gateway.core.auth import staff_page

bp = Blueprint("content_admin", __name__, url_prefix="/admin/content")
# how the version history names what changed
FIELD_LABELS = {
    "title": "标题",
    "summary": "摘要",
    "body_html": "正文",
    "department_id": "部门",
    "status": "发布状态",
    "publish_at": "发布时间",
    "pinned": "置顶",
    "remit": "职责简介",
    "description": "介绍",
    "phone": "电话",
    "address": "地址",
    "hours": "时间",
    "leaders": "领导班子",
    "name": "名称",
    "window_id": "服务窗口",
    "eligibility": "申请条件",
    "materials": "所需材料",
    "fees": "收费标准",
    "time_limit": "办理时限",
    "location": "办理地点",
    "bookable": "可预约",
    "keywords": "关键词",
    "faq": "常见问题",
    "form_fields": "表单字段",
}


@bp.context_processor
def labels():
    return {"field_labels": FIELD_LABELS}


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _parts(line, names):
    values = [p.strip() for p in line.split("|")]
    return dict(zip(names, values + [""] * (len(names) - len(values)), strict=False))


def _editable_departments():
    return [d for d in client.departments() if can(g.actor, "content.edit", d["id"])]


def _may_edit(department_id, any_department=False):
    """The page of an entry the staff member may not change is not shown to them (content checks every save)."""
    allowed = bool(_editable_departments()) if any_department else can(g.actor, "content.edit", department_id)
    if not allowed:
        raise Forbidden("forbidden", "没有权限执行此操作", {"permission": "content.edit"})


def _notice():
    return notices.shown()


def _save(action, back, form):
    """Run a save; back to the edit page (its URL for the saved item) with a notice either way."""
    return notices.after_post(action, back, form, "已保存。市民页面在一分钟内更新。")


@bp.get("/")
@staff_page
def index():
    departments = _editable_departments()
    if not departments and not can(g.actor, "content.edit"):
        raise Forbidden("forbidden", "没有权限执行此操作", {"permission": "content.edit"})
    services = [s for s in client.service_types() if can(g.actor, "content.edit", s["department_id"])]
    return render_template(
        "admin/content_index.html",
        departments=departments,
        services=services,
        news=client.staff_news(),
        windows=client.windows() if can(g.actor, "content.edit") else [],
    )


# -- departments -------------------------------------------------------------------------------------------
@bp.get("/departments/<id:department_id>")
@staff_page
def department(department_id):
    _may_edit(department_id)
    notice = _notice()
    current = client.department_detail(department_id)
    form = notice.get("form") or {
        **current,
        "leaders": "\n".join(f"{x['name']} | {x['title']} | {x['duties']}" for x in current["leaders"]),
    }
    return render_template(
        "admin/content_department.html",
        department=current,
        form=form,
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        versions=client.versions("department", department_id),
    )


@bp.post("/departments/<id:department_id>")
@staff_page
def department_save(department_id):
    form = request.form.to_dict()
    data = {k: form.get(k, "") for k in ("remit", "description", "phone", "address", "hours")}
    data["base_version"] = form.get("base_version") or None
    data["leaders"] = [_parts(line, ("name", "title", "duties")) for line in _lines(form.get("leaders"))]
    back = url_for("content_admin.department", department_id=department_id)
    return _save(lambda: client.update_department(department_id, data), lambda _r: back, form)


# -- service types -----------------------------------------------------------------------------------------
# online form fields, one per line: 代码 | 名称 | 类型 | 必填或选填 | 选项（代码:名称，…）
DATATYPE_NAMES = {
    "string": "文本",
    "text": "多行文本",
    "number": "数字",
    "date": "日期",
    "singlevaluelist": "单选",
    "multivaluelist": "多选",
}
DATATYPES = {v: k for k, v in DATATYPE_NAMES.items()}


def field_line(f):
    options = "，".join(f"{o['key']}:{o['name']}" for o in f["options"])
    parts = [
        f["code"],
        f["label"],
        DATATYPE_NAMES.get(f["datatype"], f["datatype"]),
        "必填" if f["required"] else "选填",
    ]
    return " | ".join(parts + ([options] if options else []))


def parse_field(line):
    parts = [p.strip() for p in line.split("|")] + [""] * 5
    options = []
    for item in parts[4].replace(",", "，").split("，"):
        if item.strip():
            key, _, name = item.strip().partition(":")
            options.append({"key": key.strip(), "name": name.strip() or key.strip()})
    return {
        "code": parts[0],
        "label": parts[1],
        "datatype": DATATYPES.get(parts[2], parts[2]),
        "required": parts[3] == "必填",
        "options": options,
    }


SERVICE_TEXT = ("name", "summary", "description", "eligibility", "fees", "time_limit", "location", "hours")


@bp.get("/services/new", defaults={"service_type_id": None})
@bp.get("/services/<id:service_type_id>")
@staff_page
def service(service_type_id):
    notice = _notice()
    current = client.service_type(service_type_id) if service_type_id else None
    _may_edit(current["department_id"] if current else None, any_department=current is None)
    form = notice.get("form")
    if form is None and current:
        form = {
            **current,
            "materials": "\n".join(current["materials"]),
            "faq": "\n".join(f"{x['q']} | {x['a']}" for x in current["faq"]),
            "form_fields": "\n".join(field_line(f) for f in current["form_fields"]),
            "bookable": "1" if current["bookable"] else "",
            "keywords": "、".join(current.get("keywords", [])),
        }
    return render_template(
        "admin/content_service.html",
        service=current,
        form=form or {},
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        departments=_editable_departments(),
        windows=client.windows(),
        versions=client.versions("service", service_type_id) if current else [],
    )


@bp.post("/services/new", defaults={"service_type_id": None})
@bp.post("/services/<id:service_type_id>")
@staff_page
def service_save(service_type_id):
    form = request.form.to_dict()
    data = {k: form.get(k, "") for k in SERVICE_TEXT}
    data.update(
        window_id=form.get("window_id", ""),
        department_id=form.get("department_id", ""),
        base_version=form.get("base_version") or None,
        bookable=form.get("bookable") == "1",
        materials=_lines(form.get("materials")),
        faq=[_parts(line, ("q", "a")) for line in _lines(form.get("faq"))],
        keywords=[k for k in re.split(r"[\s,，、]+", form.get("keywords", "")) if k],
        form_fields=[parse_field(line) for line in _lines(form.get("form_fields"))],
    )

    def back(result):
        saved = (result or {}).get("id") or service_type_id
        return (
            url_for("content_admin.service", service_type_id=saved)
            if saved
            else url_for("content_admin.service", service_type_id=None)
        )

    return _save(lambda: client.save_service_type(service_type_id, data), back, form)


# -- news --------------------------------------------------------------------------------------------------
@bp.get("/news/new", defaults={"news_id": None})
@bp.get("/news/<id:news_id>")
@staff_page
def news(news_id):
    notice = _notice()
    current = client.staff_news_item(news_id) if news_id else None
    form = notice.get("form") or current or {}
    return render_template(
        "admin/content_news.html",
        item=current,
        form=form,
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        departments=_editable_departments(),
        versions=client.versions("news", news_id) if current else [],
    )


@bp.post("/news/new", defaults={"news_id": None})
@bp.post("/news/<id:news_id>")
@staff_page
def news_save(news_id):
    form = request.form.to_dict()
    data = {k: form.get(k, "") for k in ("title", "summary", "body_html", "department_id")}
    data["base_version"] = form.get("base_version") or None
    data.update(
        status="published" if form.get("action") == "publish" else "draft",
        pinned=form.get("pinned") == "1",
        publish_at=form.get("publish_at") or None,
    )

    def back(result):
        saved = (result or {}).get("id") or news_id
        return url_for("content_admin.news", news_id=saved)

    return _save(lambda: client.save_news(news_id, data), back, form)


@bp.get("/news/<id:news_id>/preview")
@staff_page
def news_preview(news_id):
    """The article exactly as citizens will see it, drafts included, in the H5 template."""
    return render_template("h5/news_item.html", item=client.staff_news_item(news_id), preview=True)


# -- albums ------------------------------------------------------------------------------------------------
@bp.get("/albums")
@staff_page
def albums():
    notice = _notice()
    return render_template(
        "admin/content_albums.html",
        albums=client.albums(),
        departments=_editable_departments(),
        form=notice.get("form") or {},
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
    )


@bp.post("/albums")
@staff_page
def album_create():
    form = request.form.to_dict()
    data = {k: form.get(k, "") for k in ("title", "description", "department_id")}

    def back(result):
        return url_for("content_admin.album", album_id=result["id"]) if result else url_for("content_admin.albums")

    return _save(lambda: client.create_album(data), back, form)


@bp.get("/albums/<id:album_id>")
@staff_page
def album(album_id):
    notice = _notice()
    return render_template(
        "admin/content_album.html",
        album=client.album(album_id),
        errors=notice.get("errors") or {},
        form=notice.get("form") or {},
        notice=notice.get("message"),
    )


allows_upload = web.allows_upload(UPLOAD_LIMIT)


@bp.post("/albums/<id:album_id>/photos")
@allows_upload
@staff_page
def photo_add(album_id):
    data, image = upload()
    back = url_for("content_admin.album", album_id=album_id)
    return _save(lambda: client.add_photo(album_id, data, image), lambda _r: back, data)


@bp.post("/photos/<id:photo_id>")
@staff_page
def photo_save(photo_id):
    """A photo's caption changed, or (`remove`) the photo taken out of the album."""
    album_id = request.form.get("album_id", "")
    back = url_for("content_admin.album", album_id=album_id) if album_id.isascii() and album_id.isdigit() else None
    if request.form.get("remove"):
        action = functools.partial(client.remove_photo, photo_id)
    else:
        action = functools.partial(client.update_photo, photo_id, {"caption": request.form.get("caption", "")})
    return _save(action, lambda r: url_for("content_admin.album", album_id=r["id"]) if r else back, {})


# -- posters (citywide editors) ----------------------------------------------------------------------------
def _local_input(value):
    """An ISO time as the datetime-local field shows it (Beijing time, to the minute)."""
    return local_minute(value).replace(" ", "T") if value else ""


@bp.get("/posters", defaults={"poster_id": None})
@bp.get("/posters/<id:poster_id>")
@staff_page
def posters(poster_id):
    notice = _notice()
    every = client.all_posters()
    editing = next((p for p in every if p["id"] == poster_id), None) if poster_id else None
    if poster_id and editing is None:
        raise NotFound("poster_not_found", "海报不存在")
    loaded = {}
    if editing:
        loaded = {k: editing[k] for k in ("title", "link_kind", "link_target", "sort_order")}
        loaded |= {k: _local_input(editing[k]) for k in ("active_from", "active_until")}
    return render_template(
        "admin/content_posters.html",
        posters=every,
        editing=editing,
        form=notice.get("form") or loaded,
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        now=datetime.now(UTC).isoformat(),
    )


@bp.post("/posters", defaults={"poster_id": None})
@bp.post("/posters/<id:poster_id>")
@allows_upload
@staff_page
def poster_save(poster_id):
    """A new poster, or an existing one's fields (and, if a file is chosen, its image)."""
    data, image = upload(POSTER_FIELDS)
    back = url_for("content_admin.posters", poster_id=poster_id)
    return _save(lambda: client.save_poster(poster_id, data, image or None), lambda _r: back, data)


# -- windows (citywide editors) ----------------------------------------------------------------------------
@bp.get("/windows/new", defaults={"window_id": None})
@bp.get("/windows/<id:window_id>")
@staff_page
def window(window_id):
    _may_edit(None)
    notice = _notice()
    current = client.window(window_id) if window_id else None
    return render_template(
        "admin/content_window.html",
        window=current,
        form=notice.get("form") or current or {},
        errors=notice.get("errors") or {},
        notice=notice.get("message"),
        versions=client.versions("window", window_id) if current else [],
    )


@bp.post("/windows/new", defaults={"window_id": None})
@bp.post("/windows/<id:window_id>")
@staff_page
def window_save(window_id):
    form = request.form.to_dict()
    data = {k: form.get(k, "") for k in ("name", "description")}
    data["sort_order"] = form.get("sort_order") or 0
    data["base_version"] = form.get("base_version") or None

    def back(result):
        saved = (result or {}).get("id") or window_id
        return url_for("content_admin.window", window_id=saved)

    return _save(lambda: client.save_window(window_id, data), back, form)


@bp.post("/departments/<id:department_id>/leader-photo")
@allows_upload
@staff_page
def leader_photo(department_id):
    _data, image = upload()
    leader = request.form.get("leader", "")
    back = url_for("content_admin.department", department_id=department_id)
    return _save(lambda: client.set_leader_photo(department_id, leader, image), lambda _r: back, {"leader": leader})


@bp.post("/posters/<id:poster_id>/end")
@staff_page
def poster_end(poster_id):
    """Take a poster down now (its history stays: a version, an audit row)."""
    current = next((p for p in client.all_posters() if p["id"] == poster_id), None)
    if current is None:
        raise NotFound("poster_not_found", "海报不存在")
    data = {k: current[k] for k in ("title", "link_kind", "link_target", "active_from", "sort_order")}
    data["active_until"] = datetime.now(UTC).isoformat()
    back = url_for("content_admin.posters")
    return _save(lambda: client.save_poster(poster_id, data), lambda _r: back, {})
