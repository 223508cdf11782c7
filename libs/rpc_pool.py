"""A thread-safe pool of nameko ClusterRpcProxy objects for code outside nameko (the gateway, tools, tests).

One proxy shared by threads deadlocks (its reply consumer is single-threaded), so each thread checks one out.
Each call carries, in nameko's context data: the request id, the actor it is made for (`call_as`), and, when
the pool `expires` its calls, a deadline: a service does not start a request whose caller has already given up.
A proxy whose call failed for a reason other than a remote application error (timeout, connection) may hold
a half-read reply, so it is discarded and replaced rather than returned to the pool.
"""

import contextlib
import logging
import queue
import threading
import time

from nameko.exceptions import RemoteError, RpcTimeout
from nameko.standalone.rpc import ClusterRpcProxy

from libs.errors import AppError
from libs.logs import request_id_var

log = logging.getLogger(__name__)


class RpcPool:
    def __init__(self, config, size=8, timeout=5.0, expire=True):
        self.config = config
        self.size = size
        self.timeout = timeout
        self.expire = expire
        self._idle = queue.LifoQueue()
        self._created = 0
        self._lock = threading.Lock()

    def _new(self):
        runner = ClusterRpcProxy(self.config, timeout=self.timeout)
        proxy = runner.start()
        return runner, proxy

    def _checkout(self, wait):
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._created < self.size:
                self._created += 1
                try:
                    return self._new()
                except Exception:
                    self._created -= 1
                    raise
        try:
            return self._idle.get(timeout=wait)
        except queue.Empty:
            # every proxy busy for as long as a call may take: the same answer as a call that timed out (503)
            raise RpcTimeout(f"no free RPC proxy within {wait}s") from None

    def _discard(self, item):
        with self._lock:
            self._created -= 1
        with contextlib.suppress(Exception):
            item[0].stop()

    @contextlib.contextmanager
    def proxy(self, request_id=None, actor=None):
        item = self._checkout(wait=self.timeout)
        runner, proxy = item
        # the standalone proxy sends its worker context data as headers on every call; a pooled proxy keeps the
        # last caller's, so every key is set (or removed) anew
        data = runner._worker_ctx.data
        data["request_id"] = request_id or request_id_var.get()
        _set(data, "actor", actor.to_header() if actor is not None else None)
        _set(data, "deadline", time.time() + self.timeout if self.expire else None)
        try:
            yield proxy
        except (AppError, RemoteError):
            self._idle.put(item)
            raise
        except BaseException:
            self._discard(item)
            raise
        else:
            self._idle.put(item)

    def call(self, service, method, *args, **kwargs):
        """An anonymous call (no actor): public reads, health checks."""
        with self.proxy() as proxy:
            return getattr(proxy[service], method)(*args, **kwargs)

    def call_as(self, actor, service, method, *args, **kwargs):
        with self.proxy(actor=actor) as proxy:
            return getattr(proxy[service], method)(*args, **kwargs)

    def close(self):
        while True:
            try:
                item = self._idle.get_nowait()
            except queue.Empty:
                break
            self._discard(item)


def _set(data, key, value):
    # nameko warns about (and drops) None headers: absent is the way to say "none"
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
