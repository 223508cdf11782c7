"""A message no rule matched gets the best card of content's catalogue (before the default reply), if one matches
well enough: a citizen who writes "社保卡丢了怎么办" is shown 社会保障卡补领's guide.

The callback may not call content (no RPC chains inside it), so messaging keeps its own copy of the service types
(`catalogue_cards`): refreshed whole by a timer and one by one from content's `content_changed` events; each
process keeps the cards in memory for CACHE_SECONDS. Matching is plain and fast: keywords the service is known by
found in the message, and shared two-character runs of Chinese with its name and summary.
"""

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from libs.wechat.answers import Catalogue
from services.messaging import caches
from services.messaging.models import CatalogueCard

CACHE_SECONDS = 10.0
REFRESH_SECONDS = 600  # the whole copy taken again this often, per replica


def rows(session):
    """The copy as cards {id, name, summary, keywords}: what Catalogue indexes, here and in the gateway."""
    return [
        {"id": c.service_type_id, "name": c.name, "summary": c.summary, "keywords": list(c.keywords)}
        for c in session.scalars(select(CatalogueCard).order_by(CatalogueCard.service_type_id))
    ]


class _Cards:
    def __init__(self):
        self.lock = threading.Lock()
        # (read at, Catalogue, the copy's (count, last change) when read)
        self.entry = None

    def get(self, session):
        entry = self.entry
        if entry is not None and time.monotonic() - entry[0] < CACHE_SECONDS:
            return entry[1]
        # rebuilt only when the copy changed (10,000 cards take a fifth of a second to index)
        version = tuple(session.execute(select(func.count(), func.max(CatalogueCard.updated_at))).one())
        if entry is not None and entry[2] == version:
            with self.lock:
                self.entry = (time.monotonic(), *entry[1:])
            return entry[1]
        entry = (time.monotonic(), Catalogue(rows(session)), version)
        with self.lock:
            self.entry = entry
        return entry[1]

    def expire(self):
        """Check the copy's version at the next message (the index is kept if it has not changed)."""
        with self.lock:
            if self.entry is not None:
                self.entry = (float("-inf"), *self.entry[1:])

    def drop(self):
        with self.lock:
            self.entry = None


cards = _Cards()


def fingerprint(session):
    """What the copy is now (count, last change): a gateway holding the index of this copy need not fetch it."""
    count, last = session.execute(select(func.count(), func.max(CatalogueCard.updated_at))).one()
    return f"{count}:{last.isoformat() if last else ''}"


def best_card(session, text, base):
    """The article card of the service that matches `text` best, or None when none matches well enough."""
    return cards.get(session).best_card(text, base)


_last_refresh = {"at": None}


def refresh_due():
    at = _last_refresh["at"]
    return at is None or time.monotonic() - at >= REFRESH_SECONDS


def refreshed():
    _last_refresh["at"] = time.monotonic()
    cards.drop()


def keep(session, services):
    """Upsert these service types (content's ServiceTypeSummary shape)."""
    caches.changed_everywhere(session)
    now = datetime.now(UTC)
    values = [
        {
            "service_type_id": s["id"],
            "name": s["name"][:120],
            "summary": s.get("summary") or "",
            "keywords": list(s.get("keywords") or []),
            "updated_at": now,
        }
        for s in services
    ]
    if values:
        stmt = insert(CatalogueCard).values(values)
        kept = ("name", "summary", "keywords", "updated_at")
        session.execute(
            stmt.on_conflict_do_update(index_elements=["service_type_id"], set_={k: stmt.excluded[k] for k in kept})
        )


def replace_all(session, services):
    """The whole catalogue: what content no longer lists goes."""
    keep(session, services)
    ids = [s["id"] for s in services]
    session.execute(delete(CatalogueCard).where(CatalogueCard.service_type_id.not_in(ids or [-1])))


def forget(session, service_type_id):
    caches.changed_everywhere(session)
    session.execute(delete(CatalogueCard).where(CatalogueCard.service_type_id == service_type_id))
