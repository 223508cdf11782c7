"""What every request goes through: request id, headers, one log line, bad input turned into clear errors.

Errors: JSON `{"error": {"code", "message", "details"}}` for the API and the callback, a Chinese page for people.
One table maps each typed service error (libs/errors.py) and each failure of the bus to an HTTP status.
"""

import base64
import functools
import json
import logging
import re
import time

from flask import current_app, g, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from nameko.exceptions import RpcTimeout, UnknownService
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as RouteMismatch

from libs.errors import HTTP_STATUS, AppError, ValidationError
from libs.logs import new_request_id, request_id_var
from libs.schemas import CONTROL_CHARS, MAX_BIGINT

log = logging.getLogger("wzw.gateway")
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_JSON_DEPTH = 20
# a bus that does not answer: the person may try again, and nothing was done (libs/service.py drops late requests)
BUS_ERRORS = {
    RpcTimeout: (503, "service_timeout", "系统繁忙，请稍后再试"),
    UnknownService: (503, "service_unavailable", "服务暂不可用，请稍后再试"),
}
HTTP_ERRORS = (
    (400, "bad_request", "请求无效，请刷新页面后重试"),
    (404, "not_found", "页面不存在"),
    (405, "method_not_allowed", "不支持的请求方式"),
    (413, "too_large", "提交的内容过大"),
)


class IdConverter(BaseConverter):
    """`<id:case_id>`: a positive id that fits PostgreSQL's bigint; anything else is a 404, not a 500."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value):
        number = int(value)
        if not 1 <= number <= MAX_BIGINT:
            raise RouteMismatch()
        return number

    def to_url(self, value):
        return str(int(value))


def wants_json():
    return request.path.startswith("/api/") or request.path.startswith("/wechat")


def error_response(status, code, message, details=None):
    """JSON for API clients, a Chinese page for people."""
    if wants_json():
        return jsonify({"error": {"code": code, "message": message, "details": details or {}}}), status
    return render_template("error.html", status=status, message=message, details=details or {}), status


def json_body():
    """The request's JSON object, or a 400 that says why (not JSON, not an object, nested absurdly deep)."""
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw or b"null", parse_constant=_no_constant)
    except RecursionError:
        raise ValidationError("invalid_json", "请求体嵌套过深") from None
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("invalid_json", "请求体必须是 JSON 对象") from None
    if not isinstance(data, dict):
        raise ValidationError("invalid_json", "请求体必须是 JSON 对象")
    if _depth(data) > MAX_JSON_DEPTH:
        raise ValidationError("invalid_json", "请求体嵌套过深")
    return data


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity


def _depth(value):
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


SAFE_PATH = re.compile(r"^/[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]{0,511}$")


def local_path(path, prefix, fallback):
    """`path` if it is one of our own pages under `prefix` (where to go back after a login), else `fallback`: no
    other site (an open redirect borrows the government's name), no control characters (a header split)."""
    if isinstance(path, str) and path.startswith(prefix) and not path.startswith("//") and SAFE_PATH.match(path):
        return path
    return fallback


def clean_query(name, max_len=100):
    """A query-string value fit to pass on, or a 400: control characters are refused, length is bounded."""
    value = request.args.get(name, "")
    if CONTROL_CHARS.search(value):
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {name: "含有无法识别的字符"}})
    return value[:max_len]


class Sessions(SecureCookieSessionInterface):
    """Citizens' signed-cookie sessions, not opened for WeChat's callback: it has no cookie and no use for one, and
    it is the busiest route (Flask would otherwise build a signer for every message)."""

    def open_session(self, app, request):
        if request.path.startswith("/wechat"):
            return None  # Flask's null session: nothing is read, and nothing can be written
        return super().open_session(app, request)


def install(app):
    app.url_map.converters["id"] = IdConverter

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
        if request.path.startswith(("/admin", "/api/v1", "/h5/")) and "Cache-Control" not in resp.headers:
            # staff pages and the API show personal data, H5 pages a citizen's own cases: no copy in any cache
            resp.headers["Cache-Control"] = "no-store"
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

    for exc_type, (status, code, message) in BUS_ERRORS.items():

        def bus_error(exc, status=status, code=code, message=message):
            log.warning("bus error: %s %s", type(exc).__name__, exc)
            return error_response(status, code, message, {"request_id": request_id_var.get()})

        app.register_error_handler(exc_type, bus_error)

    @app.errorhandler(Exception)
    def unexpected(exc):
        if isinstance(exc, HTTPException):
            return exc
        log.exception("unhandled error")
        return error_response(500, "internal_error", "系统出错了，请稍后再试", {"request_id": request_id_var.get()})

    for status, code, message in HTTP_ERRORS:
        app.register_error_handler(status, lambda _exc, s=status, c=code, m=message: error_response(s, c, m))


def allows_upload(limit):
    """For a staff form's upload route, before anything reads the form (the CSRF check does): it takes a body of
    `limit` (and the form's fields)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request.max_content_length = limit + 64 * 1024
            return view(*args, **kwargs)

        return wrapper

    return decorator


def uploaded(fields, limit):
    """A multipart upload: (the named form fields that were sent, the file's bytes, read up to `limit` + 1 so the
    service refuses an oversized one with its reason). Only upload routes accept a body this large."""
    request.max_content_length = limit + 64 * 1024
    file = request.files.get("file")
    data = file.read(limit + 1) if file else b""
    return {name: request.form[name] for name in fields if name in request.form}, data


def file_response(found, cache="private, no-store"):
    """A file that crossed the bus as base64 ({"content_type", "data", and "filename" for a download}). Never sniffed;
    a PDF or anything named is offered as a download, never opened inside the page; `cache` says who may keep it."""
    response = current_app.response_class(base64.b64decode(found["data"]), content_type=found["content_type"])
    name = found.get("filename") or ("attachment.pdf" if found["content_type"] == "application/pdf" else None)
    if name:
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
