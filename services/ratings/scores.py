"""Scores from counted ratings of the last twelve months: a Bayesian average, so a department with 3 ratings does not
outrank one with 3,000 — each department's mean is pulled toward the mean of all departments by PRIOR_WEIGHT
imaginary ratings: (C·m + Σstars) / (C + n). Trends by month, a tag cloud, and the scorecard that puts the ratings
beside the case figures cases publishes."""

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from services.ratings import comments, copies, impressions
from services.ratings.models import ImpressionTag, Rating

MONTHS = 12
TAGS = text(
    "SELECT t, count(*) FROM ratings.ratings r CROSS JOIN LATERAL unnest(r.tag_ids) t"
    " WHERE r.department_id = :d AND r.status = 'counted' AND NOT r.withdrawn AND r.month >= :since GROUP BY t"
)


def _since(now=None):
    now = (now or datetime.now(UTC)).astimezone(impressions.LOCAL_TZ)
    year, month = now.year, now.month - (MONTHS - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}"


def _counted(since):
    return (Rating.status == "counted", Rating.withdrawn.is_(False), Rating.month >= since)


def trend(session, months=6):
    """The counted ratings' mean stars per department and month, the last `months` months (public figures)."""
    months = max(1, min(int(months), MONTHS))
    now = datetime.now(UTC).astimezone(impressions.LOCAL_TZ)
    span = []
    year, month = now.year, now.month
    for _ in range(months):
        span.insert(0, f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    rows = session.execute(
        select(Rating.department_id, Rating.month, func.count(), func.avg(Rating.stars))
        .where(*_counted(span[0]))
        .group_by(Rating.department_id, Rating.month)
    ).all()
    cells = {(d, m): (n, float(a)) for d, m, n, a in rows}
    names = {dept.id: dept.name for dept in copies.departments(session)}
    series = []
    for dept_id in sorted({d for d, _m in cells}):
        values = [round(cells[(dept_id, m)][1], 2) if (dept_id, m) in cells else None for m in span]
        counts = [cells.get((dept_id, m), (0, 0))[0] for m in span]
        # a department content has not been copied over yet is still shown, by its number
        series.append(
            {
                "department_id": dept_id,
                "name": names.get(dept_id, f"部门{dept_id}"),
                "values": values,
                "ratings": counts,
            }
        )
    return {"months": span, "series": series}


def board(session, prior_weight):
    """Every department with its Bayesian score, ranked (those with no rating yet last)."""
    since = _since()
    sums = {
        d: (n, s)
        for d, n, s in session.execute(
            select(Rating.department_id, func.count(), func.sum(Rating.stars))
            .where(*_counted(since))
            .group_by(Rating.department_id)
        )
    }
    total_n = sum(n for n, _s in sums.values())
    prior = (sum(s for _n, s in sums.values()) / total_n) if total_n else 3.0
    rows = []
    for dept in copies.departments(session):
        n, s = sums.get(dept.id, (0, 0))
        rows.append(
            {
                "department_id": dept.id,
                "department_name": dept.name,
                "ratings": n,
                "average": round(s / n, 2) if n else None,
                "score": round((prior_weight * prior + s) / (prior_weight + n), 2) if n else None,
            }
        )
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["ratings"], r["department_id"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank if row["score"] is not None else None
    return {"prior_mean": round(prior, 2), "prior_weight": prior_weight, "departments": rows}


def scorecard(session, department_id, prior_weight):
    dept = copies.department(session, department_id)
    since = _since()
    where = (Rating.department_id == dept.id, *_counted(since))
    entry = next(r for r in board(session, prior_weight)["departments"] if r["department_id"] == dept.id)
    stars = dict(session.execute(select(Rating.stars, func.count()).where(*where).group_by(Rating.stars)).all())
    trend = [
        {"month": m, "ratings": n, "average": round(float(a), 2)}
        for m, n, a in session.execute(
            select(Rating.month, func.count(), func.avg(Rating.stars))
            .where(*where)
            .group_by(Rating.month)
            .order_by(Rating.month)
        )
    ]
    counted = dict(session.execute(TAGS, {"d": dept.id, "since": since}).all())
    cloud = []
    top = max(counted.values(), default=0)
    for t in session.scalars(select(ImpressionTag).order_by(ImpressionTag.sort_order, ImpressionTag.id)):
        if counted.get(t.id):
            # 1–5: the size a tag is drawn at, by its share of the most picked one
            weight = 1 + round(4 * counted[t.id] / top)
            cloud.append({"label": t.label, "tone": t.tone, "count": counted[t.id], "weight": weight})
    cases = copies.latest_case_stats(session, dept.id)
    commented = comments.counts(session, dept.id)
    return entry | {
        "stars": [{"stars": s, "label": f"{s}星", "count": stars.get(s, 0)} for s in range(5, 0, -1)],
        "trend": trend,
        "tags": cloud,
        "cases": None
        if cases is None
        else {
            "period": cases.period,
            "received": cases.received,
            "closed": cases.closed,
            "on_time_rate": cases.on_time_rate,
            "satisfaction_rate": cases.satisfaction_rate,
            "overdue": cases.overdue,
        },
        "officials": [
            {"name": name, "title": title, "comments": commented.get(name, 0)} for name, title in copies.leaders(dept)
        ],
        "comments": impressions.public_comments(session, dept.id),
    }
