"""/media/<sha256>: images from content, addressed by their SHA-256, so cached for ever by browsers (ETag,
immutable) and kept in the shared Redis for a day (no RPC for a popular photo)."""

import base64
import re

import redis
from flask import Blueprint, Response, current_app, request

from libs.errors import NotFound
from services.gateway.content import client

bp = Blueprint("media", __name__)
SHA = re.compile(r"^[0-9a-f]{64}$")
FOREVER = "public, max-age=31536000, immutable"
REDIS_TTL = 86_400


def _cached(sha):
    """(bytes, content type) from the shared cache, or fetched from content (and cached)."""
    cache = current_app.extensions.get("page_cache")
    key = f"{cache.prefix}:media:{sha}" if cache else None
    if cache is not None:
        try:
            found = cache.redis.hgetall(key)
            if found:
                return found[b"data"], found[b"type"].decode()
        except redis.RedisError:
            cache = None
    item = client.media(sha)
    data, content_type = base64.b64decode(item["data"]), item["content_type"]
    if cache is not None:
        try:
            pipe = cache.redis.pipeline()
            pipe.hset(key, mapping={"data": data, "type": content_type})
            pipe.expire(key, REDIS_TTL)
            pipe.execute()
        except redis.RedisError:
            pass
    return data, content_type


@bp.get("/media/<sha>")
def media(sha):
    if not SHA.match(sha):
        raise NotFound("media_not_found", "文件不存在")
    if request.if_none_match.contains(sha):
        resp = Response(status=304)
    else:
        data, content_type = _cached(sha)
        resp = Response(data, content_type=content_type)
    resp.set_etag(sha)
    resp.headers["Cache-Control"] = FOREVER
    return resp
