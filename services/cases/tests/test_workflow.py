"""The 12345 workflow on a real database: every step by role, the states each may start from, deadlines in working
days, escalation, extensions, the citizen's rating, the desk's queues."""

import uuid
from datetime import date, timedelta

import eventlet
import pytest
from sqlalchemy import select, update

from libs.auth import Actor
from libs.errors import Conflict, Forbidden, NotFound, ValidationError
from libs.unit_of_work import UnitOfWork
from services.cases import events, workflow
from services.cases.models import Case, audit_log, outbox
from services.cases.tests.conftest import STAFF
from services.cases.tests.test_cases import complaint

SUPERVISOR = Actor(kind="staff", id="5", name="督办 孙", roles=("supervisor",))
HEAD = Actor(kind="staff", id="6", name="环保局 局长", roles=("head",), department_id=2)
ROLES = STAFF | {"supervisor": SUPERVISOR, "head": HEAD}


@pytest.fixture
def filed(as_):
    """filed(**over) -> a new case's id, filed by a new citizen (to department 2 unless said otherwise)."""

    def make(**over):
        citizen = Actor.citizen(f"o_wf_{uuid.uuid4().hex[:8]}")
        case = as_(citizen).create_case(complaint(**over), uuid.uuid4().hex)
        case["citizen"] = citizen
        return case

    return make


def step(as_, who, case_id, action, **data):
    return as_(ROLES[who] if isinstance(who, str) else who).act_on_case(case_id, action, data)


def test_a_case_from_filing_to_the_citizens_rating(as_, db_session, filed):
    case = filed(department_id=None)
    assert case["status"] == "submitted" and case["due_on"] is not None
    assert [s["label"] for s in case["steps"]] == ["提交"]
    step(as_, "dispatcher", case["id"], "accept")
    assigned = step(as_, "dispatcher", case["id"], "assign", department_id=2, reason="属环保职责")
    assert (assigned["status"], assigned["department_name"]) == ("assigned", "部门2")
    assert "assign" not in as_(STAFF["handler_own"]).get_case(case["id"])["actions"]  # dispatching is the center's
    started = step(as_, "handler_own", case["id"], "start")
    assert (started["status"], started["handler_name"]) == ("in_progress", "环保办理人")
    replied = as_(STAFF["handler_own"]).reply_case(case["id"], {"body": "已现场检查并责令整改。"}, uuid.uuid4().hex)
    assert replied["status"] == "replied"
    with pytest.raises(Forbidden):  # the handler does not close their own answer: the center reviews it
        step(as_, "handler_own", case["id"], "close")
    closed = step(as_, "dispatcher", case["id"], "close")
    assert closed["status"] == "closed" and "reopen" in closed["actions"]

    owner = as_(case["citizen"])
    seen = owner.citizen_view(case["number"])
    assert seen["can_rate"] and seen["replies"][0]["department_name"] == "部门2"
    assert [s["label"] for s in seen["steps"]] == ["提交", "受理", "派单", "签收办理", "答复", "办结"]
    assert all(s["note"] == "" for s in seen["steps"])  # the dispatch instruction stays between offices
    rated = owner.rate_case(case["number"], {"rating": "satisfied", "comment": "处理及时"})
    assert (rated["status"], rated["rating"], rated["can_rate"]) == ("closed", "satisfied", False)
    with pytest.raises(Conflict):
        owner.rate_case(case["number"], {"rating": "unsatisfied"})

    actions = db_session.scalars(
        select(audit_log.c.action).where(audit_log.c.target_type == "case", audit_log.c.target_id == str(case["id"]))
    ).all()
    assert actions == [
        "case.filed",
        "case.accepted",
        "case.assigned",
        "case.started",
        "case.replied",
        "case.closed",
        "case.rated",
    ]
    staged = {
        r.event_type: r.payload["data"]
        for r in db_session.execute(select(outbox))
        if r.payload["data"].get("number") == case["number"]
    }
    assert set(staged) >= {"case_accepted", "case_assigned", "case_started", "case_closed", "case_rated"}
    events.CaseStepped.model_validate(staged["case_closed"])


