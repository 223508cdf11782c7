"""The gateway: the only HTTP edge. Authenticates, calls services over RPC, renders; holds no business rules.

Run: `gunicorn 'services.gateway.app:create_app()'` (see deploy/Procfile).
"""

import logging
import re
import time

from flask import Flask, g, jsonify, render_template, request
from nameko.exceptions import RpcTimeout, UnknownService
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker
from werkzeug.exceptions import HTTPException

from libs.clock import local_minute
from libs.config import load_config
from libs.db import make_engine
from libs.errors import HTTP_STATUS, AppError
from libs.logs import new_request_id, request_id_var
from libs.rpc_pool import RpcPool

log = logging.getLogger("wzw.gateway")
SERVICES = ("content", "cases", "ratings", "surveys", "messaging")
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def create_app(config=None):
    config = config or load_config()
    if config.get("LOGGING"):
        import logging.config

        logging.config.dictConfig(config["LOGGING"])
    gw = config["GATEWAY"]
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=gw["SECRET_KEY"],
        MAX_CONTENT_LENGTH=1024 * 1024,
        SESSION_COOKIE_NAME="wzw_citizen",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(gw.get("SECURE_COOKIES")),
        WZW=config,
    )
    app.json.ensure_ascii = False
    app.add_template_filter(local_minute, "localtime")

    engine = make_engine(config["DATABASE_URL"], pool_size=int(gw.get("DB_POOL_SIZE", 10)))
    app.extensions["db"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.extensions["rpc"] = RpcPool(config, size=int(gw["RPC_POOL_SIZE"]), timeout=float(gw["RPC_TIMEOUT"]))
    # the callback gets its own pool: its calls must give up in time for WeChat's 5 s limit
    app.extensions["rpc_callback"] = RpcPool(
        config, size=int(gw["RPC_POOL_SIZE"]), timeout=float(gw["CALLBACK_DEADLINE_SECONDS"]) + 0.8
    )

    @app.before_request
    def start():
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-Id", "")
        request_id_var.set(incoming if REQUEST_ID.match(incoming) else new_request_id())

    @app.after_request
    def finish(resp):
        resp.headers["X-Request-Id"] = request_id_var.get()
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        if not request.path.startswith("/h5/"):
            # staff pages must not be framed (clickjacking); H5 pages open inside WeChat's (and the sandbox's) webview
            resp.headers["X-Frame-Options"] = "DENY"
        took = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %s %.1fms", request.method, request.path, resp.status_code, took)
        return resp

    @app.teardown_request
    def close_db(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.errorhandler(AppError)
    def app_error(exc):
        return error_response(HTTP_STATUS.get(type(exc), 500), exc.code, exc.message, exc.details)

    @app.errorhandler(RpcTimeout)
    def rpc_timeout(_exc):
        log.warning("rpc timeout")
        return error_response(503, "service_timeout", "系统繁忙，请稍后再试")

    @app.errorhandler(UnknownService)
    def service_down(exc):
        log.error("no %s service is running", exc)
        return error_response(503, "service_unavailable", "服务暂不可用，请稍后再试")

    @app.errorhandler(Exception)
    def unexpected(exc):
        if isinstance(exc, HTTPException):
            return exc
        log.exception("unhandled error")
        return error_response(500, "internal_error", "系统出错了，请稍后再试")

    # Flask's own HTTP errors, answered in Chinese (JSON for the API and the callback)
    for status, code, message in (
        (400, "bad_request", "请求无效，请刷新页面后重试"),
        (404, "not_found", "页面不存在"),
        (405, "method_not_allowed", "不支持的请求方式"),
        (413, "too_large", "提交的内容过大"),
    ):
        app.register_error_handler(status, lambda _exc, s=status, c=code, m=message: error_response(s, c, m))

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
        for service in SERVICES:
            try:
                with app.extensions["rpc"].proxy() as proxy:
                    proxy[service].health()
                checks[service] = "ok"
            except Exception as exc:
                checks[service] = f"error: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return jsonify({"ready": ready, "checks": checks}), 200 if ready else 503

    from services.gateway import admin, api, h5, wechat

    app.register_blueprint(wechat.bp)
    app.register_blueprint(h5.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    return app


def db():
    """This request's session on the gateway's own schema."""
    from flask import current_app

    if "db" not in g:
        g.db = current_app.extensions["db"]()
    return g.db


def rpc(service, method, *args, **kwargs):
    from flask import current_app

    return current_app.extensions["rpc"].call(service, method, *args, **kwargs)


def error_response(status, code, message, details=None):
    """JSON for API clients, a Chinese page for people."""
    if request.path.startswith("/api/") or request.path.startswith("/wechat"):
        return jsonify({"error": {"code": code, "message": message, "details": details or {}}}), status
    return render_template("error.html", status=status, message=message, details=details or {}), status
