"""The holiday data due dates are computed from, held still until someone upgrades `holidays` on purpose.

`holidays` is pinned (pyproject.toml) because its tables decide business days, so
every "N business days after" the desk has ever computed. This test fails when a new
version moves any holiday of either calendar from 2003 (the older sample agreement)
to 2030, and names the days. After an intended upgrade, look at what moved, then
record the new tables with `python tests/test_holiday_data.py --write`.
"""
import datetime
import json
import sys
from pathlib import Path

import pytest

from reckoning.deadlines import DayCount, HolidayCalendar, RuleKind, RuleSpec, business_calendar, due_dates

RECORDED = Path(__file__).parent / "data" / "holidays.json"
FIRST_YEAR, LAST_YEAR = 2003, 2030


def weekday_holidays(name: HolidayCalendar) -> dict[str, str]:
    """Every weekday the calendar closes on, with the holiday's name, as the desk sees it."""
    cal = business_calendar(name)
    day, last = datetime.date(FIRST_YEAR, 1, 1), datetime.date(LAST_YEAR, 12, 31)
    closed = {}
    while day <= last:
        if day.weekday() < 5 and not cal.is_business_day(day):
            closed[day.isoformat()] = cal.holiday_name(day)
        day += datetime.timedelta(days=1)
    return closed


@pytest.mark.parametrize("name", list(HolidayCalendar))
def test_no_holiday_moved_since_the_tables_were_recorded(name):
    recorded = json.loads(RECORDED.read_text())[name.value]
    now = weekday_holidays(name)

    added = sorted(set(now) - set(recorded))
    removed = sorted(set(recorded) - set(now))
    assert (added, removed) == ([], []), f"{name.label}: new closed days {added}, days no longer closed {removed}"
    assert now == recorded


def business_days_after(day: datetime.date, count: int, name: HolidayCalendar) -> datetime.date:
    spec = RuleSpec(kind=RuleKind.AFTER_ANCHOR, anchor_date=day, offset=count, offset_unit=DayCount.BUSINESS_DAYS,
                    holiday_calendar=name)
    (due,) = due_dates(spec, horizon=day + datetime.timedelta(days=60))
    return due.due_date


@pytest.mark.parametrize(
    ("day", "count", "name", "expected"),
    [
        # The NYSE closed for President Carter's day of mourning (Thu 9 Jan 2025); banks did not.
        (datetime.date(2025, 1, 8), 1, HolidayCalendar.NYSE, datetime.date(2025, 1, 10)),
        (datetime.date(2025, 1, 8), 1, HolidayCalendar.US_BANKING, datetime.date(2025, 1, 9)),
        # Independence Day 2026 is a Saturday: the NYSE closes Friday 3 July, the Federal Reserve does not.
        (datetime.date(2026, 7, 2), 1, HolidayCalendar.NYSE, datetime.date(2026, 7, 6)),
        (datetime.date(2026, 7, 2), 1, HolidayCalendar.US_BANKING, datetime.date(2026, 7, 3)),
        # Juneteenth, a holiday of both since 2022 (observed Monday 20 June that year).
        (datetime.date(2022, 6, 17), 1, HolidayCalendar.US_BANKING, datetime.date(2022, 6, 21)),
        (datetime.date(2021, 6, 17), 1, HolidayCalendar.NYSE, datetime.date(2021, 6, 18)),
        # SPA s.4(h) sample: the list for May 2005 is due 5 business days after 31 May, past no holiday.
        (datetime.date(2005, 5, 31), 5, HolidayCalendar.US_BANKING, datetime.date(2005, 6, 7)),
    ],
)
def test_known_due_dates_stay_where_they_are(day, count, name, expected):
    assert business_days_after(day, count, name) == expected


if __name__ == "__main__" and "--write" in sys.argv:
    RECORDED.write_text(json.dumps({name.value: weekday_holidays(name) for name in HolidayCalendar}, indent=1,
                                   sort_keys=True) + "\n")
    print(f"Recorded {RECORDED}")
