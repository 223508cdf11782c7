"""What every nameko service starts with: request-id logging, its database, the health RPC, the outbox relay."""

import logging

from nameko.dependency_providers import Config
from nameko.events import EventDispatcher
from nameko.rpc import rpc
from nameko.timer import timer

from libs import events, health
from libs.db import Database
from libs.logs import RequestLogging

log = logging.getLogger(__name__)


class ServiceBase:
    name = None
    outbox = None  # the service's outbox Table, if it publishes events

    request_log = RequestLogging()
    config = Config()
    db = Database()
    dispatch = EventDispatcher()

    @rpc
    def health(self, db_sleep=0):
        return health.check(self.name, self.db, db_sleep)

    @rpc
    def echo(self, value=None):
        """A bare round trip over the bus, the floor every other call is measured against."""
        return value

    def relay_events(self):
        """Relay this service's pending outbox events after a commit; whatever fails waits for the timer."""
        if self.outbox is None:
            return 0
        try:
            return events.relay(self.db, self.outbox, self.dispatch)
        except Exception:
            self.db.rollback()
            log.exception("outbox relay failed; the timer retries")
            return 0

    @timer(interval=2)
    def relay_pending_events(self):
        """Relays what a failed post-commit relay left behind (a broker blip, a crash)."""
        self.relay_events()
