"""微投票 in the surveys service: the organiser's rules, a citizen's ballot, and one vote per citizen per period
even when the same citizen casts fifty at once (real PostgreSQL; the parallel test runs the real service)."""

import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from sqlalchemy import select

from libs.auth import Actor
from libs.config import load_config
from libs.errors import Conflict, Forbidden, NotFound, ValidationError
from services.conftest import TEST_CONFIG, rpc_proxy
from services.surveys import votes
from services.surveys.models import Ballot, Vote, audit_log
from services.surveys.service import SurveysService

ORGANISER = Actor(kind="staff", id="21", name="运营", roles=("operator",))
HANDLER = Actor(kind="staff", id="22", name="办理人", roles=("handler",), department_id=2)


def later(**kw):
    return (datetime.now(UTC) + timedelta(**(kw or {"days": 7}))).isoformat()


def a_vote(**changes):
    return {
        "title": "最美社区评选",
        "description": "请选出您心中的最美社区",
        "options": [{"label": "东湖社区"}, {"label": "西溪社区"}, {"label": "南山社区"}],
        "max_choices": 1,
        "period": "once",
        "results": "after_vote",
        "closes_at": later(),
    } | changes


@pytest.fixture
def as_(worker):
    key = votes.voter_key(load_config(TEST_CONFIG))  # the one the running service resolves at start
    return lambda actor: worker(SurveysService, actor, voter_key=key)


