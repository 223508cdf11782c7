"""The health RPC every service answers: the process is up and its database answers."""

from sqlalchemy import text


def check(service_name, session):
    session.execute(text("SELECT 1"))
    return {"service": service_name, "ok": True}
