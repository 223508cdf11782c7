"""ratings on real PostgreSQL: 市民印象 (one a month, replaced, withdrawn, tags and comments checked, hourly limits
exact under parallel requests, bursts from new followers flagged), 领导点评 (moderation, sensitive words, reports,
the office's one response), and the Bayesian ranking."""

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import eventlet
import pytest
from sqlalchemy import delete, select, update

from libs.auth import Actor
from libs.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from services.conftest import rpc_proxy
from services.ratings import copies, words
from services.ratings.models import Follower, FollowerBackfill, OfficialComment, Rating, audit_log
from services.ratings.service import RatingsService

MODERATOR = Actor(kind="staff", id="21", name="运营", roles=("operator",))
HEAD = Actor(kind="staff", id="31", name="环保局局长", roles=("head",), department_id=2)
OTHER_HEAD = Actor(kind="staff", id="32", name="人社局局长", roles=("head",), department_id=1)
HANDLER = Actor(kind="staff", id="22", name="办理人", roles=("handler",), department_id=2)
DEPARTMENTS = [
    {"id": 1, "name": "市人力资源和社会保障局", "leaders": [{"name": "张明", "title": "局长"}]},
    {
        "id": 2,
        "name": "市生态环境局",
        "leaders": [{"name": "王强", "title": "局长"}, {"name": "刘芳", "title": "副局长"}],
    },
    {"id": 3, "name": "市市场监督管理局", "leaders": []},
]


def fresh(db_session, departments=DEPARTMENTS):
    """Each test starts from no ratings and no comments (the database is shared by the module's tests)."""
    db_session.execute(delete(Rating))
    db_session.execute(delete(OfficialComment))
    copies.keep_departments(db_session, departments)
    db_session.commit()
    words.forget()


@pytest.fixture
def as_(worker, db_session):
    fresh(db_session)
    return lambda actor: worker(RatingsService, actor)


def citizen(followed_days_ago=None, db_session=None):
    actor = Actor.citizen(f"o_rate_{uuid.uuid4().hex[:10]}")
    if followed_days_ago is not None:
        copies.followed(db_session, actor.id, datetime.now(UTC) - timedelta(days=followed_days_ago))
        db_session.commit()
    return actor


def tag_ids(me, *labels):
    by_label = {t["label"]: t["id"] for t in me.tags()}
    return [by_label[label] for label in labels]


def test_a_citizen_rates_once_a_month_replaces_and_withdraws(as_, db_session):
    person = citizen(30, db_session)
    me = as_(person)
    first = me.rate({"department_id": 2, "stars": 2, "tag_ids": tag_ids(me, "等候太久"), "comment": "排队太久"})
    assert first["stars"] == 2 and first["tags"] == ["等候太久"] and first["comment_label"] == "已公开"
    again = me.rate({"department_id": 2, "stars": 5, "tag_ids": tag_ids(me, "办事高效", "态度热情")})
    assert again["id"] == first["id"] and again["stars"] == 5  # the same month: replaced, not added
    assert [r["department_name"] for r in me.my_ratings()] == ["市生态环境局"]
    kept = db_session.scalars(select(Rating).where(Rating.openid == person.id)).all()
    assert len(kept) == 1 and kept[0].status == "counted" and kept[0].comment_status == "none"
    with pytest.raises(NotFound):
        as_(citizen()).withdraw_rating(first["id"])  # another citizen's rating is as good as none
    assert me.withdraw_rating(first["id"]) == {"withdrawn": first["id"]}
    assert me.my_ratings() == []


