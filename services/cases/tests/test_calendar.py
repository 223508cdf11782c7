"""Working-day arithmetic: weekends, public holidays and make-up working days (调休), from the seeded calendar."""

from datetime import date

import pytest

from services.cases import calendar


@pytest.fixture
def cal(db_session):
    return calendar.load(db_session)


@pytest.mark.parametrize(
    "start, days, expected",
    [
        ("2026-11-27", 3, "2026-12-02"),  # Friday + 3 → Wednesday: the weekend does not count
        ("2026-11-23", 1, "2026-11-24"),
        ("2026-09-30", 1, "2026-10-08"),  # 国庆: 1-7 October off
        ("2026-09-29", 3, "2026-10-09"),  # 30 Sept, then 8 and 9 October
        ("2026-10-09", 1, "2026-10-10"),  # Saturday 10 October is worked (调休)
        ("2026-09-18", 1, "2026-09-20"),  # …and so is Sunday 20 September
        ("2026-02-13", 1, "2026-02-14"),  # the Saturday before 春节 is worked
        ("2026-02-14", 1, "2026-02-24"),  # 15-23 February off
        ("2026-12-31", 1, "2027-01-01"),  # 2027 not seeded yet: an ordinary Friday until administrators add it
    ],
)
def test_adding_working_days(cal, start, days, expected):
    assert cal.add_working_days(date.fromisoformat(start), days) == date.fromisoformat(expected)


def test_what_a_day_is(cal):
    assert not cal.is_working_day(date(2026, 10, 1)) and cal.name(date(2026, 10, 1)) == "国庆节"
    assert cal.is_working_day(date(2026, 10, 10)) and cal.is_makeup_workday(date(2026, 10, 10))
    assert cal.name(date(2026, 10, 10)) == "国庆节调休上班"
    assert not cal.is_working_day(date(2026, 11, 28))  # a plain Saturday
    assert cal.is_working_day(date(2026, 11, 27)) and cal.name(date(2026, 11, 27)) == ""


def test_counting_working_days_between(cal):
    assert cal.working_days_between(date(2026, 9, 28), date(2026, 10, 12)) == 6  # 29, 30 Sep; 8, 9, 10, 12 Oct
    assert cal.working_days_between(date(2026, 10, 12), date(2026, 10, 12)) == 0
    assert cal.working_days_between(date(2026, 10, 12), date(2026, 10, 1)) == 0


def test_the_seed_covers_every_published_day():
    rows = calendar.published_days()
    holidays = [d for d, kind, _ in rows if kind == "holiday"]
    workdays = [d for d, kind, _ in rows if kind == "workday"]
    assert len(holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7 and len(workdays) == 6
    assert all(d.isoweekday() >= 6 for d in workdays)  # make-up days are always weekend days
    assert len(set(holidays) | set(workdays)) == len(rows)
