"""/h5 for the catalogue (微官网): departments, service windows and service types. Public: no login needed."""

from flask import Blueprint, render_template, request, url_for

from libs.errors import ValidationError
from services.gateway.content import client
from services.gateway.core.cache import cached, number

bp = Blueprint("content_h5", __name__, url_prefix="/h5")
PAGE = 10


@bp.after_request
def public(resp):
    """The catalogue is the same for everyone: WeChat's webview may keep it for a minute."""
    if resp.status_code == 200:
        resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


@bp.get("/")
@cached
def home():
    """微官网 home: search, the service windows, commonly used services, the latest news. (Online booking comes
    with the cases module; until then "bookable" only picks which services to show here.)"""
    services = client.service_types()
    return render_template(
        "h5/home.html",
        posters=client.posters(),
        windows=client.windows(),
        popular=[s for s in services if s["bookable"]][:6],
        news=client.news(limit=5),
    )


@bp.app_template_global()
def poster_link(poster):
    """Where a poster leads: one of our pages, or (https only) an outside page."""
    if poster["link_kind"] == "service":
        return url_for("content_h5.service_type", service_type_id=int(poster["link_target"]))
    if poster["link_kind"] == "news":
        return url_for("content_h5.news_item", news_id=int(poster["link_target"]))
    if poster["link_kind"] == "url" and poster["link_target"].startswith("https://"):
        return poster["link_target"]
    return None


@bp.get("/services")
@cached
def services():
    """服务大厅: every window with its services, and the services that stand alone."""
    return render_template(
        "h5/services.html", windows=client.windows(), standalone=client.service_types(standalone=True)
    )


@bp.get("/windows/<id:window_id>")
@cached
def window(window_id):
    return render_template("h5/window.html", window=client.window(window_id))


@bp.get("/services/<id:service_type_id>")
@cached
def service_type(service_type_id):
    return render_template("h5/service_type.html", service=client.service_type(service_type_id))


@bp.get("/search")
def search():
    """公民查询: what citizens type (失业金, 开饭店, 社保卡丢了) → services, departments, windows."""
    query = request.args.get("q", "")
    hits, error = [], None
    if query.strip():
        try:
            hits = client.search(query)
        except ValidationError as exc:
            error = next(iter(exc.details.get("fields", {}).values()), exc.message)
    return render_template("h5/search.html", q=query[:50], hits=hits, error=error), 400 if error else 200


@bp.get("/news")
@cached
def news():
    page = number("page") or 1  # read as the cache key reads it (core/cache.py)
    items = client.news(limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render_template("h5/news_list.html", items=items[:PAGE], page=page, more=len(items) > PAGE)


@bp.get("/news/<id:news_id>")
@cached
def news_item(news_id):
    return render_template("h5/news_item.html", item=client.news_item(news_id))


@bp.get("/albums")
@cached
def albums():
    return render_template("h5/albums.html", albums=client.albums())


@bp.get("/albums/<id:album_id>")
@cached
def album(album_id):
    return render_template("h5/album.html", album=client.album(album_id))


@bp.get("/departments")
@cached
def departments():
    return render_template("h5/departments.html", departments=client.departments())


@bp.get("/departments/<id:department_id>")
@cached
def department(department_id):
    return render_template("h5/department.html", department=client.department_detail(department_id))
