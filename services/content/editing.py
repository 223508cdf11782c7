"""Changing the catalogue: every change checked (content.edit, a department editor only on their own department's
entries), versioned (who, when, which fields, the whole entity), audited, re-indexed for search and announced as
content_changed — in one unit of work. Entities are locked while they change, so two editors get two versions."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from libs.auth import can
from libs.errors import Conflict, NotFound, ValidationError
from libs.schemas import validate
from services.content import catalogue, media, schemas, search
from services.content.models import (
    Album,
    Department,
    Leader,
    News,
    Photo,
    Poster,
    ScheduleClock,
    ServiceType,
    Version,
    Window,
)


def _field_error(field, message):
    return ValidationError("invalid_fields", "请检查填写的内容", {"fields": {field: message}})


def _version(uow, entity_type, entity_id, data):
    """Record `data` as the entity's next version; None when nothing changed since the last one."""
    session = uow.session
    previous = session.scalar(
        select(Version)
        .where(Version.entity_type == entity_type, Version.entity_id == entity_id)
        .order_by(Version.version.desc())
        .limit(1)
    )
    changed = sorted(k for k in data if previous is None or previous.data.get(k) != data[k])
    if previous is not None and not changed:
        return None
    version = Version(
        entity_type=entity_type,
        entity_id=entity_id,
        version=(previous.version + 1) if previous else 1,
        data=data,
        changed=changed,
        actor_id=uow.actor.id,
        actor_name=uow.actor.name or uow.actor.id,
        at=datetime.now(UTC),
    )
    session.add(version)
    return version


def _check_base(session, entity_type, entity_id, base_version):
    if base_version is None:
        return
    latest = session.scalar(
        select(Version.version)
        .where(Version.entity_type == entity_type, Version.entity_id == entity_id)
        .order_by(Version.version.desc())
        .limit(1)
    )
    if (latest or 0) != base_version:
        raise Conflict("edited_meanwhile", "这条内容已被他人修改：请刷新页面，在最新内容上重新修改", {"latest": latest})


def _announce(uow, entity_type, entity_id, department_id, data, action):
    version = _version(uow, entity_type, entity_id, data)
    if version is None:
        return None
    uow.audit(action, entity_type, entity_id, detail={"version": version.version, "changed": version.changed})
    uow.publish(
        "content_changed",
        {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "department_id": department_id,
            "version": version.version,
        },
    )
    uow.session.flush()
    search.index_item(uow.session, entity_type, entity_id)
    return version


def _flush_unique(session, field, message):
    """The name was free when checked, but two editors may create it at the same moment: the second is told why
    (the unit of work then rolls everything back), not given a 500."""
    try:
        session.flush()
    except IntegrityError:
        raise _field_error(field, message) from None


def _locked(session, model, entity_id, missing):
    # lock this row only (OF): a service type joins its window, which must not be locked with it
    item = session.get(model, entity_id, with_for_update={"of": model}) if catalogue._id(entity_id) else None
    if item is None:
        raise NotFound(*missing)
    return item


def update_department(uow, department_id, data):
    d = _locked(uow.session, Department, department_id, ("department_not_found", "部门不存在"))
    uow.require("content.edit", d.id)
    clean = validate(schemas.DepartmentIn, data)
    _check_base(uow.session, "department", d.id, clean.base_version)
    for key in ("remit", "description", "phone", "address", "hours"):
        setattr(d, key, getattr(clean, key))
    photos = {x.name: x.photo_sha256 for x in d.leaders}  # a leader keeps their photo when the list is edited
    for leader in list(d.leaders):
        uow.session.delete(leader)
    uow.session.flush()
    d.leaders = [
        Leader(sort_order=i, photo_sha256=photos.get(x.name), **x.model_dump()) for i, x in enumerate(clean.leaders)
    ]
    _announce(uow, "department", d.id, d.id, _department_snapshot(d), "content.department_updated")
    return catalogue.department_detail(uow.session, d.id)


def _department_snapshot(d):
    return {
        **{k: getattr(d, k) for k in ("remit", "description", "phone", "address", "hours")},
        "leaders": [{"name": x.name, "title": x.title, "duties": x.duties} for x in d.leaders],
        "photos": {x.name: x.photo_sha256 for x in d.leaders if x.photo_sha256},
    }


