"""What every nameko service starts with, and the two things some add: publishing and consuming events.

- `ServiceBase`: request-id logging, config, its database session, the caller's actor, `unit_of_work()` (the one
  write path, libs/unit_of_work.py), and the health/echo RPCs.
- `PublishesEvents`: the outbox relay (after each write that staged events, and a timer for leftovers).
- `ConsumesEvents`: `@handles(...)` for idempotent event handlers that retry, then park what still fails, and
  the operator RPCs to list and replay parked events.
- `rpc`: nameko's RPC entrypoint that refuses a request whose caller has already given up (its `deadline`).
"""

import functools
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import eventlet
from nameko import rpc as nameko_rpc
from nameko import serialization
from nameko.amqp.publish import Publisher
from nameko.dependency_providers import Config
from nameko.events import event_handler, get_event_exchange
from nameko.extensions import DependencyProvider
from nameko.timer import timer
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from libs import audit, events, health
from libs.audit import AuditQuery
from libs.auth import Actor, require
from libs.db import Database, release_engine, service_engine
from libs.errors import AppError, DeadlineExceeded, NotFound
from libs.logs import RequestLogging
from libs.schemas import validate
from libs.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class Rpc(nameko_rpc.Rpc):
    """nameko's @rpc, plus: a request carrying a `deadline` (epoch seconds, set by the gateway's RPC pool) that has
    passed is not run. The gateway has already told the person it failed; running it later (a frozen replica's
    backlog) would do what they were told had not been done."""

    def __init__(self, expected_exceptions=AppError, **kwargs):
        # a refusal (bad input, no permission, not found) is an answer, not a failure: nameko logs it as a
        # warning without a traceback
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)

    def handle_message(self, body, message):
        deadline = (message.headers or {}).get("nameko.deadline")
        if deadline is not None:
            try:
                late = time.time() > float(deadline)
            except (TypeError, ValueError):
                late = False
            if late:
                log.warning("%s dropped: its caller gave up %.1fs ago", self.method_name, time.time() - float(deadline))
                raise DeadlineExceeded("deadline_exceeded", "请求已超时，未执行，请重试")
        super().handle_message(body, message)


rpc = Rpc.decorator


class CurrentActor(DependencyProvider):
    """The actor the call carries in its context data; timers and event handlers act as the service itself."""

    def get_dependency(self, worker_ctx):
        if not isinstance(worker_ctx.entrypoint, nameko_rpc.Rpc):
            actor = Actor.system(worker_ctx.service_name)
            # a timer's calls to other services carry the service as their actor too (an event handler's keep the
            # actor the event came with); without it they would arrive anonymous and be refused what needs one
            worker_ctx.data.setdefault("actor", actor.to_header())
            return actor
        return Actor.from_header(worker_ctx.context_data.get("actor"))


class UnitOfWorkFactory(DependencyProvider):
    """`self.unit_of_work(actor=None)`: a UnitOfWork on the worker's session, acting as the worker's actor."""

    def setup(self):
        cls = self.container.service_cls
        self.audit_log = getattr(cls, "audit_log", None)
        self.outbox = getattr(cls, "outbox", None)
        self.contract = getattr(cls, "contract", None) or {}
        self.relay = next((d for d in self.container.dependencies if isinstance(d, OutboxRelay)), None)

    def get_dependency(self, worker_ctx):
        def unit_of_work(actor=None):
            service = worker_ctx.service
            return UnitOfWork(
                service.db,
                actor or service.actor,
                audit_log=self.audit_log,
                outbox=self.outbox,
                contract=self.contract,
                after_commit=(lambda staged: self.relay.relay_soon(worker_ctx, staged)) if self.relay else None,
            )

        return unit_of_work


