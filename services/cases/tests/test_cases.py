"""cases on a real database session (worker_factory) and as a running container on real RabbitMQ."""

import uuid

import eventlet
import pytest
from nameko.events import event_handler
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import worker_factory
from sqlalchemy import select

from libs.auth import Actor
from libs.errors import Forbidden, NotFound, RateLimited, ValidationError
from libs.events import stage
from services.cases.models import Case, CaseCounter, audit_log, outbox
from services.cases.service import CasesService

STAFF = {
    "dispatcher": Actor(kind="staff", id="1", name="受理员", roles=("dispatcher",)),
    "handler_own": Actor(kind="staff", id="2", name="环保办理人", roles=("handler",), department_id=2),
    "handler_other": Actor(kind="staff", id="3", name="市场办理人", roles=("handler",), department_id=3),
    "auditor": Actor(kind="staff", id="4", name="审计员", roles=("auditor",)),
}


def complaint(**over):
    data = {
        "kind": "complaint",
        "accused": "某化工厂",
        "content": "化工厂夜间排放刺鼻气体，周边居民头晕恶心。",
        "contact_phone": "13800000000",
        "department_id": 2,
    }
    data.update(over)
    return data


@pytest.fixture
def citizen():
    """A new citizen per test: filing limits and ownership never leak between tests."""
    return Actor.citizen(f"o_unit_{uuid.uuid4().hex[:8]}").to_dict()


@pytest.fixture
def cases(db_session):
    return worker_factory(CasesService, db=db_session)


def test_filing_numbers_and_stages_an_event(cases, db_session, citizen):
    result = cases.create_case(citizen, complaint(), uuid.uuid4().hex)
    assert result["created"] is True and result["number"].startswith("TS")
    case = db_session.scalar(select(Case).where(Case.number == result["number"]))
    assert case.status == "submitted" and case.contact_phone == "13800000000"
    staged = db_session.execute(select(outbox).where(outbox.c.event_type == "case_created")).all()
    assert any(row.payload["data"]["number"] == result["number"] for row in staged)


