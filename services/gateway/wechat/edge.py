"""The callback answers most messages itself, at the edge: no round trip to messaging before WeChat gets its reply.

messaging owns what an account answers with (回复设置, the blacklist, bindings, its copy of the catalogue) and hands
each gateway process a copy, an `answers.Table`, through the `answer_table` RPC. The callback decides the reply
from it by the very function messaging uses (libs/wechat/answers.compose), then hands the message over to
messaging on a durable queue (one trip over the bus, no reply awaited; the broker confirms it holds the message
before WeChat is answered), where it is recorded in batches (messaging's `record_answered`).

A table is used only while it is current: the version messaging stamps in Redis when an account's answers change
comes back with the callback's dedupe claim (one round trip for both), and a table older than the stamp is not
used. Without a current table (just started, a change not fetched yet, Redis away), or for what needs messaging's
data (ASK: a case number, 我的办件, a binding, a bound operator's command, WeChat's job reports), the callback asks
messaging by RPC as before. A table is fetched again in the background when it is stale or MAX_AGE_SECONDS old.
"""

import json
import logging
import threading
import time
import weakref

import amqp
from kombu import Connection
from kombu.pools import connections

from libs.batches import declare
from libs.wechat import answers
from services.messaging.schemas import ANSWERED_EXCHANGE, ANSWERED_QUEUE

log = logging.getLogger(__name__)
MAX_AGE_SECONDS = 30.0  # a stamp lost to a Redis blip is mended by the next fetch (messaging raises it again)
FETCH_TIMEOUT = 10.0
# WeChat waits 5 s for an answer: a hand-over that cannot be confirmed well within that is a failure (the callback
# releases its claim and WeChat's retry tries again)
CONNECT_TIMEOUT = 2.0
CONFIRM_TIMEOUT = 2.0
PUBLISH_ATTEMPTS = 2
# a follow and an unfollow decide whether the citizen follows the account: they are recorded by messaging as they
# come, never from a queue that two replicas may take in either order
ORDERED_EVENTS = ("subscribe", "unsubscribe")
NO_STAMP = -1  # Redis answered, but holds no stamp for the account (never fetched, or Redis lost its keys)


class Edge:
    def __init__(self, rpc_pool, amqp_uri, base):
        self.rpc = rpc_pool
        self.base = base
        self.lock = threading.Lock()
        self.tables = {}  # account code → (Table, fetched at (monotonic), the catalogue's fingerprint)
        self.fetching = set()
        self.exchange, self.queue = declare(ANSWERED_EXCHANGE, ANSWERED_QUEUE)
        self.declared = weakref.WeakSet()  # channels the queue was declared on
        # the broker confirms each message before publish() returns: WeChat is answered only once it is safe
        self.connection = Connection(amqp_uri, transport_options={"confirm_publish": True})

    # -- deciding ------------------------------------------------------------------------------------------------
    def reply(self, code, stamp, fields):
        """(True, reply) when this process can answer the message itself, else (False, None): ask messaging."""
        if (fields.get("Event") or "").lower() in ORDERED_EVENTS:
            return False, None
        table = self._current(code, stamp)
        if table is None:
            return False, None
        reply = answers.compose(fields, table, self.base, code)
        return (False, None) if reply == answers.ASK else (True, reply)

    def _current(self, code, stamp):
        if stamp is None:  # Redis is away: nothing says whether a table is current, and fetching would not tell
            return None
        entry = self.tables.get(code)
        if entry is None or stamp == NO_STAMP or entry[0].version < stamp:
            self.fetch_soon(code)  # messaging stamps the version it hands over: the next callbacks can use it
            return None
        if time.monotonic() - entry[1] > MAX_AGE_SECONDS:
            self.fetch_soon(code)
        return entry[0]

    def fetch_soon(self, code):
        """Fetch the account's table on a thread of its own (one at a time per account); callbacks meanwhile ask
        messaging."""
        with self.lock:
            if code in self.fetching:
                return
            self.fetching.add(code)
        threading.Thread(target=self._fetch, args=(code,), name=f"answers-{code}", daemon=True).start()

    def _fetch(self, code):
        try:
            held = self.tables.get(code)
            data = self.rpc.call("messaging", "answer_table", code, held[2] if held else None)
            table = answers.Table.from_wire(data, held[0].catalogue if held else None)
            with self.lock:
                now = self.tables.get(code)
                if now is None or now[0].version <= table.version:
                    self.tables[code] = (table, time.monotonic(), data["cards_fingerprint"])
            log.info("answers of %s at version %s", code, table.version)
        except Exception as exc:  # noqa: BLE001 - callbacks keep asking messaging; the next one tries again
            log.warning("could not fetch the answers of %s: %r", code, exc)
        finally:
            with self.lock:
                self.fetching.discard(code)

    # -- handing over --------------------------------------------------------------------------------------------
    def hand_over(self, key, code, fields, reply, request_id):
        """Give messaging the message and the reply sent, to record (raises if the broker did not take it).

        Published straight on the pooled connection's channel: kombu's Producer, per-call declare and ensure()
        wrappers cost about a seventh of the callback's CPU in the gateway. The queue is declared once per
        channel; a broken connection is dropped and the message published again on a fresh one."""
        body = json.dumps({"key": key, "account": code, "fields": fields, "reply": reply}, ensure_ascii=False)
        headers = {"nameko.request_id": request_id} if request_id else {}
        for attempt in range(PUBLISH_ATTEMPTS):
            with connections[self.connection].acquire(block=True, timeout=FETCH_TIMEOUT) as conn:
                try:
                    conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=CONNECT_TIMEOUT)
                    channel = conn.default_channel
                    if channel not in self.declared:
                        self.queue(channel).declare()
                        self.declared.add(channel)
                    channel.basic_publish(
                        amqp.Message(
                            body.encode("utf-8"),
                            content_type="application/json",
                            content_encoding="utf-8",
                            delivery_mode=2,
                            application_headers=headers,
                        ),
                        exchange=self.exchange.name,
                        routing_key=self.queue.routing_key,
                        confirm_timeout=CONFIRM_TIMEOUT,
                    )
                    return
                except conn.connection_errors + conn.channel_errors:
                    conn.collect()  # the pool hands out this connection again: it reconnects on next use
                    if attempt == PUBLISH_ATTEMPTS - 1:
                        raise
                    log.warning("handing over %s: connection to the broker lost, publishing again", key)