class OutboxRelay(DependencyProvider):
    """Sends the service's outbox events to RabbitMQ.

    A worker that committed events hands them over (`relay_soon`): they go out on a green thread of their own
    once the worker has ended, so the caller's reply does not wait for the broker. That thread already holds the
    events, so it only publishes them and then marks their rows sent, in one statement for everything it sent
    in a round (a burst of commits costs a few such rounds, not one each). A timer relays, from the table, rows
    left unsent for `OUTBOX_LEFTOVER_SECONDS` (a broker blip, a crash between commit and publish): the age keeps
    it from racing the post-commit relay, and a repeat would be harmless anyway (handlers take each event_id
    once). The request id travels as the same header nameko's own EventDispatcher would set, taken from the
    event's envelope.
    """

    def setup(self):
        config = self.container.config
        self.outbox = self.container.service_cls.outbox
        self.engine = service_engine(self.container)
        self.exchange = get_event_exchange(self.container.service_name, config)
        serializer, _ = serialization.setup(config)
        self.publisher = Publisher(config["AMQP_URI"], serializer=serializer)
        self.leftover_after = timedelta(seconds=float(config.get("OUTBOX_LEFTOVER_SECONDS", 5)))
        self.kicked = {}  # worker → the events it committed, sent when the worker has ended
        self.queue = []  # events handed over and not yet taken by the relay thread
        self.running = set()
        self.active = False  # a relay thread is running

    def stop(self):
        # nameko ends managed threads only after stopping extensions: let in-flight relays finish first, so their
        # connections are back in the pool when it is disposed
        self._end_relays(kill=False)
        self._release()

    def kill(self):
        self._end_relays(kill=True)
        self._release()

    def _release(self):
        if self.engine is not None:
            release_engine(self.engine)
            self.engine = None

    def _end_relays(self, kill):
        for thread in list(self.running):
            try:
                if kill:
                    thread.kill()
                with eventlet.Timeout(5):
                    thread.wait()  # a killed relay still closes its session on the way out
            except BaseException:  # noqa: BLE001 - GreenletExit or Timeout: either way it is over
                pass

    def get_dependency(self, worker_ctx):
        return self

    def relay_soon(self, worker_ctx, staged):
        self.kicked.setdefault(worker_ctx, []).extend(staged)

    def worker_teardown(self, worker_ctx):
        staged = self.kicked.pop(worker_ctx, None)
        if not staged:
            return
        self.queue.extend(staged)
        if self.active:
            return  # the running relay goes round once more and takes these too
        self.active = True
        thread = self.container.spawn_managed_thread(self._relay_until_done, identifier="outbox_relay")
        self.running.add(thread)
        thread.link(lambda gt: self.running.discard(gt))

    def _relay_until_done(self):
        try:
            while self.queue:
                batch, self.queue = self.queue, []
                self._send(batch)
        finally:
            # no green switch between the last check and this: a handover either queued before it, or finds
            # `active` false afterwards and starts a relay of its own
            self.active = False

    def _send(self, batch):
        sent = []
        try:
            for event_type, payload in batch:
                self._publish(event_type, payload)
                sent.append(payload["event_id"])
        except Exception:
            log.exception("publishing events failed; the timer relays what is left")
        if not sent:
            return
        try:
            # autocommit: one round trip; a row left unmarked is only sent again, and taken once
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                events.mark_dispatched(conn, self.outbox, sent)
        except Exception:
            log.exception("marking %d sent events failed; the timer may send them again", len(sent))

    def relay(self):
        """The timer's round: rows nobody relayed after their commit."""
        try:
            with Session(self.engine) as session:
                older = datetime.now(UTC) - self.leftover_after
                return events.relay(session, self.outbox, self._publish, older_than=older)
        except Exception:
            log.exception("outbox relay failed; the timer retries")
            return 0

    def _publish(self, event_type, payload):
        self.publisher.publish(
            payload,
            exchange=self.exchange,
            routing_key=event_type,
            declare=[self.exchange],
            extra_headers={"nameko.request_id": payload.get("request_id") or "-"},
        )


class ServiceBase:
    name = None
    audit_log = None  # the service's audit_log Table (libs.audit.audit_table)

    request_log = RequestLogging()
    config = Config()
    db = Database()
    actor = CurrentActor()
    unit_of_work = UnitOfWorkFactory()

    @rpc
    def health(self):
        return health.check(self.name, self.db)

    @rpc
    def echo(self, value=None):
        """A bare round trip over the bus, the floor every other call is measured against."""
        return value

    @rpc
    def audit_entries(self, query):
        """This service's audit rows for the audit viewer (`audit.read`; the gateway audits the reading)."""
        require(self.actor, "audit.read")
        asked = self.audit_target(validate(AuditQuery, query))
        if asked is None:
            return []
        return audit.search(self.db, self.audit_log, asked, self.name)

    def audit_target(self, query):
        """The query with its case number resolved (None: nothing here can match); cases overrides it."""
        return None if query.case_number else query


class PublishesEvents:
    """Mixin for services that publish: declare `outbox` (Table) and `contract` (events.PUBLISHES)."""

    outbox = None
    contract = None
    events_out = OutboxRelay()

    @timer(interval=2)
    def relay_pending_events(self):
        """Relays what a failed post-commit relay left behind (a broker blip, a crash)."""
        self.events_out.relay()


@dataclass(frozen=True)
class Delivery:
    """An event as a handler sees it: the envelope's ids and the consumer's own model of the data."""

    event_id: str
    occurred_at: str
    data: object