@pytest.fixture
def citizen():
    return Actor.citizen(f"o_vote_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def published(as_):
    def make(**changes):
        organiser = as_(ORGANISER)
        vote = organiser.create_vote(a_vote(**changes))
        return organiser.publish_vote(vote["id"])

    return make


def test_a_citizen_votes_once_and_then_sees_the_results(as_, published, citizen, db_session):
    vote = published()
    me = as_(citizen)
    before = me.public_vote(vote["id"])
    assert before["open"] and not before["voted"] and before["results"] is None  # shown after voting
    east = vote["options"][0]["id"]
    cast = me.cast_vote(vote["id"], {"option_ids": [east]})
    assert cast == {"vote_id": vote["id"], "voted": True, "my_choices": [east]}
    after = me.public_vote(vote["id"])
    assert after["voted"] and after["my_choices"] == [east]
    assert after["results"]["ballots"] == 1
    assert [o["votes"] for o in after["results"]["options"]] == [1, 0, 0]
    assert after["results"]["options"][0]["percent"] == 100.0
    with pytest.raises(Conflict) as again:
        me.cast_vote(vote["id"], {"option_ids": [vote["options"][1]["id"]]})
    assert again.value.code == "already_voted" and "只能投一次" in again.value.message
    # the ballot keeps a keyed hash, never the openid
    (kept,) = db_session.scalars(select(Ballot.voter).where(Ballot.vote_id == vote["id"])).all()
    assert citizen.id not in kept and len(kept) == 64
    # another citizen has not voted yet, and is not shown the results
    other = as_(Actor.citizen(f"o_vote_{uuid.uuid4().hex[:8]}")).public_vote(vote["id"])
    assert not other["voted"] and other["results"] is None


def test_choices_are_checked(as_, published, citizen):
    vote = published(max_choices=2, results="live")
    ids = [o["id"] for o in vote["options"]]
    me = as_(citizen)
    for bad, field_message in [
        ({"option_ids": ids}, "最多只能选择2项"),
        ({"option_ids": [ids[0], ids[0]]}, "选项不存在或有重复"),
        ({"option_ids": [999999]}, "选项不存在或有重复"),
    ]:
        with pytest.raises(ValidationError) as refused:
            me.cast_vote(vote["id"], bad)
        assert refused.value.details["fields"]["option_ids"] == field_message
    for bad in ({"option_ids": []}, {"option_ids": "1"}, {}, None, {"option_ids": ["x"]}):
        with pytest.raises(ValidationError):
            me.cast_vote(vote["id"], bad)
    assert me.public_vote(vote["id"])["results"]["ballots"] == 0  # live results, and nothing was counted
    me.cast_vote(vote["id"], {"option_ids": ids[:2]})
    two = me.public_vote(vote["id"])
    assert [o["votes"] for o in two["results"]["options"]] == [1, 1, 0] and two["results"]["ballots"] == 1
    other = vote["options"][0]["id"]
    with pytest.raises(NotFound):
        me.cast_vote(123456789, {"option_ids": [other]})
    with pytest.raises(NotFound):
        me.cast_vote("1 OR 1=1", {"option_ids": [other]})


def test_drafts_closed_votes_and_staff_are_refused(as_, citizen):
    organiser = as_(ORGANISER)
    draft = organiser.create_vote(a_vote())
    me = as_(citizen)
    with pytest.raises(NotFound):
        me.public_vote(draft["id"])  # a draft is the organiser's
    with pytest.raises(NotFound):
        me.cast_vote(draft["id"], {"option_ids": [draft["options"][0]["id"]]})
    organiser.publish_vote(draft["id"])
    closed = organiser.close_vote(draft["id"])
    assert closed["status"] == "closed" and not closed["open"]
    with pytest.raises(Conflict) as late:
        me.cast_vote(draft["id"], {"option_ids": [draft["options"][0]["id"]]})
    assert late.value.code == "vote_closed"
    assert me.public_vote(draft["id"])["results"] is not None  # after closing, everyone sees them
    with pytest.raises(Forbidden):
        organiser.cast_vote(draft["id"], {"option_ids": [draft["options"][0]["id"]]})
    with pytest.raises(Forbidden):
        as_(HANDLER).create_vote(a_vote())
    with pytest.raises(Forbidden):
        as_(citizen).list_votes()


def test_the_organisers_rules(as_, db_session):
    organiser = as_(ORGANISER)
    cases = [
        (a_vote(options=[{"label": "只有一项"}]), "options"),
        (a_vote(options=[{"label": "同名"}, {"label": "同名"}]), "options"),
        (a_vote(max_choices=4), "max_choices"),
        (a_vote(title=""), "title"),
        (a_vote(title="长" * 61), "title"),
        (a_vote(period="weekly"), "period"),
        (a_vote(results="never"), "results"),
        (a_vote(closes_at="明天"), "closes_at"),
        (a_vote(options=[{"label": "甲", "image_url": "javascript:alert(1)"}, {"label": "乙"}]), "options.0.image_url"),
        (a_vote(options=[{"label": f"项{i}"} for i in range(31)]), "options"),
        # the calendar's edges: refused, never a 500 (nor a stored time no page can show)
        (a_vote(closes_at="0001-01-01T00:00"), "closes_at"),
        (a_vote(closes_at="9999-12-31T23:59:59-01:00"), "closes_at"),
        (a_vote(closes_at="9999-12-31T20:00:00Z"), "closes_at"),
        (a_vote(closes_at=later(days=800)), "closes_at"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as refused:
            organiser.create_vote(data)
        assert field in refused.value.details["fields"], (field, refused.value.details)
    past = organiser.create_vote(a_vote(closes_at=later(minutes=-5)))
    with pytest.raises(ValidationError) as refused:
        organiser.publish_vote(past["id"])
    assert "截止时间" in refused.value.details["fields"]["closes_at"]
    vote = organiser.create_vote(a_vote())
    edited = organiser.edit_vote(vote["id"], a_vote(title="最美街道评选"))
    assert edited["title"] == "最美街道评选" and len(edited["options"]) == 3
    organiser.publish_vote(vote["id"])
    assert organiser.publish_vote(vote["id"])["status"] == "published"  # a second click changes nothing
    with pytest.raises(Conflict) as frozen:
        organiser.edit_vote(vote["id"], a_vote(options=[{"label": "新选项"}, {"label": "另一项"}]))
    assert frozen.value.code == "vote_not_draft"
    actions = db_session.scalars(
        select(audit_log.c.action)
        .where(audit_log.c.target_type == "vote", audit_log.c.target_id == str(vote["id"]))
        .order_by(audit_log.c.id)
    ).all()
    assert actions == ["vote.created", "vote.edited", "vote.published"]


def test_options_of_another_vote_and_a_vote_past_its_time_are_refused(as_, published, citizen, db_session):
    first, second = published(), published()
    me = as_(citizen)
    with pytest.raises(ValidationError):
        me.cast_vote(first["id"], {"option_ids": [second["options"][0]["id"]]})
    db_session.execute(
        Vote.__table__.update().where(Vote.id == first["id"]).values(closes_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    db_session.commit()
    with pytest.raises(Conflict) as late:
        me.cast_vote(first["id"], {"option_ids": [first["options"][0]["id"]]})
    assert late.value.code == "vote_closed"
    assert as_(ORGANISER).get_vote(first["id"])["results"]["ballots"] == 0
    assert as_(ORGANISER).get_vote(second["id"])["results"]["ballots"] == 0


def test_a_daily_vote_takes_one_ballot_per_day(as_, published, citizen, db_session):
    vote = published(period="daily", results="live")
    me = as_(citizen)
    me.cast_vote(vote["id"], {"option_ids": [vote["options"][0]["id"]]})
    with pytest.raises(Conflict) as again:
        me.cast_vote(vote["id"], {"option_ids": [vote["options"][0]["id"]]})
    assert "明天" in again.value.message
    # yesterday's ballot does not count against today
    db_session.execute(Ballot.__table__.update().where(Ballot.vote_id == vote["id"]).values(period_key="2000-01-01"))
    db_session.commit()
    me.cast_vote(vote["id"], {"option_ids": [vote["options"][1]["id"]]})
    assert me.public_vote(vote["id"])["results"]["ballots"] == 2


def test_fifty_parallel_casts_by_one_citizen_count_once(container_factory, service_config, as_, published):
    vote = published(results="live")
    container = container_factory(SurveysService, service_config)
    container.start()
    voter = Actor.citizen(f"o_vote_{uuid.uuid4().hex[:8]}")
    option = vote["options"][1]["id"]

    def cast(_):
        with rpc_proxy("surveys", service_config, voter) as proxy:
            try:
                proxy.cast_vote(vote["id"], {"option_ids": [option]})
                return "counted"
            except Conflict:
                return "refused"

    outcomes = list(eventlet.GreenPool(50).imap(cast, range(50)))
    assert outcomes.count("counted") == 1 and outcomes.count("refused") == 49
    results = as_(voter).public_vote(vote["id"])["results"]
    assert results["ballots"] == 1 and [o["votes"] for o in results["options"]] == [0, 1, 0]

    # and thirty different citizens at once: every ballot counted, each on the option it chose
    def another(i):
        with rpc_proxy("surveys", service_config, Actor.citizen(f"o_vote_many_{i}_{uuid.uuid4().hex[:6]}")) as proxy:
            return proxy.cast_vote(vote["id"], {"option_ids": [vote["options"][i % 3]["id"]]})["voted"]

    assert all(eventlet.GreenPool(30).imap(another, range(30)))
    results = as_(voter).public_vote(vote["id"])["results"]
    assert results["ballots"] == 31 and [o["votes"] for o in results["options"]] == [10, 11, 10]


def test_without_a_voter_key_in_production_the_service_does_not_start(container_factory, service_config):
    config = service_config | {"ENV": "production", "SURVEYS": {"VOTER_KEY": ""}}
    with pytest.raises(RuntimeError, match="SURVEYS_VOTER_KEY"):
        container_factory(SurveysService, config).start()


def test_the_voter_key_is_required_in_production():
    assert votes.voter_key({"ENV": "test"}) == votes.DEVELOPMENT_KEY
    assert votes.voter_key({"ENV": "production", "SURVEYS": {"VOTER_KEY": "k" * 32}}) == "k" * 32
    for config in ({"ENV": "production"}, {"ENV": "production", "SURVEYS": {"VOTER_KEY": "short"}}):
        with pytest.raises(RuntimeError):
            votes.voter_key(config)
