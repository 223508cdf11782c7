"""The sandbox WeChat: the API endpoints messaging calls, recorded for tests; and the phone page for people.

State lives in memory: the sandbox is one process standing in for WeChat, in development and tests only.
Error codes and shapes follow WeChat's documentation (40001 invalid token, 40029 invalid code, ...).
"""

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import nh3
from flask import Flask, g, jsonify, redirect, render_template, request
from markupsafe import Markup
from werkzeug.local import LocalProxy

from libs.clock import today
from libs.config import load_config
from libs.wechat.accounts import MAIN, TEMPLATE_KINDS, configured
from libs.wechat.sandbox.citizen import Citizen

TOKEN_TTL = 7200
FOLLOWER_PAGE = 10000  # user/get's page
MASS_REPORTER = "o_wechat_mass_report"  # who MASSSENDJOBFINISH comes from
OLD_TOKEN_GRACE = 300  # a refreshed token leaves the old one valid for 5 minutes, as WeChat does
CODE_TTL = 300
TEMPLATE_FIELD_MAX = 20
# 新增永久素材: type -> (file extensions, bytes, how many an account keeps, content types by extension)
MATERIAL_RULES = {
    "image": (
        ("bmp", "png", "jpeg", "jpg", "gif"),
        10 * 1024 * 1024,
        100000,
        {"png": "image/png", "gif": "image/gif", "bmp": "image/bmp", "jpg": "image/jpeg", "jpeg": "image/jpeg"},
    ),
    "voice": (("mp3", "wma", "wav", "amr"), 2 * 1024 * 1024, 1000, {"mp3": "audio/mpeg", "amr": "audio/amr"}),
    "video": (("mp4",), 10 * 1024 * 1024, 1000, {"mp4": "video/mp4"}),
    "thumb": (("jpg",), 64 * 1024, 100000, {"jpg": "image/jpeg"}),
}
ARTICLE_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "a", "img"}
ARTICLE_TAGS |= {"span", "section", "hr", "table", "thead", "tbody", "tr", "th", "td"}
DEMO_CITIZENS = [("o_citizen_zhang", "张先生"), ("o_citizen_li", "李女士"), ("o_citizen_wang", "王大爷")]


class SandboxState:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []  # every API call messaging made: {"api", "params", "body", "at"}
        self.tokens = {}  # token -> expires_at
        self.codes = {}  # oauth code -> (openid, expires_at)
        self.timeline = {}  # openid -> [{"from": "citizen"|"account", "kind", "content", "at"}]
        self.followers = set()
        self.profiles = {}  # openid -> what user/info tells of a follower beyond the openid
        self.tags = {2: "星标组"}  # WeChat's reserved tag; 0 未分组 and 1 黑名单 are not tags one lists
        self.next_tag_id = 100
        self.blacklist = set()
        self.qrcodes = {}  # ticket -> {"scene", "expires_at" (None: permanent)}
        self.mass_ids = {}  # clientmsgid -> msg_id: WeChat refuses a clientmsgid used before (45065)
        self.media = {}  # media_id -> (bytes, content type): what citizens sent, as media/get serves it
        self.next_msg_id = 1000
        self.menu = None  # the published menu as menu/create was given it
        self.conditional = {}  # menuid -> {"button", "matchrule"}: conditional menus, newest matched first
        self.faults = {}  # API path -> [errcode, errmsg, times left, calls to let through first], on a test's request
        self.lost_answers = {}  # API path -> times: the call is carried out, but its answer "lost" (an error instead)
        self.menu_id = 0
        # 素材管理: media_id -> {"type", "data", "content_type", "title", "introduction", "url"}
        self.materials = {}
        self.inline_images = {}  # media/uploadimg: name -> (bytes, content type)
        self.videos = {}  # media/uploadvideo's media_id -> the video material's media_id, title, description
        self.drafts = {}  # 草稿箱: media_id -> [articles]
        self.sendable = {}  # drafts that left the 草稿箱 by a mass send: their media_id still names the message
        self.publishes = {}  # publish_id -> {"status", "article_id", "url"}
        self.published = {}  # article_id -> the article as published
        self.next_publish = []  # a test's outcomes for the next freepublish/submit: (publish_status, send event)

    def follow(self, openid, scene="ADD_SCENE_SEARCH", qr_scene=""):
        with self.lock:
            self.followers.add(openid)
            self.profiles.setdefault(
                openid,
                {
                    "subscribe_time": int(time.time()),
                    "remark": "",
                    "tagid_list": [],
                    "subscribe_scene": scene,
                    "qr_scene_str": qr_scene,
                },
            )

    def user_info(self, openid):
        if openid not in self.followers:
            return {"subscribe": 0, "openid": openid}
        profile = self.profiles.get(openid) or {}
        return {
            "subscribe": 1,
            "openid": openid,
            "language": "zh_CN",
            "subscribe_time": 0,
            "remark": "",
            "tagid_list": [],
            "subscribe_scene": "ADD_SCENE_SEARCH",
            "qr_scene_str": "",
            **profile,
        }

    def record(self, api, body=None):
        with self.lock:
            self.calls.append({"api": api, "params": dict(request.args), "body": body, "at": time.time()})

    def say(self, openid, sender, kind, content, **extra):
        with self.lock:
            self.timeline.setdefault(openid, []).append(
                {"from": sender, "kind": kind, "content": content, "at": time.time(), **extra}
            )


def wx_error(code, msg):
    return jsonify({"errcode": code, "errmsg": msg})


MENU_TYPES = {"click": "key", "view": "url", "miniprogram": "pagepath"}