def set_leader_photo(uow, department_id, leader_name, image_bytes):
    """A leader's photo (a thumbnail of what was uploaded, checked by media.py)."""
    d = _locked(uow.session, Department, department_id, ("department_not_found", "部门不存在"))
    uow.require("content.edit", d.id)
    leader = next((x for x in d.leaders if x.name == leader_name), None)
    if leader is None:
        raise _field_error("leader", "没有这位领导，请先在领导班子中添加")
    leader.photo_sha256 = media.store_image(uow.session, image_bytes)["thumb"]
    uow.session.flush()
    _announce(uow, "department", d.id, d.id, _department_snapshot(d), "content.department_updated")
    return catalogue.department_detail(uow.session, d.id)


def save_service_type(uow, service_type_id, data):
    """Create (service_type_id None) or change a service type."""
    session = uow.session
    if service_type_id is None:
        item = ServiceType()
    else:
        item = _locked(session, ServiceType, service_type_id, ("service_type_not_found", "服务事项不存在"))
        uow.require("content.edit", item.department_id)  # the department it belongs to now...
    clean = validate(schemas.ServiceTypeIn, data)
    uow.require("content.edit", clean.department_id)  # ...and the one it is given to
    if item.id is not None:
        _check_base(session, "service", item.id, clean.base_version)
    if clean.window_id is not None and session.get(Window, clean.window_id) is None:
        raise _field_error("window_id", "服务窗口不存在")
    if clean.department_id is not None and session.get(Department, clean.department_id) is None:
        raise _field_error("department_id", "部门不存在")
    same_name = session.scalar(select(ServiceType.id).where(ServiceType.name == clean.name))
    if same_name is not None and same_name != item.id:
        raise _field_error("name", "已有同名的服务事项")
    values = clean.model_dump(mode="json")
    for key, value in values.items():
        setattr(item, key, value)
    if item.id is None:
        item.sort_order = 1000
        session.add(item)
    _flush_unique(session, "name", "已有同名的服务事项")
    _announce(uow, "service", item.id, item.department_id, values, "content.service_saved")
    return catalogue.service_type(session, item.id)


def save_news(uow, news_id, data):
    """Create or change a news item; publishing is the same write with status "published" (its time: now if empty)."""
    session = uow.session
    now = datetime.now(UTC)
    if news_id is None:
        item = News(created_at=now)
    else:
        item = _locked(session, News, news_id, ("news_not_found", "该信息不存在"))
        uow.require("content.edit", item.department_id)
    clean = validate(schemas.NewsIn, data)
    uow.require("content.edit", clean.department_id)
    if item.id is not None:
        _check_base(session, "news", item.id, clean.base_version)
    if clean.department_id is not None and session.get(Department, clean.department_id) is None:
        raise _field_error("department_id", "部门不存在")
    for key in ("title", "summary", "body_html", "department_id", "status", "pinned"):
        setattr(item, key, getattr(clean, key))
    item.publish_at = clean.publish_at or (item.publish_at if item.id and clean.status == "draft" else now)
    item.updated_at = now
    if item.id is None:
        session.add(item)
    session.flush()
    snapshot = {**clean.model_dump(mode="json"), "publish_at": item.publish_at.isoformat()}
    _announce(uow, "news", item.id, item.department_id, snapshot, "content.news_saved")
    return staff_news_item(session, uow.actor, item.id)


# -- what staff see (drafts included, only where they may edit) -------------------------------------------
def staff_news(session, actor, limit=100):
    rows = session.scalars(select(News).order_by(News.updated_at.desc(), News.id.desc()).limit(500))
    mine = [n for n in rows if can(actor, "content.edit", n.department_id)][:limit]
    return [_staff_view(session, n) for n in mine]


def staff_news_item(session, actor, news_id):
    item = session.get(News, news_id) if catalogue._id(news_id) else None
    if item is None or not can(actor, "content.edit", item.department_id):
        raise NotFound("news_not_found", "该信息不存在")
    return _staff_view(session, item)


