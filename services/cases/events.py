"""What cases announces (its published contract; other services declare what they read of it in their own
events.py, and tests/test_shape.py checks the two agree)."""

from datetime import date, datetime

from libs.events import ConsumedEvent, EventData


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
    department_name: str
    due_on: date | None  # the deadline, in working days from filing (services/cases/workflow.py)
    created_at: datetime
    updated_at: datetime


class CaseCreated(CaseFacts):
    pass


class CaseReplied(CaseFacts):
    reply: str


class CaseStepped(CaseFacts):
    """A workflow step (workflow.ACTIONS): which, and the note the citizen may read (empty for internal ones)."""

    action: str
    note: str


class CaseAssigned(CaseStepped):
    previous_department_id: int | None


class CaseMerged(CaseStepped):
    merged_into: str


class CaseRated(CaseFacts):
    rating: str  # satisfied | basic | unsatisfied
    comment: str


class AppointmentFacts(EventData):
    """Where a booking (服务预约) stands; times are Beijing time ("09:30"), as the citizen chose them."""

    id: int
    number: str
    openid: str
    status: str
    status_label: str
    service_type_name: str
    window_name: str
    location: str
    department_id: int | None
    day: date
    starts_at: str
    ends_at: str
    updated_at: datetime
    reason: str  # why the office changed it (a cancellation on a newly closed day), else ""


class AppointmentNoShow(AppointmentFacts):
    no_show_count: int  # in the last 90 days, this one included
    no_show_limit: int  # at this many, online booking pauses for 30 days


class CaseStatsPublished(EventData):
    """A department's case statistics for a month (reports.py), for the scorecards ratings shows."""

    period: str  # YYYY-MM
    department_id: int | None
    department_name: str
    received: int
    closed: int
    on_time_rate: float | None
    rated: int
    satisfaction_rate: float | None
    avg_response_hours: float | None
    avg_close_hours: float | None
    overdue: int


class InquiryRefused(EventData):
    """A "咨询 …" message cases could not file (too many this hour, unreadable text): messaging tells the citizen
    why, since it had already said the inquiry was received."""

    openid: str
    reason: str
    key: str  # the message's dedupe key


PUBLISHES = {
    "case_created": CaseCreated,
    "case_replied": CaseReplied,
    "case_assigned": CaseAssigned,
    "case_accepted": CaseStepped,
    "case_started": CaseStepped,
    "case_returned": CaseStepped,
    "case_rejected": CaseStepped,
    "case_merged": CaseMerged,
    "case_closed": CaseStepped,
    "case_reopened": CaseStepped,
    "case_escalated": CaseStepped,
    "case_extended": CaseStepped,
    "case_rated": CaseRated,
    "case_stats_published": CaseStatsPublished,
    "inquiry_refused": InquiryRefused,
    "appointment_booked": AppointmentFacts,
    "appointment_cancelled": AppointmentFacts,
    "appointment_reminder": AppointmentFacts,
    "appointment_checked_in": AppointmentFacts,
    "appointment_no_show": AppointmentNoShow,
}


class WeChatText(ConsumedEvent):
    """A citizen's message to the account (messaging): "咨询 …" is filed as an inquiry."""

    openid: str
    msg_type: str
    content: str
    key: str


CONSUMES = {("messaging", "wechat_message_received"): WeChatText}
