"""The request id that travels gateway -> RPC -> events, and the one log line per request or worker.

The gateway puts `request_id` into nameko's context data; nameko carries context data as message headers
on RPC calls and event dispatches, so every worker downstream sees the same id.
"""

import contextvars
import logging
import time
import uuid

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

request_id_var = contextvars.ContextVar("request_id", default="-")
log = logging.getLogger("wzw.worker")


def new_request_id():
    return uuid.uuid4().hex[:16]


class ExpectedErrorFilter(logging.Filter):
    """nameko logs an entrypoint's expected exceptions (refusals: bad input, no permission) with their traceback;
    a refusal is an answer, so its line stays and the traceback goes."""

    def filter(self, record):
        if isinstance(record.msg, str) and record.msg.startswith("(expected)"):
            record.exc_info = None
            record.exc_text = None
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class RequestLogging(DependencyProvider):
    """Binds the worker's request id for its log lines and logs one line when the worker ends."""

    def setup(self):
        self._started = {}

    def get_dependency(self, worker_ctx):
        return worker_ctx.context_data.get("request_id") or "-"

    def worker_setup(self, worker_ctx):
        request_id_var.set(worker_ctx.context_data.get("request_id") or new_request_id())
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        took = (time.perf_counter() - self._started.pop(worker_ctx, time.perf_counter())) * 1000
        outcome = "ok" if exc_info is None else f"error {exc_info[0].__name__}"
        # housekeeping timers would drown the request lines; they still log at DEBUG and on error
        quiet = isinstance(worker_ctx.entrypoint, Timer) and exc_info is None
        log.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s.%s %s %.1fms",
            worker_ctx.service_name,
            worker_ctx.entrypoint.method_name,
            outcome,
            took,
        )
