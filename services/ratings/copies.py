"""What ratings keeps of other services' facts, so that rating a department never waits on another service:
content's departments and leaders (who can be rated and commented on), messaging's follow times (who is a new
follower), cases' monthly figures (the scorecards' 按时办结率 and 满意率)."""

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from libs.errors import NotFound
from libs.schemas import MAX_INT, is_id
from services.ratings.models import Department, DepartmentCaseStats, Follower, FollowerBackfill


def _row(detail, position):
    leaders = [f"{x['name']}|{x['title']}" for x in detail.get("leaders") or []]
    return {"id": detail["id"], "name": detail["name"], "leaders": leaders, "sort_order": position}


def keep_departments(session, details):
    """content's departments (each with its leaders) as they are now: added, changed, and those gone removed."""
    now = datetime.now(UTC)
    rows = [_row(d, i) | {"updated_at": now} for i, d in enumerate(details)]
    if rows:
        stmt = insert(Department).values(rows)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[Department.id],
                set_={k: stmt.excluded[k] for k in ("name", "leaders", "sort_order", "updated_at")},
            )
        )
    session.execute(delete(Department).where(Department.id.not_in([r["id"] for r in rows] or [0])))


def keep_department(session, detail):
    now = datetime.now(UTC)
    known = session.get(Department, detail["id"])
    position = known.sort_order if known else 0
    stmt = insert(Department).values(_row(detail, position) | {"updated_at": now})
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Department.id], set_={"name": stmt.excluded.name, "leaders": stmt.excluded.leaders}
        )
    )


def forget_department(session, department_id):
    session.execute(delete(Department).where(Department.id == department_id))


def department(session, department_id):
    found = session.get(Department, department_id) if is_id(department_id, MAX_INT) else None
    if found is None:
        raise NotFound("department_not_found", "部门不存在")
    return found


def leaders(dept):
    """[(name, title)] of a department, in content's order."""
    return [tuple(x.split("|", 1)) for x in dept.leaders]


def departments(session):
    return session.scalars(select(Department).order_by(Department.sort_order, Department.id)).all()


def followed(session, openid, at):
    stmt = insert(Follower).values(openid=openid, followed_at=at)
    session.execute(stmt.on_conflict_do_update(index_elements=[Follower.openid], set_={"followed_at": at}))


BACKFILL_PAGE = 5000


def backfill_state(session):
    """The one row saying how far the copy of messaging's follow times has come (followers from before ratings)."""
    state = session.get(FollowerBackfill, 1, with_for_update=True)
    if state is None:
        session.execute(insert(FollowerBackfill).values(id=1, after="", done=False).on_conflict_do_nothing())
        state = session.get(FollowerBackfill, 1, with_for_update=True)
    return state


def keep_follow_times(session, state, page):
    """A page of [openid, followed at] from messaging; a follow this service saw as an event is newer and stays."""
    if page:
        rows = [{"openid": openid, "followed_at": datetime.fromisoformat(at)} for openid, at in page]
        session.execute(insert(Follower).values(rows).on_conflict_do_nothing())
        state.after = page[-1][0]
    state.done = len(page) < BACKFILL_PAGE


def keep_case_stats(session, figures):
    if figures.department_id is None:
        return
    values = {
        "department_id": figures.department_id,
        "period": figures.period,
        "received": figures.received,
        "closed": figures.closed,
        "on_time_rate": figures.on_time_rate,
        "satisfaction_rate": figures.satisfaction_rate,
        "overdue": figures.overdue,
        "updated_at": datetime.now(UTC),
    }
    stmt = insert(DepartmentCaseStats).values(values)
    keep = {k: stmt.excluded[k] for k in values if k not in ("department_id", "period")}
    session.execute(stmt.on_conflict_do_update(index_elements=["department_id", "period"], set_=keep))


def latest_case_stats(session, department_id):
    return session.scalar(
        select(DepartmentCaseStats)
        .where(DepartmentCaseStats.department_id == department_id)
        .order_by(DepartmentCaseStats.period.desc())
        .limit(1)
    )
