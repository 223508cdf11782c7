"""What messaging announces, and what it reads of other services' events (only the fields it uses)."""

from datetime import date, datetime

from libs.events import ConsumedEvent, EventData


class FollowerSubscribed(EventData):
    openid: str
    scene: str  # the QR code's scene when the follow came through one, else ""


class FollowerUnsubscribed(EventData):
    openid: str


class WeChatMessageReceived(EventData):
    """A citizen's message another service acts on: today the "咨询 …" inquiries cases files (the others are
    answered by messaging alone and announced to no one)."""

    openid: str
    msg_type: str
    content: str
    key: str  # the callback's dedupe key (MsgId based): one per message


PUBLISHES = {
    "follower_subscribed": FollowerSubscribed,
    "follower_unsubscribed": FollowerUnsubscribed,
    "wechat_message_received": WeChatMessageReceived,
}


class CaseNotice(ConsumedEvent):
    """What messaging needs of a case event to tell the citizen and to answer number lookups."""

    number: str
    openid: str
    kind_label: str
    status: str
    status_label: str
    created_at: datetime
    updated_at: datetime


class CaseReplyNotice(CaseNotice):
    reply: str


class CaseStepNotice(CaseNotice):
    """A workflow step the citizen is told about: which, where the case now is, and the note meant for them."""

    action: str
    note: str
    department_name: str


class AppointmentNotice(ConsumedEvent):
    """What messaging needs of a booking (服务预约) to tell the citizen about it."""

    number: str
    openid: str
    status_label: str
    service_type_name: str
    window_name: str
    location: str
    day: date
    starts_at: str
    ends_at: str
    reason: str


class AppointmentNoShowNotice(AppointmentNotice):
    no_show_count: int
    no_show_limit: int


class InquiryRefusedNotice(ConsumedEvent):
    openid: str
    reason: str
    key: str


class ContentChangedNotice(ConsumedEvent):
    """A change to content's catalogue: messaging refreshes its copy of a service type's card."""

    entity_type: str
    entity_id: int


CONSUMES = {
    ("content", "content_changed"): ContentChangedNotice,
    ("cases", "case_created"): CaseNotice,
    ("cases", "case_replied"): CaseReplyNotice,
    ("cases", "case_accepted"): CaseStepNotice,
    ("cases", "case_assigned"): CaseStepNotice,
    ("cases", "case_rejected"): CaseStepNotice,
    ("cases", "case_merged"): CaseStepNotice,
    ("cases", "case_closed"): CaseStepNotice,
    ("cases", "case_reopened"): CaseStepNotice,
    ("cases", "case_extended"): CaseStepNotice,
    ("cases", "case_started"): CaseStepNotice,
    ("cases", "case_returned"): CaseStepNotice,
    ("cases", "case_escalated"): CaseStepNotice,
    ("cases", "inquiry_refused"): InquiryRefusedNotice,
    ("cases", "appointment_booked"): AppointmentNotice,
    ("cases", "appointment_cancelled"): AppointmentNotice,
    ("cases", "appointment_reminder"): AppointmentNotice,
    ("cases", "appointment_no_show"): AppointmentNoShowNotice,
}
