"""Public pages rendered once and shared by every gateway replica (Redis), dropped when content changes.

- `@cached` on a public view: the response (status 200 only) is kept in Redis under the page's path and query and
  the current *generation*; a hit is served without calling any service (header `X-Cache: hit`).
- A `content_changed` event bumps the generation (one INCR): every replica's next request for any page misses and
  renders afresh. The listener is a thread in each gateway process consuming one queue shared by all of them, so
  each event is handled once; the queue is durable, so an event sent while every gateway was down still counts.
- Redis unreachable: pages are rendered as if uncached (logged), never an error.
"""

import functools
import hashlib
import logging
import threading
import time

import redis
from flask import current_app, request
from kombu import Connection, Exchange, Queue
from kombu.mixins import ConsumerMixin

log = logging.getLogger(__name__)
LISTENER_QUEUE = "gateway.content_changed"


class PageCache:
    def __init__(self, config):
        cache = config.get("CACHE") or {}
        self.prefix = str(cache.get("PREFIX", "wzw"))
        self.ttl = int(cache.get("TTL_SECONDS", 300))
        self.redis = redis.Redis.from_url(
            str(cache.get("REDIS_URL", "redis://127.0.0.1:6379/0")), socket_timeout=0.5, socket_connect_timeout=0.5
        )

        # a hit in one round trip: the generation and the page under it, read together inside Redis (one
        # Redis, not a cluster: the page key is derived there from the generation, so it cannot be declared)
        self._lookup = self.redis.register_script(
            "local g = redis.call('GET', KEYS[1]) or '0' "
            "return {g, unpack(redis.call('HMGET', ARGV[1] .. g .. ':' .. ARGV[2], 'body', 'type'))}"
        )

    def _digest(self, page):
        return hashlib.sha256(page.encode("utf-8", "replace")).hexdigest()[:32]

    def _key(self, generation, page):
        return f"{self.prefix}:page:{generation}:{self._digest(page)}"

    def get(self, page):
        """(generation, {b"body", b"type"} or {}) for `page`."""
        generation, body, kind = self._lookup(
            keys=[f"{self.prefix}:generation"], args=[f"{self.prefix}:page:", self._digest(page)]
        )
        found = {b"body": body, b"type": kind} if body is not None and kind is not None else {}
        return int(generation), found

    def put(self, generation, page, body, content_type):
        key = self._key(generation, page)
        pipe = self.redis.pipeline()
        pipe.hset(key, mapping={"body": body, "type": content_type})
        pipe.expire(key, self.ttl)
        pipe.execute()

    def drop_all(self):
        return self.redis.incr(f"{self.prefix}:generation")


def drop_cached_pages():
    cache = current_app.extensions.get("page_cache")
    if cache is None:
        return
    try:
        cache.drop_all()
    except redis.RedisError as exc:  # content_changed will do it once Redis is back
        log.warning("page cache unavailable: %s", exc)


# the query parameters cached views read, with the values they accept; anything else changes nothing in the page, so
# it must not make a new entry either (or anyone could fill Redis, and bypass the cache, with ?random)
NUMBERS = (("page", 1, 200), ("limit", 1, 50), ("offset", 0, 10_000))


def number(name):
    """The query parameter `name` as the cached views read it: an int within its NUMBERS range, else None (the view
    then uses its default). The key is built from the same values, so a page is stored under what it shows."""
    low, high = next((lo, hi) for n, lo, hi in NUMBERS if n == name)
    value = request.args.get(name, "")
    if value.isascii() and value.isdigit() and len(value) <= 5 and low <= int(value) <= high:
        return int(value)
    return None


def page_key():
    kept = [f"{name}={number(name)}" for name, _, _ in NUMBERS if number(name) is not None]
    if request.args.get("standalone") == "true":
        kept.append("standalone=true")
    return request.path + ("?" + "&".join(kept) if kept else "")


def cached(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache = current_app.extensions.get("page_cache")
        page = page_key()
        generation = None
        if cache is not None:
            try:
                generation, found = cache.get(page)
            except redis.RedisError as exc:
                log.warning("page cache unavailable: %s", exc)
                found, cache = {}, None
            if found:
                resp = current_app.response_class(found[b"body"], content_type=found[b"type"].decode())
                resp.headers["X-Cache"] = "hit"
                return resp
        resp = current_app.make_response(view(*args, **kwargs))
        if cache is not None and resp.status_code == 200:
            try:
                cache.put(generation, page, resp.get_data(), resp.content_type)
            except redis.RedisError as exc:
                log.warning("page cache unavailable: %s", exc)
        resp.headers["X-Cache"] = "miss"
        return resp

    return wrapper


class ContentChangedListener(ConsumerMixin):
    """Consumes content's events (nameko publishes them on the `content.events` topic exchange)."""

    def __init__(self, amqp_uri, cache):
        self.connection = Connection(amqp_uri, heartbeat=20)
        self.cache = cache
        self.exchange = Exchange("content.events", type="topic", durable=True)
        self.queue = Queue(LISTENER_QUEUE, self.exchange, routing_key="content_changed", durable=True)

    def get_consumers(self, consumer_cls, channel):
        return [consumer_cls(queues=[self.queue], callbacks=[self.on_event], accept=["json"])]

    def on_event(self, body, message):
        try:
            generation = self.cache.drop_all()
            log.info("content changed (%s), public pages dropped: generation %s", _what(body), generation)
            message.ack()
        except redis.RedisError:
            log.exception("could not drop cached pages; the event goes back on the queue")
            time.sleep(1)
            message.requeue()


def _what(body):
    data = (body or {}).get("data") or {}
    return f"{data.get('entity_type')} {data.get('entity_id')}"


def start_listener(app):
    """Called in each gateway process (deploy/gunicorn.conf.py post_worker_init): a daemon thread."""
    cache = app.extensions.get("page_cache")
    if cache is None or app.extensions.get("content_listener"):
        return None
    listener = ContentChangedListener(app.config["WZW"]["AMQP_URI"], cache)
    thread = threading.Thread(target=listener.run, name="content-changed-listener", daemon=True)
    thread.start()
    app.extensions["content_listener"] = listener
    return listener
