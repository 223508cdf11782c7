"""Which departments exist and their names: content owns them; cases asks it and remembers the answer for a minute.

A department id cases has not seen makes it ask again at once (a department added a second ago is accepted); a
known id is trusted for up to TTL seconds. Each process keeps its own copy, so nothing depends on one replica.
"""

import time

TTL = 60.0


class KnownDepartments:
    def __init__(self):
        self.names = {}
        self.fetched_at = 0.0

    def name(self, department_id, fetch):
        """The department's name, or None if content has no such department. `fetch()` returns content's list."""
        fresh = time.monotonic() - self.fetched_at < TTL
        if fresh and department_id in self.names:
            return self.names[department_id]
        self.names = {d["id"]: d["name"] for d in fetch()}
        self.fetched_at = time.monotonic()
        return self.names.get(department_id)
