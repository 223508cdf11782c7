"""Which departments exist: content owns them; cases asks it and remembers the answer for a minute.

A department id cases has not seen makes it ask again at once (a department added a second ago is accepted); a
known id is trusted for up to TTL seconds. Each process keeps its own copy, so nothing depends on one replica.
"""

import time

TTL = 60.0


class KnownDepartments:
    def __init__(self):
        self.ids = frozenset()
        self.fetched_at = 0.0

    def exists(self, department_id, fetch):
        """`fetch()` returns content's department list."""
        fresh = time.monotonic() - self.fetched_at < TTL
        if fresh and department_id in self.ids:
            return True
        self.ids = frozenset(d["id"] for d in fetch())
        self.fetched_at = time.monotonic()
        return department_id in self.ids
