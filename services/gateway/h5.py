"""/h5: the citizen's pages inside WeChat (WeUI). Identity comes from WeChat OAuth2 (snsapi_base)."""

import functools
import hmac
import secrets
import uuid
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from libs.auth import Actor
from libs.errors import NotFound, RateLimited, ValidationError
from services.gateway.app import rpc

bp = Blueprint("h5", __name__, url_prefix="/h5")


def citizen_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not session.get("openid"):
            back = request.full_path.rstrip("?") if request.method == "GET" else url_for("h5.my_cases")
            # WeChat allows only [a-zA-Z0-9] in `state`, and it doubles as the OAuth anti-forgery token: the page
            # to return to stays in the (signed) session, keyed by it
            state = secrets.token_hex(8)
            session["oauth"] = {"state": state, "next": back}
            return redirect(authorize_url(state))
        return view(*args, **kwargs)

    return wrapper


def authorize_url(state):
    cfg = current_app.config["WZW"]
    query = {
        "appid": cfg["WECHAT"]["APP_ID"],
        "redirect_uri": cfg["GATEWAY"]["PUBLIC_URL"].rstrip("/") + url_for("h5.oauth_callback"),
        "response_type": "code",
        "scope": "snsapi_base",
        "state": state,
    }
    return f"{cfg['WECHAT']['OAUTH_AUTHORIZE_URL']}?{urlencode(query)}#wechat_redirect"


@bp.get("/oauth/callback")
def oauth_callback():
    code = request.args.get("code", "")
    if not code:
        raise ValidationError("missing_code", "微信授权未完成，请重新打开页面")
    pending = session.pop("oauth", None) or {}
    if not pending.get("state") or not hmac.compare_digest(pending["state"], request.args.get("state", "")):
        # not the authorization this browser started (forged, replayed, or from another tab's older attempt)
        raise ValidationError("oauth_state_mismatch", "授权已失效，请重新打开页面")
    session["openid"] = rpc("messaging", "oauth_openid", code)
    next_path = pending.get("next", "")
    # only our own H5 pages: an open redirect would let a link borrow the government's name
    if not next_path.startswith("/h5/") or next_path.startswith("//"):
        next_path = url_for("h5.my_cases")
    return redirect(next_path)


def _departments():
    return rpc("content", "list_departments")


@bp.get("/complaints/new")
@citizen_required
def complaint_form():
    return render_template(
        "h5/complaint_form.html", form={}, errors={}, departments=_departments(), request_id=uuid.uuid4().hex
    )


@bp.post("/complaints")
@citizen_required
def complaint_submit():
    form = request.form.to_dict()
    data = {
        k: form.get(k, "")
        for k in ("accused", "content", "contact_name", "contact_phone", "department_id", "occurred_on")
    }
    data["kind"] = "complaint"
    request_id = form.get("request_id", "")
    try:
        case = rpc("cases", "create_case", Actor.citizen(session["openid"]).to_dict(), data, request_id)
    except (ValidationError, RateLimited) as exc:
        # the form comes back with its reasons and everything the citizen typed
        errors = exc.details.get("fields") or {"_": exc.message}
        return render_template(
            "h5/complaint_form.html",
            form=form,
            errors=errors,
            departments=_departments(),
            request_id=request_id or uuid.uuid4().hex,
        ), exc.http_status
    return redirect(url_for("h5.case_detail", number=case["number"], created=1), code=303)


@bp.get("/cases")
@citizen_required
def my_cases():
    return render_template("h5/my_cases.html", cases=rpc("cases", "citizen_cases", session["openid"]))


@bp.get("/cases/lookup")
@citizen_required
def lookup():
    number = request.args.get("number", "").strip().upper()
    return redirect(url_for("h5.case_detail", number=number)) if number else redirect(url_for("h5.my_cases"))


@bp.get("/cases/<number>")
@citizen_required
def case_detail(number):
    try:
        case = rpc("cases", "citizen_view", number, session["openid"])
    except NotFound as exc:
        return render_template("h5/not_found.html", number=number, message=exc.message), 404
    return render_template("h5/case_detail.html", case=case, created=request.args.get("created") == "1")