def test_bad_ratings_are_refused_with_their_reasons(as_, db_session):
    me = as_(citizen(30, db_session))
    good = {"department_id": 2, "stars": 4}
    for changes, field, reason in [
        ({"stars": 0}, "stars", "不能小于1"),
        ({"stars": 6}, "stars", "不能大于5"),
        ({"stars": "五"}, "stars", "应为整数"),
        ({"tag_ids": [99999]}, "tag_ids", "印象标签不存在"),
        ({"tag_ids": [1, 1]}, "tag_ids", "有重复"),
        ({"tag_ids": list(range(1, 7))}, "tag_ids", "不能超过5项"),
        ({"comment": "长" * 301}, "comment", "不能超过300个字"),
        ({"comment": "你们都是傻 逼"}, "comment", "不文明用语（傻逼）"),
        ({"department_id": 424242}, None, "部门不存在"),
    ]:
        with pytest.raises((ValidationError, NotFound)) as bad:
            me.rate(good | changes)
        said = bad.value.details.get("fields", {}).get(field) if field else bad.value.message
        assert said and reason in said, (changes, bad.value.details, bad.value.message)
    with pytest.raises(Forbidden):
        as_(MODERATOR).rate(good)
    assert db_session.scalar(select(Rating.id).where(Rating.department_id == 424242)) is None


def test_a_comment_with_a_hold_word_waits_for_a_moderator(as_, db_session):
    me = as_(citizen(30, db_session))
    rated = me.rate({"department_id": 1, "stars": 1, "comment": "窗口有黑幕，插队严重"})
    assert rated["comment_label"] == "待审核"
    queue = as_(MODERATOR).moderation_queue()
    assert [r["id"] for r in queue["held"]] == [rated["id"]]
    assert as_(MODERATOR).scorecard(1)["comments"] == []  # not public yet, the stars count all the same
    seen = queue["held"][0]["version"]
    for forged in (None, "", "x" * 10_000, seen.replace("held", "visible")):  # no version, or one never shown
        with pytest.raises(Conflict):
            as_(MODERATOR).moderate_impression_comment(rated["id"], True, forged)
    # the citizen writes it again while the moderator reads the first one: that decision is not taken unseen
    me.rate({"department_id": 1, "stars": 1, "comment": "窗口有黑幕，插队严重，保安还骂人"})
    with pytest.raises(Conflict) as changed:
        as_(MODERATOR).moderate_impression_comment(rated["id"], True, seen)
    assert changed.value.code == "rating_changed"
    assert as_(citizen()).scorecard(1)["comments"] == []
    (again,) = as_(MODERATOR).moderation_queue()["held"]
    assert again["comment"].endswith("保安还骂人")
    as_(MODERATOR).moderate_impression_comment(rated["id"], True, again["version"])
    with pytest.raises(Conflict):  # a second moderator's page from before that decision does not overturn it
        as_(MODERATOR).moderate_impression_comment(rated["id"], False, again["version"])
    assert as_(citizen()).scorecard(1)["comments"][0]["comment"] == "窗口有黑幕，插队严重，保安还骂人"
    with pytest.raises(Conflict):  # a page from before the change, sent again
        as_(MODERATOR).moderate_impression_comment(rated["id"], False, seen)
    with pytest.raises(Forbidden):
        as_(HANDLER).moderation_queue()


def test_the_hourly_limit_holds_under_parallel_requests(container_factory, service_config, db_session):
    copies.keep_departments(
        db_session, DEPARTMENTS + [{"id": 10 + i, "name": f"部门{i}", "leaders": []} for i in range(15)]
    )
    db_session.commit()
    container = container_factory(RatingsService, service_config)
    container.start()
    person = citizen(30, db_session)

    def rate(i):
        with rpc_proxy("ratings", service_config, person) as proxy:
            try:
                proxy.rate({"department_id": 10 + i, "stars": 3})
                return "kept"
            except RateLimited:
                return "limited"

    outcomes = list(eventlet.GreenPool(15).imap(rate, range(15)))
    assert outcomes.count("kept") == 10 and outcomes.count("limited") == 5, outcomes
    assert db_session.scalar(select(Rating.id).where(Rating.openid == person.id).limit(1)) is not None
    assert len(db_session.scalars(select(Rating.id).where(Rating.openid == person.id)).all()) == 10