def _staff_view(session, item):
    department = session.get(Department, item.department_id) if item.department_id else None
    return schemas.StaffNews(
        **schemas.NewsSummary.model_validate(item).model_dump(),
        department_name=department.name if department else None,
        body_html=item.body_html,
        status=item.status,
        updated_at=item.updated_at,
    ).model_dump(mode="json")


def versions(session, actor, entity_type, entity_id):
    models = {
        "department": Department,
        "service": ServiceType,
        "news": News,
        "album": Album,
        "poster": Poster,
        "window": Window,
    }
    model = models.get(entity_type)
    item = session.get(model, entity_id) if model and catalogue._id(entity_id) else None
    # posters and windows belong to no department: only citywide editors see their history
    department_id = item.id if entity_type == "department" else getattr(item, "department_id", None)
    if item is None or not can(actor, "content.edit", department_id):
        raise NotFound("not_found", "内容不存在")
    rows = session.scalars(
        select(Version)
        .where(Version.entity_type == entity_type, Version.entity_id == entity_id)
        .order_by(Version.version.desc())
    )
    return [schemas.VersionView.model_validate(v).model_dump(mode="json") for v in rows]


def create_album(uow, data):
    clean = validate(schemas.AlbumIn, data)
    uow.require("content.edit", clean.department_id)
    session = uow.session
    if clean.department_id is not None and session.get(Department, clean.department_id) is None:
        raise _field_error("department_id", "部门不存在")
    if session.scalar(select(Album.id).where(Album.title == clean.title)) is not None:
        raise _field_error("title", "已有同名的相册")
    album = Album(**clean.model_dump(), sort_order=0, created_at=datetime.now(UTC))
    session.add(album)
    _flush_unique(session, "title", "已有同名的相册")
    _announce(uow, "album", album.id, album.department_id, clean.model_dump(mode="json"), "content.album_saved")
    return catalogue.album(session, album.id)


def add_photo(uow, album_id, data, image_bytes):
    """A photo into an album: the image checked and stored by media.py, its caption validated."""
    session = uow.session
    album = _locked(session, Album, album_id, ("album_not_found", "相册不存在"))
    uow.require("content.edit", album.department_id)
    clean = validate(schemas.PhotoIn, data or {})
    stored = media.store_image(session, image_bytes)
    session.add(
        Photo(
            album_id=album.id,
            media_sha256=stored["sha256"],
            thumb_sha256=stored["thumb"],
            caption=clean.caption,
            width=stored["width"],
            height=stored["height"],
            sort_order=len(album.photos),
        )
    )
    session.flush()
    session.refresh(album)
    _announce(uow, "album", album.id, album.department_id, _album_snapshot(album), "content.album_saved")
    return catalogue.album(session, album.id)


def _album_snapshot(album):
    return {"photos": [p.media_sha256 for p in album.photos], "captions": [p.caption for p in album.photos]}


def _photo_in_album(uow, photo_id):
    """The photo and its album, the album row locked: edits of one album's photos take turns (its version)."""
    session = uow.session
    photo = session.get(Photo, photo_id) if catalogue._id(photo_id) else None
    if photo is None:
        raise NotFound("photo_not_found", "照片不存在")
    album = _locked(session, Album, photo.album_id, ("photo_not_found", "照片不存在"))
    uow.require("content.edit", album.department_id)
    return photo, album


def update_photo(uow, photo_id, data):
    """A photo's caption, changed by the album's editors (versioned with the album)."""
    photo, album = _photo_in_album(uow, photo_id)
    photo.caption = validate(schemas.PhotoIn, data or {}).caption
    uow.session.flush()
    uow.session.refresh(album)
    _announce(uow, "album", album.id, album.department_id, _album_snapshot(album), "content.album_saved")
    return catalogue.album(uow.session, album.id)


def remove_photo(uow, photo_id):
    """Take a photo out of its album; the image stays stored (earlier versions and other entries may name it)."""
    photo, album = _photo_in_album(uow, photo_id)
    uow.session.delete(photo)
    uow.session.flush()
    uow.session.refresh(album)
    _announce(uow, "album", album.id, album.department_id, _album_snapshot(album), "content.album_saved")
    return catalogue.album(uow.session, album.id)


