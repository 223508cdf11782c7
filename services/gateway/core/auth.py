"""Who is asking, per request: staff by session cookie (admin pages) or bearer token (API); citizens by WeChat
OAuth2 (`snsapi_base`) into a signed session. Sets `g.actor`, which core/rpc.py sends with every call."""

import functools
import hmac
import secrets
from dataclasses import replace
from urllib.parse import quote, urlencode

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for

from libs.auth import ROLE_LABELS, Actor, holds, may_operate
from libs.errors import Conflict, Unauthenticated, ValidationError
from libs.wechat.accounts import MAIN
from services.gateway.core.rpc import call, db
from services.gateway.core.web import local_path
from services.gateway.staff import accounts, directory

STAFF_COOKIE = "wzw_staff"
bp = Blueprint("citizen_auth", __name__, url_prefix="/h5")


# -- staff ---------------------------------------------------------------------------------------------------
def request_token():
    """The staff session token: the bearer token, or on admin pages the session cookie. The API takes the bearer
    token only: a browser attaches cookies to any request, so a page elsewhere could otherwise post to the API as
    the signed-in staff member (the admin pages guard their forms with a CSRF token instead)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return None if request.path.startswith("/api/") else request.cookies.get(STAFF_COOKIE)


ACCOUNT_COOKIE = "wzw_wechat_account"
WECHAT_PAGES = "/admin/wechat/"
ACCOUNT_HEADER = "X-WeChat-Account"


def current_staff():
    if "staff" not in g:
        actor = accounts.authenticate(db(), request_token())
        g.staff = acting_on_account(actor) if actor is not None else None
    return g.staff


def operable_accounts(actor):
    """The Official Accounts this install serves that the staff member operates, main first."""
    return [a for code, a in current_app.extensions["wechat_accounts"].items() if may_operate(actor, code)]


def acting_on_account(actor):
    """The Official Account the staff member acts on in this request: the API's X-WeChat-Account header, the
    admin's choice (a cookie), else the first they operate. One they may not operate is passed on as asked, and
    messaging refuses it (403)."""
    configured = current_app.extensions["wechat_accounts"]
    if request.path.startswith("/api/"):
        asked = request.headers.get(ACCOUNT_HEADER, "")
        if asked:
            return replace(actor, account=asked[:16])
    else:
        asked = request.cookies.get(ACCOUNT_COOKIE, "")
        if asked in configured and may_operate(actor, asked):
            return replace(actor, account=asked)
    operable = operable_accounts(actor)
    return replace(actor, account=operable[0].code if operable else MAIN)


def _mac(*parts):
    message = "\x1f".join(parts).encode("utf-8", "replace")
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, "sha256").hexdigest()[:32]


def same(sent, expected):
    """Constant-time comparison that also survives whatever a client sends (non-ASCII included)."""
    return hmac.compare_digest(str(sent or "").encode("utf-8", "replace"), expected.encode())


def csrf_token():
    """Tied to the session token: a form posted from another site cannot know it. On the Official Account's pages
    it also names the account the page showed (".<code>"), so a form from a tab left on another account is not
    carried out on the one chosen since."""
    staff = current_staff()
    account = staff.account if staff is not None and request.path.startswith(WECHAT_PAGES) else ""
    return _mac("staff", request_token() or "", account) + (f".{account}" if account else "")


def _csrf_ok(actor):
    mac, _, account = str(request.form.get("csrf") or "").partition(".")
    if not same(mac, _mac("staff", request_token() or "", account)):
        abort(400)
    if request.path.startswith(WECHAT_PAGES) and request.endpoint != "wechat_admin.choose_account":
        if account != actor.account:
            raise Conflict("wechat_account_switched", "本页属于另一个公众号（已在其他窗口切换），请刷新页面后重新操作")


def citizen_csrf_token():
    """Tied to the citizen's signed session: a page elsewhere in WeChat cannot post the complaint form for them."""
    return _mac("citizen", session.get("openid") or "")