def test_a_burst_from_new_followers_is_flagged_and_does_not_move_the_score(
    container_factory, service_config, db_session
):
    fresh(db_session)
    container = container_factory(RatingsService, service_config)
    container.start()
    # ten long-standing followers give 市场监管局 2 stars
    for _ in range(10):
        with rpc_proxy("ratings", service_config, citizen(60, db_session)) as proxy:
            proxy.rate({"department_id": 3, "stars": 2})
    with rpc_proxy("ratings", service_config, MODERATOR) as proxy:
        before = next(d for d in proxy.board()["departments"] if d["department_id"] == 3)
    assert before["ratings"] == 10 and before["average"] == 2.0

    # then twelve accounts that followed yesterday give 5 stars, all at once
    def five(person):
        with rpc_proxy("ratings", service_config, person) as proxy:
            return proxy.rate({"department_id": 3, "stars": 5})["id"]

    newcomers = [citizen(1, db_session) for _ in range(12)]
    list(eventlet.GreenPool(12).imap(five, newcomers))
    statuses = db_session.scalars(
        select(Rating.status).where(Rating.department_id == 3, Rating.from_new_follower)
    ).all()
    assert len(statuses) == 12 and set(statuses) == {"flagged"}  # the first four too, once the fifth came
    with rpc_proxy("ratings", service_config, MODERATOR) as proxy:
        after = next(d for d in proxy.board()["departments"] if d["department_id"] == 3)
        assert after == before  # the published score did not swing
        flagged = proxy.moderation_queue()["flagged"]
        assert len([r for r in flagged if r["department_id"] == 3]) == 12
        ids = [r["id"] for r in flagged if r["department_id"] == 3]
        assert proxy.review_ratings(ids[:2], "count")["status"] == "counted"
        assert proxy.review_ratings(ids[2:], "discard")["status"] == "discarded"
        with pytest.raises(Conflict):
            proxy.review_ratings(ids[2:], "discard")
        counted = next(d for d in proxy.board()["departments"] if d["department_id"] == 3)
    assert counted["ratings"] == 12 and counted["average"] == round((20 + 10) / 12, 2)
    decisions = db_session.scalars(select(audit_log.c.action).where(audit_log.c.action.like("rating.burst_%"))).all()
    assert {"rating.burst_counted", "rating.burst_discarded"} <= set(decisions)


def test_the_bayesian_score_ranks_many_good_ratings_above_a_few_perfect_ones(as_, db_session):
    for _ in range(3):
        as_(citizen(60, db_session)).rate({"department_id": 1, "stars": 5})
    for stars in [5] * 40 + [4] * 10:
        as_(citizen(60, db_session)).rate({"department_id": 2, "stars": stars})
    for _ in range(5):
        as_(citizen(60, db_session)).rate({"department_id": 3, "stars": 1})
    board = as_(citizen()).board()
    ranked = [d["department_id"] for d in board["departments"]]
    by_id = {d["department_id"]: d for d in board["departments"]}
    assert by_id[1]["average"] == 5.0 and by_id[2]["average"] == 4.8  # 1 has the higher raw mean …
    assert ranked == [2, 1, 3]  # … and 2 the higher score: 50 ratings weigh more than 3
    prior = board["prior_mean"]
    assert prior == round((15 + 240 + 5) / 58, 2)
    assert by_id[1]["score"] == round((10 * (260 / 58) + 15) / 13, 2)


