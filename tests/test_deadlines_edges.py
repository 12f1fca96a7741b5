"""Due dates at the edges: holidays just outside a count, weekend holidays, one-day windows, exact messages."""
from __future__ import annotations

from datetime import date

import pytest

from reckoning.deadlines import (
    DayCount,
    DueDate,
    FiscalYearEnd,
    RuleKind,
    RuleSpec,
    add_offset,
    business_calendar,
    due_dates,
)

US = business_calendar("us_banking")
FAR_HORIZON = date(2099, 12, 31)


def one(spec: RuleSpec) -> DueDate:
    [result] = due_dates(spec, horizon=FAR_HORIZON)
    return result


def after_closing(closing: date, offset: int, unit: DayCount = DayCount.BUSINESS_DAYS) -> RuleSpec:
    return RuleSpec(kind=RuleKind.AFTER_ANCHOR, anchor_date=closing, anchor_label="Closing Date", offset=offset,
                    offset_unit=unit)


def fixed(day: date) -> RuleSpec:
    return RuleSpec(kind=RuleKind.FIXED_DATE, fixed_date=day)


def test_it_does_not_list_a_holiday_that_falls_the_day_after_the_count_ends():
    # Christmas (Thu 25 Dec 2025) comes after the one business day counted, so nothing was skipped.
    due = one(after_closing(date(2025, 12, 23), 1))

    assert (due.due_date, due.explanation) == (
        date(2025, 12, 24), "Closing Date 23 Dec 2025 + 1 business day = Wed 24 Dec 2025"
    )


def test_it_does_not_list_a_holiday_on_the_day_the_count_starts_from():
    # Counting from Memorial Day itself (Mon 30 May 2005): the start day is never counted nor skipped.
    due = one(after_closing(date(2005, 5, 30), 1))

    assert (due.due_date, due.explanation) == (
        date(2005, 5, 31), "Closing Date 30 May 2005 + 1 business day = Tue 31 May 2005"
    )


def test_it_does_not_list_a_saturday_holiday_as_a_skipped_business_day():
    # Sat 4 Jul 2020 is in the Fed's table, but a Saturday is never a business day to skip.
    due = one(after_closing(date(2020, 7, 3), 1))

    assert (due.due_date, due.explanation) == (
        date(2020, 7, 6), "Closing Date 3 Jul 2020 + 1 business day = Mon 6 Jul 2020"
    )


def test_it_names_the_saturday_holiday_a_due_date_is_rolled_past():
    due = one(fixed(date(2020, 7, 4)))

    assert (due.due_date, due.explanation) == (
        date(2020, 7, 6),
        "Fixed date Sat 4 Jul 2020, rolled forward to Mon 6 Jul 2020"
        " (not a business day; US banking (Federal Reserve) holidays: Sat 4 Jul 2020 Independence Day)",
    )


def test_it_does_not_name_the_holiday_the_day_after_a_rolled_due_date():
    # Sat 1 Jul 2023 rolls to Mon 3 Jul; Independence Day on Tue 4 Jul is after it and plays no part.
    due = one(fixed(date(2023, 7, 1)))

    assert (due.due_date, due.explanation) == (
        date(2023, 7, 3), "Fixed date Sat 1 Jul 2023, rolled forward to Mon 3 Jul 2023 (not a business day)"
    )


def test_it_counts_a_restriction_measured_in_business_days_past_the_holidays():
    spec = RuleSpec(kind=RuleKind.PERIOD, anchor_date=date(2025, 12, 19), anchor_label="Closing Date", offset=5,
                    offset_unit=DayCount.BUSINESS_DAYS)

    due = one(spec)

    assert (due.period_start, due.due_date, due.explanation) == (
        date(2025, 12, 19),
        date(2025, 12, 29),
        "Closing Date 19 Dec 2025 + 5 business days (US banking (Federal Reserve) holidays;"
        " skipped Thu 25 Dec 2025 Christmas Day) = Mon 29 Dec 2025 (end of the period)",
    )


def test_it_explains_a_yearly_deadline_from_the_fiscal_year_end():
    spec = RuleSpec(kind=RuleKind.RECURRING, frequency="fiscal_yearly", window_start=date(2005, 1, 1), offset=90)

    [due] = due_dates(spec, horizon=date(2006, 1, 1))

    assert (due.due_date, due.explanation) == (
        date(2006, 3, 31), "Fiscal year ended 31 Dec 2005 + 90 calendar days = Fri 31 Mar 2006"
    )


def test_it_accepts_a_fiscal_year_ending_on_the_first_of_a_month():
    spec = RuleSpec(kind=RuleKind.RECURRING, frequency="fiscal_yearly", window_start=date(2005, 1, 1), offset=90,
                    fiscal_year_end=FiscalYearEnd(7, 1))

    [due] = due_dates(spec, horizon=date(2006, 1, 1))

    assert (due.period_start, due.period_end, due.due_date) == (date(2004, 7, 2), date(2005, 7, 1), date(2005, 9, 29))


def test_it_has_the_month_end_list_due_when_the_window_opens_and_the_horizon_closes_on_that_month_end():
    spec = RuleSpec(kind=RuleKind.RECURRING, frequency="monthly", window_start=date(2005, 5, 31), offset=5,
                    offset_unit=DayCount.BUSINESS_DAYS)

    assert [(d.key, d.due_date) for d in due_dates(spec, horizon=date(2005, 5, 31))] == [
        ("2005-05-31", date(2005, 6, 7))
    ]


def test_it_refuses_a_negative_number_of_business_days_in_words():
    with pytest.raises(ValueError) as excinfo:
        US.add_business_days(date(2005, 5, 31), -1)

    assert str(excinfo.value) == "The number of business days cannot be negative."


def test_it_refuses_a_negative_offset_in_words():
    with pytest.raises(ValueError) as excinfo:
        add_offset(date(2005, 5, 31), -1, DayCount.CALENDAR_DAYS, US)

    assert str(excinfo.value) == "The offset cannot be negative."


@pytest.mark.parametrize(
    ("month", "day", "message"),
    [
        (13, 31, "A fiscal year end month must be between 1 and 12."),
        (2, 29, "A fiscal year cannot end on 29 February because most years have no such day; "
                "use 28 February, which means the last day of February in every year."),
    ],
)
def test_it_refuses_an_impossible_fiscal_year_end_with_the_whole_reason(month, day, message):
    with pytest.raises(ValueError) as excinfo:
        FiscalYearEnd(month, day)

    assert str(excinfo.value) == message
