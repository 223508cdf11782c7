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
        if self.outbox is not None:
            return events.relay(self.db, self.outbox, self.dispatch)
        return 0

    @timer(interval=2)
    def relay_pending_events(self):
        """Relays what a failed post-commit relay left behind (a broker blip, a crash)."""
        try:
            self.relay_events()
        except Exception:
            log.exception("outbox relay failed; will retry")