def menu_problem(body):
    """WeChat's checks of menu/create, with its error codes: (errcode, errmsg), or None when the menu is taken."""
    buttons = body.get("button") if isinstance(body, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return 40016, "invalid button size"
    for top in buttons:
        if not isinstance(top, dict):
            return 40017, "invalid button type"
        subs = top.get("sub_button")
        if subs:
            if not isinstance(subs, list) or len(subs) > 5:
                return 40023, "invalid sub button size"
            if len(str(top.get("name", "")).encode()) > 16 or not top.get("name"):
                return 40018, "invalid button name size"
            for sub in subs:
                problem = button_problem(sub, (40024, 40025, 40026, 40027), 60)
                if problem:
                    return problem
        else:
            problem = button_problem(top, (40017, 40018, 40019, 40020), 16)
            if problem:
                return problem
    return None


def button_problem(button, codes, name_bytes):
    bad_type, bad_name, bad_key, bad_url = codes
    if not isinstance(button, dict) or button.get("type") not in MENU_TYPES:
        return bad_type, "invalid button type"
    if not button.get("name") or len(str(button["name"]).encode()) > name_bytes:
        return bad_name, "invalid button name size"
    if button["type"] == "click" and not 0 < len(str(button.get("key", "")).encode()) <= 128:
        return bad_key, "invalid button key size"
    if button["type"] != "click" and not 0 < len(str(button.get("url", "")).encode()) <= 1024:
        return bad_url, "invalid button url size"
    if button["type"] == "miniprogram" and not (button.get("appid") and button.get("pagepath")):
        return 40017, "invalid miniprogram button"
    return None


def create_app(config=None):
    config = config or load_config()
    app = Flask(__name__)
    app.json.ensure_ascii = False
    # WeChat for every Official Account of the install: each AppID has its own followers, menus, materials...
    accounts = configured(config)
    states = app.extensions["sandbox_accounts"] = {code: SandboxState() for code in accounts}
    app.extensions["sandbox"] = states[MAIN]
    by_app_id = {a.app_id: code for code, a in accounts.items()}
    token_owner = {}  # access token -> the account it was issued to
    # the account this request is about: its AppID or token says so (API), or the phone's choice (pages)
    state = LocalProxy(lambda: states[g.get("account", MAIN)])

    def current():
        return accounts[g.get("account", MAIN)]

    def templates_of(account):
        if account.code == MAIN:
            return {str(config["WECHAT"].get(key) or "") for key in TEMPLATE_KINDS.values()}
        return {v for _, v in account.templates}

    def person_at(code, fallback=DEMO_CITIZENS[0][0]):
        """The phone's citizen as `code`'s account knows them (WeChat gives a person an openid per AppID)."""
        person = request.cookies.get("sandbox_person")
        if not person:
            return request.cookies.get("sandbox_openid") or fallback
        return person if code == MAIN else f"{person}_{code}"

    def citizen(openid, safe_mode=True, code=None):
        account = accounts[code or g.get("account", MAIN)]
        callback = config["SANDBOX"]["GATEWAY_CALLBACK_URL"].rstrip("/")
        return Citizen(
            openid=openid,
            callback_url=callback if account.code == MAIN else f"{callback}/{account.code}",
            token=account.token,
            app_id=account.app_id,
            aes_key=account.aes_key if safe_mode else None,
        )

    def token_ok():
        token = request.args.get("access_token", "")
        expires = state.tokens.get(token)
        return expires is not None and expires > time.time()

    @app.before_request
    def which_account():
        token = request.args.get("access_token")
        if token:
            g.account = token_owner.get(token, MAIN)
        elif request.args.get("appid") in by_app_id:
            g.account = by_app_id[request.args["appid"]]
        else:
            chosen = request.args.get("account") or request.cookies.get("sandbox_account") or MAIN
            g.account = chosen if chosen in accounts else MAIN

    def json_body():
        try:
            return json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return None

    @app.before_request
    def injected_fault():
        """A test asked WeChat to refuse the next calls to this API (45009 quota, -1 busy, ...)."""
        with state.lock:
            fault = state.faults.get(request.path)
            if not fault or fault[2] <= 0:
                return None
            if len(fault) > 3 and fault[3] > 0:  # let this many calls through first
                fault[3] -= 1
                return None
            fault[2] -= 1
        state.record(f"refused:{request.path}", json_body() if request.method == "POST" else None)
        return wx_error(fault[0], fault[1])

    @app.after_request
    def lose_answer(response):
        """A test asked for the answer to be lost on the way back: WeChat did the work, the caller hears an error."""
        with state.lock:
            left = state.lost_answers.get(request.path, 0)
            if left <= 0:
                return response
            state.lost_answers[request.path] = left - 1
        return wx_error(-1, "system error")

    # -- WeChat API: what messaging calls --------------------------------------------------------------
    @app.get("/cgi-bin/token")
    def token():
        state.record("token")
        account = accounts.get(by_app_id.get(request.args.get("appid", ""), ""))
        if account is None or request.args.get("secret") != account.app_secret:
            return wx_error(40013, "invalid appid or secret")
        new = secrets.token_hex(24)
        now = time.time()
        with state.lock:
            for old, expires in list(state.tokens.items()):
                state.tokens[old] = min(expires, now + OLD_TOKEN_GRACE)
            state.tokens[new] = now + TOKEN_TTL
            token_owner[new] = account.code
        return jsonify({"access_token": new, "expires_in": TOKEN_TTL})

    @app.post("/cgi-bin/message/custom/send")
    def custom_send():
        body = json_body()
        state.record("custom_send", body)
        if not token_ok():
            return wx_error(40001, "invalid credential, access_token is invalid or not latest")
        if not isinstance(body, dict) or not body.get("touser") or body.get("msgtype") not in ("text", "image"):
            return wx_error(44002, "empty post data or unsupported msgtype")
        if body["msgtype"] == "image":
            with state.lock:
                found = state.materials.get(str((body.get("image") or {}).get("media_id") or ""))
            if found is None:
                return wx_error(40007, "invalid media_id")
            state.say(body["touser"], "account", "custom", "[图片]", image=found["url"])
            return wx_error(0, "ok")
        state.say(body["touser"], "account", "custom", body["text"]["content"])
        return wx_error(0, "ok")

    @app.post("/cgi-bin/message/template/send")
    def template_send():
        body = json_body()
        state.record("template_send", body)
        if not token_ok():
            return wx_error(40001, "invalid credential, access_token is invalid or not latest")
        if not isinstance(body, dict) or not body.get("touser") or not body.get("template_id"):
            return wx_error(40003, "invalid openid or template_id")
        if body["touser"] not in state.followers:
            return wx_error(43004, "require subscribe")
        if body["template_id"] not in templates_of(current()):  # a template belongs to one account
            return wx_error(40037, "invalid template_id")
        data = body.get("data") or {}
        if any(len(str(v.get("value", ""))) > TEMPLATE_FIELD_MAX for v in data.values()):
            return wx_error(47001, "data format error: field longer than 20 characters")
        # the template's own labels live in WeChat's template library; the phone shows the values in order
        text = "\n".join(str(v.get("value", "")) for v in data.values())
        state.say(body["touser"], "account", "template", text, url=body.get("url"))
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": int(time.time() * 1000)})

    @app.get("/cgi-bin/user/info")
    def user_info():
        state.record("user_info")
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            return jsonify(state.user_info(request.args.get("openid", "")))

    # -- 用户管理: the follower list, user info in batches, remarks, tags, the blacklist ------------------------
    def openid_page(openids, begin):
        ordered = sorted(openids)
        start = 0
        if begin:
            start = next((i + 1 for i, o in enumerate(ordered) if o == begin), len(ordered))
        page = ordered[start : start + FOLLOWER_PAGE]
        return {
            "total": len(ordered),
            "count": len(page),
            "data": {"openid": page},
            "next_openid": page[-1] if page else "",
        }

    @app.get("/cgi-bin/user/get")
    def user_get():
        state.record("user_get")
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            return jsonify(openid_page(state.followers, request.args.get("next_openid", "")))

    @app.post("/cgi-bin/user/info/batchget")
    def user_batchget():
        body = json_body()
        state.record("user_batchget", {"count": len((body or {}).get("user_list") or [])})
        if not token_ok():
            return wx_error(40001, "invalid credential")
        users = (body or {}).get("user_list") if isinstance(body, dict) else None
        if not isinstance(users, list) or not 0 < len(users) <= 100:
            return wx_error(40032, "invalid openid list size")
        with state.lock:
            return jsonify({"user_info_list": [state.user_info(str((u or {}).get("openid", ""))) for u in users]})

    @app.post("/cgi-bin/user/info/updateremark")
    def update_remark():
        body = json_body() or {}
        state.record("update_remark", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        openid, remark = str(body.get("openid", "")), body.get("remark")
        if not isinstance(remark, str) or len(remark) > 30:
            return wx_error(45016, "remark too long")
        with state.lock:
            if openid not in state.followers:
                return wx_error(40003, "invalid openid")
            state.profiles[openid]["remark"] = remark
        return wx_error(0, "ok")

    @app.post("/cgi-bin/tags/create")
    def tag_create():
        body = json_body() or {}
        state.record("tag_create", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        name = str(((body.get("tag") or {}) if isinstance(body, dict) else {}).get("name", ""))
        with state.lock:
            if not name or len(name) > 30:
                return wx_error(45158, "tag name too long")
            if name in state.tags.values():
                return wx_error(45157, "tag name already exists")
            if len(state.tags) >= 100:
                return wx_error(45056, "too many tags")
            tag_id, state.next_tag_id = state.next_tag_id, state.next_tag_id + 1
            state.tags[tag_id] = name
        return jsonify({"tag": {"id": tag_id, "name": name}})

    @app.get("/cgi-bin/tags/get")
    def tag_get():
        state.record("tag_get")
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            counts = {t: sum(t in p["tagid_list"] for p in state.profiles.values()) for t in state.tags}
            return jsonify({"tags": [{"id": t, "name": n, "count": counts[t]} for t, n in sorted(state.tags.items())]})

    def tag_of(body):
        tag = (body.get("tag") or {}) if isinstance(body, dict) else {}
        tag_id = tag.get("id")
        return tag_id if isinstance(tag_id, int) and tag_id in state.tags else None, tag

    @app.post("/cgi-bin/tags/update")
    def tag_update():
        body = json_body() or {}
        state.record("tag_update", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            tag_id, tag = tag_of(body)
            name = str(tag.get("name", ""))
            if tag_id is None:
                return wx_error(45159, "invalid tag id")
            if tag_id < 100:
                return wx_error(45058, "can't modify sys tag")
            if not name or len(name) > 30:
                return wx_error(45158, "tag name too long")
            if name in (n for t, n in state.tags.items() if t != tag_id):
                return wx_error(45157, "tag name already exists")
            state.tags[tag_id] = name
        return wx_error(0, "ok")

    @app.post("/cgi-bin/tags/delete")
    def tag_delete():
        body = json_body() or {}
        state.record("tag_delete", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            tag_id, _ = tag_of(body)
            if tag_id is None:
                return wx_error(45159, "invalid tag id")
            if tag_id < 100:
                return wx_error(45058, "can't modify sys tag")
            del state.tags[tag_id]
            for profile in state.profiles.values():
                if tag_id in profile["tagid_list"]:
                    profile["tagid_list"].remove(tag_id)
        return wx_error(0, "ok")

    def members(body, limit):
        openids = body.get("openid_list") if isinstance(body, dict) else None
        if not isinstance(openids, list) or not 0 < len(openids) <= limit:
            return None, (40032, "invalid openid list size")
        if any(o not in state.followers for o in openids):
            return None, (40003, "invalid openid")
        return openids, None

    @app.post("/cgi-bin/tags/members/batchtagging")
    @app.post("/cgi-bin/tags/members/batchuntagging")
    def tag_members():
        body = json_body() or {}
        adding = request.path.endswith("/batchtagging")
        state.record("tag_members" if adding else "untag_members", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            openids, problem = members(body, 50)
            if problem:
                return wx_error(*problem)
            tag_id = body.get("tagid")
            if tag_id not in state.tags:
                return wx_error(45159, "invalid tag id")
            for openid in openids:
                tags = state.profiles[openid]["tagid_list"]
                if adding and tag_id not in tags:
                    if len(tags) >= 20:
                        return wx_error(45059, "user has too many tags")
                    tags.append(tag_id)
                elif not adding and tag_id in tags:
                    tags.remove(tag_id)
        return wx_error(0, "ok")

    @app.post("/cgi-bin/tags/members/getblacklist")
    def blacklist_get():
        body = json_body() or {}
        state.record("blacklist_get", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            return jsonify(openid_page(state.blacklist, str(body.get("begin_openid", "") or "")))

    @app.post("/cgi-bin/tags/members/batchblacklist")
    @app.post("/cgi-bin/tags/members/batchunblacklist")
    def blacklist_members():
        body = json_body() or {}
        adding = request.path.endswith("/batchblacklist")
        state.record("blacklist" if adding else "unblacklist", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            openids, problem = members(body, 20)
            if problem:
                return wx_error(*problem)
            (state.blacklist.update if adding else state.blacklist.difference_update)(openids)
        return wx_error(0, "ok")

    # -- 自定义菜单 ----------------------------------------------------------------------------------------
    @app.post("/cgi-bin/menu/create")
    def menu_create():
        body = json_body()
        state.record("menu_create", body)
        if not token_ok():
            return wx_error(40001, "invalid credential, access_token is invalid or not latest")
        problem = menu_problem(body)
        if problem:
            return wx_error(*problem)
        with state.lock:
            state.menu_id += 1
            state.menu = {"button": body["button"], "menuid": state.menu_id}
        return wx_error(0, "ok")

    @app.get("/cgi-bin/menu/get")
    def menu_get():
        state.record("menu_get")
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            menu = state.menu
        return jsonify({"menu": menu}) if menu else wx_error(46003, "menu no exist")

    @app.get("/cgi-bin/menu/delete")
    def menu_delete():
        state.record("menu_delete")
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            state.menu = None
            state.conditional.clear()  # WeChat deletes the conditional menus with the default one
        return wx_error(0, "ok")

    @app.post("/cgi-bin/menu/addconditional")
    def menu_add_conditional():
        body = json_body()
        state.record("menu_addconditional", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        problem = menu_problem(body)
        if problem:
            return wx_error(*problem)
        rule = body.get("matchrule") if isinstance(body, dict) else None
        tag = str((rule or {}).get("tag_id") or "")
        with state.lock:
            if state.menu is None:
                return wx_error(65303, "there is no selfmenu, please create selfmenu first")
            if not tag.isdigit() or int(tag) not in state.tags:
                return wx_error(65304, "match rule empty or invalid tag_id")
            state.menu_id += 1
            state.conditional[str(state.menu_id)] = {"button": body["button"], "matchrule": {"tag_id": tag}}
            return jsonify({"menuid": str(state.menu_id)})

    @app.post("/cgi-bin/menu/delconditional")
    def menu_del_conditional():
        body = json_body() or {}
        state.record("menu_delconditional", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            if state.conditional.pop(str(body.get("menuid", "")), None) is None:
                return wx_error(65301, "no such conditional menu")
        return wx_error(0, "ok")

    # -- 数据统计 (datacube): WeChat's daily figures -----------------------------------------------------------
    def figure(day, name, low, high):
        """A steady made-up figure for a day (the same every time it is asked for, as WeChat's would be)."""
        account = g.get("account", MAIN)  # each account its own figures
        key = f"{day}:{name}" if account == MAIN else f"{account}:{day}:{name}"
        seed = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
        return low + seed % (high - low + 1)

    def day_range(body, span):
        try:
            begin = date.fromisoformat(str(body.get("begin_date")))
            end = date.fromisoformat(str(body.get("end_date")))
        except ValueError:
            return None
        yesterday = today() - timedelta(days=1)  # WeChat's days are Beijing's, whatever this machine's zone
        if begin > end or end > yesterday or (end - begin).days >= span:
            return None
        return [begin + timedelta(days=i) for i in range((end - begin).days + 1)]

    DATACUBE = {  # report -> (longest span in days, one day's rows)
        "getusersummary": (
            7,
            lambda d: [
                {
                    "ref_date": d.isoformat(),
                    "user_source": source,
                    "new_user": figure(d, f"new{source}", 5, 40),
                    "cancel_user": figure(d, f"cancel{source}", 0, 8),
                }
                for source in (0, 30, 1)
            ],
        ),
        "getusercumulate": (
            7,
            lambda d: [
                {
                    "ref_date": d.isoformat(),
                    "cumulate_user": 12000 + figure(d, "cumulate", 0, 50) + len(state.followers),
                }
            ],
        ),
        "getupstreammsg": (
            7,
            lambda d: [
                {
                    "ref_date": d.isoformat(),
                    "msg_type": 1,
                    "msg_user": figure(d, "msguser", 20, 80),
                    "msg_count": figure(d, "msgcount", 80, 300),
                }
            ],
        ),
        "getarticlesummary": (
            1,
            lambda d: [
                {
                    "ref_date": d.isoformat(),
                    "msgid": f"{d:%Y%m%d}01_1",
                    "title": "政务信息",
                    "int_page_read_user": figure(d, "readuser", 100, 900),
                    "int_page_read_count": figure(d, "read", 200, 1500),
                    "share_user": figure(d, "shareuser", 5, 60),
                    "share_count": figure(d, "share", 5, 90),
                }
            ],
        ),
        "getinterfacesummary": (
            30,
            lambda d: [
                {
                    "ref_date": d.isoformat(),
                    "callback_count": figure(d, "callbacks", 300, 2000),
                    "fail_count": figure(d, "fails", 0, 12),
                    "total_time": figure(d, "time", 30000, 90000),
                    "max_time": figure(d, "max", 200, 1500),
                }
            ],
        ),
    }

    @app.post("/datacube/<report>")
    def datacube(report):
        body = json_body() or {}
        state.record(f"datacube_{report}", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        if report not in DATACUBE:
            return wx_error(48001, "api unauthorized")
        span, rows = DATACUBE[report]
        days = day_range(body, span)
        if days is None:
            return wx_error(61501, "date range error")
        return jsonify({"list": [row for d in days for row in rows(d)]})

    # -- media citizens sent ---------------------------------------------------------------------------------
    def keep_media(data, content_type):
        media_id = secrets.token_urlsafe(32)
        with state.lock:
            state.media[media_id] = (data, content_type)
        return media_id

    @app.get("/cgi-bin/media/get")
    def media_get():
        state.record("media_get")
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            found = state.media.get(request.args.get("media_id", ""))
        if found is None:
            return wx_error(40007, "invalid media_id")
        return app.response_class(found[0], mimetype=found[1])

    @app.post("/sandbox/media")
    def add_media():
        """{"data": base64, "content_type"}: a file as a citizen's phone would have uploaded it; gives its media_id."""
        body = json_body() or {}
        try:
            data = base64.b64decode(str(body.get("data", "")), validate=True)
        except ValueError:
            return jsonify({"error": "data: base64"}), 400
        return jsonify({"media_id": keep_media(data, str(body.get("content_type") or "image/jpeg"))})

    # -- 素材管理 ------------------------------------------------------------------------------------------
    def public_base():
        return config["SANDBOX"].get("PUBLIC_URL") or request.host_url.rstrip("/")

    def uploaded():
        """The multipart `media` file as WeChat reads it: its bytes and the type its file name's extension says."""
        file = request.files.get("media")
        if file is None:
            return None, ""
        name = (file.filename or "").rsplit(".", 1)
        return file.read(), (name[1].lower() if len(name) == 2 else "")

    @app.post("/cgi-bin/material/add_material")
    def add_material():
        kind = request.args.get("type", "")
        data, ext = uploaded()
        state.record("material_add", {"type": kind, "ext": ext, "size": len(data or b"")})
        if not token_ok():
            return wx_error(40001, "invalid credential")
        rule = MATERIAL_RULES.get(kind)
        if rule is None:
            return wx_error(40004, "invalid media type")
        if not data:
            return wx_error(41005, "media data missing")
        if ext not in rule[0]:
            return wx_error(40005, "invalid file type")
        if len(data) > rule[1]:
            return wx_error(40006, "invalid meida size")
        description = {}
        if kind == "video":
            try:
                description = json.loads(request.form.get("description") or request.args.get("description") or "")
            except ValueError:
                description = {}
            if not isinstance(description, dict) or not description.get("title"):
                return wx_error(40008, "invalid message type: video needs description title and introduction")
        media_id = secrets.token_urlsafe(32)
        url = f"{public_base()}/sandbox/material/{media_id}" if kind == "image" else ""
        with state.lock:
            if sum(1 for m in state.materials.values() if m["type"] == kind) >= rule[2]:
                return wx_error(45028, "has no masssend quota: material count limit")
            state.materials[media_id] = {
                "type": kind,
                "data": data,
                "content_type": rule[3].get(ext, "application/octet-stream"),
                "title": description.get("title", ""),
                "introduction": description.get("introduction", ""),
                "url": url,
            }
        return jsonify({"media_id": media_id, "url": url} if url else {"media_id": media_id})

    @app.get("/sandbox/material/<media_id>")
    def material_file(media_id):
        """Where WeChat shows an image material (mmbiz.qpic.cn in WeChat): public, whichever account's it is."""
        found = next((st.materials[media_id] for st in states.values() if media_id in st.materials), {})
        if not found:
            return "not found", 404
        return app.response_class(found["data"], mimetype=found["content_type"])

    @app.post("/cgi-bin/material/del_material")
    def del_material():
        body = json_body() or {}
        state.record("material_del", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            if state.materials.pop(str(body.get("media_id") or ""), None) is None:
                return wx_error(40007, "invalid media_id")
        return wx_error(0, "ok")

    @app.route("/cgi-bin/material/get_materialcount", methods=["GET", "POST"])
    def material_count():
        state.record("material_count")
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            kinds = [m["type"] for m in state.materials.values()]
        return jsonify({f"{k}_count": kinds.count(k) for k in ("voice", "video", "image")} | {"news_count": 0})

    @app.post("/cgi-bin/media/uploadimg")
    def upload_inline_image():
        data, ext = uploaded()
        state.record("media_uploadimg", {"ext": ext, "size": len(data or b"")})
        if not token_ok():
            return wx_error(40001, "invalid credential")
        if not data or ext not in ("jpg", "jpeg", "png"):
            return wx_error(40005, "invalid file type")
        if len(data) >= 1024 * 1024:
            return wx_error(40006, "invalid meida size")
        name = secrets.token_urlsafe(16)
        with state.lock:
            state.inline_images[name] = (data, "image/png" if ext == "png" else "image/jpeg")
        return jsonify({"url": f"{public_base()}/sandbox/inline/{name}"})

    @app.get("/sandbox/inline/<name>")
    def inline_image(name):
        found = next((st.inline_images[name] for st in states.values() if name in st.inline_images), None)
        return app.response_class(found[0], mimetype=found[1]) if found else ("not found", 404)

    @app.post("/cgi-bin/media/uploadvideo")
    def upload_video():
        body = json_body() or {}
        state.record("media_uploadvideo", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            video = state.materials.get(str(body.get("media_id") or ""))
            if video is None or video["type"] != "video":
                return wx_error(40007, "invalid media_id")
            media_id = secrets.token_urlsafe(32)
            state.videos[media_id] = {"title": str(body.get("title") or ""), "description": body.get("description")}
        return jsonify({"type": "video", "media_id": media_id, "created_at": int(time.time())})

    def article_problem(articles):
        """What draft/add refuses, with WeChat's codes; None when every article is acceptable."""
        if not isinstance(articles, list) or not 1 <= len(articles) <= 8:
            return 45004, "invalid articles count"
        for article in articles:
            if not isinstance(article, dict):
                return 44003, "empty news data"
            title, content = str(article.get("title") or ""), str(article.get("content") or "")
            if not title or len(title) > 32:
                return 45003, "title size out of limit"
            if len(str(article.get("author") or "")) > 16:
                return 45110, "author size out of limit"
            if len(str(article.get("digest") or "")) > 128:
                return 45004, "description size out of limit"
            if not content or len(content) >= 20000 or len(content.encode()) >= 1024 * 1024:
                return 45002, "content size out of limit"
            if len(str(article.get("content_source_url") or "").encode()) > 1024:
                return 45005, "linkurl size out of limit"
            cover = state.materials.get(str(article.get("thumb_media_id") or ""))
            if cover is None or cover["type"] != "image":
                return 40007, "invalid media_id"
        return None

    def kept_article(article):
        """An article as WeChat keeps it: images from anywhere but media/uploadimg are filtered out."""
        own = f"{public_base()}/sandbox/inline/"
        content = re.sub(
            r'<img\b[^>]*?\bsrc="([^"]*)"[^>]*>',
            lambda m: m.group(0) if m.group(1).startswith(own) else "",
            str(article.get("content") or ""),
        )
        return dict(article) | {"content": content}

    @app.post("/cgi-bin/draft/add")
    def draft_add():
        body = json_body() or {}
        state.record("draft_add", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            problem = article_problem(body.get("articles"))
            if problem:
                return wx_error(*problem)
            media_id = secrets.token_urlsafe(32)
            state.drafts[media_id] = [kept_article(a) for a in body["articles"]]
        return jsonify({"media_id": media_id})

    @app.post("/cgi-bin/draft/update")
    def draft_update():
        body = json_body() or {}
        state.record("draft_update", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            draft = state.drafts.get(str(body.get("media_id") or ""))
            index = body.get("index")
            if draft is None or not isinstance(index, int) or not 0 <= index < len(draft):
                return wx_error(40007, "invalid media_id")
            problem = article_problem([body.get("articles")])
            if problem:
                return wx_error(*problem)
            draft[index] = kept_article(body["articles"])
        return wx_error(0, "ok")

    @app.post("/cgi-bin/draft/delete")
    def draft_delete():
        body = json_body() or {}
        state.record("draft_delete", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            if state.drafts.pop(str(body.get("media_id") or ""), None) is None:
                return wx_error(40007, "invalid media_id")
        return wx_error(0, "ok")

    def report_publish(st, code, publish_id):
        time.sleep(0.2)
        with st.lock:
            result = dict(st.publishes[publish_id])
        info = {"publish_id": publish_id, "publish_status": result["status"]}
        if result["status"] == 0:
            info |= {
                "article_id": result["article_id"],
                "article_detail": {"count": 1, "item": {"idx": 1, "article_url": result["url"]}},
            }
        else:
            info |= {"fail_idx": 1}
        try:
            citizen(MASS_REPORTER, code=code).event("PUBLISHJOBFINISH", PublishEventInfo=info)
        except Exception as exc:
            app.logger.warning("PUBLISHJOBFINISH for %s not delivered: %s", publish_id, exc)

    @app.post("/cgi-bin/freepublish/submit")
    def freepublish_submit():
        body = json_body() or {}
        state.record("freepublish_submit", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            draft = state.drafts.pop(str(body.get("media_id") or ""), None)  # a published draft leaves the box
            if draft is None:
                return wx_error(40007, "invalid media_id")
            status, tell = state.next_publish.pop(0) if state.next_publish else (0, True)
            publish_id = str(state.next_msg_id + 2247500000)
            state.next_msg_id += 1
            article_id = secrets.token_urlsafe(24)
            url = f"{public_base()}/sandbox/articles/{article_id}"
            state.publishes[publish_id] = {"status": status, "article_id": article_id, "url": url}
            if status == 0:
                state.published[article_id] = draft[0]
        if tell:
            threading.Thread(
                target=report_publish, args=(state._get_current_object(), current().code, publish_id), daemon=True
            ).start()
        return jsonify({"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": int(publish_id)})

    @app.post("/cgi-bin/freepublish/get")
    def freepublish_get():
        body = json_body() or {}
        state.record("freepublish_get", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        with state.lock:
            result = state.publishes.get(str(body.get("publish_id") or ""))
        if result is None:
            return wx_error(40007, "invalid publish_id")
        answer = {"publish_id": body["publish_id"], "publish_status": result["status"]}
        if result["status"] == 0:
            answer |= {
                "article_id": result["article_id"],
                "article_detail": {"count": 1, "item": [{"idx": 1, "article_url": result["url"]}]},
            }
        return jsonify(answer)

    @app.post("/sandbox/next-publish")
    def set_next_publish():
        """{"status": 4, "event": false}: the next freepublish/submit ends with this publish_status (4: 审核不通过),
        reported by PUBLISHJOBFINISH unless event is false (then only freepublish/get tells)."""
        body = json_body() or {}
        status = body.get("status", 0)
        if not isinstance(status, int) or not 0 <= status <= 6:
            return jsonify({"error": "status: 0-6"}), 400
        with state.lock:
            state.next_publish.append((status, body.get("event", True) is not False))
        return jsonify({"queued": len(state.next_publish)})

    @app.get("/sandbox/articles/<key>")
    def article_page(key):
        """A published article (article id), or a draft's message as a follower reads it (draft-<media_id>)."""
        article = None
        for st in states.values():  # an article's page is public, whichever account published it
            with st.lock:
                article = st.published.get(key)
                if article is None and key.startswith("draft-"):
                    found = st.drafts.get(key[6:]) or st.sendable.get(key[6:])
                    article = found[0] if found else None
            if article is not None:
                break
        if article is None:
            return "文章不存在或已删除", 404
        body = nh3.clean(
            str(article.get("content") or ""), tags=ARTICLE_TAGS, attributes={"img": {"src", "alt"}, "a": {"href"}}
        )
        return render_template("article.html", article=article, body=Markup(body))

    # -- 群发 -----------------------------------------------------------------------------------------------
    def report_mass_job(code, msg_id, count):
        """WeChat tells the account how a mass send went (MASSSENDJOBFINISH), a moment after taking it."""
        try:
            time.sleep(0.2)
            citizen(MASS_REPORTER, code=code).event(
                "MASSSENDJOBFINISH",
                MsgID=msg_id,
                Status="send success",
                TotalCount=count,
                FilterCount=count,
                SentCount=count,
                ErrorCount=0,
            )
        except Exception as exc:  # the gateway is down: WeChat would not retry this either
            app.logger.warning("MASSSENDJOBFINISH for %s not delivered: %s", msg_id, exc)

    @app.post("/cgi-bin/message/mass/send")
    def mass_send():
        body = json_body()
        users = (body or {}).get("touser") if isinstance(body, dict) else None
        state.record(
            "mass_send", {k: v for k, v in (body or {}).items() if k != "touser"} | {"count": len(users or [])}
        )
        if not token_ok():
            return wx_error(40001, "invalid credential")
        if not isinstance(users, list) or not 2 <= len(users) <= 10000:
            return wx_error(40130, "invalid openid list size, at least two openid")
        shown = mass_message(body)
        if isinstance(shown, tuple):
            return wx_error(*shown)
        client_id = str(body.get("clientmsgid") or "")
        with state.lock:
            if client_id and client_id in state.mass_ids:
                return wx_error(45065, "clientmsgid exist")
            state.next_msg_id += 1
            msg_id = state.next_msg_id
            if client_id:
                state.mass_ids[client_id] = msg_id
            if body["msgtype"] == "mpnews":  # a mass-sent draft leaves the 草稿箱; its message stays readable
                media_id = body["mpnews"]["media_id"]
                if media_id in state.drafts:
                    state.sendable[media_id] = state.drafts.pop(media_id)
        if len(users) <= 100:  # a small send shows on the phones; a hundred thousand would only fill memory
            for openid in users:
                state.say(openid, "account", "mass", **shown)
        threading.Thread(target=report_mass_job, args=(current().code, msg_id, len(users)), daemon=True).start()
        return jsonify({"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id, "msg_data_id": msg_id})

    @app.post("/cgi-bin/message/mass/preview")
    def mass_preview():
        body = json_body() or {}
        state.record("mass_preview", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        to = str(body.get("touser") or body.get("towxname") or "")
        if to not in state.followers:
            return wx_error(43004, "require subscribe")
        shown = mass_message(body)
        if isinstance(shown, tuple):
            return wx_error(*shown)
        state.say(to, "account", "mass", **(shown | {"content": "[群发预览] " + shown["content"]}))
        return wx_error(0, "preview success")

    def mass_message(body):
        """What a mass send or preview shows on a phone ({"content", "image"?, "url"?}), or WeChat's refusal."""
        kind = body.get("msgtype")
        if kind == "text":
            content = (body.get("text") or {}).get("content")
            return {"content": str(content)} if content else (44002, "empty post data")
        media_id = str((body.get(kind) or {}).get("media_id") or "") if isinstance(body.get(kind), dict) else ""
        with state.lock:
            if kind in ("image", "voice"):
                found = state.materials.get(media_id)
                if found is None or found["type"] != kind:
                    return 40007, "invalid media_id"
                if kind == "image":
                    return {"content": "[图片]", "image": found["url"]}
                return {"content": f"[语音] {len(found['data']) // 1024} KB"}
            if kind == "mpvideo":
                video = state.videos.get(media_id)
                return {"content": f"[视频] {video['title']}"} if video else (40007, "invalid media_id")
            if kind == "mpnews":
                draft = state.drafts.get(media_id) or state.sendable.get(media_id)
                if draft is None:
                    return 40007, "invalid media_id"
                first = draft[0]
                text = "\n".join(filter(None, (first.get("title"), first.get("digest"))))
                cover = (state.materials.get(str(first.get("thumb_media_id") or "")) or {}).get("url", "")
                url = f"{public_base()}/sandbox/articles/draft-{media_id}"
                return {"content": text, "url": url, "card": True} | ({"image": cover} if cover else {})
        return 44002, "unsupported msgtype"

    # -- 二维码 ---------------------------------------------------------------------------------------------
    @app.post("/cgi-bin/qrcode/create")
    def qrcode_create():
        body = json_body() or {}
        state.record("qrcode_create", body)
        if not token_ok():
            return wx_error(40001, "invalid credential")
        action = body.get("action_name") if isinstance(body, dict) else None
        scene = ((body.get("action_info") or {}).get("scene") or {}) if isinstance(body, dict) else {}
        scene = str(scene.get("scene_str") or scene.get("scene_id") or "")
        if (
            action not in ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE")
            or not 0 < len(scene) <= 64
        ):
            return wx_error(40053, "invalid action info")
        permanent = "LIMIT" in action
        # WeChat keeps a temporary code at most 30 days (asking for more gets 30)
        seconds = None if permanent else min(int(body.get("expire_seconds") or 60), 2592000)
        ticket = secrets.token_urlsafe(24)
        with state.lock:
            state.qrcodes[ticket] = {"scene": scene, "expires_at": None if permanent else time.time() + seconds}
        base = config["SANDBOX"].get("PUBLIC_URL") or request.host_url.rstrip("/")
        made = {"ticket": ticket, "url": f"{base}/qr/{ticket}"}
        return jsonify(made | ({} if permanent else {"expire_seconds": seconds}))

    @app.get("/qr/<ticket>")
    def qr_page(ticket):
        """What the code encodes: scanning it in the sandbox is this page's button (as the phone's citizen, at the
        account whose code it is)."""
        owner, code = next(((c, st.qrcodes[ticket]) for c, st in states.items() if ticket in st.qrcodes), (MAIN, None))
        if code is None or (code["expires_at"] and code["expires_at"] < time.time()):
            return "二维码已过期或不存在", 404
        return render_template("qr.html", scene=code["scene"], openid=person_at(owner), account=owner)

    # -- OAuth2 web authorization (snsapi_base) ---------------------------------------------------------
    @app.get("/connect/oauth2/authorize")
    def authorize():
        state.record("oauth_authorize")
        redirect_uri = request.args.get("redirect_uri", "")
        if request.args.get("appid") not in by_app_id or not redirect_uri.startswith(("http://", "https://")):
            return "redirect_uri 参数错误", 400
        # WeChat knows who is holding the phone; in the sandbox, the phone page sets these cookies
        openid = person_at(g.account, fallback=None) or request.args.get("sandbox_openid")
        if not openid:
            return render_template("pick_citizen.html", citizens=DEMO_CITIZENS, query=request.query_string.decode())
        code = secrets.token_urlsafe(16)
        with state.lock:
            state.codes[code] = (openid, time.time() + CODE_TTL)
        parts = urlsplit(redirect_uri)
        query = parse_qsl(parts.query) + [("code", code), ("state", request.args.get("state", ""))]
        return redirect(urlunsplit(parts._replace(query=urlencode(query))))

    @app.get("/sns/oauth2/access_token")
    def oauth_access_token():
        state.record("oauth_access_token")
        if request.args.get("appid") not in by_app_id or request.args.get("secret") != current().app_secret:
            return wx_error(40013, "invalid appid")
        with state.lock:
            openid, expires = state.codes.pop(request.args.get("code", ""), (None, 0))
        if not openid or expires < time.time():
            return wx_error(40029, "invalid code")
        return jsonify(
            {
                "access_token": secrets.token_hex(16),
                "expires_in": 7200,
                "refresh_token": secrets.token_hex(16),
                "openid": openid,
                "scope": "snsapi_base",
            }
        )

    @app.get("/sandbox/menu")
    def phone_menu():
        """The menu this citizen sees: the newest conditional menu matching one of their groups, else the default."""
        openid = request.args.get("openid", "")
        with state.lock:
            tags = {str(t) for t in (state.profiles.get(openid) or {}).get("tagid_list", [])}
            for menuid in sorted(state.conditional, key=int, reverse=True):
                if state.conditional[menuid]["matchrule"]["tag_id"] in tags and state.menu is not None:
                    return jsonify({"button": state.conditional[menuid]["button"], "menuid": menuid})
            return jsonify(state.menu or {"button": []})

    @app.post("/sandbox/followers")
    def add_followers():
        """{"count": N, "prefix": "o_x_"}: N followers at once (a sync or a mass send to test against)."""
        body = json_body() or {}
        count, prefix = body.get("count"), str(body.get("prefix") or "o_many_")
        if not isinstance(count, int) or not 0 < count <= 1_000_000:
            return jsonify({"error": "count: 1 to 1,000,000"}), 400
        now = int(time.time())
        with state.lock:
            for i in range(count):
                openid = f"{prefix}{i:07d}"
                state.followers.add(openid)
                state.profiles.setdefault(
                    openid,
                    {
                        "subscribe_time": now,
                        "remark": "",
                        "tagid_list": [],
                        "subscribe_scene": "ADD_SCENE_SEARCH",
                        "qr_scene_str": "",
                    },
                )
        return jsonify({"followers": len(state.followers)})

    @app.post("/sandbox/faults")
    def set_fault():
        """{"path": "/cgi-bin/menu/create", "errcode": 45009, "errmsg": "...", "times": 1, "after": 0}: refuse the next
        `times` calls, once `after` calls went through."""
        body = json_body() or {}
        if not str(body.get("path", "")).startswith("/cgi-bin/") or not isinstance(body.get("errcode"), int):
            return jsonify({"error": "path (/cgi-bin/...) and errcode are required"}), 400
        with state.lock:
            state.faults[body["path"]] = [
                body["errcode"],
                str(body.get("errmsg", "refused")),
                int(body.get("times", 1)),
            ]
        return jsonify({"ok": True})

    # -- for tests: what was called -------------------------------------------------------------------
    @app.get("/sandbox/calls")
    def calls():
        api = request.args.get("api")
        with state.lock:
            found = [c for c in state.calls if not api or c["api"] == api]
        return jsonify(found)

    # -- the phone ------------------------------------------------------------------------------------
    @app.get("/")
    def phone():
        person = request.args.get("openid") or request.cookies.get("sandbox_person") or DEMO_CITIZENS[0][0]
        citizens = DEMO_CITIZENS + ([(person, "市民")] if person not in dict(DEMO_CITIZENS) else [])
        account = current()
        # a person has another openid at each Official Account (WeChat gives one per AppID)
        openid = person if account.code == MAIN else f"{person}_{account.code}"
        resp = app.make_response(
            render_template(
                "phone.html",
                citizens=citizens,
                person=person,
                openid=openid,
                account=account,
                accounts=list(accounts.values()),
                config_gateway=config["GATEWAY"]["PUBLIC_URL"],
            )
        )
        resp.set_cookie("sandbox_openid", openid, samesite="Lax")
        resp.set_cookie("sandbox_person", person, samesite="Lax")
        resp.set_cookie("sandbox_account", account.code, samesite="Lax")
        return resp

    @app.post("/sandbox/phone/<openid>/send")
    def phone_send(openid):
        body = json_body() or {}
        who = citizen(openid)
        if body.get("event") == "scan":  # a QR channel's code: a follower's scan, or a follow through it
            scene = str(body.get("scene") or "")
            if not scene:
                return jsonify({"error": "二维码没有场景值"}), 400
            if openid in state.followers:
                state.say(openid, "citizen", "event", f"扫描了二维码（{scene}）")
                reply = who.post(who.event_xml("SCAN", scene))
            else:
                state.follow(openid, "ADD_SCENE_QR_CODE", scene)
                state.say(openid, "citizen", "event", f"扫码关注了公众号（{scene}）")
                reply = who.subscribe(scene)
        elif body.get("event") == "subscribe":
            state.follow(
                openid, "ADD_SCENE_QR_CODE" if body.get("scene") else "ADD_SCENE_SEARCH", body.get("scene") or ""
            )
            state.say(openid, "citizen", "event", "关注了公众号")
            reply = who.subscribe(body.get("scene"))
        elif body.get("event") in ("CLICK", "VIEW"):
            key = str(body.get("key", ""))
            if not key:
                return jsonify({"error": "菜单没有 key 或链接"}), 400
            if body["event"] == "CLICK":
                label = body.get("label") or key
                state.say(openid, "citizen", "event", f"点击了菜单“{label}”")
            reply = who.post(who.event_xml(body["event"], key))
        elif body.get("event") == "unsubscribe":
            with state.lock:
                state.followers.discard(openid)
            state.say(openid, "citizen", "event", "取消关注")
            reply = who.unsubscribe()
        elif body.get("image"):  # a photo from the phone: WeChat keeps it, the account gets its MediaId
            try:
                data = base64.b64decode(str(body["image"]), validate=True)
            except ValueError:
                return jsonify({"error": "图片格式不正确"}), 400
            state.follow(openid)
            media_id = keep_media(data, str(body.get("content_type") or "image/jpeg"))
            state.say(openid, "citizen", "image", "[图片]")
            reply = who.send_image(media_id)
        else:
            content = str(body.get("content", "")).strip()
            if not content:
                return jsonify({"error": "请输入内容"}), 400
            state.follow(openid)  # only followers can message an account
            state.say(openid, "citizen", "text", content)
            reply = who.send_text(content)
        if reply.content:
            state.say(openid, "account", "passive", reply.content)
        if reply.image:  # an image reply names a permanent material
            with state.lock:
                found = state.materials.get(reply.image) or {}
            state.say(openid, "account", "passive", "[图片]", image=found.get("url", ""))
        for card in reply.articles:  # an article card: its title, its summary, and where it leads
            text = "\n".join(filter(None, (card.get("Title"), card.get("Description"))))
            state.say(openid, "account", "news", text, url=card.get("Url"))
        return jsonify({"status": reply.status, "reply": reply.content})

    @app.get("/sandbox/phone/<openid>/timeline")
    def phone_timeline(openid):
        since = float(request.args.get("since", 0) or 0)
        with state.lock:
            items = [m for m in state.timeline.get(openid, []) if m["at"] > since]
        return jsonify(items)

    return app


def main():
    import argparse

    parser = argparse.ArgumentParser(description="WeChat sandbox")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    create_app().run(host="127.0.0.1", port=args.port, threaded=True)


if __name__ == "__main__":
    main()
