"""Events: contracts, one envelope for all, an outbox so none is lost, and consumer-side dedupe and parking.

Contracts: each service declares what it publishes in its own `events.py` (`PUBLISHES = {event_type: Model}`)
and what it reads of other services' events (`CONSUMES = {(source, event_type): Model}`, only the fields it
uses). `stage` validates against the producer's model; the consumer's handler gets its own model, never the
producer's dict; tests/test_shape.py checks that every consumed field is published with the same type.

Delivery: a service stages its event in its own `outbox` table in the same transaction as the change, then
relays it to RabbitMQ after commit (and again from a timer if the relay failed). A relay can repeat an event,
so every handler records the `event_id` it has handled (`processed_events`) and skips repeats. A handler that
keeps failing parks the event (`parked_events`) for an operator to see and replay.
"""

import logging
import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Column, DateTime, Integer, String, Table, Text, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from libs.logs import request_id_var

log = logging.getLogger(__name__)


class EventData(BaseModel):
    """Base of every event payload model. Producers' models forbid unknown fields (a typo is a bug);
    consumers' models (`ConsumedEvent`) ignore what they do not read, so producers may add fields freely."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsumedEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


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


def parked_events_table(metadata):
    """Events a handler could not process after its retries, kept whole for an operator to replay."""
    return Table(
        "parked_events",
        metadata,
        Column("event_id", String(32), primary_key=True),
        Column("handler", String(64), primary_key=True),
        Column("source", String(32), nullable=False),
        Column("event_type", String(64), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("parked_at", DateTime(timezone=True), nullable=False, index=True),
        Column("replayed_at", DateTime(timezone=True)),
    )


def contract_payload(contract, event_type, data):
    """`data` checked against the producer's declared model for `event_type`, as JSON-ready values."""
    model = contract.get(event_type)
    if model is None:
        raise KeyError(f"{event_type} is not declared in this service's events.PUBLISHES")
    instance = data if isinstance(data, model) else model.model_validate(data)
    return instance.model_dump(mode="json")


def stage(session, outbox, event_type, data):
    """Add an event to the outbox inside the caller's transaction; returns its envelope."""
    payload = envelope(data)
    # the values as parameters: compiled once, not once per event
    row = {
        "event_id": payload["event_id"],
        "event_type": event_type,
        "payload": payload,
        "created_at": datetime.now(UTC),
    }
    session.execute(insert(outbox), row)
    return payload


def relay(session, outbox, dispatch, limit=100, older_than=None):
    """Dispatch pending events (committed before `older_than`, if given); SKIP LOCKED lets every replica relay
    without sending the same row twice."""
    pending = outbox.c.dispatched_at.is_(None)
    if older_than is not None:
        pending = pending & (outbox.c.created_at < older_than)
    rows = session.execute(
        select(outbox.c.event_id, outbox.c.event_type, outbox.c.payload)
        .where(pending)
        .order_by(outbox.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    sent = []
    try:
        for row in rows:
            dispatch(row.event_type, row.payload)
            sent.append(row.event_id)
    finally:
        # one statement for the batch; what was published is marked even if a later publish failed (a re-send
        # after a crash here is harmless: handlers take each event_id once)
        if sent:
            mark_dispatched(session, outbox, sent)
        session.commit()
    return len(rows)


def mark_dispatched(conn, outbox, event_ids):
    stmt = update(outbox).where(outbox.c.event_id.in_(event_ids), outbox.c.dispatched_at.is_(None))
    conn.execute(stmt.values(dispatched_at=datetime.now(UTC)))


def first_time(session, processed, event_id, handler):
    """True the first time (event_id, handler) is seen; the row commits with the handler's own effect."""
    inserted = session.execute(
        pg_insert(processed).on_conflict_do_nothing().returning(processed.c.event_id),
        {"event_id": event_id, "handler": handler, "handled_at": datetime.now(UTC)},  # parameters: compiled once
    ).first()
    if inserted is None:
        log.info("event %s already handled by %s, skipped", event_id, handler)
    return inserted is not None
