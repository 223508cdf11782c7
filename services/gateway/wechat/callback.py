"""POST /wechat (the main Official Account) and /wechat/<code> (a department's own): WeChat's callback. Checks it
with that account's token and key, deduplicates across replicas, hands the message to messaging, and answers with
messaging's passive reply if it is ready in time, else `success` (messaging then replies by a customer-service
message)."""

import logging
import random
import time
from datetime import UTC, datetime, timedelta

import redis
from flask import Blueprint, Response, abort, current_app, request
from nameko.exceptions import RpcTimeout
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from wechatpy.replies import ArticlesReply, ImageReply, TextReply

from libs.logs import request_id_var
from libs.unit_of_work import UnitOfWork
from libs.wechat import answers, callback
from libs.wechat.accounts import MAIN
from libs.wechat.callback import CallbackRejected
from services.gateway.core.rpc import db
from services.gateway.models import CallbackKey
from services.gateway.staff.accounts import GATEWAY
from services.gateway.wechat.edge import NO_STAMP

log = logging.getLogger(__name__)
bp = Blueprint("wechat", __name__)
KEY_TTL = timedelta(days=1)  # WeChat retries within seconds; a day of keys is plenty


def _wx():
    return current_app.config["WZW"]["WECHAT"]


def _account(code):
    """The Official Account a callback URL names (404 for one this install does not serve)."""
    account = current_app.extensions["wechat_accounts"].get(code)
    if account is None:
        abort(404)
    return account


def _plain(text, status=200):
    return Response(text, status=status, mimetype="text/plain")


@bp.errorhandler(CallbackRejected)
def rejected(exc):
    log.warning("callback rejected: %s", exc.reason)
    return _plain({403: "forbidden", 400: "bad request"}.get(exc.status, "error"), exc.status)


def _check_query_signature(account):
    a = request.args
    callback.check_signature(
        account.token, a.get("signature"), a.get("timestamp"), a.get("nonce"), float(_wx()["CLOCK_SKEW_SECONDS"])
    )


@bp.get("/wechat", defaults={"code": MAIN})
@bp.get("/wechat/<code>")
def verify(code):
    _check_query_signature(_account(code))
    return _plain(request.args.get("echostr", ""))


# one round trip to Redis: a signature seen with another message is a replay (-1); else the first to set the key
# handles the message (1), a retry finds it set (0). It also reads the account's answers stamp (edge.py).
CLAIM_SCRIPT = """
local stamp = redis.call('GET', KEYS[3])
local used = redis.call('GET', KEYS[2])
if used and used ~= ARGV[1] then return {-1, stamp} end
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
  return {1, stamp}
end
return {0, stamp}
"""


def _keys(key, signature):
    cache = current_app.extensions["page_cache"]
    return cache, [f"{cache.prefix}:cb:key:{key}", f"{cache.prefix}:cb:sig:{signature}"]


def claim(key, signature, code=MAIN):
    """(won, stamp): the first gateway replica to claim the key handles the message; the others answer `success`.
    A signature already used for a different message is a replayed URL with a swapped body: refused. `stamp` is
    the version of the account's answers messaging last announced (NO_STAMP if none; None while Redis is away).

    Claimed in Redis (the page cache's, shared by every replica): no PostgreSQL round trip on the callback's hot
    path. While Redis is unreachable, claimed in PostgreSQL instead (slower, same guarantees; no stamp)."""
    cache, keys = _keys(key, signature or "-")
    keys.append(answers.stamp_key(cache.prefix, code))
    try:
        script = current_app.extensions.get("callback_claim")
        if script is None:
            script = current_app.extensions["callback_claim"] = cache.redis.register_script(CLAIM_SCRIPT)
        won, stamp = script(keys=keys, args=[key, int(KEY_TTL.total_seconds())])
    except redis.RedisError as exc:
        log.warning("Redis unavailable for callback dedupe, using PostgreSQL: %s", exc)
        return _claim_in_db(key, signature), None
    if won == -1:
        raise CallbackRejected(403, "signature replayed with another message")
    return won == 1, int(stamp) if stamp is not None else NO_STAMP


