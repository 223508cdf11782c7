"""libs.unit_of_work on a real PostgreSQL: all of a write (change, audit row, events) or none of it."""

import pydantic
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from libs.auth import Actor
from libs.db import make_engine
from libs.errors import Forbidden
from libs.testing import PG_BASE, fresh_database
from libs.unit_of_work import UnitOfWork
from services.cases.events import PUBLISHES
from services.cases.models import audit_log, outbox

STAFF = Actor(kind="staff", id="7", name="测试", roles=("handler",), department_id=2)
FACTS = {
    "id": 1,
    "number": "TS202611280001",
    "kind": "complaint",
    "kind_label": "投诉举报",
    "status": "submitted",
    "status_label": "已提交",
    "openid": "o_x",
    "department_id": 2,
    "department_name": "市生态环境局",
    "due_on": "2026-12-08",
    "created_at": "2026-11-28T00:00:00+00:00",
    "updated_at": "2026-11-28T00:00:00+00:00",
}


@pytest.fixture(scope="module")
def engine():
    with fresh_database(PG_BASE) as url:
        engine = make_engine(url, peak=2, idle_seconds=0)
        yield engine
        engine.dispose()


@pytest.fixture
def uow(engine):
    session = Session(engine)
    calls = []
    work = UnitOfWork(
        session,
        STAFF,
        audit_log=audit_log,
        outbox=outbox,
        contract=PUBLISHES,
        after_commit=lambda staged: calls.append(("relay", [event_type for event_type, _ in staged])),
    )
    work.relayed = calls
    yield work
    session.close()


def counts(engine, target):
    with Session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(audit_log).where(audit_log.c.target_id == target)),
            s.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.payload["data"]["openid"].as_string() == target)
            ),
        )


def test_everything_commits_together_and_is_relayed_after(engine, uow):
    with uow:
        uow.require("case.reply", 2)
        uow.audit("case.replied", "case", "o_all", reason="测试")
        uow.publish("case_replied", {**FACTS, "openid": "o_all", "reply": "好"})
        assert uow.relayed == []  # nothing leaves before the commit
    assert counts(engine, "o_all") == (1, 1) and uow.relayed == [("relay", ["case_replied"])]


def test_an_exception_leaves_nothing(engine, uow):
    with pytest.raises(RuntimeError), uow:
        uow.audit("case.replied", "case", "o_none")
        uow.publish("case_created", {**FACTS, "openid": "o_none"})
        raise RuntimeError("the change failed")
    assert counts(engine, "o_none") == (0, 0) and uow.relayed == []


def test_permission_refused_before_anything(engine, uow):
    with pytest.raises(Forbidden), uow:
        uow.require("case.reply", 3)  # another department
        uow.audit("case.replied", "case", "o_forbidden")
    assert counts(engine, "o_forbidden") == (0, 0)


def test_only_declared_events_with_their_declared_fields(engine, uow):
    with pytest.raises(KeyError), uow:
        uow.publish("case_deleted", FACTS)
    with pytest.raises(pydantic.ValidationError), uow:
        uow.publish("case_created", {**FACTS, "surprise": 1})  # a field the contract does not declare
    with pytest.raises(pydantic.ValidationError), uow:
        uow.publish("case_replied", FACTS)  # without its reply
    assert uow.relayed == []