# action -> roles that may take it on a case of department 2 in a state that allows it
ALLOWED = {
    "accept": {"dispatcher"},
    "assign": {"dispatcher"},
    "reject": {"dispatcher"},
    "start": {"dispatcher", "handler_own", "head"},
    "return": {"dispatcher", "handler_own", "head"},
    "close": {"dispatcher"},
}
SETUP = {
    "accept": [],
    "assign": [],
    "reject": [],
    "start": ["assign"],
    "return": ["assign"],
    "close": ["assign", "reply"],
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_who_may_take_each_step(as_, filed, action, role):
    case = filed()
    for earlier in SETUP[action]:
        if earlier == "reply":
            as_(STAFF["dispatcher"]).reply_case(case["id"], {"body": "答复内容"}, uuid.uuid4().hex)
        else:
            step(as_, "dispatcher", case["id"], earlier, department_id=2)
    data = {"department_id": 3 if action == "assign" else None, "reason": "原因说明"}
    if role in ALLOWED[action]:
        assert step(as_, role, case["id"], action, **data)["changed"] is True
    else:
        # who may not read the case does not learn it exists; the others are told they may not
        expected = NotFound if role in ("handler_other", "auditor") else Forbidden
        with pytest.raises(expected):
            step(as_, role, case["id"], action, **data)


@pytest.mark.parametrize(
    "action, status",
    [("close", "submitted"), ("start", "submitted"), ("accept", "assigned"), ("reject", "in_progress")],
)
def test_steps_from_the_wrong_state_are_refused(as_, filed, action, status):
    case = filed()
    if status != "submitted":
        step(as_, "dispatcher", case["id"], "assign", department_id=2)
    if status == "in_progress":
        step(as_, "handler_own", case["id"], "start")
    with pytest.raises(Conflict) as refused:
        step(as_, "dispatcher", case["id"], action, reason="原因")
    assert refused.value.code == "invalid_transition" and "不能" in refused.value.message


def test_return_reject_and_merge_need_what_they_need(as_, filed):
    case, other = filed(), filed()
    step(as_, "dispatcher", case["id"], "assign", department_id=2)
    with pytest.raises(ValidationError) as no_reason:
        step(as_, "handler_own", case["id"], "return")
    assert "reason" in no_reason.value.details["fields"]
    returned = step(as_, "handler_own", case["id"], "return", reason="不属于本部门职责，应由市场监管局办理")
    assert returned["status"] == "returned" and returned["handler_name"] == ""
    for target, said in (("", "另一件"), (case["number"], "另一件"), ("TS000000000000", "没有这件案件")):
        with pytest.raises(ValidationError) as refused:
            step(as_, "dispatcher", case["id"], "merge", target=target)
        assert said in refused.value.details["fields"]["target"]
    merged = step(as_, "dispatcher", case["id"], "merge", target=other["number"])
    assert merged["status"] == "merged" and merged["merged_into"] == other["number"]
    seen = as_(case["citizen"]).citizen_view(case["number"])
    assert other["number"] in seen["steps"][-1]["note"]
    with pytest.raises(NotFound):
        step(as_, "dispatcher", case["id"], "fly")


def test_two_cases_merged_into_each_other_at_once_leave_one_open(as_, filed, engine):
    """Each case's page suggests the other as a duplicate: two dispatchers merging A into B and B into A at the
    same moment must not leave both merged (nobody would handle either)."""
    first, second = filed(), filed()
    assert first["id"] < second["id"]
    # B into A is under way (its row locked, not yet committed) when A into B comes: it waits, then sees B merged
    with engine.connect() as other:
        other.execute(select(Case.id).where(Case.id == second["id"]).with_for_update())
        other.execute(update(Case).where(Case.id == second["id"]).values(status="merged", merged_into=first["number"]))
        crossing = eventlet.spawn(step, as_, "dispatcher", first["id"], "merge", target=second["number"])
        eventlet.sleep(0.5)
        assert not crossing.dead  # it waits for the other merge
        other.commit()
    with pytest.raises(ValidationError) as refused:
        crossing.wait()
    assert refused.value.details["fields"]["target"] == "该案件已合并或不予受理"
    # against the lock order (the target's id is lower) it does not wait, and says to try again
    third = filed()
    with engine.connect() as other:
        other.execute(select(Case.id).where(Case.id == first["id"]).with_for_update())
        with pytest.raises(Conflict) as busy:
            with eventlet.Timeout(5):
                step(as_, "dispatcher", third["id"], "merge", target=first["number"])
        assert busy.value.code == "case_busy"
        other.rollback()
    assert [as_(STAFF["dispatcher"]).get_case(c["id"])["status"] for c in (first, third)] == ["submitted"] * 2


def test_unsatisfied_reopens_once(as_, filed):
    case = filed()

    def answer_and_close():
        as_(STAFF["dispatcher"]).reply_case(case["id"], {"body": "答复内容"}, uuid.uuid4().hex)
        step(as_, "dispatcher", case["id"], "close")

    answer_and_close()
    owner = as_(case["citizen"])
    with pytest.raises(NotFound):
        as_(Actor.citizen("o_someone_else")).rate_case(case["number"], {"rating": "satisfied"})
    with pytest.raises(ValidationError):
        owner.rate_case(case["number"], {"rating": "great"})
    reopened = owner.rate_case(case["number"], {"rating": "unsatisfied", "comment": "油烟仍然直排"})
    assert reopened["status"] == "reopened" and reopened["can_rate"] is False
    assert "油烟仍然直排" in reopened["steps"][-1]["note"]
    staff_view = as_(STAFF["handler_own"]).get_case(case["id"])
    assert staff_view["reopen_count"] == 1 and "start" in staff_view["actions"]
    step(as_, "handler_own", case["id"], "start")
    answer_and_close()
    again = owner.rate_case(case["number"], {"rating": "unsatisfied"})
    assert again["status"] == "closed"  # once only: the second 不满意 is recorded, the case stays closed
    fresh = filed()
    with pytest.raises(Conflict):
        as_(fresh["citizen"]).rate_case(fresh["number"], {"rating": "satisfied"})  # not closed yet


def test_deadlines_in_working_days_and_per_service_type(as_, db_session, filed):
    today = workflow.local_today()
    cal_due = workflow.due_from(db_session, today, 7)
    assert date.fromisoformat(filed()["due_on"]) == cal_due
    inquiry = as_(Actor.citizen(f"o_dl_{uuid.uuid4().hex[:6]}")).create_case(
        complaint(kind="inquiry", accused=""), uuid.uuid4().hex
    )
    assert date.fromisoformat(inquiry["due_on"]) == workflow.due_from(db_session, today, 3)
    dispatcher = as_(STAFF["dispatcher"])
    service_id = 700_000 + int(uuid.uuid4().int % 1000)
    dispatcher.set_deadline({"service_type_id": service_id, "kind": "complaint", "working_days": 20})
    with pytest.raises(ValidationError):
        dispatcher.set_deadline({"service_type_id": service_id, "kind": "complaint", "working_days": 0})
    with pytest.raises(Forbidden):
        as_(STAFF["handler_own"]).set_deadline({"service_type_id": service_id, "kind": "complaint", "working_days": 2})
    assert workflow.working_days_for(db_session, "complaint", service_id) == 20
    assert workflow.working_days_for(db_session, "inquiry", service_id) == 3


def test_overdue_cases_escalate_once_and_extensions_need_a_supervisor(as_, db_session, filed):
    case = filed()
    step(as_, "dispatcher", case["id"], "assign", department_id=2)
    yesterday = workflow.local_today() - timedelta(days=1)
    db_session.execute(update(Case).where(Case.id == case["id"]).values(due_on=yesterday))
    db_session.commit()
    view = as_(STAFF["handler_own"]).get_case(case["id"])
    assert view["overdue"] and not view["due_soon"]
    system = Actor.system("cases")
    with UnitOfWork(db_session, system, audit_log=audit_log, outbox=outbox, contract=events.PUBLISHES) as uow:
        assert workflow.escalate_overdue(uow) >= 1
    with UnitOfWork(db_session, system, audit_log=audit_log, outbox=outbox, contract=events.PUBLISHES) as uow:
        workflow.escalate_overdue(uow)
    view = as_(HEAD).get_case(case["id"])
    assert view["escalated"] and [s["label"] for s in view["steps"]].count("超期督办") == 1
    overdue = as_(SUPERVISOR).list_cases({"queue": "overdue"})
    assert case["id"] in [c["id"] for c in overdue["cases"]] and overdue["counts"]["overdue"] >= 1

    handler = as_(STAFF["handler_own"])
    with pytest.raises(ValidationError):
        handler.request_extension(case["id"], {"days": 0, "reason": "需要检测"})
    asked = handler.request_extension(case["id"], {"days": 5, "reason": "需要等待第三方检测报告"})
    (ext,) = asked["extensions"]
    with pytest.raises(Conflict):
        handler.request_extension(case["id"], {"days": 2, "reason": "再申请一次"})
    with pytest.raises(Forbidden):
        handler.decide_extension(case["id"], ext["id"], True)
    approved = as_(HEAD).decide_extension(case["id"], ext["id"], True)
    assert approved["due_on"] == str(workflow.due_from(db_session, yesterday, 5))
    assert approved["extensions"][0]["status"] == "approved" and not approved["overdue"]
    assert not approved["escalated"]  # back within its deadline
    with pytest.raises(Conflict):
        as_(SUPERVISOR).decide_extension(case["id"], ext["id"], False)
    with pytest.raises(NotFound):
        as_(STAFF["handler_other"]).decide_extension(case["id"], ext["id"], True)


def test_notes_stay_inside_and_queues_count_and_page(as_, filed):
    case = filed()
    noted = as_(STAFF["handler_own"]).add_case_note(case["id"], {"body": "已电话联系物业，对方否认"})
    assert noted["notes"][0]["body"] == "已电话联系物业，对方否认"
    seen = as_(case["citizen"]).citizen_view(case["number"])
    assert "notes" not in seen and "物业" not in str(seen)
    with pytest.raises(ValidationError):
        as_(STAFF["handler_own"]).add_case_note(case["id"], {"body": ""})
    with pytest.raises(Forbidden):  # 督办 reads every case but does not handle them
        as_(SUPERVISOR).add_case_note(case["id"], {"body": "督办写的"})

    dispatcher = as_(STAFF["dispatcher"])
    for _ in range(3):
        filed(department_id=None)
    first = dispatcher.list_cases({"queue": "new"})
    assert first["counts"]["new"] == first["total"] >= 3 and first["page"] == 1
    assert len(first["cases"]) == min(first["total"], 20) and first["pages"] == -(-first["total"] // 20)
    mine = as_(STAFF["handler_own"]).list_cases({"queue": "department"})
    assert all(c["department_id"] == 2 for c in mine["cases"])
    with pytest.raises(ValidationError):
        dispatcher.list_cases({"queue": "everything"})
    with pytest.raises(ValidationError):
        dispatcher.list_cases({"page": 0})


def test_bulk_assignment_is_all_or_nothing(as_, db_session, filed):
    a, b = filed(department_id=None), filed(department_id=None)
    dispatcher = as_(STAFF["dispatcher"])
    done = dispatcher.bulk_assign({"case_ids": [a["id"], b["id"], a["id"]], "department_id": 3})
    assert done == {"assigned": 2, "unchanged": 0}
    c, d = filed(department_id=None), filed(department_id=None)
    step(as_, "dispatcher", c["id"], "reject", reason="不属于政务服务范围")
    with pytest.raises(Conflict):
        dispatcher.bulk_assign({"case_ids": [d["id"], c["id"]], "department_id": 3})
    assert dispatcher.get_case(d["id"])["status"] == "submitted"  # the refused lot moved nothing
    with pytest.raises(Forbidden):
        as_(STAFF["handler_own"]).bulk_assign({"case_ids": [a["id"]], "department_id": 2})


def test_reply_templates_fit_the_case(as_, filed):
    dispatcher = as_(STAFF["dispatcher"])
    general = dispatcher.save_reply_template(None, {"title": "通用答复", "body": "您好，已转交办理。"})
    specific = dispatcher.save_reply_template(
        None, {"title": "环保专用", "kind": "complaint", "service_type_id": 4242, "body": "您好，已安排环境监测。"}
    )
    inquiries = dispatcher.save_reply_template(
        None, {"title": "咨询专用", "kind": "inquiry", "body": "您好，政策如下。"}
    )
    case = filed(service_type_id=None)
    fitting = [t["title"] for t in as_(STAFF["handler_own"]).reply_templates(case["id"])]
    assert "通用答复" in fitting and "咨询专用" not in fitting and "环保专用" not in fitting
    changed = dispatcher.save_reply_template(specific["id"], {"title": "环保专用", "kind": "complaint", "body": "改过"})
    assert changed["body"] == "改过" and changed["service_type_id"] is None
    with pytest.raises(Forbidden):
        as_(STAFF["handler_own"]).save_reply_template(None, {"title": "越权", "body": "内容内容"})
    with pytest.raises(ValidationError):
        dispatcher.save_reply_template(None, {"title": "", "body": "x"})
    with pytest.raises(NotFound):
        dispatcher.save_reply_template(999_999, {"title": "没有", "body": "内容内容"})
    assert {general["id"], inquiries["id"]} <= {t["id"] for t in dispatcher.reply_templates()}


def test_an_answer_withdraws_a_pending_extension_and_nobody_approves_their_own(as_, filed):
    case = filed()
    step(as_, "dispatcher", case["id"], "assign", department_id=2)
    head = as_(HEAD)
    asked = head.request_extension(case["id"], {"days": 3, "reason": "需要等待检测结果"})
    with pytest.raises(Forbidden):  # the head asked: someone else decides
        head.decide_extension(case["id"], asked["extensions"][0]["id"], True)
    due = asked["due_on"]
    as_(STAFF["handler_own"]).reply_case(case["id"], {"body": "已处理完毕"}, uuid.uuid4().hex)
    view = as_(SUPERVISOR).get_case(case["id"])
    assert view["extensions"][0]["status"] == "withdrawn" and view["due_on"] == due
    with pytest.raises(Conflict):
        as_(SUPERVISOR).decide_extension(case["id"], asked["extensions"][0]["id"], True)
