"""Duplicate hints: open cases like a new one (same service type, department or accused party, similar words,
filed in the last 30 days), found before filing and on the desk, so one problem is handled once (staff merge).

Similarity is the overlap of character pairs (bigrams), which works for Chinese without a word segmenter:
"小区门口垃圾满溢" and "垃圾桶满溢没人清运" share 垃圾, 满溢. Citizens see only their own similar cases and how
many others there are; staff see all of them.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select

from services.cases import schemas
from services.cases.models import Case

WINDOW = timedelta(days=30)
THRESHOLD = 0.3
MIN_SHARED = 6  # character pairs two texts must share: a short probe ("王五王五…") matches nothing
MIN_PROBE = 8  # distinct pairs a text needs before it is compared at all
CANDIDATES = 200


def bigrams(text):
    chars = [c for c in (text or "") if not c.isspace() and c not in "，。！？、；：,.!?;:（）()“”\"'"]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def similarity(a, b):
    """How much two texts share: of the shorter one's character pairs, the part found in the other — 0 unless they
    share at least MIN_SHARED pairs and the first has MIN_PROBE of its own (so that probing with a name or a few
    characters reveals nothing of other citizens' cases)."""
    x, y = bigrams(a), bigrams(b)
    shared = len(x & y)
    if len(x) < MIN_PROBE or not y or shared < MIN_SHARED:
        return 0.0
    return shared / min(len(x), len(y))


def similar(session, kind, content, accused="", department_id=None, service_type_id=None, exclude_id=None):
    """[(case, score)] best first."""
    same = [Case.kind == kind]
    if department_id is not None:
        same.append(Case.department_id == department_id)
    if service_type_id is not None:
        same.append(Case.service_type_id == service_type_id)
    if accused:
        same.append(Case.accused == accused)
    stmt = (
        select(Case)
        .where(
            Case.status.in_(schemas.OPEN_STATUSES),
            Case.created_at > datetime.now(UTC) - WINDOW,
            and_(same[0], or_(*same[1:])) if len(same) > 1 else same[0],
        )
        .order_by(Case.id.desc())
        .limit(CANDIDATES)
    )
    if exclude_id is not None:
        stmt = stmt.where(Case.id != exclude_id)
    text = f"{accused} {content}"
    scored = [(c, similarity(text, f"{c.accused} {c.content}")) for c in session.scalars(stmt)]
    return sorted([(c, s) for c, s in scored if s >= THRESHOLD], key=lambda cs: -cs[1])


def for_citizen(session, actor, data, request_id=None):
    """Before filing: the citizen's own similar open cases (number, status), and how many others there are.
    A form sent again with the request id of a case it already filed gets no hints: it is that case."""
    clean = schemas.validate(schemas.DuplicateQuery, data)
    if request_id and session.scalar(select(Case.id).where(Case.request_id == str(request_id)[:64])) is not None:
        return {"own": [], "others": 0}
    found = similar(session, clean.kind, clean.content, clean.accused, clean.department_id, clean.service_type_id)
    own = [schemas.public_view(c) for c, _ in found if c.openid == actor.id]
    return {"own": own[:5], "others": len(found) - len(own)}


def for_staff(session, case):
    found = similar(
        session, case.kind, case.content, case.accused, case.department_id, case.service_type_id, exclude_id=case.id
    )
    return [
        schemas.DuplicateHint(**schemas.summary(c), score=round(score, 2)).model_dump(mode="json")
        for c, score in found[:5]
    ]
