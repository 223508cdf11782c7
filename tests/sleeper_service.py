"""A service for tests only: it holds a database connection for a while, through the same Database provider and
psycopg settings as every real service, so a test can prove slow queries do not block a service's green threads.
(Kept out of the real services: no production RPC lets a caller hold a connection.)"""

from sqlalchemy import text

from libs.service import ServiceBase, rpc


class SleeperService(ServiceBase):
    name = "sleeper"

    @rpc
    def sleep(self, seconds):
        self.db.execute(text("SELECT pg_sleep(:s)"), {"s": min(max(float(seconds), 0.0), 1.0)})
        return True
