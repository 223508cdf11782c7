"""A message no rule matched gets the best card of content's catalogue (before the default reply), if one matches
well enough: a citizen who writes "社保卡丢了怎么办" is shown 社会保障卡补领's guide.

The callback may not call content (no RPC chains inside it), so messaging keeps its own copy of the service types
(`catalogue_cards`): refreshed whole by a timer and one by one from content's `content_changed` events; each
process keeps the cards in memory for CACHE_SECONDS. Matching is plain and fast: keywords the service is known by
found in the message, and shared two-character runs of Chinese with its name and summary.
"""

import re
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from services.messaging.models import CatalogueCard

CACHE_SECONDS = 10.0
REFRESH_SECONDS = 600  # the whole copy taken again this often, per replica
THRESHOLD = 4.0  # one keyword of two characters found, or two shared pairs with the name
RUNS = re.compile(r"[\u4e00-\u9fff]+")  # Chinese only: digits in names (事项12) must not match a number


def pairs(text):
    found = set()
    for run in RUNS.findall(text.lower()):
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


class _Cards:
    def __init__(self):
        self.lock = threading.Lock()
        # (read at, [(card, keywords, name pairs, summary pairs)], pair -> indexes of the cards that have it,
        #  the copy's (count, last change) when read)
        self.entry = None

    def get(self, session):
        entry = self.entry
        if entry is not None and time.monotonic() - entry[0] < CACHE_SECONDS:
            return entry[1], entry[2]
        # rebuilt only when the copy changed (10,000 cards take a fifth of a second to index)
        version = tuple(session.execute(select(func.count(), func.max(CatalogueCard.updated_at))).one())
        if entry is not None and entry[3] == version:
            with self.lock:
                self.entry = (time.monotonic(), *entry[1:])
            return entry[1], entry[2]
        cards = session.scalars(select(CatalogueCard)).all()
        kept, index = [], {}
        for i, c in enumerate(cards):
            keywords = [k.lower() for k in c.keywords if len(k) >= 2]
            kept.append(
                (
                    {"id": c.service_type_id, "name": c.name, "summary": c.summary},
                    keywords,
                    pairs(c.name),
                    pairs(c.summary),
                )
            )
            # a keyword found in a message brings its pairs with it: every card that can score shares a pair
            for pair in kept[-1][2] | kept[-1][3] | pairs(" ".join(keywords)):
                index.setdefault(pair, []).append(i)
        entry = (time.monotonic(), kept, index, version)
        with self.lock:
            self.entry = entry
        return entry[1], entry[2]

    def drop(self):
        with self.lock:
            self.entry = None


cards = _Cards()


def best_card(session, text, base):
    """The article card of the service that matches `text` best, or None when none matches well enough."""
    said = text.lower()
    wanted = pairs(said)
    if not wanted:
        return None
    best, best_score = None, THRESHOLD - 0.001
    kept, index = cards.get(session)
    candidates = {i for pair in wanted for i in index.get(pair, ())}
    for card, keywords, name, summary in (kept[i] for i in sorted(candidates)):
        score = sum(3 * len(k) for k in keywords if k in said) + 2 * len(name & wanted) + 0.5 * len(summary & wanted)
        if score > best_score:
            best, best_score = card, score
    if best is None:
        return None
    summary = best["summary"][:60]
    return {
        "articles": [
            {
                "title": f"办事指南：{best['name']}",
                "description": f"{summary}\n您的留言也已转给工作人员。",
                "url": f"{base}/h5/services/{best['id']}",
                "image": "",
            }
        ]
    }


_last_refresh = {"at": None}


def refresh_due():
    at = _last_refresh["at"]
    return at is None or time.monotonic() - at >= REFRESH_SECONDS


def refreshed():
    _last_refresh["at"] = time.monotonic()
    cards.drop()


def keep(session, services):
    """Upsert these service types (content's ServiceTypeSummary shape)."""
    now = datetime.now(UTC)
    rows = [
        {
            "service_type_id": s["id"],
            "name": s["name"][:120],
            "summary": s.get("summary") or "",
            "keywords": list(s.get("keywords") or []),
            "updated_at": now,
        }
        for s in services
    ]
    if rows:
        stmt = insert(CatalogueCard).values(rows)
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
    session.execute(delete(CatalogueCard).where(CatalogueCard.service_type_id == service_type_id))
