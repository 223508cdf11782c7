"""Events: one envelope for all, an outbox so none is lost, and consumer-side dedupe by `event_id`.

A service stages its event in its own `outbox` table in the same transaction as the change, then relays it
to RabbitMQ after commit (and again from a timer if the relay failed). A relay can repeat an event, so every
handler records the `event_id` it has handled (`processed_events`) and skips repeats.
"""

import logging
import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, String, Table, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from libs.logs import request_id_var

log = logging.getLogger(__name__)


def envelope(data, event_id=None):
    return {
        "event_id": event_id or uuid.uuid4().hex,
        "occurred_at": datetime.now(UTC).isoformat(),
        "request_id": request_id_var.get(),
        "data": data,
    }


def outbox_table(metadata):
    return Table(
        "outbox",
        metadata,
        Column("event_id", String(32), primary_key=True),
        Column("event_type", String(64), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("dispatched_at", DateTime(timezone=True), index=True),
    )


def processed_events_table(metadata):
    return Table(
        "processed_events",
        metadata,
        Column("event_id", String(32), primary_key=True),
        Column("handler", String(64), primary_key=True),
        Column("handled_at", DateTime(timezone=True), nullable=False),
    )


def stage(session, outbox, event_type, data):
    """Add an event to the outbox inside the caller's transaction; returns its envelope."""
    payload = envelope(data)
    session.execute(
        insert(outbox).values(
            event_id=payload["event_id"], event_type=event_type, payload=payload, created_at=datetime.now(UTC)
        )
    )
    return payload


def relay(session, outbox, dispatch, limit=100):
    """Dispatch pending events; SKIP LOCKED lets every replica relay without sending the same row twice."""
    rows = session.execute(
        select(outbox.c.event_id, outbox.c.event_type, outbox.c.payload)
        .where(outbox.c.dispatched_at.is_(None))
        .order_by(outbox.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        dispatch(row.event_type, row.payload)
        session.execute(update(outbox).where(outbox.c.event_id == row.event_id).values(dispatched_at=datetime.now(UTC)))
    session.commit()
    return len(rows)


def first_time(session, processed, event_id, handler):
    """True the first time (event_id, handler) is seen; the row commits with the handler's own effect."""
    inserted = session.execute(
        pg_insert(processed)
        .values(event_id=event_id, handler=handler, handled_at=datetime.now(UTC))
        .on_conflict_do_nothing()
        .returning(processed.c.event_id)
    ).first()
    if inserted is None:
        log.info("event %s already handled by %s, skipped", event_id, handler)
    return inserted is not None
