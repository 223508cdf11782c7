"""What each messaging replica keeps in memory to answer a message without reading it again (reply rules and
settings, the blacklist, operator bindings), kept in step across replicas.

Each cache also lives only seconds, but an operator who saves a rule expects the next message to get it, on
whichever replica takes it. So every change bumps its account's `version` in the same transaction, and every
message reads that version in the round trip that stores it (domain.record_inbound): a replica that sees a version
other than the one its caches were built at drops them before answering.
"""

import threading

from sqlalchemy import update

from services.messaging.models import Account

_lock = threading.Lock()
_seen = {}  # account id → the version this process's caches were built at


def changed(session, account_id):
    """In the transaction that changes what the caches hold: every replica rebuilds them at its next message."""
    session.execute(update(Account).where(Account.id == account_id).values(version=Account.version + 1))


def current(account_id):
    """The version a cache entry built now is stamped with: one built from reads begun before a change carries the
    older version, so it is not kept once a message has seen the change."""
    return _seen.get(account_id)


def observe(account_id, version):
    """Called with the version a message read: drop this process's caches of the account if it moved on."""
    if _seen.get(account_id) == version:
        return
    from services.messaging import assistant, followers, replies

    replies.cache.drop(account_id)
    followers.blacklist_cache.drop(account_id)
    assistant.bindings.drop()
    with _lock:
        _seen[account_id] = version