def test_the_scorecard_shows_trend_tags_and_the_case_figures(as_, db_session):
    me = as_(citizen(60, db_session))
    me.rate({"department_id": 2, "stars": 4, "tag_ids": tag_ids(me, "办事高效", "指引清楚")})
    as_(citizen(60, db_session)).rate({"department_id": 2, "stars": 2, "tag_ids": tag_ids(me, "办事高效")})
    copies.keep_case_stats(
        db_session,
        SimpleNamespace(
            department_id=2,
            period="2026-11",
            received=40,
            closed=36,
            on_time_rate=0.9,
            satisfaction_rate=0.85,
            overdue=1,
        ),
    )
    db_session.commit()
    card = as_(citizen()).scorecard(2)
    assert card["trend"][-1]["ratings"] == 2 and card["trend"][-1]["average"] == 3.0
    assert [(t["label"], t["count"], t["weight"]) for t in card["tags"]] == [("办事高效", 2, 5), ("指引清楚", 1, 3)]
    assert card["cases"]["on_time_rate"] == 0.9 and card["cases"]["satisfaction_rate"] == 0.85
    assert [o["name"] for o in card["officials"]] == ["王强", "刘芳"]
    assert [s["count"] for s in card["stars"]] == [0, 1, 0, 1, 0]
    with pytest.raises(NotFound):
        me.scorecard(424242)


def test_a_leader_comment_is_moderated_reported_and_answered_once(as_, db_session):
    author = citizen(60, db_session)
    made = as_(author).comment(
        {"department_id": 2, "official_name": "王强", "body": "王局长督办河道整治很有力度，点赞"}
    )
    assert made["status_label"] == "待审核"
    public = lambda: as_(citizen()).official_comments(2, "王强")["comments"]  # noqa: E731
    assert public() == []  # nothing is public before a moderator approves it
    moderator = as_(MODERATOR)
    assert [c["id"] for c in moderator.moderation_queue()["comments"]] == [made["id"]]
    moderator.moderate_comment(made["id"], {"decision": "approve"})
    assert [c["body"] for c in public()] == ["王局长督办河道整治很有力度，点赞"]
    with pytest.raises(Conflict):
        moderator.moderate_comment(made["id"], {"decision": "reject", "reason": "重复"})
    # three citizens report it: it leaves the page until a moderator looks again
    for _ in range(2):
        assert not as_(citizen()).report_comment(made["id"], {"reason": "不实"})["hidden"]
    reporter = citizen()
    assert as_(reporter).report_comment(made["id"], {"reason": "不实"})["hidden"]
    assert public() == []
    with pytest.raises(NotFound):  # hidden: no longer reportable, nor shown
        as_(reporter).report_comment(made["id"], {})
    moderator.moderate_comment(made["id"], {"decision": "approve"})  # looked at again: it stays
    assert len(public()) == 1
    with pytest.raises(Conflict):
        as_(reporter).report_comment(made["id"], {})  # one report per citizen
    # the official's office answers, once; another department's head and a handler may not
    with pytest.raises(Forbidden):
        as_(OTHER_HEAD).respond_comment(made["id"], {"body": "感谢您的肯定"})
    with pytest.raises(Forbidden):
        as_(HANDLER).respond_comment(made["id"], {"body": "感谢您的肯定"})
    assert [c["id"] for c in as_(HEAD).office_comments()] == [made["id"]]
    answered = as_(HEAD).respond_comment(made["id"], {"body": "感谢您的肯定，我们将继续做好河道整治。"})
    assert answered["response"].startswith("感谢")
    with pytest.raises(Conflict):
        as_(HEAD).respond_comment(made["id"], {"body": "再次感谢您的关注"})
    assert public()[0]["response"].startswith("感谢")
    actions = db_session.scalars(
        select(audit_log.c.action).where(
            audit_log.c.target_id == str(made["id"]), audit_log.c.target_type == "official_comment"
        )
    ).all()
    assert actions.count("rating.comment_approved") == 2 and "rating.comment_responded" in actions


