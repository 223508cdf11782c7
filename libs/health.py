"""The health RPC every service answers: the process is up and its database answers."""

from sqlalchemy import text

MAX_PROBE_SLEEP = 1.0


def check(service_name, session, db_sleep=0):
    # db_sleep lets tests prove a slow query does not block the service's other workers (eventlet + psycopg)
    session.execute(text("SELECT pg_sleep(:s)"), {"s": min(max(float(db_sleep), 0.0), MAX_PROBE_SLEEP)})
    return {"service": service_name, "ok": True}
