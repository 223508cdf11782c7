"""What each messaging replica keeps in memory to answer a message without reading it again (reply rules and
settings, the blacklist, operator bindings, the catalogue copy), kept in step across replicas, and the stamp that
tells the gateways whether the answer table they hold is current.

Each cache also lives only seconds, but an operator who saves a rule expects the next message to get it, on
whichever replica takes it. So every change bumps its account's `version` in the same transaction, and every
message reads that version in the round trip that stores it (domain.record_inbound): a replica that sees a version
other than the one its caches were built at drops them before answering.

The gateways answer most messages themselves from a copy of the account's answers (libs/wechat/answers.Table),
checked against a stamp in Redis that their dedupe claim reads in the same round trip: once a change commits, its
version is written there (only ever upwards), and a gateway holding an older table asks messaging instead until it
has fetched the new one. Redis unreachable: no stamp, so every gateway asks messaging (slower, never stale).
"""

import logging
import threading

import redis
from nameko.extensions import DependencyProvider
from sqlalchemy import event, update

from libs.wechat import answers
from services.messaging.models import Account

log = logging.getLogger(__name__)
_lock = threading.Lock()
_seen = {}  # account id → the version this process's caches were built at
_stamps = {"redis": None, "prefix": "wzw", "script": None}

# a version only ever moves upwards: a table read before a change must not overwrite the change's stamp
RAISE_SCRIPT = """
local now = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > now then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""


def changed(session, account_id):
    """In the transaction that changes what the caches hold: every replica rebuilds them at its next message, and
    once it commits every gateway stops answering from its older table."""
    _bumped(session, session.execute(_bump(Account.id == account_id)).all())


def changed_everywhere(session):
    """A change every account answers with (the catalogue copy)."""
    _bumped(session, session.execute(_bump(True)).all())


def _bump(where):
    return update(Account).where(where).values(version=Account.version + 1).returning(Account.code, Account.version)


def _bumped(session, rows):
    pending = session.info.setdefault("answer_stamps", {})
    for code, version in rows:
        pending[code] = max(version, pending.get(code, 0))
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)


def _after_commit(session):
    for code, version in session.info.pop("answer_stamps", {}).items():
        raise_stamp(code, version)


def _after_rollback(session):
    session.info.pop("answer_stamps", None)


def raise_stamp(code, version):
    """Tell the gateways that `code`'s answers are at `version` now (ignored if they already know a later one)."""
    client = _stamps["redis"]
    if client is None:
        return
    try:
        if _stamps["script"] is None:
            _stamps["script"] = client.register_script(RAISE_SCRIPT)
        _stamps["script"](keys=[answers.stamp_key(_stamps["prefix"], code)], args=[int(version)])
    except redis.RedisError as exc:
        # the gateways' tables expire (edge.py MAX_AGE_SECONDS) and their refresh raises the stamp again
        log.warning("could not stamp %s's answers at version %s: %s", code, version, exc)


class Stamps(DependencyProvider):
    """Connects this process to the Redis the gateways read stamps from (the page cache's, config CACHE)."""

    def setup(self):
        cache = self.container.config.get("CACHE") or {}
        _stamps["prefix"] = str(cache.get("PREFIX", "wzw"))
        _stamps["redis"] = redis.Redis.from_url(
            str(cache.get("REDIS_URL", "redis://127.0.0.1:6379/0")), socket_timeout=0.5, socket_connect_timeout=0.5
        )
        _stamps["script"] = None

    def get_dependency(self, worker_ctx):
        return raise_stamp


def current(account_id):
    """The version a cache entry built now is stamped with: one built from reads begun before a change carries the
    older version, so it is not kept once a message has seen the change."""
    return _seen.get(account_id)


def observe(account_id, version):
    """Called with the version a message read: drop this process's caches of the account if it moved on."""
    if _seen.get(account_id) == version:
        return
    from services.messaging import assistant, catalogue, followers, replies

    replies.cache.drop(account_id)
    followers.blacklist_cache.drop(account_id)
    assistant.bindings.drop()
    catalogue.cards.expire()  # rebuilt only if the copy itself changed
    with _lock:
        _seen[account_id] = version
