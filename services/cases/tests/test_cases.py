"""cases on a real database session (worker_factory + a real unit of work) and as a running container on real
RabbitMQ. content is not running in this tier: a mock stands in for its department list."""

import uuid
from unittest.mock import MagicMock

import eventlet
import pytest
from nameko.events import event_handler
from sqlalchemy import select

from libs.auth import Actor
from libs.errors import Forbidden, NotFound, RateLimited, ValidationError
from libs.events import stage
from services.cases import events
from services.cases.models import Case, CaseCounter, audit_log, outbox
from services.cases.service import CasesService
from services.cases.tests.conftest import DEPARTMENTS, STAFF
from services.conftest import rpc_proxy


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


def file(as_, citizen, **over):
    return as_(citizen).create_case(complaint(**over), uuid.uuid4().hex)


def test_filing_numbers_audits_and_stages_a_declared_event(as_, db_session, citizen):
    result = file(as_, citizen)
    assert result["created"] is True and result["number"].startswith("TS")
    case = db_session.scalar(select(Case).where(Case.number == result["number"]))
    assert case.status == "submitted" and case.contact_phone == "13800000000"
    staged = db_session.execute(select(outbox).where(outbox.c.event_type == "case_created")).all()
    (payload,) = [row.payload for row in staged if row.payload["data"]["number"] == result["number"]]
    events.CaseCreated.model_validate(payload["data"])  # what was staged is what the contract declares
    filed = db_session.execute(
        select(audit_log).where(audit_log.c.target_type == "case", audit_log.c.target_id == str(case.id))
    ).all()
    assert [(a.action, a.actor_kind, a.actor_id) for a in filed] == [("case.filed", "citizen", citizen.id)]


