"""微投票: staff write a vote (draft → published → closed); citizens vote once, or once a day, within the choices
allowed; results show live, after voting, or after closing, as the organiser chose.

A ballot's primary key (vote, voter, period) is what makes "one vote per citizen per period" hold under any number
of parallel casts: the first insert wins, every other one finds the key taken. A ballot is that insert and nothing
else: no counter row that every cast would queue on until its commit. Results are counted from the ballots (an
index range of the vote's), kept per process for RESULTS_SECONDS for citizens' pages, live for staff.
"""

import hashlib
import hmac
import time
from datetime import UTC, datetime

from sqlalchemy import select, text

from libs.clock import today
from libs.errors import Conflict, Forbidden, NotFound, ValidationError
from libs.schemas import MAX_INT, is_id, validate
from services.surveys import schemas
from services.surveys.models import Ballot, Vote, VoteOption

DEVELOPMENT_KEY = "development-only-voter-key-not-for-production"


def voter_key(config):
    """The key of the voter hash (config SURVEYS.VOTER_KEY); only development and tests may go without one."""
    key = str((config.get("SURVEYS") or {}).get("VOTER_KEY") or "").strip()
    if key:
        if len(key) < 32:
            raise RuntimeError("SURVEYS_VOTER_KEY is too short: set 32+ random characters")
        return key
    if config.get("ENV") in ("development", "test"):
        return DEVELOPMENT_KEY
    raise RuntimeError("SURVEYS_VOTER_KEY is not set: refusing to take votes")


def voter(key, vote_id, openid):
    """A pseudonym per vote: even with the database, one citizen's ballots in different votes cannot be linked."""
    return hmac.new(key.encode(), f"vote:{vote_id}:{openid}".encode(), hashlib.sha256).hexdigest()


def _period(vote):
    return "once" if vote.period == "once" else today().isoformat()


def _is_open(vote, now=None):
    return vote.status == "published" and (now or datetime.now(UTC)) < vote.closes_at


def _vote(session, vote_id, lock=False):
    if not is_id(vote_id, MAX_INT):
        raise NotFound("vote_not_found", "投票不存在")
    query = select(Vote).where(Vote.id == vote_id)
    vote = session.scalar(query.with_for_update() if lock else query)
    if vote is None:
        raise NotFound("vote_not_found", "投票不存在")
    return vote


def _options(vote):
    return [
        {"id": o.id, "label": o.label, "image_url": o.image_url, "position": o.position}
        for o in sorted(vote.options, key=lambda o: o.position)
    ]


COUNTS = text(
    """
    SELECT b.vote_id, o.option_id, count(*)
    FROM surveys.ballots b CROSS JOIN LATERAL unnest(b.option_ids) AS o(option_id)
    WHERE b.vote_id = ANY(:votes) GROUP BY 1, 2
    """
)
BALLOTS = text("SELECT vote_id, count(*) FROM surveys.ballots WHERE vote_id = ANY(:votes) GROUP BY 1")


def _tallies(session, votes):
    """{vote id: (ballots, {option id: votes})} for these votes, in two grouped queries."""
    ids = [v.id for v in votes]
    if not ids:
        return {}
    ballots = dict(session.execute(BALLOTS, {"votes": ids}).all())
    counts = {}
    for vote_id, option_id, count in session.execute(COUNTS, {"votes": ids}):
        counts.setdefault(vote_id, {})[option_id] = count
    return {i: (ballots.get(i, 0), counts.get(i, {})) for i in ids}


def _results(vote, tally):
    total, counts = tally
    rows = []
    for o in sorted(vote.options, key=lambda o: o.position):
        votes = counts.get(o.id, 0)
        share = round(votes * 100 / total, 1) if total else 0.0
        rows.append({"option_id": o.id, "label": o.label, "votes": votes, "percent": share})
    return {"ballots": total, "options": rows}


# Citizens' pages show results counted at most RESULTS_SECONDS ago (a cast in this process recounts its vote at
# once); staff always see the count as it stands.
PUBLIC_TALLIES = {}
RESULTS_SECONDS = 5.0


def _public_tally(session, vote):
    now = time.monotonic()
    kept = PUBLIC_TALLIES.get(vote.id)
    if kept is None or now - kept[0] > RESULTS_SECONDS:
        if len(PUBLIC_TALLIES) >= MAX_RULES:
            PUBLIC_TALLIES.clear()
        kept = PUBLIC_TALLIES[vote.id] = (now, _tallies(session, [vote])[vote.id])
    return kept[1]


