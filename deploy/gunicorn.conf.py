# The gateway is I/O-bound (RPC and PostgreSQL), so threads per process; two processes show from day one
# that nothing in it depends on being the only replica.
import os

bind = os.environ.get("GATEWAY_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("GATEWAY_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GATEWAY_THREADS", "16"))
timeout = 30
accesslog = None  # the app logs one line per request, with its request id


def post_worker_init(worker):
    """Each gateway process listens for content_changed, to drop the shared page cache (core/cache.py)."""
    from services.gateway.core.cache import start_listener

    start_listener(worker.wsgi)
