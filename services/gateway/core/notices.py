"""Post/redirect/get for staff forms: a POST stores what the next page must say (a confirmation, or the errors
and what was typed) and redirects; the GET shows it. Reloading never re-posts and never lands on a POST URL.

Kept in the gateway's schema, not in the cookie: a refused 2,000-character reply does not fit in one, and any
gateway replica must be able to show it.
"""

import re
import secrets
from datetime import UTC, datetime, timedelta

from flask import g, redirect, request
from nameko.exceptions import RpcTimeout, UnknownService
from sqlalchemy import delete, select

from libs.errors import Conflict, DeadlineExceeded, Forbidden, UpstreamFailed, ValidationError
from libs.logs import request_id_var
from libs.unit_of_work import UnitOfWork
from services.gateway.core.rpc import db
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


def after_post(action, back, form, done="已保存。"):
    """Run a staff form's `action()`; redirect to `back(result)` (result None when refused) with `done`, or with
    the errors and what was typed (`form`) so the page shows them again. `done` may say what happened from the
    result (a callable)."""
    try:
        result = action()
        payload, target = {"message": done(result) if callable(done) else done}, back(result)
    except (ValidationError, Forbidden, Conflict, UpstreamFailed) as exc:
        payload, target = {"errors": exc.details.get("fields") or {"_": exc.message}, "form": form}, back(None)
    except (RpcTimeout, UnknownService, DeadlineExceeded):
        busy = f"系统繁忙，未能保存，请稍后重试（内容已保留）。错误编号：{request_id_var.get()}"
        payload, target = {"errors": {"_": busy}, "form": form}, back(None)
    path, hash_, fragment = target.partition("#")
    path = _without_notice(path)  # a page sent back to itself carries one notice: this one
    separator = "&" if "?" in path else "?"
    return redirect(f"{path}{separator}notice={put(db(), g.actor.id, payload)}{hash_}{fragment}", code=303)


def _without_notice(path):
    base, _, query = path.partition("?")
    kept = [part for part in query.split("&") if part and not part.startswith("notice=")]
    return base + ("?" + "&".join(kept) if kept else "")


def shown(session=None):
    """What the page at hand must say: the notice its redirect named, for the staff member signed in."""
    return get(session or db(), g.actor.id, request.args.get("notice", ""))