def _common(vote):
    """What staff and citizens both see of a vote."""
    return {
        "id": vote.id,
        "title": vote.title,
        "description": vote.description,
        "max_choices": vote.max_choices,
        "period": vote.period,
        "period_label": schemas.PERIOD_LABELS[vote.period],
        "results_label": schemas.RESULTS_LABELS[vote.results],
        "open": _is_open(vote),
        "closes_at": vote.closes_at.isoformat(),
        "options": _options(vote),
    }


def staff_view(session, vote, tally=None):
    return _common(vote) | {
        "results_visibility": vote.results,
        "status": vote.status,
        "status_label": schemas.STATUS_LABELS[vote.status],
        "published_at": vote.published_at.isoformat() if vote.published_at else None,
        "created_at": vote.created_at.isoformat(),
        # staff see the count as it goes, whatever citizens are shown
        "results": _results(vote, tally or _tallies(session, [vote])[vote.id]),
    }


def citizen_view(session, vote, key, openid):
    """What a citizen sees: the vote, whether they may vote now, and the results if the organiser lets them."""
    mine = None
    if openid:
        mine = session.scalar(
            select(Ballot.option_ids).where(
                Ballot.vote_id == vote.id,
                Ballot.voter == voter(key, vote.id, openid),
                Ballot.period_key == _period(vote),
            )
        )
    view, voted = _common(vote), mine is not None
    shown = vote.results == "live" or (vote.results == "after_vote" and voted) or not view["open"]
    return view | {
        "voted": voted,
        "my_choices": list(mine or []),
        "results": _results(vote, _public_tally(session, vote)) if shown else None,
    }


# -- staff --------------------------------------------------------------------------------------------------------
def _apply(vote, clean):
    vote.title, vote.description = clean.title, clean.description
    vote.max_choices, vote.period, vote.results, vote.closes_at = (
        clean.max_choices,
        clean.period,
        clean.results,
        clean.closes_at,
    )
    vote.options = [VoteOption(position=i, label=o.label, image_url=o.image_url) for i, o in enumerate(clean.options)]


def create(uow, data):
    uow.require("survey.manage")
    clean = validate(schemas.VoteIn, data)
    now = datetime.now(UTC)
    vote = Vote(status="draft", created_by=uow.actor.id, created_at=now, updated_at=now)
    _apply(vote, clean)
    uow.session.add(vote)
    uow.session.flush()
    uow.audit("vote.created", "vote", vote.id, detail={"title": vote.title})
    return staff_view(uow.session, vote)


def edit(uow, vote_id, data):
    """Only a draft changes: once citizens vote, changing options or rules would corrupt the ballots cast."""
    uow.require("survey.manage")
    vote = _vote(uow.session, vote_id, lock=True)
    if vote.status != "draft":
        raise Conflict("vote_not_draft", "投票已发布，不能再修改选项和规则")
    clean = validate(schemas.VoteIn, data)
    _apply(vote, clean)
    vote.updated_at = datetime.now(UTC)
    uow.session.flush()
    uow.audit("vote.edited", "vote", vote.id, detail={"title": vote.title})
    return staff_view(uow.session, vote)


def publish(uow, vote_id):
    uow.require("survey.manage")
    vote = _vote(uow.session, vote_id, lock=True)
    if vote.status == "published":
        return staff_view(uow.session, vote)  # a second click
    if vote.status != "draft":
        raise Conflict("vote_closed", "投票已截止，不能再发布")
    now = datetime.now(UTC)
    if vote.closes_at <= now:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"closes_at": "截止时间应晚于现在"}})
    vote.status, vote.published_at, vote.updated_at = "published", now, now
    uow.audit("vote.published", "vote", vote.id)
    return staff_view(uow.session, vote)


def close(uow, vote_id):
    uow.require("survey.manage")
    vote = _vote(uow.session, vote_id, lock=True)
    if vote.status == "closed":
        return staff_view(uow.session, vote)
    if vote.status != "published":
        raise Conflict("vote_not_published", "投票尚未发布")
    now = datetime.now(UTC)
    vote.status, vote.updated_at = "closed", now
    vote.closes_at = min(vote.closes_at, now)
    shown = staff_view(uow.session, vote)
    uow.audit("vote.closed", "vote", vote.id, detail={"ballots": shown["results"]["ballots"]})
    return shown


