"""What content announces: every change to the public catalogue (caches drop what they hold of it)."""

from libs.events import EventData


class ContentChanged(EventData):
    entity_type: str  # department | service | news | window | album | poster
    entity_id: int
    department_id: int | None  # the department it belongs to, if any
    version: int  # 0: not an edit, a scheduled moment (a notice going out, a poster starting or ending)


PUBLISHES = {"content_changed": ContentChanged}
CONSUMES = {}
