"""How gateway code reaches the services and its own schema: `call()` (`call_download()` for files) and `db()`.

`call()` goes through the app's RPC pool as the request's actor (the signed-in staff member or the citizen of
the H5 session, set by core/auth.py), with the request id and a deadline: a service drops a request whose
caller gave up (libs/service.py `Rpc`).
"""

from flask import current_app, g


def call(service, method, *args, **kwargs):
    return current_app.extensions["rpc"].call_as(g.get("actor"), service, method, *args, **kwargs)


def call_download(service, method, *args, **kwargs):
    """A call that builds a file staff download: the downloads pool, with GATEWAY.DOWNLOAD_TIMEOUT to finish."""
    return current_app.extensions["rpc_downloads"].call_as(g.get("actor"), service, method, *args, **kwargs)


def db():
    """This request's session on the gateway's own schema (closed at the end of the request)."""
    if "db" not in g:
        g.db = current_app.extensions["db"]()
    return g.db
