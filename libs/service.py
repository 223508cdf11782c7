"""What every nameko service starts with: request-id logging, its database, the health RPC, the outbox relay."""

import logging

import eventlet
from nameko import serialization
from nameko.amqp.publish import Publisher
from nameko.dependency_providers import Config
from nameko.events import get_event_exchange
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy.orm import Session

from libs import events, health
from libs.db import Database, make_engine
from libs.logs import RequestLogging

log = logging.getLogger(__name__)


class OutboxRelay(DependencyProvider):
    """Sends the service's outbox events to RabbitMQ.

    A worker that committed events calls `relay_soon()`: they go out on a green thread of their own once the
    worker has ended, so the caller's reply does not wait for the broker. A timer calls `relay_now()` for
    anything a failed relay left behind. The request id travels as the same header nameko's own
    EventDispatcher would set, taken from the event's envelope.
    """

    def setup(self):
        config = self.container.config
        self.outbox = getattr(self.container.service_cls, "outbox", None)
        self.engine = make_engine(config["DATABASE_URL"], pool_size=2)
        self.exchange = get_event_exchange(self.container.service_name, config)
        serializer, _ = serialization.setup(config)
        self.publisher = Publisher(config["AMQP_URI"], serializer=serializer)
        self.kicked = set()
        self.running = set()

    def stop(self):
        # nameko ends managed threads only after stopping extensions: let in-flight relays finish first, so their
        # connections are back in the pool when it is disposed
        self._end_relays(kill=False)
        self.engine.dispose()

    def kill(self):
        self._end_relays(kill=True)
        self.engine.dispose()

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
        provider = self

        class Relay:
            @staticmethod
            def relay_soon():
                provider.kicked.add(worker_ctx)

            @staticmethod
            def relay_now():
                return provider.relay()

        return Relay

    def worker_teardown(self, worker_ctx):
        if worker_ctx in self.kicked:
            self.kicked.discard(worker_ctx)
            thread = self.container.spawn_managed_thread(self.relay, identifier="outbox_relay")
            self.running.add(thread)
            thread.link(lambda gt: self.running.discard(gt))

    def relay(self):
        if self.outbox is None:
            return 0
        try:
            with Session(self.engine) as session:
                return events.relay(session, self.outbox, self._publish)
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
    outbox = None  # the service's outbox Table, if it publishes events

    request_log = RequestLogging()
    config = Config()
    db = Database()
    events_out = OutboxRelay()

    @rpc
    def health(self, db_sleep=0):
        return health.check(self.name, self.db, db_sleep)

    @rpc
    def echo(self, value=None):
        """A bare round trip over the bus, the floor every other call is measured against."""
        return value

    def relay_events(self):
        """Call after committing outbox rows: they are relayed as soon as this worker ends."""
        self.events_out.relay_soon()

    @timer(interval=2)
    def relay_pending_events(self):
        """Relays what a failed post-commit relay left behind (a broker blip, a crash)."""
        self.events_out.relay_now()