def test_moderation_keeps_what_the_citizen_wrote(as_, db_session):
    author = citizen(60, db_session)
    made = as_(author).comment(
        {"department_id": 2, "official_name": "刘芳", "body": "刘副局长处理投诉拖拉，听说有受贿"}
    )
    queued = next(c for c in as_(MODERATOR).moderation_queue()["comments"] if c["id"] == made["id"])
    assert queued["flagged_words"] == ["受贿"]
    masked = "刘副局长处理投诉拖拉，听说有**"
    as_(MODERATOR).moderate_comment(made["id"], {"decision": "approve", "shown_body": masked})
    assert as_(citizen()).official_comments(2, "刘芳")["comments"][0]["body"] == masked
    row = db_session.get(OfficialComment, made["id"])
    db_session.refresh(row)
    assert row.body.endswith("受贿") and row.shown_body == masked
    (detail,) = db_session.scalars(
        select(audit_log.c.detail).where(
            audit_log.c.target_id == str(made["id"]), audit_log.c.action == "rating.comment_approved"
        )
    ).all()
    assert detail["original"].endswith("受贿") and detail["shown"] == masked
    # the author still reads their own words; a rejection says why
    assert as_(author).my_comments()[0]["body"].endswith("受贿")
    second = as_(author).comment({"department_id": 2, "official_name": "刘芳", "body": "再说一遍：办事拖拉"})
    with pytest.raises(ValidationError):
        as_(MODERATOR).moderate_comment(second["id"], {"decision": "reject"})  # a reason is required
    as_(MODERATOR).moderate_comment(second["id"], {"decision": "reject", "reason": "内容与此前重复"})
    mine = {c["id"]: c for c in as_(author).my_comments()}
    assert mine[second["id"]]["status_label"] == "未通过" and mine[second["id"]]["reason"] == "内容与此前重复"


def test_bad_comments_are_refused(as_, db_session):
    me = as_(citizen(60, db_session))
    good = {"department_id": 2, "official_name": "王强", "body": "办事效率很高，值得表扬"}
    for changes, field, reason in [
        ({"official_name": "李四"}, "official_name", "没有这位领导"),
        ({"body": "好"}, "body", "至少需要5个字"),
        ({"body": "长" * 501}, "body", "不能超过500个字"),
        ({"body": "王强是个贱人，什么东西"}, "body", "不文明用语（贱人）"),
    ]:
        with pytest.raises(ValidationError) as bad:
            me.comment(good | changes)
        assert reason in bad.value.details["fields"][field], (changes, bad.value.details)
    for _ in range(5):
        me.comment(good)
    with pytest.raises(RateLimited):
        me.comment(good)
    assert db_session.scalar(select(OfficialComment.id).where(OfficialComment.official_name == "李四")) is None


def test_the_copies_follow_content_and_messaging(as_, db_session):
    copies.keep_departments(db_session, DEPARTMENTS[:2])  # 3 is gone from content
    db_session.commit()
    with pytest.raises(NotFound):
        as_(citizen()).scorecard(3)
    person = citizen(None)
    copies.followed(db_session, person.id, datetime.now(UTC) - timedelta(days=30))
    db_session.commit()
    as_(person).rate({"department_id": 1, "stars": 3})
    assert db_session.scalar(select(Rating.from_new_follower).where(Rating.openid == person.id)) is False
    stranger = citizen(None)  # never seen following: counted as new
    as_(stranger).rate({"department_id": 1, "stars": 3})
    assert db_session.scalar(select(Rating.from_new_follower).where(Rating.openid == stranger.id)) is True
    db_session.execute(update(Rating).where(Rating.openid == stranger.id).values(status="discarded"))
    db_session.commit()
    as_(stranger).rate({"department_id": 1, "stars": 5})  # re-rating does not undo a discard
    assert db_session.scalar(select(Rating.status).where(Rating.openid == stranger.id)) == "discarded"


