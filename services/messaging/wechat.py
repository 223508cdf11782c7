"""messaging's door to the WeChat API: a wechatpy client per worker over one token store for all replicas."""

import contextlib
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import requests
from nameko.extensions import DependencyProvider
from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from wechatpy import WeChatClient
from wechatpy.session import SessionStorage

from libs.auth import Actor
from libs.db import release_engine, service_engine
from libs.errors import NotFound
from libs.wechat.accounts import configured
from libs.wechat.client import make_client, point_at
from services.messaging.models import MAIN_ACCOUNT, Account, StoredToken

log = logging.getLogger(__name__)
# refresh a minute early so no call goes out with a token that expires in flight
EARLY_REFRESH = timedelta(seconds=60)


LOCK_POLL = 0.05


class PgTokenStorage(SessionStorage):
    """Connections are a budget: a replica refreshing the token holds one (the lock's, also used to read and write
    the token), and replicas or workers waiting for it hold none while they wait.

    Each process keeps the token it read last and uses it until a minute before it expires, so a message costs no
    database read. A token another replica refreshed meanwhile is rejected by WeChat (40001); wechatpy then calls
    fetch_access_token(), which reads the store under the lock (never this copy) and finds the new one.
    """

    def __init__(self, engine):
        self.engine = engine
        self._local = threading.local()  # green-thread local under nameko's monkey patching
        self._known = {}  # key → (value, expires_at) as last read or written by this process

    @contextlib.contextmanager
    def _conn(self):
        held = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with self.engine.begin() as conn:
            yield conn

    @staticmethod
    def _fresh(expires_at):
        return expires_at is None or expires_at - EARLY_REFRESH >= datetime.now(UTC)

    def get(self, key, default=None):
        known = self._known.get(key)
        if known is not None and getattr(self._local, "conn", None) is None and self._fresh(known[1]):
            return known[0]
        with self._conn() as conn:
            row = conn.execute(select(StoredToken).where(StoredToken.key == key)).first()
        if row is None or not self._fresh(row.expires_at):
            self._known.pop(key, None)
            return default
        self._known[key] = (row.value, row.expires_at)
        return row.value

    def set(self, key, value, ttl=None):
        expires = datetime.now(UTC) + timedelta(seconds=ttl) if ttl else None
        stmt = insert(StoredToken).values(key=key, value=value, expires_at=expires)
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value, "expires_at": expires})
        with self._conn() as conn:
            conn.execute(stmt)
        self._known[key] = (value, expires)

    def delete(self, key):
        self._known.pop(key, None)
        with self._conn() as conn:
            conn.execute(delete(StoredToken).where(StoredToken.key == key))

    @contextlib.contextmanager
    def refresh_lock(self, key, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            conn = self.engine.connect()
            if conn.execute(text("SELECT pg_try_advisory_lock(hashtext(:k))"), {"k": key}).scalar():
                break
            conn.close()
            if time.monotonic() > deadline:
                raise TimeoutError("the access token refresh lock is held too long")
            time.sleep(LOCK_POLL)
        conn.commit()
        self._local.conn = conn
        try:
            yield
        finally:
            self._local.conn = None
            try:
                conn.commit()
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": key})
                conn.commit()
            finally:
                conn.close()


class SharedTokenClient(WeChatClient):
    """Refreshing the token invalidates the old one, so only one replica refreshes; the others reuse it. Each
    Official Account has its own token (wechatpy keys it by AppID).

    wechatpy calls fetch_access_token() both when it has no token and when WeChat rejected the one it used
    (40001/42001). Only a stored token other than the rejected one is reused; otherwise a new one is fetched.
    """

    account_id = None
    provider = None

    @property
    def _used_token(self):
        """The token this worker's call used: one client serves every worker of the process (green threads), and
        what one worker saw rejected says nothing of the token another worker is about to use."""
        return getattr(self._calls(), "token", None)

    @_used_token.setter
    def _used_token(self, token):
        self._calls().token = token

    def _calls(self):
        local = self.__dict__.get("_local_calls")
        if local is None:
            local = self.__dict__["_local_calls"] = threading.local()
        return local

    def of(self, account_id):
        """The client of another Official Account (the same one when it is this one's)."""
        return self if account_id in (None, self.account_id) else self.provider.client(account_id)

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
    """`self.wechat`: a client for the Official Account the caller acts on (an operator's chosen account; the main
    one otherwise); `.of(account_id)` gives another account's (a notification goes by the follower's account, a
    timer's step by its row's)."""

    def setup(self):
        self.config = self.container.config["WECHAT"]
        self.engine = service_engine(self.container)
        self.storage = PgTokenStorage(self.engine)
        # one HTTP session for every worker's client: its connections to WeChat are kept open and reused
        self.http = requests.Session()
        point_at(self.http, self.config.get("API_BASE"))
        self.accounts = AccountDirectory(self.engine, configured(self.container.config))
        self.clients = {}

    def client(self, account_id):
        """The account's client, made once per process: building one per worker cost more than many calls."""
        made = self.clients.get(account_id)
        if made is not None:
            return made
        account = self.accounts.by_id.get(account_id)
        if account is None:
            raise NotFound("wechat_account_not_found", "公众号不存在")
        made = make_client(
            account.wechat_config(self.config), self.storage, client_cls=SharedTokenClient, http=self.http
        )
        made.account_id, made.provider = account_id, self
        self.clients[account_id] = made
        return made

    def stop(self):
        self.http.close()
        if self.engine is not None:
            release_engine(self.engine)
            self.engine = None

    kill = stop  # nameko calls kill(), not stop(), when a container is killed

    def get_dependency(self, worker_ctx):
        actor = Actor.from_header(worker_ctx.context_data.get("actor"))
        return self.client(self.accounts.by_code.get(actor.account, MAIN_ACCOUNT))


class AccountDirectory:
    """The configured accounts and their ids in `messaging.accounts`: a configured account without a row gets one
    at start (under a lock: replicas start together), a row keeps its id for good (every table refers to it)."""

    def __init__(self, engine, configs):
        self.configs = configs
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('messaging.accounts'))"))
            rows = dict(conn.execute(select(Account.code, Account.id)).tuples().all())
            for code, account in configs.items():
                if code not in rows:
                    next_id = (max(rows.values()) if rows else 0) + 1
                    conn.execute(
                        insert(Account).values(id=next_id, code=code, name=account.name, created_at=datetime.now(UTC))
                    )
                    rows[code] = next_id
                else:
                    conn.execute(Account.__table__.update().where(Account.code == code).values(name=account.name))
        self.by_code = {code: rows[code] for code in configs}
        self.by_id = {rows[code]: account for code, account in configs.items()}
        self.code_of = {i: code for code, i in self.by_code.items()}


