"""Case numbers: kind prefix + local date + a daily sequence, e.g. TS202611260001.

The counter row is incremented in the same transaction that inserts the case, so the row lock serializes
concurrent creators on every replica and a rolled-back case gives its number back: no duplicates, no gaps.
"""

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert

from libs.clock import today
from services.cases.models import CaseCounter

PREFIX = {"complaint": "TS", "inquiry": "ZX", "suggestion": "JY"}
APPOINTMENT_PREFIX = "YY"  # 服务预约: numbered the same way, but not a case


_NEXT = (
    insert(CaseCounter)
    .values(kind=bindparam("kind"), day=bindparam("day"), last=1)
    .on_conflict_do_update(index_elements=["kind", "day"], set_={"last": CaseCounter.last + 1})
    .returning(CaseCounter.last)
)  # built once: every filing runs it


def next_number(session, kind, day=None):
    day = day or today()
    seq = session.execute(_NEXT, {"kind": kind, "day": day}).scalar_one()
    prefix = APPOINTMENT_PREFIX if kind == "appointment" else PREFIX[kind]
    return f"{prefix}{day:%Y%m%d}{seq:04d}"