def test_sending_again_or_withdrawing_undoes_no_moderators_decision(as_, db_session):
    person = citizen(60, db_session)
    me = as_(person)
    first = me.rate({"department_id": 1, "stars": 1, "comment": "太差了"})
    db_session.execute(
        update(Rating).where(Rating.id == first["id"]).values(status="discarded", comment_status="hidden")
    )
    db_session.commit()
    me.rate({"department_id": 1, "stars": 1, "comment": "太差了"})  # the same words: still hidden
    row = db_session.get(Rating, first["id"])
    db_session.refresh(row)
    assert (row.status, row.comment_status) == ("discarded", "hidden")
    me.rate({"department_id": 1, "stars": 2, "comment": "改了几个字，还是太差"})  # new words: back to a moderator
    db_session.refresh(row)
    assert (row.status, row.comment_status) == ("discarded", "held")
    me.withdraw_rating(first["id"])
    assert me.my_ratings() == []
    again = me.rate({"department_id": 1, "stars": 5})
    db_session.refresh(row)
    assert again["id"] == first["id"] and row.status == "discarded" and not row.withdrawn
    # every write counts toward the hourly limit, the same department's too: 5 writes so far
    for stars in (1, 2, 3, 4, 5):
        me.rate({"department_id": 1, "stars": stars})
    with pytest.raises(RateLimited):
        me.rate({"department_id": 1, "stars": 3})
    with pytest.raises(RateLimited):
        me.withdraw_rating(first["id"])


def test_ratings_a_moderator_counted_are_not_flagged_again(as_, db_session):
    rows = []
    for _ in range(5):
        rows.append(as_(citizen(1, db_session)).rate({"department_id": 2, "stars": 5})["id"])
    assert {r["id"] for r in as_(MODERATOR).moderation_queue()["flagged"]} == set(rows)
    as_(MODERATOR).review_ratings(rows, "count")
    as_(citizen(1, db_session)).rate({"department_id": 2, "stars": 5})  # one more new follower within the hour
    statuses = dict(db_session.execute(select(Rating.id, Rating.status).where(Rating.department_id == 2)).all())
    assert all(statuses[r] == "counted" for r in rows) and list(statuses.values()).count("counted") == 6


def test_approving_again_keeps_the_masking(as_, db_session):
    made = as_(citizen(60, db_session)).comment(
        {"department_id": 2, "official_name": "王强", "body": "听说王局长有黑幕"}
    )
    as_(MODERATOR).moderate_comment(made["id"], {"decision": "approve", "shown_body": "听说王局长有**"})
    for _ in range(3):
        as_(citizen()).report_comment(made["id"], {})
    as_(MODERATOR).moderate_comment(made["id"], {"decision": "approve"})  # restored, no new text given
    assert as_(citizen()).official_comments(2, "王强")["comments"][0]["body"] == "听说王局长有**"


def test_words_refuse_insults_not_innocent_sentences(as_, db_session):
    me = as_(citizen(60, db_session))
    assert me.rate({"department_id": 1, "stars": 3, "comment": "过去死板的流程现在简化了"})["comment_label"] == "已公开"
    with pytest.raises(ValidationError):
        me.rate({"department_id": 1, "stars": 3, "comment": "ＳＢ，傻 逼"})
    held = me.rate({"department_id": 1, "stars": 3, "comment": "有人说窗口贪。污"})  # a hold word across punctuation
    assert held["comment_label"] == "待审核"


def test_follow_times_from_before_ratings_are_copied_a_page_at_a_time(db_session):
    db_session.execute(delete(Follower).where(Follower.openid.like("o_backfill_%")))
    db_session.execute(delete(FollowerBackfill))
    db_session.commit()
    long_ago = datetime.now(UTC) - timedelta(days=400)
    state = copies.backfill_state(db_session)
    assert state.after == "" and not state.done
    page = [[f"o_backfill_{i:05d}", long_ago.isoformat()] for i in range(copies.BACKFILL_PAGE)]
    copies.keep_follow_times(db_session, state, page)
    db_session.commit()
    state = copies.backfill_state(db_session)
    assert state.after == page[-1][0] and not state.done  # a full page: there may be more
    recent = datetime.now(UTC) - timedelta(hours=1)
    copies.followed(db_session, "o_backfill_99999", recent)  # an event already seen is newer: it stays
    copies.keep_follow_times(db_session, state, [["o_backfill_99999", long_ago.isoformat()]])
    db_session.commit()
    assert copies.backfill_state(db_session).done
    kept = db_session.get(Follower, "o_backfill_99999")
    db_session.refresh(kept)
    assert kept.followed_at > long_ago + timedelta(days=300)
    db_session.commit()


