"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): existing civic apps list our service types, post
service requests and follow them, in JSON or XML, exactly as the specification shapes them.

- GET  /open311/v2/services.{json|xml}                 service types (service_code = the service type's id)
- GET  /open311/v2/services/{service_code}.{json|xml}  its definition: the form fields as attributes
- POST /open311/v2/requests.{json|xml}                 a request (api_key required) → a case, channel "open311"
- GET  /open311/v2/requests.{json|xml}                 requests filed through this API (public reports)
- GET  /open311/v2/requests/{id}.{json|xml}            one of them

Errors are the specification's: [{"code": 400, "description": "..."}] (or <errors><error>…), with the HTTP status.
"""

import hmac
from xml.etree import ElementTree

from flask import Blueprint, Response, current_app, g, jsonify, request

from libs.auth import Actor
from libs.errors import AppError
from services.gateway.cases import client as cases
from services.gateway.content import client as content

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
DEMO_KEYS = "demo:open311-demo-key-for-development"
STATUS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 429: "Too Many Requests"}


class Open311Error(Exception):
    def __init__(self, code, description):
        super().__init__(description)
        self.code, self.description = code, description


def _format(fmt):
    if fmt not in ("json", "xml"):
        raise Open311Error(404, "format must be json or xml")
    return fmt


def _xml(root, item, rows):
    top = ElementTree.Element(root)
    for row in rows:
        node = ElementTree.SubElement(top, item)
        _fill(node, row)
    return '<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(top, encoding="unicode")


def _fill(node, row):
    for key, value in row.items():
        child = ElementTree.SubElement(node, key)
        if isinstance(value, list):
            singular = {"attributes": "attribute", "values": "value", "keywords": "keyword"}.get(key, "item")
            for item in value:
                if isinstance(item, dict):
                    _fill(ElementTree.SubElement(child, singular), item)
                else:
                    ElementTree.SubElement(child, singular).text = str(item)
        elif isinstance(value, dict):
            _fill(child, value)
        elif value is not None:
            child.text = str(value).lower() if isinstance(value, bool) else str(value)


def _answer(fmt, rows, root, item, status=200):
    if fmt == "xml":
        return Response(_xml(root, item, rows), status=status, content_type="text/xml; charset=utf-8")
    return jsonify(rows), status


@bp.errorhandler(Open311Error)
def _error(exc):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _answer(fmt, [{"code": exc.code, "description": exc.description}], "errors", "error", exc.code)


@bp.errorhandler(AppError)
def _app_error(exc):
    fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
    # the protocol's names: attribute[code] for a service's own questions
    named = {(f"attribute[{k[8:]}]" if k.startswith("answers.") else k): v for k, v in (fields or {}).items()}
    described = "; ".join(f"{k}: {v}" for k, v in named.items()) if named else exc.message
    return _error(Open311Error(exc.http_status if exc.http_status in STATUS else 400, described))


def _jurisdiction():
    wanted = request.values.get("jurisdiction_id")
    ours = current_app.config["WZW"].get("OPEN311", {}).get("JURISDICTION_ID", "")
    if wanted and wanted != ours:
        raise Open311Error(404, f"jurisdiction_id not found: this server serves {ours}")


def _service(s):
    return {
        "service_code": str(s["id"]),
        "service_name": s["name"],
        "description": s.get("summary", ""),
        "metadata": True,  # every service has a definition; its attributes may be empty
        "type": "batch",  # a person reads each request: no realtime answer
        "keywords": "",
        "group": s.get("window_name") or "",
    }


@bp.get("/services.<fmt>")
def services(fmt):
    fmt = _format(fmt)
    _jurisdiction()
    windows = {w["id"]: w["name"] for w in content.windows()}
    rows = [_service(s | {"window_name": windows.get(s["window_id"], "")}) for s in content.service_types()]
    return _answer(fmt, rows, "services", "service")


def _service_type(code):
    if not (code.isascii() and code.isdigit() and len(code) <= 9):
        raise Open311Error(404, "service_code not found")
    try:
        return content.service_type(int(code))
    except AppError:
        raise Open311Error(404, "service_code not found") from None


@bp.get("/services/<code>.<fmt>")
def service_definition(code, fmt):
    fmt = _format(fmt)
    _jurisdiction()
    service = _service_type(code)
    attributes = [
        {
            "variable": True,
            "code": f["code"],
            "datatype": f["datatype"],
            "required": f["required"],
            "datatype_description": "",
            "order": i + 1,
            "description": f["label"],
            "values": [{"key": o["key"], "name": o["name"]} for o in f.get("options") or []],
        }
        for i, f in enumerate(service.get("form_fields") or [])
    ]
    definition = {"service_code": str(service["id"]), "attributes": attributes}
    if fmt == "xml":
        top = ElementTree.Element("service_definition")
        _fill(top, definition)
        body = '<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(top, encoding="unicode")
        return Response(body, content_type="text/xml; charset=utf-8")
    return jsonify(definition)


def _client():
    """The API client posting (name), from its api_key."""
    config = current_app.config["WZW"]
    keys = config.get("OPEN311", {}).get("API_KEYS") or ""
    if not keys and config.get("ENV") in ("development", "test"):
        keys = DEMO_KEYS
    sent = request.values.get("api_key", "")
    for pair in str(keys).split(","):
        name, _, key = pair.strip().partition(":")
        if name and len(key) >= 24 and hmac.compare_digest(sent.encode("utf-8", "replace"), key.encode()):
            return name
    raise Open311Error(403, "api_key missing or not valid")


@bp.post("/requests.<fmt>")
def post_request(fmt):
    fmt = _format(fmt)
    _jurisdiction()
    client_name = _client()
    form = request.form
    service = _service_type(form.get("service_code", ""))
    answers = {}
    for key in form:
        if key.startswith("attribute[") and key.endswith("]"):
            answers[key[10:-1]] = form.getlist(key)
    name = f"{form.get('last_name', '')}{form.get('first_name', '')}".strip()[:32]
    phone = form.get("phone", "").strip()
    place = form.get("address_string", "").strip()
    if not place and form.get("lat") and form.get("long"):
        place = f"{form.get('lat')[:12]},{form.get('long')[:12]}"
    data = {
        "kind": "complaint",
        "content": form.get("description", ""),
        "service_type_id": service["id"],
        "location": place[:200],
        "answers": answers,
        "anonymous": not phone,  # no phone given: nothing identifying is kept
        "contact_name": name,
        "contact_phone": phone,
    }
    g.actor = Actor.system(f"open311:{client_name}")
    filed = cases.open311_file(data)
    row = {"service_request_id": filed["service_request_id"], "service_notice": "", "account_id": None}
    return _answer(fmt, [row], "service_requests", "request", 201)


@bp.get("/requests.<fmt>")
def get_requests(fmt):
    fmt = _format(fmt)
    _jurisdiction()
    query = {
        k: request.args.get(k, "") for k in ("service_request_id", "service_code", "start_date", "end_date", "status")
    }
    return _answer(fmt, cases.open311_requests(query), "service_requests", "request")


@bp.get("/requests/<number>.<fmt>")
def get_request(number, fmt):
    fmt = _format(fmt)
    _jurisdiction()
    found = cases.open311_requests({"service_request_id": number[:32]}) if number[:32].isalnum() else []
    if not found:
        raise Open311Error(404, "service_request_id not found")
    return _answer(fmt, found, "service_requests", "request")
