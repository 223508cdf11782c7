"""The JSON API's OpenAPI document, generated from the routes themselves and the pydantic models that describe
what they take and return (the services' own schemas.py). Declaring a route with `route()` documents it; a test
checks that every /api/v1 route is documented and that real responses validate against the document.
"""

import re
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "bad input (code + Chinese message; details.fields per field)",
    401: "not signed in",
    403: "not allowed",
    404: "not found (or another department's)",
    409: "conflict",
    429: "too many attempts",
    503: "a service is busy or down; nothing was done",
}


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict


class Error(BaseModel):
    error: ErrorBody


@dataclass
class Operation:
    path: str  # Flask rule
    method: str
    summary: str
    body: type | None
    query: type | None
    response: object
    status: int
    errors: tuple
    auth: bool
    headers: tuple


OPERATIONS: list[Operation] = []


KEY_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"}
IDEMPOTENCY_KEY = (
    "Idempotency-Key",
    KEY_SCHEMA,
    "Required (or request_id in the body): the same key and body again returns the first reply with 200 and "
    "changed=false; the same key with another body or case is refused with 409 request_id_reused.",
)
CREATE_KEY = (
    "Idempotency-Key",
    KEY_SCHEMA,
    "Optional: the same key again (a retried call, whatever its body) answers with what the first call created, "
    "and creates nothing more; a key another staff member used is refused with 409 request_id_reused. Without a "
    "key, every call creates.",
)


def route(
    bp,
    rule,
    method,
    summary,
    body=None,
    query=None,
    response=None,
    status=200,
    errors=(400, 401, 403, 404),
    auth=True,
    headers=(),
):
    """Register a Flask route on `bp` and document it. `response` is a model, [model] for a list, or None."""

    def decorate(view):
        full = (bp.url_prefix or "") + rule
        OPERATIONS.append(Operation(full, method, summary, body, query, response, status, tuple(errors), auth, headers))
        return bp.route(rule, methods=[method])(view)

    return decorate


def openapi_path(rule):
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule)


def _models():
    found = {Error}
    for op in OPERATIONS:
        for model in (op.body, op.query, op.response[0] if isinstance(op.response, list) else op.response):
            if isinstance(model, type) and issubclass(model, BaseModel):
                found.add(model)
    return found


def document():
    models = sorted(_models(), key=lambda m: m.__name__)
    _, defs = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    _, inputs = models_json_schema(
        [(op.body, "validation") for op in OPERATIONS if op.body]
        + [(op.query, "validation") for op in OPERATIONS if op.query],
        ref_template=REF,
    )
    schemas = {**inputs.get("$defs", {}), **defs.get("$defs", {})}
    paths = {}
    for op in OPERATIONS:
        item = {"summary": op.summary, "responses": _responses(op)}
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1} if converter == "id" else {"type": "string"},
            }
            for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", op.path)
        ]
        if op.query:
            for name, field in op.query.model_fields.items():
                params.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": field.is_required(),
                        "description": field.title or name,
                        "schema": op.query.model_json_schema(ref_template=REF)["properties"][name],
                    }
                )
        params += [
            {"name": h[0], "in": "header", "schema": h[1], "description": h[2]}
            if isinstance(h, tuple)
            else {"name": h, "in": "header", "schema": {"type": "string"}}
            for h in op.headers
        ]
        if params:
            item["parameters"] = params
        if op.body and op.body.__name__.endswith("Form"):  # an upload: the model's fields and `file`, as a form
            schema = {"allOf": [{"$ref": REF.format(model=op.body.__name__)}]}
            schema["allOf"].append({"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}})
            item["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
        elif op.body:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": REF.format(model=op.body.__name__)}}},
            }
        if op.auth:
            item["security"] = [{"bearer": []}]
        paths.setdefault(openapi_path(op.path), {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "微政务 API",
            "version": "1",
            "description": "Staff and integration API of the gateway. Errors are "
            '{"error": {"code", "message", "details"}}; every response carries X-Request-Id.',
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "paths": paths,
    }


def _responses(op):
    responses = {}
    if op.response is None:
        responses[str(op.status)] = {"description": "done"}
    else:
        model = op.response[0] if isinstance(op.response, list) else op.response
        schema = {"$ref": REF.format(model=model.__name__)}
        if isinstance(op.response, list):
            schema = {"type": "array", "items": schema}
        responses[str(op.status)] = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    error = {"content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
    for status in sorted({*op.errors, 503} if op.errors else {503}):
        responses[str(status)] = {"description": ERROR_TEXT.get(status, "error"), **error}
    return responses
