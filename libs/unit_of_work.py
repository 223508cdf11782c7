"""The one way to write: check permission → change → audit row → stage events → commit → relay.

Like a Decidim command, a write is a block that either happens whole or not at all:

    with self.unit_of_work() as uow:               # in a nameko service (libs.service.ServiceBase)
        case = uow.session.get(Case, case_id)
        uow.require("case.reply", case.department_id)
        ...change...
        uow.audit("case.replied", "case", case.id, detail={...})
        uow.publish("case_replied", {...})        # validated against the service's events.PUBLISHES
    # committed here; the staged events are relayed once the worker has answered

Leaving the block with an exception rolls everything back (change, audit row and events together). Domain
functions take the `uow` and never commit. The gateway, which is not a nameko service, uses `UnitOfWork`
directly for its own writes (staff accounts).
"""

import logging

from libs import audit, events
from libs.auth import Actor, require

log = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(self, session, actor: Actor, audit_log=None, outbox=None, contract=None, after_commit=None):
        self.session = session
        self.actor = actor
        self._audit_log = audit_log
        self._outbox = outbox
        self._contract = contract or {}
        self._after_commit = after_commit
        self.published = []  # (event_type, envelope) staged in this unit of work

    def require(self, permission, department_id=None):
        require(self.actor, permission, department_id)

    def audit(self, action, target_type, target_id, reason="", detail=None):
        if self._audit_log is None:
            raise RuntimeError("this service keeps no audit_log")
        audit.record(self.session, self._audit_log, self.actor, action, target_type, target_id, reason, detail)

    def publish(self, event_type, data):
        """Stage an event declared in the service's contract; it leaves with the commit, or not at all."""
        if self._outbox is None:
            raise RuntimeError("this service publishes no events (no outbox)")
        payload = events.stage(
            self.session, self._outbox, event_type, events.contract_payload(self._contract, event_type, data)
        )
        self.published.append((event_type, payload))
        return payload

    def checkpoint(self):
        """Commit what is done so far, before a call outside our system that cannot be undone (a WeChat send): if
        the database fails after that call, the intent is already on record and a retry will not repeat it."""
        self.session.commit()

    def savepoint(self):
        """For a step that may fail on a unique constraint (a concurrent duplicate) without losing the rest."""
        return self.session.begin_nested()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._rollback()
            return False
        try:
            self.session.commit()
        except BaseException:
            self._rollback()
            raise
        if self.published and self._after_commit is not None:
            self._after_commit(self.published)
        return False

    def _rollback(self):
        try:
            self.session.rollback()
        except Exception:  # the connection itself may be gone; the session must still be usable afterwards
            log.warning("rollback failed; closing the session", exc_info=True)
            self.session.close()
