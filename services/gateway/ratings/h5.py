"""/h5/ratings: 市民印象 and 领导点评 in the micro-site — the departments ranked by score, a department's scorecard
with the form to rate it, an official's public comments with the form to comment and a button to report, and the
citizen's own ratings and comments (withdraw a rating; see whether a comment was published, and why not)."""

from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, url_for
from nameko.exceptions import RpcTimeout, UnknownService

from libs.clock import LOCAL_TZ
from libs.errors import Conflict, DeadlineExceeded, NotFound, RateLimited, ValidationError
from libs.logs import request_id_var
from services.gateway.content import client as content_client
from services.gateway.core.auth import citizen_csrf_token, citizen_page, city_account
from services.gateway.ratings import client

bp = Blueprint("ratings_h5", __name__, url_prefix="/h5/ratings")
# what a redirect may say (?said=…): fixed sentences, never text from the request
SAID = {
    "rated": "评价成功，感谢您的反馈！本月内再次评价会替换这一次。",
    "commented": "点评已提交。审核通过后会公开显示，审核结果可在“我的评价”中查看。",
    "reported": "举报已收到，我们会尽快核实。",
    "hidden": "举报已收到。这条点评已暂时隐藏，等待审核。",
    "withdrawn": "评价已撤回。",
}
BUSY = (RpcTimeout, UnknownService, DeadlineExceeded)


def _not_found(exc):
    back = url_for("ratings_h5.board")
    return render_template("h5/not_found.html", title="未找到", message=exc.message, back=back), 404


def _busy():
    message = f"系统繁忙，请稍后刷新页面查看是否已提交。错误编号：{request_id_var.get()}"
    return render_template("h5/not_found.html", title="系统繁忙", message=message, back=url_for(".board")), 503


@bp.get("")
@city_account
@citizen_page
def board():
    return render_template("h5/ratings.html", board=client.board())


def _department_page(department_id, errors=None, form=None, status=200):
    card = client.scorecard(department_id)
    mine = next(
        (r for r in client.my_ratings() if r["department_id"] == department_id and r["month"] == _this_month()), None
    )
    page = render_template(
        "h5/rating_department.html",
        card=card,
        tags=client.tags(),
        mine=mine,
        errors=errors or {},
        form=form or {},
        said=SAID.get(request.args.get("said", "")),
        csrf=citizen_csrf_token(),
    )
    return page, status


def _this_month():
    return datetime.now(UTC).astimezone(LOCAL_TZ).strftime("%Y-%m")


@bp.get("/<id:department_id>")
@city_account
@citizen_page
def department(department_id):
    try:
        return _department_page(department_id)
    except NotFound as exc:
        return _not_found(exc)


@bp.post("/<id:department_id>")
@city_account
@citizen_page
def rate(department_id):
    form = {
        "stars": request.form.get("stars", "")[:2],
        "tag_ids": request.form.getlist("tag_id")[:10],
        "comment": request.form.get("comment", "")[:301],
    }
    if not form["stars"]:
        return _department_page(department_id, {"stars": "请选择星级"}, form, 400)
    data = {
        "department_id": department_id,
        "stars": form["stars"],
        "tag_ids": form["tag_ids"],
        "comment": form["comment"],
    }
    try:
        client.rate(data)
    except NotFound as exc:
        return _not_found(exc)
    except ValidationError as exc:
        return _department_page(department_id, exc.details.get("fields") or {"_": exc.message}, form, 400)
    except (RateLimited, Conflict) as exc:
        return _department_page(department_id, {"_": exc.message}, form, exc.http_status)
    except BUSY:
        return _busy()
    return redirect(url_for(".department", department_id=department_id, said="rated") + "#mine", code=303)


def _official_page(department_id, name, errors=None, form=None, status=200):
    shown = client.official(department_id, name)
    # the leader's profile (duties, photo) as content publishes it; the comments do not depend on it
    try:
        leaders = content_client.department_detail(department_id)["leaders"]
        profile = next((x for x in leaders if x["name"] == name), None)
    except (NotFound, *BUSY):
        profile = None
    page = render_template(
        "h5/rating_official.html",
        official=shown,
        profile=profile,
        errors=errors or {},
        form=form or {},
        said=SAID.get(request.args.get("said", "")),
        csrf=citizen_csrf_token(),
    )
    return page, status


@bp.get("/<id:department_id>/officials/<name>")
@city_account
@citizen_page
def official(department_id, name):
    try:
        return _official_page(department_id, name[:32])
    except NotFound as exc:
        return _not_found(exc)


@bp.post("/<id:department_id>/officials/<name>")
@city_account
@citizen_page
def comment(department_id, name):
    form = {"body": request.form.get("body", "")[:501]}
    try:
        client.comment({"department_id": department_id, "official_name": name[:32], "body": form["body"]})
    except NotFound as exc:
        return _not_found(exc)
    except ValidationError as exc:
        return _official_page(department_id, name, exc.details.get("fields") or {"_": exc.message}, form, 400)
    except RateLimited as exc:
        return _official_page(department_id, name, {"_": exc.message}, form, 429)
    except BUSY:
        return _busy()
    back = url_for(".official", department_id=department_id, name=name, said="commented")
    return redirect(back, code=303)


@bp.post("/comments/<id:comment_id>/report")
@city_account
@citizen_page
def report(comment_id):
    department_id, name = request.form.get("department_id", ""), request.form.get("official_name", "")[:32]
    back = (
        url_for(".official", department_id=int(department_id), name=name)
        if department_id.isascii() and department_id.isdigit() and len(department_id) < 10 and name
        else url_for(".board")
    )
    try:
        done = client.report(comment_id, {"reason": request.form.get("reason", "")[:101]})
    except NotFound as exc:
        return _not_found(exc)
    except (ValidationError, Conflict, RateLimited) as exc:
        reason = (exc.details.get("fields") or {}).get("reason") or exc.message
        return render_template("h5/not_found.html", title="未能举报", message=reason, back=back), exc.http_status
    except BUSY:
        return _busy()
    said = "hidden" if done["hidden"] else "reported"
    return redirect(f"{back}{'&' if '?' in back else '?'}said={said}", code=303)


@bp.get("/mine")
@city_account
@citizen_page
def mine():
    return render_template(
        "h5/ratings_mine.html",
        ratings=client.my_ratings(),
        comments=client.my_comments(),
        said=SAID.get(request.args.get("said", "")),
        csrf=citizen_csrf_token(),
    )


@bp.post("/mine/<id:rating_id>/withdraw")
@city_account
@citizen_page
def withdraw(rating_id):
    try:
        client.withdraw(rating_id)
    except NotFound as exc:
        return _not_found(exc)
    except BUSY:
        return _busy()
    return redirect(url_for(".mine", said="withdrawn"), code=303)