def save_poster(uow, poster_id, data, image_bytes=None):
    """Posters are the city's front page: changed by those who edit everything (admin), each change versioned."""
    uow.require("content.edit")  # no department: only citywide editors
    session = uow.session
    clean = validate(schemas.PosterIn, data)
    targets = {"service": ServiceType, "news": News}
    if clean.link_kind in targets and session.get(targets[clean.link_kind], int(clean.link_target)) is None:
        raise _field_error("link_target", "链接的服务事项或政务信息不存在")
    now = datetime.now(UTC)
    if poster_id is None:
        if not image_bytes:
            raise _field_error("file", "请选择海报图片")
        item = Poster()
    else:
        item = _locked(session, Poster, poster_id, ("poster_not_found", "海报不存在"))
    if image_bytes:
        item.media_sha256 = media.store_image(session, image_bytes)["sha256"]
    item.title, item.link_kind, item.link_target = clean.title, clean.link_kind, clean.link_target
    item.active_from = clean.active_from or (item.active_from if item.id else now)
    item.active_until, item.sort_order, item.updated_at = clean.active_until, clean.sort_order, now
    if item.id is None:
        session.add(item)
    session.flush()
    snapshot = {
        **clean.model_dump(mode="json"),
        "media": item.media_sha256,
        "active_from": item.active_from.isoformat(),
    }
    _announce(uow, "poster", item.id, None, snapshot, "content.poster_saved")
    return catalogue.poster_view(item)


def save_window(uow, window_id, data):
    """Windows group every department's services: changed by citywide editors; renaming one re-indexes its services
    (their search documents carry the window's name)."""
    uow.require("content.edit")
    session = uow.session
    clean = validate(schemas.WindowIn, data)
    item = (
        Window() if window_id is None else _locked(session, Window, window_id, ("window_not_found", "服务窗口不存在"))
    )
    if item.id is not None:
        _check_base(session, "window", item.id, clean.base_version)
    same_name = session.scalar(select(Window.id).where(Window.name == clean.name))
    if same_name is not None and same_name != item.id:
        raise _field_error("name", "已有同名的服务窗口")
    item.name, item.description, item.sort_order = clean.name, clean.description, clean.sort_order
    if item.id is None:
        session.add(item)
    _flush_unique(session, "name", "已有同名的服务窗口")
    if _announce(uow, "window", item.id, None, clean.model_dump(mode="json"), "content.window_saved"):
        for service in session.scalars(select(ServiceType.id).where(ServiceType.window_id == item.id)):
            search.index_item(session, "service", service)
    return catalogue.window(session, item.id)


def announce_schedule(uow, now=None):
    """News whose time has come and posters that start or end are changes nobody saves: announce them, so cached
    pages drop them in time. The clock row is locked (SKIP LOCKED): one replica at a time does it, and each moment
    is covered once. Returns how many changes were announced."""
    session = uow.session
    now = now or datetime.now(UTC)
    clock = session.scalar(select(ScheduleClock).with_for_update(skip_locked=True).where(ScheduleClock.id == 1))
    if clock is None:
        # the first tick ever (two replicas may take it together), or another replica is on it right now
        session.execute(pg_insert(ScheduleClock).values(id=1, checked_at=now).on_conflict_do_nothing())
        return 0
    since = clock.checked_at
    due = [
        ("news", n.id, n.department_id)
        for n in session.scalars(
            select(News).where(News.status == "published", News.publish_at > since, News.publish_at <= now)
        )
    ] + [
        ("poster", p.id, None)
        for p in session.scalars(
            select(Poster).where(
                ((Poster.active_from > since) & (Poster.active_from <= now))
                | ((Poster.active_until > since) & (Poster.active_until <= now))
            )
        )
    ]
    for entity_type, entity_id, department_id in due:
        if entity_type == "news":
            search.index_item(session, "news", entity_id)  # found by search from the moment it is out
        uow.publish(
            "content_changed",
            {"entity_type": entity_type, "entity_id": entity_id, "department_id": department_id, "version": 0},
        )
    clock.checked_at = now
    return len(due)
