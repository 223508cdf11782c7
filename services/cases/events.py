"""What cases announces (its published contract; other services declare what they read of it in their own
events.py, and tests/test_shape.py checks the two agree)."""

from datetime import datetime

from libs.events import EventData


class CaseFacts(EventData):
    """Where a case stands; every case event carries it whole, so a consumer never needs to call back."""

    id: int
    number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    openid: str
    department_id: int | None
    created_at: datetime
    updated_at: datetime


class CaseCreated(CaseFacts):
    pass


class CaseReplied(CaseFacts):
    reply: str


class CaseAssigned(CaseFacts):
    previous_department_id: int | None


PUBLISHES = {"case_created": CaseCreated, "case_replied": CaseReplied, "case_assigned": CaseAssigned}
CONSUMES = {}
