"""The gateway: the only HTTP edge. Authenticates, calls services over RPC, renders; holds no business rules.

Run: `gunicorn 'services.gateway.app:create_app()'` (see deploy/Procfile). Organised by feature, each keeping its
H5, admin and API halves together over one client per service:

  core/       request handling, errors, auth (who is asking), rpc (call/db), openapi, notices, secret
  staff/      signing in (accounts.py, views.py) and 账号管理: accounts and roles (directory.py, admin.py, api.py)
  cases/      投诉举报 and the other case kinds: h5.py, admin.py, api.py over client.py
  content/    the public catalogue (微官网): h5.py and api.py over client.py
  messaging/  client.py (follower status, OAuth)
  wechat/     the WeChat callback
  audit/      审计: every service's audit rows, filtered, paged and downloaded
  dashboard/  看板: each service's published figures as charts, per what the role may see
  ops/        parked events: list and replay
"""

import logging.config
import re

from flask import Flask, jsonify
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker
from werkzeug.middleware.proxy_fix import ProxyFix

from libs.clock import local_minute
from libs.config import load_config
from libs.db import make_engine
from libs.rpc_pool import RpcPool
from libs.wechat.accounts import configured
from services.gateway.core import cache, openapi, secret, web
from services.gateway.core.rpc import db
from services.gateway.wechat.edge import Edge
from services.registry import SERVICE_NAMES


def create_app(config=None):
    config = config or load_config()
    if config.get("LOGGING"):
        logging.config.dictConfig(config["LOGGING"])
    gw = config["GATEWAY"]
    secret.check_wechat(config["WECHAT"], config.get("ENV", "production"))
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret.resolve(gw.get("SECRET_KEY"), config.get("ENV", "production")),
        MAX_CONTENT_LENGTH=1024 * 1024,
        SESSION_COOKIE_NAME="wzw_citizen",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(gw.get("SECURE_COOKIES")),
        WZW=config,
    )
    app.json.ensure_ascii = False
    proxies = int(gw.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # the client's address as the proxies in front report it (the sign-in lockout counts per address)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.session_interface = web.Sessions()
    app.add_template_filter(local_minute, "localtime")
    # a WeChat text as the phone shows it: links become their words, line breaks stay
    app.add_template_filter(lambda text: re.sub(r"<[^>]+>", "", text or ""), "striptags_keep_lines")
    # a list page's links keep its filters and change one (queue, page): {{ query | dict_merge({"page": 2}) }}
    app.add_template_filter(
        lambda base, over: {k: v for k, v in {**base, **over}.items() if v not in ("", None)}, "dict_merge"
    )

    # a gunicorn process runs GATEWAY_THREADS requests at once, each holding at most one connection
    threads = int(gw.get("THREADS", 16))
    engine = make_engine(config["DATABASE_URL"], peak=threads, idle_seconds=config.get("DB_IDLE_SECONDS", 60))
    app.extensions["db"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.extensions["rpc"] = RpcPool(config, size=int(gw["RPC_POOL_SIZE"]), timeout=float(gw["RPC_TIMEOUT"]))
    # the callback gets its own pool: its calls must give up in time for WeChat's 5 s limit, and messaging must
    # still finish them after that (it answers by customer-service message), so they carry no deadline
    app.extensions["rpc_callback"] = RpcPool(
        config, size=int(gw["RPC_POOL_SIZE"]), timeout=float(gw["CALLBACK_DEADLINE_SECONDS"]) + 0.8, expire=False
    )
    # downloads staff ask for (every response of a survey, a year of case figures) are built whole by the service:
    # they get a few proxies of their own with a longer wait, so a large file is neither cut off at RPC_TIMEOUT
    # nor holds the pool every page uses
    app.extensions["rpc_downloads"] = RpcPool(config, size=4, timeout=float(gw.get("DOWNLOAD_TIMEOUT", 60)))
    app.extensions["page_cache"] = cache.PageCache(config)
    # the callback's own answers (wechat/edge.py); its table fetches run in the background, so they may take long
    edge = str(gw.get("CALLBACK_EDGE", True)).lower() not in ("false", "0", "no", "")
    app.extensions["wechat_edge"] = (
        Edge(RpcPool(config, size=2, timeout=30), config["AMQP_URI"], gw["PUBLIC_URL"].rstrip("/")) if edge else None
    )
    app.extensions["wechat_accounts"] = configured(config)  # the Official Accounts this install serves
    web.install(app)

    @app.get("/healthz")
    def healthz():
        return jsonify({"ok": True})

    @app.get("/healthz/rpc")
    def healthz_rpc():
        """One bare RPC through the gateway's pool: the floor for the gateway's own latency."""
        return jsonify({"ok": app.extensions["rpc"].call("messaging", "echo", "pong") == "pong"})

    @app.get("/readyz")
    def readyz():
        checks = {}
        try:
            db().execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # readiness reports, it does not raise
            checks["database"] = f"error: {type(exc).__name__}"
        for service in SERVICE_NAMES:
            try:
                app.extensions["rpc"].call(service, "health")
                checks[service] = "ok"
            except Exception as exc:
                checks[service] = f"error: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return jsonify({"ready": ready, "checks": checks}), 200 if ready else 503

    @app.get("/api/openapi.json")
    def openapi_document():
        return jsonify(openapi.document())

    from services.gateway.appointments import admin as appointments_admin
    from services.gateway.appointments import api as appointments_api
    from services.gateway.appointments import h5 as appointments_h5
    from services.gateway.audit import admin as audit_admin
    from services.gateway.audit import api as audit_api
    from services.gateway.cases import admin as cases_admin
    from services.gateway.cases import api as cases_api
    from services.gateway.cases import h5 as cases_h5
    from services.gateway.content import admin as content_admin
    from services.gateway.content import api as content_api
    from services.gateway.content import h5 as content_h5
    from services.gateway.content import media
    from services.gateway.core import auth
    from services.gateway.dashboard import views as dashboard
    from services.gateway.messaging import admin as wechat_admin
    from services.gateway.messaging import api as wechat_api
    from services.gateway.messaging import h5 as messaging_h5
    from services.gateway.open311 import views as open311
    from services.gateway.ops import views as ops
    from services.gateway.ratings import admin as ratings_admin
    from services.gateway.ratings import api as ratings_api
    from services.gateway.ratings import h5 as ratings_h5
    from services.gateway.staff import admin as staff_admin
    from services.gateway.staff import api as staff_api
    from services.gateway.staff import views as staff
    from services.gateway.surveys import api as surveys_api
    from services.gateway.surveys import surveys_admin, surveys_h5, votes_admin, votes_h5
    from services.gateway.wechat import callback

    for module in (
        callback,
        auth,
        cases_h5,
        cases_admin,
        cases_api,
        appointments_h5,
        appointments_admin,
        appointments_api,
        content_h5,
        content_admin,
        media,
        content_api,
        wechat_admin,
        wechat_api,
        messaging_h5,
        votes_h5,
        votes_admin,
        surveys_h5,
        surveys_admin,
        surveys_api,
        ratings_h5,
        ratings_admin,
        ratings_api,
        staff,
        staff_admin,
        staff_api,
        audit_admin,
        audit_api,
        dashboard,
        ops,
        open311,
    ):
        app.register_blueprint(module.bp)
    return app