def staff_list(session, actor):
    from libs.auth import require

    require(actor, "survey.manage")
    votes = session.scalars(select(Vote).order_by(Vote.id.desc()).limit(200)).all()
    tallies = _tallies(session, votes)
    return [staff_view(session, v, tallies[v.id]) for v in votes]


def staff_get(session, actor, vote_id):
    from libs.auth import require

    require(actor, "survey.manage")
    return staff_view(session, _vote(session, vote_id))


# -- citizens -----------------------------------------------------------------------------------------------------
def public_list(session):
    """Published and closed votes, newest first (drafts are the organiser's)."""
    votes = session.scalars(
        select(Vote).where(Vote.status != "draft").order_by(Vote.published_at.desc()).limit(50)
    ).all()
    now = datetime.now(UTC)
    return [
        {
            "id": v.id,
            "title": v.title,
            "open": _is_open(v, now),
            "closes_at": v.closes_at.isoformat(),
            "ballots": _public_tally(session, v)[0],
        }
        for v in votes
    ]


def public_get(session, vote_id, key, openid):
    vote = _vote(session, vote_id)
    if vote.status == "draft":
        raise NotFound("vote_not_found", "投票不存在")
    return citizen_view(session, vote, key, openid)


# A vote's options and rules never change once it is published (edit() refuses): each process keeps them after the
# first read, so a ballot is one statement. Whether the vote is still open is checked in that statement itself.
RULES = {}
MAX_RULES = 1000

CAST = text(
    """
    WITH open_vote AS (
        -- share-locked: casts go side by side, while a close (an update of the row) waits for those in flight and
        -- is seen by those after it, which are refused
        SELECT id FROM surveys.votes WHERE id = :vote AND status = 'published' AND closes_at > now()
        FOR SHARE
    ), ballot AS (
        INSERT INTO surveys.ballots (vote_id, voter, period_key, option_ids, cast_at)
        SELECT id, :voter, :period, CAST(:options AS integer[]), now() FROM open_vote
        ON CONFLICT DO NOTHING
        RETURNING vote_id
    )
    SELECT (SELECT count(*) FROM open_vote), (SELECT count(*) FROM ballot)
    """
)


def _rules(session, vote_id):
    """(option ids, max choices, period) of a vote citizens can see; NotFound for none or a draft. Options never
    change once a vote is published, so a ballot's option ids are checked here, against this, and nowhere else."""
    rules = RULES.get(vote_id)
    if rules is None:
        vote = _vote(session, vote_id)
        if vote.status == "draft":
            raise NotFound("vote_not_found", "投票不存在")
        rules = (frozenset(o.id for o in vote.options), vote.max_choices, vote.period)
        if len(RULES) >= MAX_RULES:
            RULES.clear()
        RULES[vote_id] = rules
    return rules


def cast(uow, vote_id, data, key):
    """One ballot: in one statement, the vote checked open, the ballot taken unless this citizen's period already
    has one (the key), and the counters moved; the counters' row locks are held only for that and the commit."""
    actor = uow.actor
    if actor.kind != "citizen":
        raise Forbidden("citizens_only", "只有市民本人可以投票")
    session = uow.session
    if not is_id(vote_id, MAX_INT):
        raise NotFound("vote_not_found", "投票不存在")
    known, max_choices, period = _rules(session, vote_id)
    clean = validate(schemas.BallotIn, data)
    chosen = list(dict.fromkeys(clean.option_ids))
    if len(chosen) != len(clean.option_ids) or not set(chosen) <= known:
        raise ValidationError("invalid_fields", "请检查选择的内容", {"fields": {"option_ids": "选项不存在或有重复"}})
    if len(chosen) > max_choices:
        message = "只能选择1项" if max_choices == 1 else f"最多只能选择{max_choices}项"
        raise ValidationError("invalid_fields", "请检查选择的内容", {"fields": {"option_ids": message}})
    period_key = "once" if period == "once" else today().isoformat()
    is_open, counted = session.execute(
        CAST, {"vote": vote_id, "voter": voter(key, vote_id, actor.id), "period": period_key, "options": chosen}
    ).one()
    if not is_open:
        raise Conflict("vote_closed", "投票已截止")
    if not counted:
        message = "您今天已经投过票了，欢迎明天再来" if period == "daily" else "您已经投过票了，每人只能投一次"
        raise Conflict("already_voted", message)
    return {"vote_id": vote_id, "voted": True, "my_choices": chosen}


def recount(vote_id):
    """After a ballot is committed: this process's pages count it at once (other replicas within RESULTS_SECONDS)."""
    PUBLIC_TALLIES.pop(vote_id, None)