@pytest.mark.parametrize(
    "field, value",
    [
        ("content", "短"),
        ("content", "字" * 2001),
        ("content", "含有\x00空字符的内容，足够十个字"),
        ("contact_phone", ""),
        ("contact_phone", "abc"),
        ("contact_phone", "١٣٨٠٠١٣٨٠٠٠"),  # Arabic-Indic digits
        ("accused", ""),
        ("kind", "rumour"),
        ("department_id", "二"),
        ("department_id", True),
        ("department_id", 2**31),
        ("department_id", 2**63),
        ("department_id", float("inf")),
        ("department_id", -1),
        ("department_id", 0),
        ("department_id", 99999),  # in range, but content has no such department
        ("occurred_on", "2026-13-40"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(as_, db_session, field, value, citizen):
    before = db_session.scalar(select(CaseCounter.last).where(CaseCounter.kind == "complaint")) or 0
    with pytest.raises(ValidationError) as err:
        file(as_, citizen, **{field: value})
    assert field in err.value.details["fields"]
    db_session.rollback()
    after = db_session.scalar(select(CaseCounter.last).where(CaseCounter.kind == "complaint")) or 0
    assert after == before  # no number was used up
    assert db_session.scalar(select(Case).where(Case.openid == citizen.id)) is None


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("１３８００１３８０００", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0571-87654321", "057187654321"),
    ],
)
def test_phone_numbers_are_normalised_as_people_type_them(as_, db_session, citizen, typed, stored):
    number = file(as_, citizen, contact_phone=typed)["number"]
    assert db_session.scalar(select(Case.contact_phone).where(Case.number == number)) == stored


def test_only_citizens_file_and_request_ids_are_checked(as_, citizen):
    with pytest.raises(Forbidden):
        as_(STAFF["dispatcher"]).create_case(complaint(), uuid.uuid4().hex)
    with pytest.raises(Forbidden):
        as_(Actor.anonymous()).create_case(complaint(), uuid.uuid4().hex)
    with pytest.raises(ValidationError):
        as_(citizen).create_case(complaint(), "x")
    with pytest.raises(ValidationError):
        as_(citizen).create_case("not a dict", uuid.uuid4().hex)


def test_same_request_id_from_another_citizen_is_refused(as_, citizen):
    request_id = uuid.uuid4().hex
    as_(citizen).create_case(complaint(), request_id)
    with pytest.raises(ValidationError):
        as_(Actor.citizen("o_someone_else")).create_case(complaint(), request_id)


# who may read a department-2 case, and whether they may reveal the contact details
ROLE_MATRIX = [("dispatcher", True), ("handler_own", True), ("handler_other", NotFound), ("auditor", NotFound)]


@pytest.mark.parametrize("role, expected", ROLE_MATRIX)
def test_reading_a_case_by_role(as_, db_session, role, expected, citizen):
    case_id = file(as_, citizen)["id"]
    staff = as_(STAFF[role])
    if expected is NotFound:
        with pytest.raises(NotFound):
            staff.get_case(case_id)
        with pytest.raises(NotFound):
            staff.reveal_contact(case_id)
        assert all(c["id"] != case_id for c in _list_or_empty(staff))
        return
    view = staff.get_case(case_id)
    assert view["contact_available"] is True and "contact_phone" not in view
    assert _audited(db_session, case_id, STAFF[role].id) == []  # reading the case is not reading the contact
    assert staff.reveal_contact(case_id, {"reason": "电话核实"}) == {
        "contact_name": "",
        "contact_phone": "13800000000",
    }
    assert _audited(db_session, case_id, STAFF[role].id) == [("case.contact_viewed", "电话核实")]


def _audited(db_session, case_id, actor_id):
    rows = db_session.execute(
        select(audit_log).where(audit_log.c.target_id == str(case_id), audit_log.c.actor_id == actor_id)
    ).all()
    return [(a.action, a.reason) for a in rows]


def _list_or_empty(staff):
    try:
        return staff.list_cases()["cases"]
    except Forbidden:
        return []


@pytest.mark.parametrize("role, allowed", [("dispatcher", True), ("handler_own", True), ("handler_other", False)])
def test_replying_by_role(as_, role, allowed, citizen):
    case_id = file(as_, citizen)["id"]
    staff = as_(STAFF[role])
    if not allowed:
        with pytest.raises(NotFound):
            staff.reply_case(case_id, {"body": "答复"}, uuid.uuid4().hex)
        return
    result = staff.reply_case(case_id, {"body": "已处理"}, uuid.uuid4().hex)
    assert result["status"] == "replied" and result["changed"] is True and "contact_phone" not in result
    assert [r["body"] for r in result["replies"]] == ["已处理"]


def test_case_ids_out_of_any_range_are_not_found(as_):
    staff = as_(STAFF["dispatcher"])
    for bad in (2**63, -1, 0, True, "1", 1.5, None):
        with pytest.raises(NotFound):
            staff.get_case(bad)


def test_citizen_sees_own_case_others_only_status(as_, citizen):
    number = file(as_, citizen)["number"]
    own = as_(citizen).citizen_view(number)
    assert own["is_owner"] and own["content"].startswith("化工厂")
    assert "contact_phone" not in own and "contact_name" not in own  # contact details: staff only
    other = as_(Actor.citizen("o_stranger")).citizen_view(number.lower())
    assert other == {**{k: own[k] for k in other if k != "is_owner"}, "is_owner": False}
    assert "content" not in other and "contact_phone" not in other
    with pytest.raises(NotFound):
        as_(citizen).citizen_view("TS000000000000")


def test_running_service_answers_over_rabbitmq_and_relays_events(
    container_factory, service_config, db_session, citizen
):
    container = container_factory(CasesService, service_config)
    container.start()
    with rpc_proxy("cases", service_config, citizen) as proxy:
        assert proxy.health() == {"service": "cases", "ok": True}
        with pytest.raises(ValidationError):  # a typed error crosses the bus as itself
            proxy.create_case(complaint(content="", department_id=None), uuid.uuid4().hex)
        created = proxy.create_case(complaint(department_id=None), uuid.uuid4().hex)
    with rpc_proxy("cases", service_config) as anonymous, pytest.raises(Forbidden):
        anonymous.create_case(complaint(department_id=None), uuid.uuid4().hex)  # no actor in the call: nobody
    query = select(outbox).where(outbox.c.event_type == "case_created").order_by(outbox.c.created_at.desc())
    row = db_session.execute(query).first()
    assert row.payload["data"]["number"] == created["number"]
    with eventlet.Timeout(1.5):  # relayed right after the worker ends (the timer would take up to 2 s)
        while row.dispatched_at is None:
            eventlet.sleep(0.02)
            db_session.rollback()
            row = db_session.execute(query).first()


def test_a_request_whose_caller_gave_up_is_not_run(container_factory, service_config, db_session, citizen):
    """The gateway's pool sends a deadline; a request taken off the queue after it is dropped, not filed."""
    from nameko.standalone.rpc import ServiceRpcProxy

    from libs.errors import DeadlineExceeded

    container_factory(CasesService, service_config).start()
    request_id = uuid.uuid4().hex
    late = {"actor": citizen.to_header(), "deadline": 1.0}  # 1970: long gone
    with ServiceRpcProxy("cases", service_config, context_data=late) as proxy, pytest.raises(DeadlineExceeded):
        proxy.create_case(complaint(department_id=None), request_id)
    assert db_session.scalar(select(Case).where(Case.request_id == request_id)) is None


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


def test_staff_search_by_number_and_words(as_, citizen):
    dispatcher = as_(STAFF["dispatcher"])
    marker = uuid.uuid4().hex[:8]
    number = file(as_, citizen, accused=f"搜索测试{marker}厂")["number"]
    assert [c["number"] for c in dispatcher.list_cases({"q": number.lower()})["cases"]] == [number]
    assert [c["number"] for c in dispatcher.list_cases({"q": marker})["cases"]] == [number]
    assert dispatcher.list_cases({"q": "100%不存在_"})["cases"] == []  # LIKE wildcards are literal
    assert all(c["status"] == "submitted" for c in dispatcher.list_cases({"status": "submitted"})["cases"])
    for bad in ({"status": "deleted"}, {"q": "长" * 51}, {"q": "a\x00b"}, "not a dict"):
        with pytest.raises(ValidationError):
            dispatcher.list_cases(bad)


def test_dispatcher_assigns_a_case_to_a_department(as_, db_session, citizen):
    case_id = file(as_, citizen, department_id=None)["id"]
    with pytest.raises(NotFound):  # unassigned: no department's handler sees it
        as_(STAFF["handler_own"]).get_case(case_id)

    dispatcher = as_(STAFF["dispatcher"])
    result = dispatcher.assign_case(case_id, {"department_id": "2", "reason": "属环保职责"})
    assert result["changed"] is True and result["department_id"] == 2
    assert as_(STAFF["handler_own"]).reveal_contact(case_id)["contact_phone"] == "13800000000"
    assert dispatcher.assign_case(case_id, {"department_id": 2})["changed"] is False

    trail = db_session.execute(
        select(audit_log).where(audit_log.c.target_id == str(case_id), audit_log.c.action == "case.assigned")
    ).all()
    assert [(a.reason, a.detail) for a in trail] == [("属环保职责", {"from": None, "to": 2})]
    staged = db_session.execute(select(outbox).where(outbox.c.event_type == "case_assigned")).all()
    assert any(row.payload["data"]["id"] == case_id for row in staged)


def test_assignment_refusals(as_, citizen):
    case_id = file(as_, citizen)["id"]
    with pytest.raises(Forbidden):  # a handler reads the case but may not move it
        as_(STAFF["handler_own"]).assign_case(case_id, {"department_id": 3})
    with pytest.raises(NotFound):
        as_(STAFF["handler_other"]).assign_case(case_id, {"department_id": 3})
    dispatcher = as_(STAFF["dispatcher"])
    for bad in ({}, {"department_id": "环保局"}, {"department_id": 3, "reason": "长" * 501}, {"department_id": True}):
        with pytest.raises(ValidationError):
            dispatcher.assign_case(case_id, bad)
    with pytest.raises(ValidationError) as err:
        dispatcher.assign_case(case_id, {"department_id": 99})
    assert err.value.details["fields"]["department_id"] == "部门不存在"


def test_a_citizen_filing_too_often_is_slowed_down(as_, db_session, citizen):
    for _ in range(10):
        file(as_, citizen)
    request_id = uuid.uuid4().hex
    with pytest.raises(RateLimited) as err:
        as_(citizen).create_case(complaint(), request_id)
    assert "12345" in err.value.message
    db_session.rollback()
    assert db_session.scalar(select(Case).where(Case.request_id == request_id)) is None


def test_a_complaint_about_a_service_goes_to_its_department(worker, db_session, citizen):
    content = MagicMock()
    content.list_departments.return_value = DEPARTMENTS
    content.get_service_type.side_effect = lambda i: (
        {"id": 7, "name": "失业人员各项补贴", "department_id": 1}
        if i == 7
        else (_ for _ in ()).throw(NotFound("x", "y"))
    )
    cases = worker(CasesService, citizen, content=content)
    filed = cases.create_case(complaint(department_id=None, service_type_id="7"), uuid.uuid4().hex)
    assert (filed["department_id"], filed["service_type_id"], filed["service_type_name"]) == (1, 7, "失业人员各项补贴")
    chosen = cases.create_case(complaint(department_id=3, service_type_id=7), uuid.uuid4().hex)
    assert chosen["department_id"] == 3  # the citizen's own choice wins
    for bad in (8, True, 0, "x"):
        with pytest.raises(ValidationError) as err:
            cases.create_case(complaint(service_type_id=bad), uuid.uuid4().hex)
        assert "service_type_id" in err.value.details["fields"]
