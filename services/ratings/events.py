"""What ratings reads of other services' events (only the fields it uses); it announces nothing."""

from libs.events import ConsumedEvent


class ContentChangedNotice(ConsumedEvent):
    entity_type: str
    entity_id: int


class FollowerSubscribedNotice(ConsumedEvent):
    openid: str


class CaseStatsNotice(ConsumedEvent):
    period: str
    department_id: int | None
    received: int
    closed: int
    on_time_rate: float | None
    satisfaction_rate: float | None
    overdue: int


PUBLISHES = {}
CONSUMES = {
    ("content", "content_changed"): ContentChangedNotice,
    ("messaging", "follower_subscribed"): FollowerSubscribedNotice,
    ("cases", "case_stats_published"): CaseStatsNotice,
}
