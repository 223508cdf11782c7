"""/api/v1 for content: the public catalogue (no login)."""

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, Field

from services.content import schemas
from services.gateway.content import client
from services.gateway.core import openapi
from services.gateway.core.auth import staff_api
from services.gateway.core.cache import cached, number
from services.gateway.core.web import json_body, uploaded

bp = Blueprint("content_api", __name__, url_prefix="/api/v1")


class NewsPage(BaseModel):
    limit: int = Field(20, ge=1, le=50)
    offset: int = Field(0, ge=0, le=10_000)


class SearchQuery(BaseModel):
    q: str = Field(max_length=50, title="what a citizen typed, e.g. 失业金, 开饭店")


PUBLIC = {"errors": (404,), "auth": False}
UPLOAD_LIMIT = 9 * 1024 * 1024  # content refuses above 8 MB with a reason; this only bounds what is read


@openapi.route(bp, "/departments", "GET", summary="Departments", response=[schemas.Department], errors=(), auth=False)
@cached
def departments():
    return jsonify(client.departments())


@openapi.route(
    bp,
    "/departments/<id:department_id>",
    "GET",
    summary="A department: profile, leaders, services",
    response=schemas.DepartmentDetail,
    **PUBLIC,
)
@cached
def department(department_id):
    return jsonify(client.department_detail(department_id))


@openapi.route(
    bp,
    "/news",
    "GET",
    summary="Published news and notices, pinned first, newest first",
    query=NewsPage,
    response=[schemas.NewsSummary],
    errors=(),
    auth=False,
)
@cached
def news():
    # read as the cache key reads them (core/cache.py): what is stored is what this key shows
    limit, offset = number("limit"), number("offset")
    return jsonify(client.news(20 if limit is None else limit, offset or 0))


@openapi.route(
    bp,
    "/news/<id:news_id>",
    "GET",
    summary="One published news item (sanitised HTML body)",
    response=schemas.NewsDetail,
    **PUBLIC,
)
@cached
def news_item(news_id):
    return jsonify(client.news_item(news_id))


@openapi.route(
    bp,
    "/search",
    "GET",
    summary="Search services, departments and windows (Chinese; ranked)",
    query=SearchQuery,
    response=[schemas.SearchHit],
    errors=(400,),
    auth=False,
)
def search():
    return jsonify(client.search(request.args.get("q", "")))


@openapi.route(
    bp, "/windows", "GET", summary="Service windows", response=[schemas.WindowSummary], errors=(), auth=False
)
@cached
def windows():
    return jsonify(client.windows())


@openapi.route(
    bp,
    "/windows/<id:window_id>",
    "GET",
    summary="A service window and its services",
    response=schemas.WindowDetail,
    **PUBLIC,
)
@cached
def window(window_id):
    return jsonify(client.window(window_id))


@openapi.route(
    bp,
    "/service-types",
    "GET",
    summary="Service types (standalone=true: those under no window)",
    response=[schemas.ServiceTypeSummary],
    errors=(),
    auth=False,
)
@cached
def service_types():
    return jsonify(client.service_types(standalone=request.args.get("standalone") == "true"))


@openapi.route(
    bp,
    "/service-types/<id:service_type_id>",
    "GET",
    summary="A service type: who may apply, materials, fees, time limit, where, FAQ, its online form fields",
    response=schemas.ServiceTypeDetail,
    **PUBLIC,
)
@cached
def service_type(service_type_id):
    return jsonify(client.service_type(service_type_id))


# -- editing (staff with content.edit; department editors on their own department's entries) ------------------
STAFF = {"errors": (400, 401, 403, 404, 409)}


@openapi.route(
    bp,
    "/departments/<id:department_id>",
    "PUT",
    summary="Change a department's profile and leaders (versioned)",
    body=schemas.DepartmentIn,
    response=schemas.DepartmentDetail,
    **STAFF,
)
@staff_api
def update_department(department_id):
    return jsonify(client.update_department(department_id, json_body()))


@openapi.route(
    bp,
    "/service-types",
    "POST",
    summary="Create a service type",
    body=schemas.ServiceTypeIn,
    response=schemas.ServiceTypeDetail,
    status=201,
    **STAFF,
)
@staff_api
def create_service_type():
    return jsonify(client.save_service_type(None, json_body())), 201


@openapi.route(
    bp,
    "/service-types/<id:service_type_id>",
    "PUT",
    summary="Change a service type (versioned)",
    body=schemas.ServiceTypeIn,
    response=schemas.ServiceTypeDetail,
    **STAFF,
)
@staff_api
def update_service_type(service_type_id):
    return jsonify(client.save_service_type(service_type_id, json_body()))


@openapi.route(
    bp,
    "/staff/news",
    "GET",
    summary="News the staff member may edit, drafts included",
    response=[schemas.StaffNews],
    errors=(401,),
)
@staff_api
def staff_news():
    return jsonify(client.staff_news())


@openapi.route(
    bp,
    "/staff/news/<id:news_id>",
    "GET",
    summary="One news item as its editors see it (preview)",
    response=schemas.StaffNews,
    errors=(401, 404),
)
@staff_api
def staff_news_item(news_id):
    return jsonify(client.staff_news_item(news_id))


