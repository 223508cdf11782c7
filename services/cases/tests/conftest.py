"""What the cases tests share: staff of each role, content's department list, a worker acting as anyone."""

import uuid
from unittest.mock import MagicMock

import pytest

from libs.auth import Actor
from services.cases.service import CasesService

STAFF = {
    "dispatcher": Actor(kind="staff", id="1", name="受理员", roles=("dispatcher",)),
    "handler_own": Actor(kind="staff", id="2", name="环保办理人", roles=("handler",), department_id=2),
    "handler_other": Actor(kind="staff", id="3", name="市场办理人", roles=("handler",), department_id=3),
    "auditor": Actor(kind="staff", id="4", name="审计员", roles=("auditor",)),
}
DEPARTMENTS = [{"id": i, "name": f"部门{i}"} for i in range(1, 6)]


@pytest.fixture
def citizen():
    """A new citizen per test: filing limits and ownership never leak between tests."""
    return Actor.citizen(f"o_unit_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def as_(worker):
    """as_(actor) -> a CasesService worker acting as that actor."""

    def make(actor):
        content = MagicMock()
        content.list_departments.return_value = DEPARTMENTS
        return worker(CasesService, actor, content=content)

    return make