def _claim_in_db(key, signature):
    session = db()
    now = datetime.now(UTC)
    with UnitOfWork(session, GATEWAY):
        won = session.execute(
            insert(CallbackKey)
            .values(key=key, received_at=now, signature=signature)
            .on_conflict_do_nothing()
            .returning(CallbackKey.key)
        ).first()
        if won is None:
            used_for = session.scalar(select(CallbackKey.key).where(CallbackKey.signature == signature))
        elif random.random() < 0.01:
            session.execute(delete(CallbackKey).where(CallbackKey.received_at < now - KEY_TTL))
    if won is None:
        if used_for is not None and used_for != key:
            raise CallbackRejected(403, "signature replayed with another message")
        return False
    return True


def release(key, signature):
    """Messaging did not take it: WeChat's retry must be processed, not answered as a repeat."""
    cache, keys = _keys(key, signature or "-")
    try:
        cache.redis.delete(*keys)
    except redis.RedisError as exc:
        log.warning("Redis unavailable to release %s: %s", key, exc)
    session = db()
    with UnitOfWork(session, GATEWAY):
        session.execute(delete(CallbackKey).where(CallbackKey.key == key))


def _ask_messaging(key, fields, received, code):
    """messaging's reply (None: nothing to say, or too late for a passive reply: it sends one itself)."""
    deadline = received + float(current_app.config["WZW"]["GATEWAY"]["CALLBACK_DEADLINE_SECONDS"])
    try:
        with current_app.extensions["rpc_callback"].proxy() as proxy:
            return proxy.messaging.receive(key, fields, deadline, code).get("reply")
    except RpcTimeout:
        # messaging still finishes; past the deadline it answers by customer-service message
        log.warning("messaging missed the callback deadline for %s", key)
        return None


@bp.post("/wechat", defaults={"code": MAIN})
@bp.post("/wechat/<code>")
def receive(code):
    received = time.time()
    wx, gw, account = _wx(), current_app.config["WZW"]["GATEWAY"], _account(code)
    if (request.content_length or 0) > int(gw["MAX_CALLBACK_BYTES"]):
        return _plain("too large", 413)
    body = request.get_data(cache=False)
    if len(body) > int(gw["MAX_CALLBACK_BYTES"]):
        return _plain("too large", 413)
    _check_query_signature(account)
    safe_mode = request.args.get("encrypt_type") == "aes"
    if safe_mode:
        body = callback.decrypt(
            body, request.args, account.token, account.aes_key, account.app_id, float(wx["CLOCK_SKEW_SECONDS"])
        )
    fields = callback.check_fields(callback.parse_xml(body))
    key = callback.dedupe_key(fields, None if code == MAIN else code)
    won, stamp = claim(key, request.args.get("signature"), code)
    if not won:
        log.info("retry of %s answered without processing", key)
        return _plain("success")
    edge = current_app.extensions["wechat_edge"]
    decided, reply = edge.reply(code, stamp, fields) if edge is not None else (False, None)
    try:
        if decided:  # answered here; messaging records it from the queue
            edge.hand_over(key, code, fields, reply, request_id_var.get())
        else:
            reply = _ask_messaging(key, fields, received, code)
    except Exception:
        # let WeChat's retry have another go rather than lose the message
        release(key, request.args.get("signature"))
        raise
    answered_by = "gateway" if decided else "messaging"  # a header WeChat ignores: tests and logs tell the paths apart
    if not reply:
        return _answered(_plain("success"), answered_by)
    if isinstance(reply, dict) and "image" in reply:  # a keyword rule answering with an image from 素材管理
        xml = ImageReply(source=fields["ToUserName"], target=fields["FromUserName"], media_id=reply["image"])
    elif isinstance(reply, dict):  # an operator's keyword rule answering with an article card
        xml = ArticlesReply(source=fields["ToUserName"], target=fields["FromUserName"], articles=reply["articles"])
    else:
        xml = TextReply(source=fields["ToUserName"], target=fields["FromUserName"], content=reply)
    xml = xml.render()
    if safe_mode:
        xml = callback.encrypt_reply(xml, account.token, account.aes_key, account.app_id)
    return _answered(Response(xml, mimetype="application/xml"), answered_by)


def _answered(resp, by):
    resp.headers["X-Answered-By"] = by
    return resp
