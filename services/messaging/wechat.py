"""messaging's door to the WeChat API: a wechatpy client per worker over one token store for all replicas."""

import contextlib
import logging
from datetime import UTC, datetime, timedelta

from nameko.extensions import DependencyProvider
from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from wechatpy import WeChatClient
from wechatpy.session import SessionStorage

from libs.db import make_engine
from libs.wechat.client import make_client
from services.messaging.models import StoredToken

log = logging.getLogger(__name__)
# refresh a minute early so no call goes out with a token that expires in flight
EARLY_REFRESH = timedelta(seconds=60)


class PgTokenStorage(SessionStorage):
    def __init__(self, engine):
        self.engine = engine

    def get(self, key, default=None):
        with self.engine.connect() as conn:
            row = conn.execute(select(StoredToken).where(StoredToken.key == key)).first()
        if row is None or (row.expires_at and row.expires_at - EARLY_REFRESH < datetime.now(UTC)):
            return default
        return row.value

    def set(self, key, value, ttl=None):
        expires = datetime.now(UTC) + timedelta(seconds=ttl) if ttl else None
        stmt = insert(StoredToken).values(key=key, value=value, expires_at=expires)
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value, "expires_at": expires})
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def delete(self, key):
        with self.engine.begin() as conn:
            conn.execute(delete(StoredToken).where(StoredToken.key == key))

    @contextlib.contextmanager
    def refresh_lock(self, key):
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(hashtext(:k))"), {"k": key})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": key})
                conn.commit()


class SharedTokenClient(WeChatClient):
    """Refreshing the token invalidates the old one, so only one replica refreshes; the others reuse it.

    wechatpy calls fetch_access_token() both when it has no token and when WeChat rejected the one it used
    (40001/42001). Only a stored token other than the rejected one is reused; otherwise a new one is fetched.
    """

    _used_token = None

    @property
    def access_token(self):
        self._used_token = WeChatClient.access_token.fget(self)
        return self._used_token

    def fetch_access_token(self):
        with self.session.refresh_lock(self.access_token_key):
            token = self.session.get(self.access_token_key)
            if token and token != self._used_token:  # another replica refreshed it meanwhile
                self._used_token = token
                return {"access_token": token}
            result = super().fetch_access_token()
            self._used_token = result["access_token"]
            return result


class WeChatApi(DependencyProvider):
    def setup(self):
        self.config = self.container.config["WECHAT"]
        # a worker waiting for the refresh lock holds a connection, and the one refreshing needs two
        max_workers = int(self.container.config.get("max_workers", 10))
        self.engine = make_engine(self.container.config["DATABASE_URL"], pool_size=max_workers)
        self.storage = PgTokenStorage(self.engine)

    def stop(self):
        self.engine.dispose()

    kill = stop  # nameko calls kill(), not stop(), when a container is killed

    def get_dependency(self, worker_ctx):
        return make_client(self.config, self.storage, client_cls=SharedTokenClient)