def handles(source, event_type, model):
    """An idempotent event handler: `fn(self, uow, delivery)` runs in its own unit of work, once per event_id.

    A failure (the database down, a bug) is retried after each of the config's EVENT_RETRY_DELAYS; then the event
    is parked where an operator sees and replays it. If even parking fails, the handler raises and nameko puts the
    event back on the queue (requeue_on_error): it is never acked unhandled.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def handler(self, payload):
            self._consume(fn.__name__, fn, source, event_type, model, payload)

        handler.consumes = (source, event_type, model)
        handler.handles = fn
        return event_handler(source, event_type, requeue_on_error=True)(handler)

    return decorate


class ConsumesEvents:
    """Mixin for services with `@handles` handlers: declare `processed_events` and `parked_events` (Tables)."""

    processed_events = None
    parked_events = None

    def _retry_delays(self):
        raw = str(self.config.get("EVENT_RETRY_DELAYS", "0.2,1,3"))
        return [float(x) for x in raw.split(",") if x.strip()]

    def _consume(self, name, fn, source, event_type, model, payload):
        try:
            event_id = payload["event_id"]
            if not isinstance(event_id, str) or not 0 < len(event_id) <= 32:
                raise ValueError("bad event_id")
            delivery = Delivery(event_id, str(payload.get("occurred_at", "")), model.model_validate(payload["data"]))
        except Exception as exc:  # noqa: BLE001 - a broken contract: retrying cannot help, park it at once
            self._park(name, source, event_type, payload, f"contract: {exc}", attempts=0)
            return
        error = None
        for attempt, delay in enumerate([0.0, *self._retry_delays()], start=1):
            if delay:
                eventlet.sleep(delay)
            try:
                self._run_once(name, fn, delivery)
                return
            except Exception as exc:  # noqa: BLE001 - every failure is retried, then parked
                error = exc
                log.warning("%s failed on %s (attempt %d): %s", name, event_id, attempt, exc)
        self._park(name, source, event_type, payload, repr(error), attempts=attempt)

    def _run_once(self, name, fn, delivery):
        """True if the handler ran; False if this event had been handled already."""
        with self.unit_of_work(Actor.system(self.name)) as uow:
            if not events.first_time(uow.session, self.processed_events, delivery.event_id, name):
                return False
            fn(self, uow, delivery)
            return True

    def _park(self, name, source, event_type, payload, error, attempts):
        table = self.parked_events
        event_id = str(payload.get("event_id") if isinstance(payload, dict) else "")[:32] or "malformed"
        stmt = pg_insert(table).values(
            event_id=event_id,
            handler=name,
            source=source,
            event_type=event_type,
            payload=payload if isinstance(payload, dict) else {"raw": repr(payload)[:2000]},
            error=error[:2000],
            attempts=attempts,
            parked_at=datetime.now(UTC),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["event_id", "handler"],
            set_={
                "error": stmt.excluded.error,
                "attempts": table.c.attempts + stmt.excluded.attempts,
                "parked_at": stmt.excluded.parked_at,
                "replayed_at": None,
            },
        )
        with UnitOfWork(self.db, Actor.system(self.name)) as uow:
            uow.session.execute(stmt)
        log.error("%s parked event %s (%s.%s): %s", name, event_id, source, event_type, error)

    @rpc
    def list_parked_events(self, limit=100):
        """Events this service's handlers could not process, newest first (operators)."""
        self.actor_may_operate()
        rows = self.db.execute(
            select(self.parked_events).order_by(self.parked_events.c.parked_at.desc()).limit(min(int(limit), 500))
        )
        return [
            {
                **row._asdict(),
                "parked_at": row.parked_at.isoformat(),
                "replayed_at": row.replayed_at.isoformat() if row.replayed_at else None,
            }
            for row in rows
        ]

    @rpc
    def replay_parked_event(self, event_id, handler):
        """Run a parked event through its handler again.

        Returns {"replayed": bool, "already_handled": bool, "error": str|None}: already_handled when the event had
        been processed meanwhile (a redelivery after the database came back), so nothing ran now."""
        self.actor_may_operate()
        table = self.parked_events
        row = self.db.execute(
            select(table).where(table.c.event_id == str(event_id), table.c.handler == str(handler))
        ).first()
        self.db.rollback()
        method = getattr(type(self), row.handler, None) if row else None
        if hasattr(method, "handles"):
            (source, event_type, model), fn = method.consumes, method.handles
        elif hasattr(method, "replays"):  # parked by a consumer of something else than events (libs/batches.py)
            (model, fn), source, event_type = method.replays, row.source, row.event_type
        else:
            raise NotFound("parked_event_not_found", "没有这条待处理的事件")
        try:
            delivery = Delivery(
                row.event_id, str(row.payload.get("occurred_at", "")), model.model_validate(row.payload["data"])
            )
            ran = self._run_once(row.handler, fn, delivery)
        except Exception as exc:  # noqa: BLE001 - reported to the operator and kept parked
            self._park(row.handler, source, event_type, row.payload, repr(exc), attempts=1)
            return {"replayed": False, "already_handled": False, "error": repr(exc)}
        with UnitOfWork(self.db, self.actor, audit_log=self.audit_log) as uow:
            uow.session.execute(
                update(table)
                .where(table.c.event_id == row.event_id, table.c.handler == row.handler)
                .values(replayed_at=datetime.now(UTC))
            )
            if self.audit_log is not None:
                uow.audit("ops.event_replayed", "event", row.event_id, detail={"handler": row.handler, "ran": ran})
        return {"replayed": True, "already_handled": not ran, "error": None}

    def actor_may_operate(self):
        if self.actor.kind != "system":
            require(self.actor, "ops.events")