@pytest.mark.parametrize(
    "field, value",
    [
        ("content", "短"),
        ("content", "字" * 2001),
        ("contact_phone", ""),
        ("contact_phone", "abc"),
        ("accused", ""),
        ("kind", "rumour"),
        ("department_id", "二"),
        ("occurred_on", "2026-13-40"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(cases, db_session, field, value, citizen):
    before = db_session.scalar(select(CaseCounter.last).where(CaseCounter.kind == "complaint")) or 0
    with pytest.raises(ValidationError) as err:
        cases.create_case(citizen, complaint(**{field: value}), uuid.uuid4().hex)
    assert field in err.value.details["fields"]
    db_session.rollback()
    after = db_session.scalar(select(CaseCounter.last).where(CaseCounter.kind == "complaint")) or 0
    assert after == before  # no number was used up


def test_only_citizens_file_and_request_ids_are_checked(cases, citizen):
    with pytest.raises(Forbidden):
        cases.create_case(STAFF["dispatcher"].to_dict(), complaint(), uuid.uuid4().hex)
    with pytest.raises(ValidationError):
        cases.create_case(citizen, complaint(), "x")
    with pytest.raises(ValidationError):
        cases.create_case(citizen, "not a dict", uuid.uuid4().hex)


def test_same_request_id_from_another_citizen_is_refused(cases, citizen):
    request_id = uuid.uuid4().hex
    cases.create_case(citizen, complaint(), request_id)
    with pytest.raises(ValidationError):
        cases.create_case(Actor.citizen("o_someone_else").to_dict(), complaint(), request_id)


# who may read a department-2 case, and whether they see the contact details
ROLE_MATRIX = [
    ("dispatcher", "contact"),
    ("handler_own", "contact"),
    ("handler_other", NotFound),
    ("auditor", NotFound),
]


@pytest.mark.parametrize("role, expected", ROLE_MATRIX)
def test_reading_a_case_by_role(cases, db_session, role, expected, citizen):
    number = cases.create_case(citizen, complaint(), uuid.uuid4().hex)["number"]
    case_id = db_session.scalar(select(Case.id).where(Case.number == number))
    actor = STAFF[role].to_dict()
    if expected is NotFound:
        with pytest.raises(NotFound):
            cases.get_case(actor, case_id)
        assert all(c["number"] != number for c in _list_or_empty(cases, actor))
        return
    view = cases.get_case(actor, case_id)
    assert view["contact_phone"] == "13800000000"
    audited = db_session.execute(
        select(audit_log).where(audit_log.c.target_id == str(case_id), audit_log.c.actor_id == STAFF[role].id)
    ).all()
    assert [a.action for a in audited] == ["case.contact_viewed"]


def _list_or_empty(cases, actor):
    try:
        return cases.list_cases(actor)
    except Forbidden:
        return []


@pytest.mark.parametrize("role, allowed", [("dispatcher", True), ("handler_own", True), ("handler_other", False)])
def test_replying_by_role(cases, db_session, role, allowed, citizen):
    number = cases.create_case(citizen, complaint(), uuid.uuid4().hex)["number"]
    case_id = db_session.scalar(select(Case.id).where(Case.number == number))
    if not allowed:
        with pytest.raises(NotFound):
            cases.reply_case(STAFF[role].to_dict(), case_id, {"body": "答复"}, uuid.uuid4().hex)
        return
    result = cases.reply_case(STAFF[role].to_dict(), case_id, {"body": "已处理"}, uuid.uuid4().hex)
    assert result["status"] == "replied" and "contact_phone" not in result


def test_citizen_sees_own_case_others_only_status(cases, citizen):
    number = cases.create_case(citizen, complaint(), uuid.uuid4().hex)["number"]
    own = cases.citizen_view(number, citizen["id"])
    assert own["is_owner"] and own["content"].startswith("化工厂")
    assert "contact_phone" not in own and "contact_name" not in own  # contact details: staff only
    other = cases.citizen_view(number.lower(), "o_stranger")
    assert other == {**{k: own[k] for k in other if k != "is_owner"}, "is_owner": False}
    assert "content" not in other and "contact_phone" not in other
    with pytest.raises(NotFound):
        cases.citizen_view("TS000000000000", "o_stranger")


def test_running_service_answers_over_rabbitmq_and_relays_events(
    container_factory, service_config, db_session, citizen
):
    container = container_factory(CasesService, service_config)
    container.start()
    with ServiceRpcProxy("cases", service_config) as proxy:
        assert proxy.health() == {"service": "cases", "ok": True}
        with pytest.raises(ValidationError):  # a typed error crosses the bus as itself
            proxy.create_case(citizen, complaint(content=""), uuid.uuid4().hex)
        created = proxy.create_case(citizen, complaint(), uuid.uuid4().hex)
    query = select(outbox).where(outbox.c.event_type == "case_created").order_by(outbox.c.created_at.desc())
    row = db_session.execute(query).first()
    assert row.payload["data"]["number"] == created["number"]
    with eventlet.Timeout(1.5):  # relayed right after the worker ends (the timer would take up to 2 s)
        while row.dispatched_at is None:
            eventlet.sleep(0.02)
            db_session.rollback()
            row = db_session.execute(query).first()


received = []


class Listener:
    name = "listener"

    @event_handler("cases", "case_created")
    def handle_case_created(self, payload):
        received.append(payload)


def test_an_event_left_in_the_outbox_is_relayed_by_the_timer(container_factory, service_config, db_session):
    """A relay that failed after commit (broker blip, crash) leaves the row; the timer sends it."""
    listener = container_factory(Listener, service_config)
    listener.start()  # consumers first: an event published before its queue exists is dropped
    staged = stage(db_session, outbox, "case_created", {"number": "TS209912310001", "openid": "o_outbox"})
    db_session.commit()
    container_factory(CasesService, service_config).start()
    query = select(outbox.c.dispatched_at).where(outbox.c.event_id == staged["event_id"])
    with eventlet.Timeout(10):
        while not any(p["event_id"] == staged["event_id"] for p in received):
            eventlet.sleep(0.1)
        while db_session.execute(query).scalar() is None:  # marked sent once the broker took it
            db_session.rollback()
            eventlet.sleep(0.05)


def test_staff_search_by_number_and_words(cases, citizen):
    dispatcher = STAFF["dispatcher"].to_dict()
    marker = uuid.uuid4().hex[:8]
    number = cases.create_case(citizen, complaint(accused=f"搜索测试{marker}厂"), uuid.uuid4().hex)["number"]
    assert [c["number"] for c in cases.list_cases(dispatcher, text=number.lower())] == [number]
    assert [c["number"] for c in cases.list_cases(dispatcher, text=marker)] == [number]
    assert cases.list_cases(dispatcher, text="100%不存在_") == []  # LIKE wildcards are literal
    assert all(c["status"] == "submitted" for c in cases.list_cases(dispatcher, status="submitted"))
    with pytest.raises(ValidationError):
        cases.list_cases(dispatcher, status="deleted")
    with pytest.raises(ValidationError):
        cases.list_cases(dispatcher, text="长" * 51)


def test_dispatcher_assigns_a_case_to_a_department(cases, db_session, citizen):
    """content is not running in this tier: worker_factory stands in for it, and the system tests use the real one."""
    case_id = cases.create_case(citizen, complaint(department_id=None), uuid.uuid4().hex)["id"]
    with pytest.raises(NotFound):  # unassigned: no department's handler sees it
        cases.get_case(STAFF["handler_own"].to_dict(), case_id)

    result = cases.assign_case(STAFF["dispatcher"].to_dict(), case_id, {"department_id": "2", "reason": "属环保职责"})
    assert result["changed"] is True and result["department_id"] == 2
    assert cases.get_case(STAFF["handler_own"].to_dict(), case_id)["contact_phone"] == "13800000000"
    again = cases.assign_case(STAFF["dispatcher"].to_dict(), case_id, {"department_id": 2})
    assert again["changed"] is False

    trail = db_session.execute(
        select(audit_log).where(audit_log.c.target_id == str(case_id), audit_log.c.action == "case.assigned")
    ).all()
    assert [(a.reason, a.detail) for a in trail] == [("属环保职责", {"from": None, "to": 2})]
    staged = db_session.execute(select(outbox).where(outbox.c.event_type == "case_assigned")).all()
    assert any(row.payload["data"]["id"] == case_id for row in staged)


def test_assignment_refusals(cases, citizen):
    case_id = cases.create_case(citizen, complaint(), uuid.uuid4().hex)["id"]
    with pytest.raises(Forbidden):  # a handler reads the case but may not move it
        cases.assign_case(STAFF["handler_own"].to_dict(), case_id, {"department_id": 3})
    with pytest.raises(NotFound):
        cases.assign_case(STAFF["handler_other"].to_dict(), case_id, {"department_id": 3})
    for bad in ({}, {"department_id": "环保局"}, {"department_id": 3, "reason": "长" * 201}):
        with pytest.raises(ValidationError):
            cases.assign_case(STAFF["dispatcher"].to_dict(), case_id, bad)
    cases.content.get_department.side_effect = NotFound("department_not_found", "部门不存在")
    with pytest.raises(ValidationError) as err:
        cases.assign_case(STAFF["dispatcher"].to_dict(), case_id, {"department_id": 99})
    assert err.value.details["fields"]["department_id"] == "部门不存在"


def test_a_citizen_filing_too_often_is_slowed_down(cases, db_session):
    citizen = Actor.citizen(f"o_busy_{uuid.uuid4().hex[:6]}").to_dict()
    for _ in range(10):
        cases.create_case(citizen, complaint(), uuid.uuid4().hex)
    request_id = uuid.uuid4().hex
    with pytest.raises(RateLimited) as err:
        cases.create_case(citizen, complaint(), request_id)
    assert "12345" in err.value.message
    db_session.rollback()
    assert db_session.scalar(select(Case).where(Case.request_id == request_id)) is None