@openapi.route(
    bp,
    "/news",
    "POST",
    summary="Write a news item (draft, or published now or at publish_at)",
    body=schemas.NewsIn,
    response=schemas.StaffNews,
    status=201,
    **STAFF,
)
@staff_api
def create_news():
    return jsonify(client.save_news(None, json_body())), 201


@openapi.route(
    bp,
    "/news/<id:news_id>",
    "PUT",
    summary="Change or publish a news item (versioned)",
    body=schemas.NewsIn,
    response=schemas.StaffNews,
    **STAFF,
)
@staff_api
def update_news(news_id):
    return jsonify(client.save_news(news_id, json_body()))


@openapi.route(
    bp,
    "/content/<any(department, service, news, album, poster, window):entity_type>/<id:entity_id>/versions",
    "GET",
    summary="The versions of an entry: who changed what, when",
    response=[schemas.VersionView],
    errors=(401, 404),
)
@staff_api
def versions(entity_type, entity_id):
    return jsonify(client.versions(entity_type, entity_id))


@openapi.route(bp, "/albums", "GET", summary="Photo albums", response=[schemas.AlbumSummary], errors=(), auth=False)
@cached
def albums():
    return jsonify(client.albums())


@openapi.route(
    bp,
    "/albums/<id:album_id>",
    "GET",
    summary="An album and its photos (images at /media/<sha256>)",
    response=schemas.AlbumDetail,
    **PUBLIC,
)
@cached
def album(album_id):
    return jsonify(client.album(album_id))


@openapi.route(
    bp,
    "/albums",
    "POST",
    summary="Create an album",
    body=schemas.AlbumIn,
    response=schemas.AlbumDetail,
    status=201,
    **STAFF,
)
@staff_api
def create_album():
    return jsonify(client.create_album(json_body())), 201


@openapi.route(
    bp,
    "/albums/<id:album_id>/photos",
    "POST",
    summary="Add a photo (multipart/form-data: file, caption). Checked by content: JPEG/PNG/WebP/GIF by its bytes, "
    "at most 8 MB and 8000×8000 pixels; stored without its metadata, with a thumbnail.",
    response=schemas.AlbumDetail,
    status=201,
    errors=(400, 401, 403, 404, 413),
)
@staff_api
def add_photo(album_id):
    data, image = upload()
    return jsonify(client.add_photo(album_id, data, image)), 201


@openapi.route(
    bp,
    "/photos/<id:photo_id>",
    "PUT",
    summary="Change a photo's caption (the album's editors)",
    body=schemas.PhotoIn,
    response=schemas.AlbumDetail,
    **STAFF,
)
@staff_api
def update_photo(photo_id):
    return jsonify(client.update_photo(photo_id, json_body()))


@openapi.route(
    bp,
    "/photos/<id:photo_id>",
    "DELETE",
    summary="Take a photo out of its album (the album's editors)",
    response=schemas.AlbumDetail,
    **STAFF,
)
@staff_api
def remove_photo(photo_id):
    return jsonify(client.remove_photo(photo_id))


def upload(fields=("caption",)):
    return uploaded(fields, UPLOAD_LIMIT)


@openapi.route(
    bp,
    "/posters",
    "GET",
    summary="The service posters showing now, in order",
    response=[schemas.PosterView],
    errors=(),
    auth=False,
)
@cached
def posters():
    return jsonify(client.posters())


POSTER_FIELDS = ("title", "link_kind", "link_target", "active_from", "active_until", "sort_order")


class PosterForm(schemas.PosterIn):
    """multipart/form-data: these fields, and `file` (the image)."""


@openapi.route(
    bp,
    "/posters",
    "POST",
    summary="Create a poster (multipart/form-data: file and the fields; admin)",
    body=PosterForm,
    response=schemas.PosterView,
    status=201,
    errors=(400, 401, 403, 413),
)
@staff_api
def create_poster():
    data, image = upload(POSTER_FIELDS)
    return jsonify(client.save_poster(None, data, image)), 201


@openapi.route(
    bp,
    "/posters/<id:poster_id>",
    "PUT",
    summary="Change a poster's title, link, dates or order (admin)",
    body=schemas.PosterIn,
    response=schemas.PosterView,
    **STAFF,
)
@staff_api
def update_poster(poster_id):
    return jsonify(client.save_poster(poster_id, json_body()))


@openapi.route(
    bp,
    "/windows",
    "POST",
    summary="Create a service window (citywide editors)",
    body=schemas.WindowIn,
    response=schemas.WindowDetail,
    status=201,
    **STAFF,
)
@staff_api
def create_window():
    return jsonify(client.save_window(None, json_body())), 201


@openapi.route(
    bp,
    "/windows/<id:window_id>",
    "PUT",
    summary="Change a service window (citywide editors)",
    body=schemas.WindowIn,
    response=schemas.WindowDetail,
    **STAFF,
)
@staff_api
def update_window(window_id):
    return jsonify(client.save_window(window_id, json_body()))
