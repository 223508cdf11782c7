"""Reading the catalogue: departments, windows, service types. Public: anyone may read what is published."""

from datetime import UTC, datetime

from sqlalchemy import select

from libs.errors import NotFound, ValidationError
from libs.schemas import CONTROL_CHARS, MAX_INT, is_id
from services.content import schemas, search
from services.content.models import Album, Department, News, Poster, ServiceType, Window


def _id(value):
    return is_id(value, MAX_INT)


def departments(session):
    rows = session.scalars(select(Department).order_by(Department.sort_order, Department.id))
    return [schemas.department_view(d) for d in rows]


def officials(session):
    rows = session.scalars(select(Department).order_by(Department.sort_order, Department.id))
    return [
        {"id": d.id, "name": d.name, "leaders": [{"name": x.name, "title": x.title} for x in d.leaders]} for d in rows
    ]


def _department(session, department_id):
    d = session.get(Department, department_id) if _id(department_id) else None
    if d is None:
        raise NotFound("department_not_found", "部门不存在")
    return d


def department(session, department_id):
    return schemas.department_view(_department(session, department_id))


def department_detail(session, department_id):
    d = _department(session, department_id)
    services = session.scalars(
        select(ServiceType).where(ServiceType.department_id == d.id).order_by(ServiceType.sort_order, ServiceType.id)
    )
    return schemas.department_detail(d, services)


def windows(session):
    rows = session.scalars(select(Window).order_by(Window.sort_order, Window.id))
    return [schemas.window_summary(w) for w in rows]


def window(session, window_id):
    w = session.get(Window, window_id) if _id(window_id) else None
    if w is None:
        raise NotFound("window_not_found", "服务窗口不存在")
    return schemas.window_detail(w)


def service_types(session, window_id=None, standalone=False):
    """All service types, those of one window, or (standalone) those under no window."""
    query = select(ServiceType).order_by(ServiceType.sort_order, ServiceType.id)
    if standalone:
        query = query.where(ServiceType.window_id.is_(None))
    elif window_id is not None:
        if not _id(window_id):
            raise NotFound("window_not_found", "服务窗口不存在")
        query = query.where(ServiceType.window_id == window_id)
    return [schemas.service_summary(s) for s in session.scalars(query)]


def service_type(session, service_type_id):
    s = session.get(ServiceType, service_type_id) if _id(service_type_id) else None
    if s is None:
        raise NotFound("service_type_not_found", "服务事项不存在")
    department = session.get(Department, s.department_id) if s.department_id else None
    return schemas.service_detail(s, department.name if department else None)


MODELS = {"service": ServiceType, "department": Department, "window": Window, "news": News}


def find(session, query, limit=20):
    """Ranked hits for what a citizen typed (search.py); an empty query finds nothing rather than everything."""
    if not isinstance(query, str) or CONTROL_CHARS.search(query):
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"q": "搜索内容含有无法识别的字符"}})
    query = query.strip()
    if len(query) > search.MAX_QUERY:
        raise ValidationError(
            "invalid_fields", "请检查填写的内容", {"fields": {"q": f"搜索内容不能超过{search.MAX_QUERY}个字"}}
        )
    ranked = search.search(session, query, limit=min(limit, 50) if is_id(limit) else 20)
    items = {}
    for kind, model in MODELS.items():  # one query per kind, not one per hit
        ids = [item_id for k, item_id, _ in ranked if k == kind]
        if ids:
            items.update({(kind, x.id): x for x in session.scalars(select(model).where(model.id.in_(ids)))})
    hits = []
    for kind, item_id, _score in ranked:
        item = items.get((kind, item_id))
        if item is None or (kind == "news" and not (item.status == "published" and item.publish_at <= _now())):
            continue  # drafts and scheduled news are indexed, but found only once they are out
        title = item.title if kind == "news" else item.name
        summary = {"service": "summary", "department": "remit", "window": "description", "news": "summary"}[kind]
        hits.append(schemas.SearchHit(kind=kind, id=item.id, title=title, summary=getattr(item, summary)).model_dump())
    return hits


def _now():
    return datetime.now(UTC)


def _published(now=None):
    return (News.status == "published") & (News.publish_at <= (now or datetime.now(UTC)))


def news(session, limit=20, offset=0):
    """Published news, pinned first, newest first; drafts and scheduled items stay with staff."""
    limit = min(limit, 50) if is_id(limit) else 20
    offset = min(offset, 10_000) if is_id(offset) else 0
    rows = session.scalars(
        select(News)
        .where(_published())
        .order_by(News.pinned.desc(), News.publish_at.desc(), News.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [schemas.NewsSummary.model_validate(n).model_dump(mode="json") for n in rows]


def news_item(session, news_id):
    item = session.scalar(select(News).where(News.id == news_id, _published())) if _id(news_id) else None
    if item is None:
        raise NotFound("news_not_found", "该信息不存在或尚未发布")
    department = session.get(Department, item.department_id) if item.department_id else None
    return schemas.NewsDetail(
        **schemas.NewsSummary.model_validate(item).model_dump(),
        department_name=department.name if department else None,
        body_html=item.body_html,
    ).model_dump(mode="json")


def _photo(p):
    return schemas.PhotoView(
        id=p.id, caption=p.caption, media=p.media_sha256, thumb=p.thumb_sha256, width=p.width, height=p.height
    )


def _album_summary(a):
    return schemas.AlbumSummary(
        id=a.id,
        title=a.title,
        description=a.description,
        department_id=a.department_id,
        photo_count=len(a.photos),
        cover=a.photos[0].thumb_sha256 if a.photos else None,
    )


def albums(session):
    rows = session.scalars(select(Album).order_by(Album.sort_order, Album.id.desc()))
    return [_album_summary(a).model_dump(mode="json") for a in rows]


def album(session, album_id):
    a = session.get(Album, album_id) if _id(album_id) else None
    if a is None:
        raise NotFound("album_not_found", "相册不存在")
    return schemas.AlbumDetail(**_album_summary(a).model_dump(), photos=[_photo(p) for p in a.photos]).model_dump(
        mode="json"
    )


def posters(session, now=None):
    """The posters showing now, in their order: changing them (or their dates) needs no deploy."""
    now = now or _now()
    rows = session.scalars(
        select(Poster)
        .where(Poster.active_from <= now, (Poster.active_until.is_(None)) | (Poster.active_until > now))
        .order_by(Poster.sort_order, Poster.id)
    )
    return [poster_view(p) for p in rows]


def all_posters(session):
    rows = session.scalars(select(Poster).order_by(Poster.active_from.desc(), Poster.id.desc()).limit(200))
    return [poster_view(p) for p in rows]


def poster_view(p):
    return schemas.PosterView(
        id=p.id,
        title=p.title,
        media=p.media_sha256,
        link_kind=p.link_kind,
        link_target=p.link_target,
        active_from=p.active_from,
        active_until=p.active_until,
        sort_order=p.sort_order,
    ).model_dump(mode="json")