def staff_page(view):
    """Admin pages: signed-in staff (else the login page); POSTs must carry the CSRF token."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        actor = current_staff()
        if actor is None:
            return redirect(url_for("staff.login", next=request.path))
        if request.method == "POST":
            _csrf_ok(actor)
        g.actor = actor
        return view(*args, **kwargs)

    return wrapper


def staff_api(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        actor = current_staff()
        if actor is None:
            raise Unauthenticated("unauthenticated", "需要登录（Authorization: Bearer <token>）")
        g.actor = actor
        return view(*args, **kwargs)

    return wrapper


def _role_labels():
    """The roles' names as administrators keep them (a role added since has its own)."""
    if "role_labels" not in g:
        g.role_labels = ROLE_LABELS | directory.role_labels(db())
    return g.role_labels


@bp.app_context_processor
def staff_context():
    """What every admin page's frame shows: who is signed in, and the CSRF token for its forms."""
    if not request.path.startswith("/admin"):
        return {}
    actor = current_staff()
    return {
        "actor": actor,
        "csrf": csrf_token,
        "role_labels": _role_labels(),
        "wechat_accounts": operable_accounts(actor) if actor else [],
        # whether the navigation shows a module: any of the actor's roles carries the permission
        "holds": lambda permission: actor is not None and holds(actor, permission),
        # whether it reaches every department (citywide things: the posters, 全市 albums)
        "reaches": lambda permission: actor is not None and actor.scope_of(permission) == "all",
    }


# -- citizens ------------------------------------------------------------------------------------------------
def citizen_page(view):
    """Citizens' pages: the citizen as the Official Account they came from knows them (an openid per account; a
    department's account links to the pages with ?wx=<code>), authorized by WeChat OAuth2 snsapi_base."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        openid = session.get("openid")
        asked = request.args.get("wx", "")
        account = asked if asked in current_app.extensions["wechat_accounts"] else session.get("wx_account", MAIN)
        if not openid or account != session.get("wx_account", MAIN):
            back = _here() if request.method == "GET" else ""
            # WeChat allows only [a-zA-Z0-9] in `state`, and it doubles as the OAuth anti-forgery token: the page
            # to return to stays in the (signed) session, keyed by it
            state = secrets.token_hex(8)
            session["oauth"] = {"state": state, "next": back, "account": account}
            return redirect(authorize_url(state, account))
        if request.method == "POST" and not same(request.form.get("csrf"), citizen_csrf_token()):
            abort(400)
        g.actor = Actor.citizen(openid)
        return view(*args, **kwargs)

    return wrapper


def follow_url():
    """What the QR code of the account the citizen came from encodes (following it lets it notify them)."""
    account = current_app.extensions["wechat_accounts"][session.get("wx_account", MAIN)]
    return account.follow_url or current_app.config["WZW"]["WECHAT"]["FOLLOW_URL"]


def _here():
    """This page's address, percent-encoded as the browser sent it (checked again before redirecting to it)."""
    query = request.query_string.decode("latin-1")
    return quote(request.path, safe="/") + (f"?{query}" if query else "")


def authorize_url(state, account=MAIN):
    cfg = current_app.config["WZW"]
    query = {
        "appid": current_app.extensions["wechat_accounts"][account].app_id,
        "redirect_uri": cfg["GATEWAY"]["PUBLIC_URL"].rstrip("/") + url_for("citizen_auth.oauth_callback"),
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
    if not pending.get("state") or not same(request.args.get("state"), pending["state"]):
        # not the authorization this browser started (forged, replayed, or from another tab's older attempt)
        raise ValidationError("oauth_state_mismatch", "授权已失效，请重新打开页面")
    account = pending.get("account") if pending.get("account") in current_app.extensions["wechat_accounts"] else MAIN
    session["openid"] = call("messaging", "oauth_openid", code, account)
    session["wx_account"] = account
    return redirect(local_path(pending.get("next", ""), "/h5/", url_for("cases_h5.my_cases")))


def city_account(view):
    """Votes, surveys and ratings are the city's: a citizen takes part as the city's account knows them. WeChat
    gives a person another openid under each Official Account, so one signed in through a department's account is
    signed in again through the city's (silently, snsapi_base) first; else each account would be one more voice."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        asked = request.args.get("wx")
        if (asked or session.get("wx_account", MAIN)) != MAIN:
            return redirect(url_for(request.endpoint, **(request.view_args or {}), wx=MAIN), code=303)
        return view(*args, **kwargs)

    return wrapper
