"""微调研 in the surveys service: the builder's rules, answers checked against question types and show-if logic, one
response per citizen (anonymous ones too) even in parallel, the cap under a crowd, results, and the downloads."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from libs.auth import Actor
from libs.clock import LOCAL_TZ, today
from libs.config import load_config
from libs.errors import Conflict, Forbidden, NotFound, ValidationError
from services.conftest import TEST_CONFIG, rpc_proxy
from services.surveys import surveys, votes
from services.surveys.models import Survey, SurveyRespondent, SurveyResponse, audit_log
from services.surveys.service import SurveysService

ORGANISER = Actor(kind="staff", id="21", name="运营", roles=("operator",))
HANDLER = Actor(kind="staff", id="22", name="办理人", roles=("handler",), department_id=2)


def later(**kw):
    return (datetime.now(UTC) + timedelta(**(kw or {"days": 7}))).isoformat()


def options(*labels):
    return [{"label": label} for label in labels]


def a_survey(**changes):
    """Every question type; q2 shows only to those who answered q1 with 不满意 (option 3)."""
    return {
        "title": "政务服务满意度调查",
        "description": "请根据最近一次办事的体验作答",
        "sections": [
            {
                "title": "总体评价",
                "questions": [
                    {
                        "key": "q1",
                        "type": "single",
                        "title": "您对办事体验满意吗",
                        "options": options("满意", "一般", "不满意"),
                    },
                    {
                        "key": "q2",
                        "type": "text",
                        "title": "哪里不满意",
                        "max_length": 50,
                        "show_if": {"question": "q1", "options": [3]},
                    },
                    {
                        "key": "q3",
                        "type": "multiple",
                        "title": "您用过哪些渠道",
                        "options": options("窗口", "网上", "电话", "微信"),
                        "max_choices": 3,
                    },
                    {"key": "q4", "type": "scale", "title": "窗口服务打分", "scale_min": 1, "scale_max": 5},
                ],
            },
            {
                "title": "更多",
                "questions": [
                    {
                        "key": "q5",
                        "type": "number",
                        "title": "等候了多少分钟",
                        "number_min": 0,
                        "number_max": 600,
                        "integer_only": True,
                    },
                    {"key": "q6", "type": "date", "title": "办事日期", "date_min": "2026-01-01", "required": False},
                    {
                        "key": "q7",
                        "type": "ranking",
                        "title": "请为改进事项排序",
                        "options": options("缩短等候", "简化材料", "延长时间"),
                    },
                    {"key": "q8", "type": "text", "title": "其他建议", "required": False},
                ],
            },
        ],
        "anonymous": True,
        "closes_at": later(),
        "results_public": True,
    } | changes


GOOD = {"q1": 1, "q3": [1, 4], "q4": 5, "q5": 20, "q6": "2026-11-02", "q7": {"1": 2, "2": 1, "3": 3}}


@pytest.fixture
def as_(worker):
    key = votes.voter_key(load_config(TEST_CONFIG))
    return lambda actor: worker(SurveysService, actor, voter_key=key)


def citizen():
    return Actor.citizen(f"o_srv_{uuid.uuid4().hex[:10]}")


@pytest.fixture
def published(as_):
    def make(**changes):
        organiser = as_(ORGANISER)
        return organiser.publish_survey(organiser.create_survey(a_survey(**changes))["id"])

    return make


def test_citizens_answer_with_logic_and_staff_read_the_results(as_, published, db_session):
    survey = published()
    assert survey["state"] == "open" and [q["key"] for s in survey["sections"] for q in s["questions"]][:2] == [
        "q1",
        "q2",
    ]
    assert survey["sections"][0]["questions"][0]["options"][2] == {"id": 3, "label": "不满意"}
    unhappy = {"q1": 3, "q2": "排队太久", "q3": [2], "q4": 2, "q5": 95, "q7": [2, 1, 3], "q8": "希望周末开放"}
    for n, given in enumerate((GOOD, unhappy, GOOD | {"q4": 4, "q5": 10}), start=1):
        me = as_(citizen())
        assert me.public_survey(survey["id"])["results"] is None  # public results come after answering
        assert me.respond_survey(survey["id"], given) == {"survey_id": survey["id"], "responded": True}
        seen = me.public_survey(survey["id"])
        assert seen["responded"] and seen["results"]["responses"] == n  # their own response counted at once
        assert all("texts" not in q for q in seen["results"]["questions"])  # citizens never read others' words

    result = as_(ORGANISER).get_survey(survey["id"])["results"]
    assert result["responses"] == 3
    by_key = {q["key"]: q for q in result["questions"]}
    assert [(o["label"], o["count"], o["percent"]) for o in by_key["q1"]["options"]] == [
        ("满意", 2, 66.7),
        ("一般", 0, 0.0),
        ("不满意", 1, 33.3),
    ]
    assert by_key["q2"]["answered"] == 1 and by_key["q2"]["texts"] == ["排队太久"]
    assert [o["count"] for o in by_key["q3"]["options"]] == [2, 1, 0, 2]
    assert by_key["q4"]["average"] == round((5 + 2 + 4) / 3, 2)
    assert [o["count"] for o in by_key["q4"]["options"]] == [0, 1, 0, 1, 1]
    assert (by_key["q5"]["min"], by_key["q5"]["max"], by_key["q5"]["median"]) == (10, 95, 20)
    assert by_key["q6"]["earliest"] == "2026-11-02" and by_key["q6"]["answered"] == 2
    # 简化材料 was ranked first by everyone: average rank 1, listed first
    assert [(o["label"], o["average_rank"], o["first"]) for o in by_key["q7"]["options"]] == [
        ("简化材料", 1.0, 3),
        ("缩短等候", 2.0, 0),
        ("延长时间", 3.0, 0),
    ]
    assert by_key["q8"]["texts"] == ["希望周末开放"]


def test_an_anonymous_response_keeps_no_identity_and_a_named_one_does(as_, published, db_session):
    anonymous, named = published(), published(anonymous=False, title="实名回访")
    person = citizen()
    as_(person).respond_survey(anonymous["id"], GOOD)
    as_(person).respond_survey(named["id"], GOOD)
    kept = db_session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == anonymous["id"])).one()
    assert kept.openid is None
    local = kept.submitted_at.astimezone(LOCAL_TZ)  # the day only: Beijing's midnight
    assert (local.hour, local.minute, local.second) == (0, 0, 0) and local.date() == today()
    (who,) = db_session.execute(select(SurveyRespondent).where(SurveyRespondent.survey_id == anonymous["id"])).one()
    assert person.id not in who.respondent and len(who.respondent) == 64
    assert set(SurveyRespondent.__table__.columns.keys()) == {"survey_id", "respondent"}  # no time, no response id
    named_row = db_session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == named["id"])).one()
    assert named_row.openid == person.id
    assert datetime.now(UTC) - named_row.submitted_at < timedelta(minutes=1)  # a named one keeps its time


def test_answers_are_checked_against_types_rules_and_logic(as_, published):
    survey = published()
    me = as_(citizen())
    cases = [
        ({k: v for k, v in GOOD.items() if k != "q1"}, "q1", "此题为必答题"),
        (GOOD | {"q2": "不应出现"}, "q2", "无需作答"),  # q2 is hidden unless q1 is 不满意
        (GOOD | {"q1": 3}, "q2", "此题为必答题"),  # shown now, and required
        (GOOD | {"q1": 3, "q2": "长" * 51}, "q2", "不能超过50个字"),
        (GOOD | {"q1": 9}, "q1", "选项不存在"),
        (GOOD | {"q1": True}, "q1", "选项不存在"),
        (GOOD | {"q3": [1, 2, 3, 4]}, "q3", "最多只能选择3项"),
        (GOOD | {"q3": [1, 1]}, "q3", "有重复"),
        (GOOD | {"q4": 6}, "q4", "1到5之间"),
        (GOOD | {"q5": 12.5}, "q5", "请填写整数"),
        (GOOD | {"q5": 601}, "q5", "不能大于600"),
        (GOOD | {"q5": "1e400"}, "q5", "请填写数字"),
        (GOOD | {"q5": float("nan")}, "q5", "请填写数字"),
        (GOOD | {"q6": "2025-12-31"}, "q6", "不能早于2026-01-01"),
        (GOOD | {"q6": "2026-02-30"}, "q6", "日期格式不正确"),
        (GOOD | {"q7": {"1": 1, "2": 1, "3": 3}}, "q7", "名次不能重复"),
        (GOOD | {"q7": [1, 2]}, "q7", "排出名次"),
        (GOOD | {"q8": "a\x00b"}, "q8", "无法识别的字符"),
        (GOOD | {"q99": "?"}, "q99", "题目不存在"),
    ]
    for given, key, reason in cases:
        with pytest.raises(ValidationError) as bad:
            me.respond_survey(survey["id"], given)
        assert reason in bad.value.details["fields"][key], (given, bad.value.details)
    with pytest.raises(ValidationError) as bad:
        me.respond_survey(survey["id"], ["not", "a", "dict"])
    assert bad.value.code == "invalid_body"
    # nothing of any refused response was kept, and the good one still goes in
    assert as_(ORGANISER).get_survey(survey["id"])["responses"] == 0
    assert me.respond_survey(survey["id"], GOOD | {"q8": ""})["responded"]  # an empty optional answer is no answer


def test_one_response_per_citizen_and_the_windows(as_, published, db_session):
    survey = published()
    me = as_(citizen())
    me.respond_survey(survey["id"], GOOD)
    with pytest.raises(Conflict) as again:
        me.respond_survey(survey["id"], GOOD)
    assert again.value.code == "already_responded" and "只能提交一次" in again.value.message
    later_one = published(opens_at=later(days=1), title="下周开始")
    assert as_(citizen()).public_survey(later_one["id"])["state_label"] == "未开始"
    with pytest.raises(Conflict) as early:
        as_(citizen()).respond_survey(later_one["id"], GOOD)
    assert early.value.code == "survey_not_yet"
    as_(ORGANISER).close_survey(survey["id"])
    with pytest.raises(Conflict) as closed:
        as_(citizen()).respond_survey(survey["id"], GOOD)
    assert closed.value.code == "survey_closed" and closed.value.message == "调研已结束"
    # after the close every citizen may see the public results, text answers still withheld
    shown = as_(citizen()).public_survey(survey["id"])
    assert shown["results"]["responses"] == 1 and shown["state"] == "closed"
    # drafts are the organiser's; staff do not answer as citizens
    draft = as_(ORGANISER).create_survey(a_survey())
    with pytest.raises(NotFound):
        as_(citizen()).public_survey(draft["id"])
    with pytest.raises(NotFound):
        as_(citizen()).respond_survey(draft["id"], GOOD)
    with pytest.raises(Forbidden):
        as_(ORGANISER).respond_survey(later_one["id"], GOOD)
    for bad_id in (0, -1, "1", True, 2**40):
        with pytest.raises(NotFound):
            as_(citizen()).public_survey(bad_id)


def test_the_builders_rules(as_, db_session):
    organiser = as_(ORGANISER)
    first = a_survey()["sections"][0]["questions"]
    broken = [
        ([{**first[0], "options": []}], "sections.0.questions.0.options", "需要至少2个选项"),
        ([{**first[0], "type": "text"}], "sections.0.questions.0.options", "其他题型不能有选项"),
        (
            [first[0], {**first[1], "show_if": {"question": "q9", "options": [1]}}],
            "sections.0.questions.1.show_if",
            "之前",
        ),
        (
            [first[0], {**first[1], "show_if": {"question": "q1", "options": [4]}}],
            "sections.0.questions.1.show_if",
            "选项不存在",
        ),
        (
            [{**first[1], "show_if": None}, {**first[0], "show_if": {"question": "q2", "options": [1]}}],
            "sections.0.questions.1.show_if",
            "单选题或多选题",
        ),
        ([first[0], {**first[0]}], "sections.0.questions.1.key", "不能重复"),
        ([{**first[2], "min_choices": 4, "max_choices": 2}], "sections.0.questions.0.max_choices", "最少不大于最多"),
        ([{**first[3], "scale_max": 11}], "sections.0.questions.0.scale_max", "不能大于10"),
        ([{**first[0], "type": "essay"}], "sections.0.questions.0.type", "请选择正确的题型"),
        ([{**first[0], "title": ""}], "sections.0.questions.0.title", "请填写题目"),
    ]
    for questions, field, reason in broken:
        with pytest.raises(ValidationError) as bad:
            organiser.create_survey(a_survey(sections=[{"questions": questions}]))
        assert reason in bad.value.details["fields"].get(field, ""), (field, bad.value.details)
    for changes, field in [
        ({"sections": []}, "sections"),
        ({"closes_at": "9999-12-31T23:59:59"}, "closes_at"),
        ({"opens_at": later(days=9)}, "closes_at"),
        ({"max_responses": 0}, "max_responses"),
        ({"title": "标" * 61}, "title"),
    ]:
        with pytest.raises(ValidationError) as bad:
            organiser.create_survey(a_survey(**changes))
        assert field in bad.value.details["fields"], (changes, bad.value.details)
    with pytest.raises(Forbidden):
        as_(HANDLER).create_survey(a_survey())
    with pytest.raises(Forbidden):
        as_(HANDLER).list_surveys()
    assert db_session.scalar(select(Survey.id).where(Survey.created_by == HANDLER.id)) is None


def test_a_published_survey_keeps_what_its_answers_were_given_to(as_, published, db_session):
    survey = published(max_responses=10)
    organiser = as_(ORGANISER)
    as_(citizen()).respond_survey(survey["id"], GOOD)
    as_(citizen()).respond_survey(survey["id"], GOOD)
    changed = a_survey()
    changed["sections"][0]["questions"][0]["options"] = options("满意", "不满意")
    with pytest.raises(Conflict) as locked:
        organiser.edit_survey(survey["id"], changed)
    assert locked.value.code == "survey_questions_locked"
    with pytest.raises(Conflict):
        organiser.edit_survey(survey["id"], a_survey(anonymous=False))
    with pytest.raises(ValidationError) as low:
        organiser.edit_survey(survey["id"], a_survey(max_responses=1))
    assert "已收到2份答卷" in low.value.details["fields"]["max_responses"]
    amended = organiser.edit_survey(
        survey["id"], a_survey(title="满意度调查（延期）", closes_at=later(days=14), max_responses=50)
    )
    assert amended["title"] == "满意度调查（延期）" and amended["max_responses"] == 50 and amended["responses"] == 2
    partial = organiser.edit_survey(survey["id"], {"title": "只改标题"})  # what is left out keeps its value
    assert partial["title"] == "只改标题" and partial["results_public"] and partial["closes_at"] == amended["closes_at"]
    assert partial["max_responses"] == 50
    actions = db_session.scalars(
        select(audit_log.c.action).where(
            audit_log.c.target_id == str(survey["id"]), audit_log.c.target_type == "survey"
        )
    ).all()
    assert {"survey.created", "survey.published", "survey.amended"} <= set(actions)


def test_thirty_parallel_submissions_by_one_citizen_count_once_and_a_cap_holds(
    container_factory, service_config, published
):
    survey = published(max_responses=12)
    container = container_factory(SurveysService, service_config)
    container.start()
    person = citizen()

    def submit(actor):
        with rpc_proxy("surveys", service_config, actor) as proxy:
            try:
                proxy.respond_survey(survey["id"], GOOD)
                return "kept"
            except Conflict as exc:
                return exc.code

    outcomes = list(eventlet.GreenPool(30).imap(submit, [person] * 30))
    assert outcomes.count("kept") == 1 and outcomes.count("already_responded") == 29
    # forty different citizens for the 11 places left: exactly 11 kept, the others told it is full
    crowd = list(eventlet.GreenPool(40).imap(submit, [citizen() for _ in range(40)]))
    assert crowd.count("kept") == 11 and crowd.count("survey_full") == 29, crowd
    with rpc_proxy("surveys", service_config, ORGANISER) as proxy:
        assert proxy.get_survey(survey["id"])["results"]["responses"] == 12


def test_the_downloads_carry_every_response_and_are_audited(as_, published, db_session):
    import base64

    survey = published(anonymous=False, title="实名调研")
    person = citizen()
    as_(person).respond_survey(survey["id"], GOOD | {"q8": '=HYPERLINK("x")'})
    organiser = as_(ORGANISER)
    got = organiser.survey_responses_file(survey["id"], "csv")
    rows = list(csv.reader(io.StringIO(base64.b64decode(got["data"]).decode("utf-8-sig"))))
    assert rows[0] == ["实名调研"]
    assert rows[1][:4] == ["序号", "提交时间", "答卷人（openid）", "q1. 您对办事体验满意吗"]
    assert rows[2][0] == "1" and rows[2][2] == person.id
    assert rows[2][3:] == [
        "满意",
        "",
        "窗口；微信",
        "5",
        "20",
        "2026-11-02",
        "简化材料 > 缩短等候 > 延长时间",
        '\'=HYPERLINK("x")',
    ]
    book = load_workbook(io.BytesIO(base64.b64decode(organiser.survey_responses_file(survey["id"], "xlsx")["data"])))
    assert book.sheetnames == ["答卷", "统计"]
    assert [c.value for c in book["答卷"][3]][3] == "满意"
    figures = [[c.value for c in row] for row in book["统计"].iter_rows()]
    assert ["q1. 您对办事体验满意吗", "单选题", 1, "满意", 1, 1.0] in figures
    exports = db_session.scalars(
        select(audit_log.c.detail).where(
            audit_log.c.action == "survey.responses_exported", audit_log.c.target_id == str(survey["id"])
        )
    ).all()
    assert exports == [{"named": True}, {"named": True}]
    with pytest.raises(ValidationError):
        organiser.survey_responses_file(survey["id"], "pdf")
    with pytest.raises(Forbidden):
        as_(HANDLER).survey_responses_file(survey["id"], "csv")


def test_a_definition_cached_for_ballots_is_never_a_drafts(as_, db_session):
    draft = as_(ORGANISER).create_survey(a_survey())
    with pytest.raises(NotFound):
        surveys._definition(db_session, draft["id"])
    assert draft["id"] not in surveys.DEFINITIONS


def test_logic_follows_what_was_ticked_even_when_that_answer_is_wrong():
    """A follow-up shown because an option was ticked is judged as shown, even if its question has another problem
    (here too few choices): the citizen is told about that problem, not that the follow-up needs no answer."""
    from services.surveys import answers

    sections = [
        {
            "questions": [
                {
                    "key": "q1",
                    "type": "multiple",
                    "title": "选两项",
                    "options": options("甲", "乙", "丙"),
                    "min_choices": 2,
                },
                {"key": "q2", "type": "text", "title": "为什么选甲", "show_if": {"question": "q1", "options": [1]}},
            ]
        }
    ]
    with pytest.raises(ValidationError) as bad:
        answers.check(sections, {"q1": [1], "q2": "因为便宜"})
    assert bad.value.details["fields"] == {"q1": "请至少选择2项"}
    with pytest.raises(ValidationError) as missing:
        answers.check(sections, {"q1": ["1"]})
    assert missing.value.details["fields"] == {"q1": "请至少选择2项", "q2": "此题为必答题"}
    assert answers.check(sections, {"q1": [1, 3], "q2": "因为便宜"}) == {"q1": [1, 3], "q2": "因为便宜"}
    assert answers.check(sections, {"q1": [2, 3]}) == {"q1": [2, 3]}
