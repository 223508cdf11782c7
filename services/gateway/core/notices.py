"""Post/redirect/get for staff forms: a POST stores what the next page must say (a confirmation, or the errors
and what was typed) and redirects; the GET shows it. Reloading never re-posts and never lands on a POST URL.

Kept in the gateway's schema, not in the cookie: a refused 2,000-character reply does not fit in one, and any
gateway replica must be able to show it.
"""

import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from libs.unit_of_work import UnitOfWork
from services.gateway.models import PageNotice
from services.gateway.staff.accounts import GATEWAY

TTL = timedelta(minutes=30)
KEY = re.compile(r"^[A-Za-z0-9_-]{8,32}$")


def put(session, owner, payload):
    """Store `payload` for `owner` (the staff member's id); returns the key to put in the redirect URL."""
    key = secrets.token_urlsafe(12)
    now = datetime.now(UTC)
    with UnitOfWork(session, GATEWAY):
        session.add(PageNotice(key=key, owner=str(owner), payload=payload, created_at=now))
        session.execute(delete(PageNotice).where(PageNotice.created_at < now - TTL))
    return key


def get(session, owner, key):
    """What was stored under `key` for this owner (another staff member's key shows nothing)."""
    if not KEY.match(key or ""):
        return {}
    row = session.scalar(
        select(PageNotice).where(
            PageNotice.key == key, PageNotice.owner == str(owner), PageNotice.created_at > datetime.now(UTC) - TTL
        )
    )
    return row.payload if row else {}
