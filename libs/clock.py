"""Local time for citizens: dates on case numbers and times in messages are Beijing time whatever the server's."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def local_minute(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