def test_moderators_keep_the_tags_and_words(as_, db_session):
    moderator = as_(MODERATOR)
    made = moderator.save_tag(None, {"label": "服务周到", "tone": "positive"})
    assert "服务周到" in [t["label"] for t in as_(citizen()).tags()]
    with pytest.raises(ValidationError) as clash:
        moderator.save_tag(None, {"label": "服务周到", "tone": "positive"})
    assert clash.value.details["fields"]["label"] == "已有同名标签"
    moderator.save_tag(made["id"], {"label": "服务周到", "tone": "positive", "active": False})
    assert "服务周到" not in [t["label"] for t in as_(citizen()).tags()]  # retired: no longer offered
    with pytest.raises(ValidationError):
        as_(citizen(60, db_session)).rate({"department_id": 1, "stars": 4, "tag_ids": [made["id"]]})
    assert any(t["label"] == "服务周到" and not t["active"] for t in moderator.settings()["tags"])
    word = moderator.add_word({"word": "骗子", "action": "reject"})
    with pytest.raises(ValidationError):
        as_(citizen(60, db_session)).rate({"department_id": 1, "stars": 1, "comment": "都是骗子"})
    moderator.remove_word(word["id"])
    assert as_(citizen(60, db_session)).rate({"department_id": 1, "stars": 1, "comment": "都是骗子"})["stars"] == 1
    for bad in ({"word": "", "action": "reject"}, {"word": "x", "action": "ban"}, {"word": "贪污", "action": "hold"}):
        with pytest.raises(ValidationError):
            moderator.add_word(bad)
    with pytest.raises(NotFound):
        moderator.remove_word(word["id"])
    with pytest.raises(Forbidden):
        as_(HEAD).add_word({"word": "坏", "action": "hold"})
    actions = set(db_session.scalars(select(audit_log.c.action).where(audit_log.c.action.like("rating.%"))).all())
    assert {"rating.tag_saved", "rating.word_added", "rating.word_removed"} <= actions


def test_the_same_word_added_twice_at_once_is_kept_once(container_factory, service_config, db_session):
    fresh(db_session)
    container = container_factory(RatingsService, service_config)
    container.start()
    word = f"词{uuid.uuid4().hex[:4]}"

    def add(_):
        with rpc_proxy("ratings", service_config, MODERATOR) as proxy:
            try:
                return proxy.add_word({"word": word, "action": "hold"})["word"]
            except ValidationError as exc:
                return exc.details["fields"]["word"]

    outcomes = list(eventlet.GreenPool(8).imap(add, range(8)))
    assert outcomes.count(word) == 1 and outcomes.count("该词已在列表中") == 7, outcomes


def test_reports_at_once_are_each_counted_and_hide_the_comment(container_factory, service_config, db_session):
    fresh(db_session)
    container = container_factory(RatingsService, service_config)
    container.start()
    with rpc_proxy("ratings", service_config, citizen(60, db_session)) as proxy:
        made = proxy.comment({"department_id": 2, "official_name": "王强", "body": "王局长办事公道，值得表扬"})
    with rpc_proxy("ratings", service_config, MODERATOR) as proxy:
        proxy.moderate_comment(made["id"], {"decision": "approve"})

    def report(person):
        with rpc_proxy("ratings", service_config, person) as proxy:
            try:
                return proxy.report_comment(made["id"], {"reason": "不实"})["hidden"]
            except NotFound:
                return "gone"  # already hidden when this one came: nothing more to report

    outcomes = list(eventlet.GreenPool(10).imap(report, [citizen() for _ in range(10)]))
    row = db_session.get(OfficialComment, made["id"])
    db_session.refresh(row)
    assert row.status == "reported" and True in outcomes, outcomes  # hidden once the third was counted
    assert row.reports_count == outcomes.count(True) + outcomes.count(False)  # every report taken counted once