# WeChat's return codes that operators meet, said in Chinese (the global return code table of the Official
# Account platform); anything else is shown with WeChat's own errmsg
REASONS = {
    -1: "微信系统繁忙，请稍后再试",
    40001: "access_token 无效（已自动刷新，请重试）",
    40003: "openid 无效",
    40013: "AppID 无效",
    40016: "一级菜单个数不正确（1至3个）",
    40017: "菜单类型不正确",
    40018: "一级菜单名称过长",
    40019: "菜单 key 过长",
    40020: "菜单链接过长",
    40023: "子菜单个数不正确（1至5个）",
    40024: "子菜单类型不正确",
    40025: "子菜单名称过长",
    40026: "子菜单 key 过长",
    40027: "子菜单链接过长",
    40054: "子菜单链接的域名不合法",
    40055: "菜单链接的域名不合法",
    42001: "access_token 已过期",
    43004: "对方没有关注公众号",
    45009: "接口调用次数已达今日上限",
    45015: "已超过48小时客服消息时限",
    45047: "客服消息条数已达上限",
    46003: "公众号还没有菜单",
    47001: "数据格式错误",
    48001: "公众号没有此接口的权限",
    40004: "不支持的素材类型",
    40005: "文件格式不符合微信的要求",
    40006: "文件大小不符合微信的要求",
    40007: "素材不存在或已过期",
    41005: "没有收到素材文件",
    45002: "正文超过微信的长度限制",
    45003: "标题超过微信的长度限制",
    45004: "摘要超过微信的长度限制",
    45005: "原文链接过长",
    45110: "作者超过微信的长度限制",
    53503: "该草稿未通过发布检查",
    53505: "请在公众平台手动保存后再发表",
}


def reason(exc):
    """Why a WeChat call failed, in Chinese, with WeChat's code for whoever asks WeChat about it."""
    code = getattr(exc, "errcode", None)
    if code is None:
        return "无法连接微信服务器，请稍后再试"
    known = REASONS.get(code)
    return f"{known}（微信错误码 {code}）" if known else f"微信返回错误 {code}：{getattr(exc, 'errmsg', '')}"[:200]
