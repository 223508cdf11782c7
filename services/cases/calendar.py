"""Working days: weekends and the State Council's public holidays are off, its make-up working days (调休) are on.

Cases keeps the calendar (table `calendar_days`, seeded with the published years and edited by administrators as
each new year is announced, usually in November); appointments and, later, deadlines count with it. The rules are
pure functions of a `Calendar` snapshot, so the arithmetic is tested without a database.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from services.cases.models import CalendarDay

# the State Council's arrangement for 2026 (published November 2025): days off, and the weekend days worked instead
HOLIDAYS_2026 = {
    "元旦": (("2026-01-01", "2026-01-03"), ("2026-01-04",)),
    "春节": (("2026-02-15", "2026-02-23"), ("2026-02-14", "2026-02-28")),
    "清明节": (("2026-04-04", "2026-04-06"), ()),
    "劳动节": (("2026-05-01", "2026-05-05"), ("2026-05-09",)),
    "端午节": (("2026-06-19", "2026-06-21"), ()),
    "中秋节": (("2026-09-25", "2026-09-27"), ()),
    "国庆节": (("2026-10-01", "2026-10-07"), ("2026-09-20", "2026-10-10")),
}


def published_days():
    """(day, kind, name) rows for the arrangements above: kind is "holiday" or "workday"."""
    rows = []
    for name, ((first, last), workdays) in HOLIDAYS_2026.items():
        day, end = date.fromisoformat(first), date.fromisoformat(last)
        while day <= end:
            rows.append((day, "holiday", name))
            day += timedelta(days=1)
        rows += [(date.fromisoformat(d), "workday", f"{name}调休上班") for d in workdays]
    return rows


@dataclass(frozen=True)
class Calendar:
    holidays: dict = field(default_factory=dict)  # date -> name
    workdays: dict = field(default_factory=dict)  # weekend date worked instead (调休) -> name

    def is_working_day(self, day):
        if day in self.holidays:
            return False
        return day in self.workdays or day.isoweekday() <= 5

    def is_makeup_workday(self, day):
        return day in self.workdays

    def name(self, day):
        return self.holidays.get(day) or self.workdays.get(day) or ""

    def add_working_days(self, start, days):
        """The working day `days` working days after `start` (a deadline: filed on a Friday, 3 working days →
        the next Wednesday; a holiday week pushes it past the holiday, a make-up Saturday counts)."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start, end):
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def load(session, first=None, last=None):
    """The calendar as stored, between two dates when given (a year of rows is a few dozen)."""
    stmt = select(CalendarDay)
    if first is not None:
        stmt = stmt.where(CalendarDay.day >= first)
    if last is not None:
        stmt = stmt.where(CalendarDay.day <= last)
    holidays, workdays = {}, {}
    for row in session.scalars(stmt):
        (holidays if row.kind == "holiday" else workdays)[row.day] = row.name
    return Calendar(holidays, workdays)
