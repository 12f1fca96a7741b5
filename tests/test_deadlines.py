"""Tests of reckoning.deadlines: pure date arithmetic, no database.

Every expected date below was checked against a printed calendar and against
what the ``holidays`` library (XFED / XNYS) actually publishes.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from reckoning import deadlines
from reckoning.deadlines import (
    BusinessCalendar,
    HolidayCalendar,
    DayCount,
    DueDate,
    FiscalYearEnd,
    Frequency,
    RuleError,
    Roll,
    RuleKind,
    RuleSpec,
    add_offset,
    business_calendar,
    due_dates,
    period_ends,
    validate_rule,
)

US = business_calendar(HolidayCalendar.US_BANKING)
NYSE = business_calendar(HolidayCalendar.NYSE)
CALENDAR_YEAR = FiscalYearEnd(12, 31)
FAR_HORIZON = date(2099, 12, 31)


def one(spec: RuleSpec) -> DueDate:
    """The single due date of a one-off rule."""
    [result] = due_dates(spec, horizon=FAR_HORIZON)
    return result


def after(anchor: date, offset: int, unit: DayCount = DayCount.BUSINESS_DAYS, **kwargs) -> RuleSpec:
    kwargs.setdefault("anchor_label", "Closing Date")
    return RuleSpec(kind=RuleKind.AFTER_ANCHOR, anchor_date=anchor, offset=offset, offset_unit=unit, **kwargs)


def monthly(start: date, end: date) -> list[date]:
    return period_ends(Frequency.MONTHLY, fiscal_year_end=CALENDAR_YEAR, start=start, end=end)


def quarterly(fiscal_year_end: FiscalYearEnd, start: date, end: date) -> list[date]:
    return period_ends(Frequency.QUARTERLY, fiscal_year_end=fiscal_year_end, start=start, end=end)


def fiscal_years(fiscal_year_end: FiscalYearEnd, start: date, end: date) -> list[date]:
    return period_ends(Frequency.FISCAL_YEARLY, fiscal_year_end=fiscal_year_end, start=start, end=end)


def spa_4h_monthly_lists(**kwargs) -> RuleSpec:
    """SPA s.4(h): list due within five business days of the end of each month."""
    kwargs.setdefault("window_start", date(2005, 5, 23))  # Closing Date
    return RuleSpec(
        kind=RuleKind.RECURRING,
        frequency=Frequency.MONTHLY,
        offset=5,
        offset_unit=DayCount.BUSINESS_DAYS,
        **kwargs,
    )


# --------------------------------------------------------------------------
# The module stays framework-free
# --------------------------------------------------------------------------


def test_value_objects_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        US.name = HolidayCalendar.NYSE  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        CALENDAR_YEAR.month = 6  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spa_4h_monthly_lists().offset = 3  # type: ignore[misc]


# --------------------------------------------------------------------------
# Business calendars
# --------------------------------------------------------------------------


def test_calendar_labels_name_the_holiday_source():
    assert HolidayCalendar.US_BANKING.label == "US banking (Federal Reserve) holidays"
    assert HolidayCalendar.NYSE.label == "NYSE trading holidays"


def test_business_calendar_accepts_the_stored_string():
    assert business_calendar("nyse") == BusinessCalendar(HolidayCalendar.NYSE)
    assert BusinessCalendar("us_banking").name is HolidayCalendar.US_BANKING  # type: ignore[arg-type]


def test_unknown_business_calendar_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="us_banking, nyse"):
        business_calendar("target2")


def test_weekends_are_not_business_days():
    assert US.is_business_day(date(2005, 5, 27))  # Friday
    assert not US.is_business_day(date(2005, 5, 28))  # Saturday
    assert not US.is_business_day(date(2005, 5, 29))  # Sunday


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2005, 1, 17), "Birthday of Martin Luther King, Jr."),
        (date(2005, 5, 30), "Memorial Day"),
        (date(2005, 7, 4), "Independence Day"),
        (date(2005, 9, 5), "Labor Day"),
        (date(2005, 10, 10), "Columbus Day"),
        (date(2005, 11, 11), "Veterans Day"),
        (date(2005, 11, 24), "Thanksgiving Day"),
        (date(2005, 12, 26), "Christmas Day (observed)"),  # 25th was a Sunday
        (date(2006, 1, 2), "New Year's Day (observed)"),  # 1st was a Sunday
        (date(2025, 6, 19), "Juneteenth National Independence Day"),
        (date(2100, 1, 1), "New Year's Day"),  # far years are filled in lazily
    ],
)
def test_us_banking_holidays_are_not_business_days(day, name):
    assert US.holiday_name(day) == name
    assert not US.is_business_day(day)


def test_juneteenth_is_a_holiday_only_from_2021():
    assert US.holiday_name(date(2020, 6, 19)) is None
    assert US.is_business_day(date(2020, 6, 19))  # a Friday
    assert US.holiday_name(date(2022, 6, 20)) == "Juneteenth National Independence Day (observed)"
    assert US.holiday_name(date(2023, 6, 19)) == "Juneteenth National Independence Day"


def test_fed_keeps_the_friday_before_a_saturday_holiday_open_but_nyse_closes():
    # Sat 4 Jul 2020: the Fed does not observe it on Friday 3 July; the NYSE does.
    assert US.holiday_name(date(2020, 7, 4)) == "Independence Day"
    assert US.is_business_day(date(2020, 7, 3))
    assert NYSE.holiday_name(date(2020, 7, 3)) == "Independence Day (observed)"
    assert not NYSE.is_business_day(date(2020, 7, 3))
    # Sat 25 Dec 2021: same pattern.
    assert US.is_business_day(date(2021, 12, 24))
    assert not NYSE.is_business_day(date(2021, 12, 24))


def test_saturday_new_year_is_observed_by_neither_calendar_on_the_friday_before():
    # Sat 1 Jan 2022: Fri 31 Dec 2021 stays a business day for both.
    assert US.holiday_name(date(2022, 1, 1)) == "New Year's Day"
    assert US.is_business_day(date(2021, 12, 31))
    assert NYSE.is_business_day(date(2021, 12, 31))


def test_good_friday_closes_the_nyse_but_not_the_fed():
    assert NYSE.holiday_name(date(2024, 3, 29)) == "Good Friday"
    assert not NYSE.is_business_day(date(2024, 3, 29))
    assert US.holiday_name(date(2024, 3, 29)) is None
    assert US.is_business_day(date(2024, 3, 29))


def test_nyse_trades_on_columbus_and_veterans_day():
    assert NYSE.is_business_day(date(2005, 10, 10))
    assert NYSE.is_business_day(date(2005, 11, 11))


def test_holiday_tables_are_built_once_and_expand_lazily():
    table = deadlines._holiday_table(HolidayCalendar.NYSE)
    assert deadlines._holiday_table(HolidayCalendar.NYSE) is table
    assert 2087 not in table.years
    NYSE.is_business_day(date(2087, 3, 3))
    assert 2087 in table.years


def test_business_days_are_counted_from_the_day_after():
    # Tue 31 May 2005: Jun 1 (1), 2 (2), 3 (3), Mon 6 (4), Tue 7 (5).
    assert US.add_business_days(date(2005, 5, 31), 5) == date(2005, 6, 7)
    assert US.add_business_days(date(2005, 5, 31), 1) == date(2005, 6, 1)


def test_business_day_count_starting_on_a_weekend_starts_the_day_after():
    assert US.add_business_days(date(2005, 4, 30), 1) == date(2005, 5, 2)  # Sat -> Mon
    assert US.add_business_days(date(2005, 7, 31), 5) == date(2005, 8, 5)  # Sun -> Fri


def test_zero_business_days_returns_the_day_unchanged_even_on_a_weekend():
    assert US.add_business_days(date(2005, 5, 28), 0) == date(2005, 5, 28)


def test_negative_business_days_are_refused():
    with pytest.raises(ValueError, match="cannot be negative"):
        US.add_business_days(date(2005, 5, 31), -1)


def test_roll_forward_keeps_business_days_and_skips_weekends_and_holidays():
    assert US.roll_forward(date(2005, 6, 1)) == date(2005, 6, 1)
    assert US.roll_forward(date(2005, 7, 9)) == date(2005, 7, 11)  # Sat -> Mon
    assert US.roll_forward(date(2005, 7, 2)) == date(2005, 7, 5)  # Sat, Sun, Mon 4 July -> Tue
    assert US.roll_forward(date(2005, 12, 25)) == date(2005, 12, 27)  # Sun, observed Mon


# --------------------------------------------------------------------------
# Offsets
# --------------------------------------------------------------------------


def test_calendar_day_offset_counts_every_day():
    assert add_offset(date(2005, 7, 1), 5, DayCount.CALENDAR_DAYS, US) == date(2005, 7, 6)
    assert add_offset(date(2005, 9, 30), 45, DayCount.CALENDAR_DAYS, US) == date(2005, 11, 14)


def test_business_day_offset_uses_the_calendar():
    assert add_offset(date(2005, 6, 30), 5, DayCount.BUSINESS_DAYS, US) == date(2005, 7, 8)
    assert add_offset(date(2024, 3, 28), 1, DayCount.BUSINESS_DAYS, US) == date(2024, 3, 29)
    assert add_offset(date(2024, 3, 28), 1, DayCount.BUSINESS_DAYS, NYSE) == date(2024, 4, 1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2100, 1, 31), 1, date(2100, 2, 28)),  # 2100 is not a leap year
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # 2000 is
        (date(2005, 8, 31), 1, date(2005, 9, 30)),  # 30-day month
        (date(2005, 3, 31), 1, date(2005, 4, 30)),
        (date(2005, 4, 30), 1, date(2005, 5, 30)),  # day kept, not moved to month end
        (date(2024, 12, 31), 2, date(2025, 2, 28)),  # across the year end
        (date(2005, 5, 23), 0, date(2005, 5, 23)),
    ],
)
def test_month_offsets_keep_the_day_clamped_to_the_month_end(start, months, expected):
    assert add_offset(start, months, DayCount.MONTHS, US) == expected


def test_year_offsets_handle_29_february():
    assert add_offset(date(2005, 5, 23), 2, DayCount.YEARS, US) == date(2007, 5, 23)
    assert add_offset(date(2024, 2, 29), 1, DayCount.YEARS, US) == date(2025, 2, 28)
    assert add_offset(date(2024, 2, 29), 4, DayCount.YEARS, US) == date(2028, 2, 29)
    assert add_offset(date(2096, 2, 29), 4, DayCount.YEARS, US) == date(2100, 2, 28)


def test_add_offset_accepts_the_stored_unit_string():
    assert add_offset(date(2024, 1, 31), 1, "months", US) == date(2024, 2, 29)  # type: ignore[arg-type]


def test_negative_offsets_are_refused():
    with pytest.raises(ValueError):
        add_offset(date(2005, 5, 31), -1, DayCount.CALENDAR_DAYS, US)


# --------------------------------------------------------------------------
# Fiscal years and period ends
# --------------------------------------------------------------------------


def test_fiscal_year_end_defaults_to_31_december():
    assert FiscalYearEnd() == FiscalYearEnd(12, 31)
    assert str(FiscalYearEnd(6, 30)) == "30 June"
    assert RuleSpec(kind=RuleKind.FIXED_DATE).fiscal_year_end == FiscalYearEnd(12, 31)


def test_fiscal_year_cannot_end_on_29_february():
    with pytest.raises(ValueError, match="cannot end on 29 February.*use 28 February"):
        FiscalYearEnd(2, 29)


@pytest.mark.parametrize(
    ("month", "day", "message"),
    [(13, 1, "between 1 and 12"), (0, 1, "between 1 and 12"), (4, 31, "April has no day 31"), (6, 0, "June has no day 0")],
)
def test_impossible_fiscal_year_ends_are_refused(month, day, message):
    with pytest.raises(ValueError, match=message):
        FiscalYearEnd(month, day)


def test_fiscal_year_ending_28_february_means_the_last_day_of_february():
    assert FiscalYearEnd(2, 28).in_year(2024) == date(2024, 2, 29)
    assert FiscalYearEnd(2, 28).in_year(2023) == date(2023, 2, 28)
    assert FiscalYearEnd(2, 28).in_year(2100) == date(2100, 2, 28)


def test_month_ends_of_a_leap_year():
    assert monthly(date(2024, 1, 1), date(2024, 12, 31)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
        date(2024, 6, 30),
        date(2024, 7, 31),
        date(2024, 8, 31),
        date(2024, 9, 30),
        date(2024, 10, 31),
        date(2024, 11, 30),
        date(2024, 12, 31),
    ]


@pytest.mark.parametrize(
    ("year", "february_end"),
    [(2023, date(2023, 2, 28)), (2024, date(2024, 2, 29)), (2000, date(2000, 2, 29)), (2100, date(2100, 2, 28))],
)
def test_february_month_end_follows_the_leap_year_rule(year, february_end):
    ends = monthly(date(year, 2, 1), date(year, 3, 1) - timedelta(days=1))
    assert ends == [february_end]


def test_period_end_bounds_are_inclusive():
    assert monthly(date(2024, 1, 31), date(2024, 3, 31)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]
    assert monthly(date(2024, 2, 1), date(2024, 3, 30)) == [date(2024, 2, 29)]
    assert monthly(date(2024, 3, 1), date(2024, 2, 1)) == []


def test_calendar_year_quarter_ends():
    assert quarterly(CALENDAR_YEAR, date(2005, 1, 1), date(2005, 12, 31)) == [
        date(2005, 3, 31),
        date(2005, 6, 30),
        date(2005, 9, 30),
        date(2005, 12, 31),
    ]


@pytest.mark.parametrize("fiscal_year_end", [FiscalYearEnd(6, 30), FiscalYearEnd(9, 30), FiscalYearEnd(3, 31)])
def test_fiscal_years_ending_june_september_or_march_have_calendar_quarter_ends(fiscal_year_end):
    assert quarterly(fiscal_year_end, date(2005, 1, 1), date(2005, 12, 31)) == [
        date(2005, 3, 31),
        date(2005, 6, 30),
        date(2005, 9, 30),
        date(2005, 12, 31),
    ]


def test_fiscal_year_ending_on_a_month_end_keeps_quarter_ends_on_month_ends():
    # Retail-style year ending 31 January: 30 April, not "31 April".
    assert quarterly(FiscalYearEnd(1, 31), date(2005, 1, 1), date(2005, 12, 31)) == [
        date(2005, 1, 31),
        date(2005, 4, 30),
        date(2005, 7, 31),
        date(2005, 10, 31),
    ]
    # Year ending 30 November: quarter ends 31 May and the last day of February.
    assert quarterly(FiscalYearEnd(11, 30), date(2024, 1, 1), date(2024, 12, 31)) == [
        date(2024, 2, 29),
        date(2024, 5, 31),
        date(2024, 8, 31),
        date(2024, 11, 30),
    ]
    # Year ending "28 February" = last day of February: quarter ends on 31 May etc.
    assert quarterly(FiscalYearEnd(2, 28), date(2023, 3, 1), date(2024, 2, 29)) == [
        date(2023, 5, 31),
        date(2023, 8, 31),
        date(2023, 11, 30),
        date(2024, 2, 29),
    ]


def test_fiscal_year_ending_mid_month_keeps_the_day_clamped():
    assert quarterly(FiscalYearEnd(5, 30), date(2024, 1, 1), date(2024, 12, 31)) == [
        date(2024, 2, 29),
        date(2024, 5, 30),
        date(2024, 8, 30),
        date(2024, 11, 30),
    ]
    assert quarterly(FiscalYearEnd(6, 15), date(2005, 1, 1), date(2005, 12, 31)) == [
        date(2005, 3, 15),
        date(2005, 6, 15),
        date(2005, 9, 15),
        date(2005, 12, 15),
    ]


@pytest.mark.parametrize(
    ("fiscal_year_end", "expected"),
    [
        (FiscalYearEnd(6, 30), [date(2005, 6, 30), date(2006, 6, 30)]),
        (FiscalYearEnd(9, 30), [date(2005, 9, 30), date(2006, 9, 30)]),
        (FiscalYearEnd(3, 31), [date(2006, 3, 31), date(2007, 3, 31)]),
        (FiscalYearEnd(12, 31), [date(2005, 12, 31), date(2006, 12, 31)]),
        (FiscalYearEnd(2, 28), [date(2006, 2, 28), date(2007, 2, 28)]),
    ],
)
def test_fiscal_year_ends(fiscal_year_end, expected):
    assert fiscal_years(fiscal_year_end, date(2005, 5, 23), date(2007, 5, 22)) == expected


def test_fiscal_year_ending_february_ends_on_29th_in_a_leap_year():
    assert fiscal_years(FiscalYearEnd(2, 28), date(2024, 1, 1), date(2024, 12, 31)) == [date(2024, 2, 29)]


# --------------------------------------------------------------------------
# Recurring rules: SPA s.4(h) monthly lists
# --------------------------------------------------------------------------


def test_first_five_monthly_lists_after_a_23_may_2005_closing():
    result = due_dates(spa_4h_monthly_lists(), horizon=date(2005, 9, 30))
    assert [(d.key, d.due_date) for d in result] == [
        ("2005-05-31", date(2005, 6, 7)),  # Jun 1, 2, 3, 6, 7
        ("2005-06-30", date(2005, 7, 8)),  # Jul 1, (4th holiday) 5, 6, 7, 8
        ("2005-07-31", date(2005, 8, 5)),  # month ends on a Sunday: Aug 1..5
        ("2005-08-31", date(2005, 9, 8)),  # Sep 1, 2, (5th Labor Day) 6, 7, 8
        ("2005-09-30", date(2005, 10, 7)),  # Oct 3..7
    ]


def test_monthly_list_records_its_period():
    first = due_dates(spa_4h_monthly_lists(), horizon=date(2005, 9, 30))[0]
    assert first.period_start == date(2005, 5, 1)
    assert first.period_end == date(2005, 5, 31)
    assert first.explanation == "Month ended 31 May 2005 + 5 business days = Tue 7 Jun 2005"


def test_month_end_list_names_the_independence_day_it_skips():
    june = due_dates(spa_4h_monthly_lists(), horizon=date(2005, 6, 30))[-1]
    assert june.explanation == (
        "Month ended 30 Jun 2005 + 5 business days "
        "(US banking (Federal Reserve) holidays; skipped Mon 4 Jul 2005 Independence Day) = Fri 8 Jul 2005"
    )


def test_month_end_list_skips_labor_day():
    august = due_dates(spa_4h_monthly_lists(window_start=date(2005, 8, 1)), horizon=date(2005, 8, 31))
    assert [d.due_date for d in august] == [date(2005, 9, 8)]
    assert "skipped Mon 5 Sep 2005 Labor Day" in august[0].explanation


def test_month_end_list_skips_new_years_day_observed():
    december = due_dates(spa_4h_monthly_lists(window_start=date(2005, 12, 1)), horizon=date(2005, 12, 31))
    # Mon 2 Jan 2006 observed; Jan 3, 4, 5, 6, 9.
    assert [d.due_date for d in december] == [date(2006, 1, 9)]
    assert "Mon 2 Jan 2006 New Year's Day (observed)" in december[0].explanation


def test_month_end_on_a_saturday_counts_from_the_sunday():
    april = due_dates(spa_4h_monthly_lists(window_start=date(2005, 4, 1)), horizon=date(2005, 4, 30))
    assert [d.due_date for d in april] == [date(2005, 5, 6)]  # Sat 30 Apr -> May 2..6


def test_monthly_lists_in_a_leap_year_february():
    feb = due_dates(spa_4h_monthly_lists(window_start=date(2024, 2, 1)), horizon=date(2024, 2, 29))
    assert [(d.key, d.period_start, d.due_date) for d in feb] == [("2024-02-29", date(2024, 2, 1), date(2024, 3, 7))]


def test_window_start_excludes_earlier_periods_and_includes_a_period_ending_that_day():
    assert [d.key for d in due_dates(spa_4h_monthly_lists(window_start=date(2005, 6, 1)), horizon=date(2005, 7, 31))] == [
        "2005-06-30",
        "2005-07-31",
    ]
    assert [d.key for d in due_dates(spa_4h_monthly_lists(window_start=date(2005, 5, 31)), horizon=date(2005, 6, 30))] == [
        "2005-05-31",
        "2005-06-30",
    ]


def test_window_end_is_inclusive():
    spec = spa_4h_monthly_lists(window_end=date(2005, 7, 31))
    assert [d.key for d in due_dates(spec, horizon=FAR_HORIZON)] == ["2005-05-31", "2005-06-30", "2005-07-31"]
    spec = spa_4h_monthly_lists(window_end=date(2005, 7, 30))
    assert [d.key for d in due_dates(spec, horizon=FAR_HORIZON)] == ["2005-05-31", "2005-06-30"]


def test_horizon_limits_period_ends_but_not_due_dates():
    # The May period has ended by 31 May; its list is due after the horizon.
    result = due_dates(spa_4h_monthly_lists(), horizon=date(2005, 5, 31))
    assert [(d.key, d.due_date) for d in result] == [("2005-05-31", date(2005, 6, 7))]
    assert due_dates(spa_4h_monthly_lists(), horizon=date(2005, 5, 30)) == []


def test_horizon_before_the_window_gives_nothing():
    assert due_dates(spa_4h_monthly_lists(), horizon=date(2005, 1, 1)) == []


def test_keys_are_stable_when_the_horizon_grows():
    short = due_dates(spa_4h_monthly_lists(), horizon=date(2005, 6, 30))
    long = due_dates(spa_4h_monthly_lists(), horizon=date(2005, 9, 30))
    assert long[: len(short)] == short


# --------------------------------------------------------------------------
# Recurring rules: Placement Agent Agreement s.5(D)
# --------------------------------------------------------------------------


def test_quarterly_statements_45_days_after_quarters_of_a_june_fiscal_year():
    spec = RuleSpec(
        kind=RuleKind.RECURRING,
        frequency=Frequency.QUARTERLY,
        fiscal_year_end=FiscalYearEnd(6, 30),
        offset=45,
        window_start=date(2005, 1, 1),
    )
    result = due_dates(spec, horizon=date(2006, 6, 30))
    assert [(d.key, d.period_start, d.due_date) for d in result] == [
        ("2005-03-31", date(2005, 1, 1), date(2005, 5, 16)),  # Sun 15 May rolled
        ("2005-06-30", date(2005, 4, 1), date(2005, 8, 15)),  # Sun 14 Aug rolled
        ("2005-09-30", date(2005, 7, 1), date(2005, 11, 14)),
        ("2005-12-31", date(2005, 10, 1), date(2006, 2, 14)),
        ("2006-03-31", date(2006, 1, 1), date(2006, 5, 15)),
        ("2006-06-30", date(2006, 4, 1), date(2006, 8, 14)),
    ]
    assert result[0].explanation == (
        "Fiscal quarter ended 31 Mar 2005 + 45 calendar days = Sun 15 May 2005, "
        "rolled forward to Mon 16 May 2005 (not a business day)"
    )


def test_quarterly_statement_that_does_not_roll_stays_on_the_sunday():
    spec = RuleSpec(
        kind=RuleKind.RECURRING,
        frequency=Frequency.QUARTERLY,
        offset=45,
        window_start=date(2005, 1, 1),
        roll=Roll.NONE,
    )
    [first] = due_dates(spec, horizon=date(2005, 3, 31))
    assert first.due_date == date(2005, 5, 15)
    assert first.explanation == (
        "Quarter ended 31 Mar 2005 + 45 calendar days = Sun 15 May 2005 "
        "(not a business day; this rule does not roll forward)"
    )


@pytest.mark.parametrize(
    ("fiscal_year_end", "expected"),
    [
        # 30 Sep + 90 days: Oct 31 (31), Nov 30 (61), Dec 29 (90).
        (FiscalYearEnd(9, 30), [("2005-09-30", date(2004, 10, 1), date(2005, 12, 29))]),
        # 31 Mar 2006 + 90 days: Apr 30 (30), May 31 (61), Jun 29 (90).
        (FiscalYearEnd(3, 31), [("2006-03-31", date(2005, 4, 1), date(2006, 6, 29))]),
        # 30 Jun 2006 + 90 days = Thu 28 Sep 2006.
        (FiscalYearEnd(6, 30), [("2006-06-30", date(2005, 7, 1), date(2006, 9, 28))]),
        # 31 Dec 2005 + 90 days = Fri 31 Mar 2006.
        (FiscalYearEnd(12, 31), [("2005-12-31", date(2005, 1, 1), date(2006, 3, 31))]),
    ],
)
def test_annual_statements_90_days_after_each_fiscal_year(fiscal_year_end, expected):
    spec = RuleSpec(
        kind=RuleKind.RECURRING,
        frequency=Frequency.FISCAL_YEARLY,
        fiscal_year_end=fiscal_year_end,
        offset=90,
        window_start=date(2005, 7, 1),
    )
    result = due_dates(spec, horizon=date(2006, 6, 30))
    assert [(d.key, d.period_start, d.due_date) for d in result] == expected


def test_annual_statement_falling_on_a_saturday_rolls_to_monday():
    spec = RuleSpec(kind=RuleKind.RECURRING, frequency=Frequency.FISCAL_YEARLY, offset=90, window_start=date(2006, 1, 1))
    [fy2006] = due_dates(spec, horizon=date(2006, 12, 31))
    assert fy2006.due_date == date(2007, 4, 2)  # Sat 31 Mar 2007 -> Mon 2 Apr
    assert fy2006.explanation.endswith("= Sat 31 Mar 2007, rolled forward to Mon 2 Apr 2007 (not a business day)")


# --------------------------------------------------------------------------
# One-off rules after an event: SPA s.4(c), s.4(l)
# --------------------------------------------------------------------------


def test_press_release_two_business_days_after_closing():
    result = one(after(date(2005, 5, 23), 2))
    assert result == DueDate(
        key="once",
        due_date=date(2005, 5, 25),
        period_start=None,
        period_end=None,
        explanation="Closing Date 23 May 2005 + 2 business days = Wed 25 May 2005",
    )


def test_business_day_count_skips_memorial_day():
    # Fri 27 May 2005: Sat, Sun, Mon 30 (Memorial Day), Tue 31 (1), Wed 1 Jun (2).
    result = one(after(date(2005, 5, 27), 2))
    assert result.due_date == date(2005, 6, 1)
    assert result.explanation == (
        "Closing Date 27 May 2005 + 2 business days "
        "(US banking (Federal Reserve) holidays; skipped Mon 30 May 2005 Memorial Day) = Wed 1 Jun 2005"
    )


def test_business_day_count_skips_thanksgiving_but_not_the_friday_after():
    result = one(after(date(2005, 11, 23), 2))
    assert result.due_date == date(2005, 11, 28)  # Fri 25 (1), Mon 28 (2)
    assert "skipped Thu 24 Nov 2005 Thanksgiving Day" in result.explanation


def test_business_day_count_skips_christmas_observed():
    result = one(after(date(2005, 12, 23), 1))
    assert result.due_date == date(2005, 12, 27)
    assert "skipped Mon 26 Dec 2005 Christmas Day (observed)" in result.explanation


def test_business_day_count_names_several_holidays():
    result = one(after(date(2005, 12, 23), 5))
    # Dec 27, 28, 29, 30, (Jan 2 observed) Jan 3.
    assert result.due_date == date(2006, 1, 3)
    assert "skipped Mon 26 Dec 2005 Christmas Day (observed), Mon 2 Jan 2006 New Year's Day (observed)" in result.explanation


def test_juneteenth_counts_as_a_holiday_from_2021_on():
    assert one(after(date(2020, 6, 18), 1)).due_date == date(2020, 6, 19)
    assert one(after(date(2025, 6, 18), 1)).due_date == date(2025, 6, 20)
    result = one(after(date(2022, 6, 17), 1))
    assert result.due_date == date(2022, 6, 21)  # Mon 20 Jun observed
    assert "Juneteenth National Independence Day (observed)" in result.explanation


def test_saturday_independence_day_weekend_us_banking_vs_nyse():
    # Thu 2 Jul 2020: the Fed is open on Fri 3 July, the NYSE is not.
    assert one(after(date(2020, 7, 2), 1)).due_date == date(2020, 7, 3)
    nyse = one(after(date(2020, 7, 2), 1, holiday_calendar=HolidayCalendar.NYSE))
    assert nyse.due_date == date(2020, 7, 6)
    assert "(NYSE trading holidays; skipped Fri 3 Jul 2020 Independence Day (observed))" in nyse.explanation


def test_good_friday_counts_only_on_the_nyse_calendar():
    assert one(after(date(2024, 3, 28), 1)).due_date == date(2024, 3, 29)
    nyse = one(after(date(2024, 3, 28), 1, holiday_calendar="nyse"))
    assert nyse.due_date == date(2024, 4, 1)
    assert "skipped Fri 29 Mar 2024 Good Friday" in nyse.explanation


def test_tranche_closing_five_calendar_days_after_filing():
    result = one(after(date(2005, 7, 1), 5, DayCount.CALENDAR_DAYS, anchor_label="Filing Date"))
    assert result.due_date == date(2005, 7, 6)
    assert result.explanation == "Filing Date 1 Jul 2005 + 5 calendar days = Wed 6 Jul 2005"


def test_calendar_day_deadline_on_a_saturday_rolls_to_monday():
    result = one(after(date(2005, 7, 4), 5, DayCount.CALENDAR_DAYS, anchor_label="Filing Date"))
    assert result.due_date == date(2005, 7, 11)
    assert result.explanation == (
        "Filing Date 4 Jul 2005 + 5 calendar days = Sat 9 Jul 2005, "
        "rolled forward to Mon 11 Jul 2005 (not a business day)"
    )


def test_roll_forward_over_a_weekend_and_holiday_names_the_holiday():
    result = one(after(date(2005, 6, 27), 5, DayCount.CALENDAR_DAYS))
    assert result.due_date == date(2005, 7, 5)  # Sat 2, Sun 3, Mon 4 July
    assert result.explanation == (
        "Closing Date 27 Jun 2005 + 5 calendar days = Sat 2 Jul 2005, rolled forward to Tue 5 Jul 2005 "
        "(not a business day; US banking (Federal Reserve) holidays: Mon 4 Jul 2005 Independence Day)"
    )


def test_roll_none_keeps_the_weekend_date():
    result = one(after(date(2005, 6, 27), 5, DayCount.CALENDAR_DAYS, roll=Roll.NONE))
    assert result.due_date == date(2005, 7, 2)
    assert "this rule does not roll forward" in result.explanation


def test_month_offset_after_an_event_explains_the_clamping():
    result = one(after(date(2024, 1, 31), 1, DayCount.MONTHS))
    assert result.due_date == date(2024, 2, 29)
    assert result.explanation == (
        "Closing Date 31 Jan 2024 + 1 month "
        "(day 31 does not exist in February 2024, so the month's last day) = Thu 29 Feb 2024"
    )


def test_anchor_without_label_is_called_event_date():
    result = one(after(date(2005, 5, 23), 0, DayCount.CALENDAR_DAYS, anchor_label=""))
    assert result.due_date == date(2005, 5, 23)
    assert result.explanation == "Event date 23 May 2005 + 0 calendar days = Mon 23 May 2005"


def test_event_not_yet_happened_gives_no_due_dates():
    spec = RuleSpec(kind=RuleKind.AFTER_ANCHOR, anchor_label="Closing Date", offset=2, offset_unit=DayCount.BUSINESS_DAYS)
    assert due_dates(spec, horizon=FAR_HORIZON) == []


def test_one_off_rules_ignore_the_horizon():
    spec = after(date(2005, 5, 23), 2)
    assert [d.due_date for d in due_dates(spec, horizon=date(2000, 1, 1))] == [date(2005, 5, 25)]


# --------------------------------------------------------------------------
# Fixed dates
# --------------------------------------------------------------------------


def test_fixed_date_on_a_business_day_is_kept():
    result = one(RuleSpec(kind=RuleKind.FIXED_DATE, fixed_date=date(2005, 7, 1)))
    assert result == DueDate(
        key="once", due_date=date(2005, 7, 1), period_start=None, period_end=None, explanation="Fixed date Fri 1 Jul 2005"
    )


def test_fixed_date_on_christmas_sunday_rolls_past_the_observed_holiday():
    result = one(RuleSpec(kind=RuleKind.FIXED_DATE, fixed_date=date(2005, 12, 25)))
    assert result.due_date == date(2005, 12, 27)
    assert result.explanation == (
        "Fixed date Sun 25 Dec 2005, rolled forward to Tue 27 Dec 2005 "
        "(not a business day; US banking (Federal Reserve) holidays: Mon 26 Dec 2005 Christmas Day (observed))"
    )


def test_fixed_date_on_a_holiday_that_does_not_roll_is_kept():
    result = one(RuleSpec(kind=RuleKind.FIXED_DATE, fixed_date=date(2005, 7, 4), roll=Roll.NONE))
    assert result.due_date == date(2005, 7, 4)


def test_fixed_date_is_returned_whatever_the_horizon():
    spec = RuleSpec(kind=RuleKind.FIXED_DATE, fixed_date=date(2030, 1, 2))
    assert [d.due_date for d in due_dates(spec, horizon=date(2005, 1, 1))] == [date(2030, 1, 2)]


# --------------------------------------------------------------------------
# Periods: SPA s.4(e) lock-up, s.4(n) no short sales
# --------------------------------------------------------------------------


def test_lock_up_of_270_days_from_closing():
    spec = RuleSpec(kind=RuleKind.PERIOD, anchor_date=date(2005, 5, 23), anchor_label="Closing Date", offset=270)
    assert one(spec) == DueDate(
        key="once",
        due_date=date(2006, 2, 17),
        period_start=date(2005, 5, 23),
        period_end=date(2006, 2, 17),
        explanation="Closing Date 23 May 2005 + 270 calendar days = Fri 17 Feb 2006 (end of the period)",
    )


def test_period_end_is_never_rolled():
    spec = RuleSpec(kind=RuleKind.PERIOD, anchor_date=date(2005, 5, 24), anchor_label="Closing Date", offset=270)
    assert one(spec).due_date == date(2006, 2, 18)  # a Saturday, kept


def test_no_short_sales_for_two_years_from_the_date_of_the_agreement():
    spec = RuleSpec(
        kind=RuleKind.PERIOD,
        fixed_date=date(2005, 5, 23),
        anchor_label="Date of the Agreement",
        offset=2,
        offset_unit=DayCount.YEARS,
    )
    result = one(spec)
    assert (result.period_start, result.period_end) == (date(2005, 5, 23), date(2007, 5, 23))
    assert result.due_date == date(2007, 5, 23)
    assert result.explanation == "Date of the Agreement 23 May 2005 + 2 years = Wed 23 May 2007 (end of the period)"


def test_period_prefers_the_anchor_over_the_fixed_date():
    spec = RuleSpec(
        kind=RuleKind.PERIOD,
        fixed_date=date(2005, 1, 1),
        anchor_date=date(2024, 2, 29),
        offset=1,
        offset_unit=DayCount.YEARS,
    )
    result = one(spec)
    assert (result.period_start, result.due_date) == (date(2024, 2, 29), date(2025, 2, 28))
    assert result.explanation.startswith("Start date 29 Feb 2024 + 1 year")


def test_period_without_a_start_date_gives_no_due_dates():
    spec = RuleSpec(kind=RuleKind.PERIOD, anchor_label="Closing Date", offset=270)
    assert due_dates(spec, horizon=FAR_HORIZON) == []


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (RuleSpec(kind=RuleKind.FIXED_DATE), "A fixed-date rule needs its date."),
        (
            RuleSpec(kind=RuleKind.RECURRING, window_start=date(2005, 5, 23)),
            "A recurring rule needs a period: monthly, quarterly or each fiscal year.",
        ),
        (RuleSpec(kind=RuleKind.RECURRING, frequency=Frequency.MONTHLY), "A recurring rule needs the date it starts from."),
        (RuleSpec(kind=RuleKind.AFTER_ANCHOR, anchor_date=date(2005, 5, 23), offset=-1), "The number of days cannot be negative."),
        (
            RuleSpec(kind=RuleKind.AFTER_ANCHOR, anchor_date=date(2005, 5, 23), offset=-2, offset_unit=DayCount.BUSINESS_DAYS),
            "The number of days cannot be negative.",
        ),
        (
            RuleSpec(kind=RuleKind.PERIOD, anchor_date=date(2005, 5, 23), offset=-1, offset_unit=DayCount.MONTHS),
            "The number of months cannot be negative.",
        ),
        (
            RuleSpec(kind=RuleKind.PERIOD, anchor_date=date(2005, 5, 23), offset=-1, offset_unit=DayCount.YEARS),
            "The number of years cannot be negative.",
        ),
        (
            spa_4h_monthly_lists(window_start=date(2005, 6, 1), window_end=date(2005, 5, 31)),
            "The active window ends before it starts.",
        ),
        (RuleSpec(kind=RuleKind.PERIOD, anchor_date=date(2005, 5, 23)), "A period needs a length."),
    ],
)
def test_invalid_rules_are_explained(spec, message):
    with pytest.raises(RuleError) as excinfo:
        validate_rule(spec)
    assert str(excinfo.value) == message
    with pytest.raises(RuleError, match="^" + message.replace(".", r"\.") + "$"):
        due_dates(spec, horizon=FAR_HORIZON)


@pytest.mark.parametrize(
    "spec",
    [
        RuleSpec(kind=RuleKind.FIXED_DATE, fixed_date=date(2005, 7, 1)),
        RuleSpec(kind=RuleKind.AFTER_ANCHOR),  # event pending is fine
        RuleSpec(kind=RuleKind.AFTER_ANCHOR, anchor_date=date(2005, 5, 23), offset=1, offset_unit=DayCount.MONTHS),
        spa_4h_monthly_lists(window_end=date(2005, 5, 23)),  # one-day window
        RuleSpec(kind=RuleKind.PERIOD, offset=2, offset_unit=DayCount.BUSINESS_DAYS),
    ],
)
def test_valid_rules_pass_validation(spec):
    assert validate_rule(spec) is None


def test_rule_error_is_a_value_error():
    assert issubclass(RuleError, ValueError)


def test_rule_spec_accepts_stored_strings():
    spec = RuleSpec(
        kind="recurring",  # type: ignore[arg-type]
        frequency="monthly",  # type: ignore[arg-type]
        offset=5,
        offset_unit="business_days",  # type: ignore[arg-type]
        holiday_calendar="nyse",  # type: ignore[arg-type]
        window_start=date(2005, 5, 23),
    )
    assert (spec.kind, spec.frequency, spec.offset_unit, spec.holiday_calendar) == (
        RuleKind.RECURRING,
        Frequency.MONTHLY,
        DayCount.BUSINESS_DAYS,
        HolidayCalendar.NYSE,
    )
    assert [d.due_date for d in due_dates(spec, horizon=date(2005, 5, 31))] == [date(2005, 6, 7)]


def test_rule_spec_refuses_unknown_stored_strings():
    with pytest.raises(RuleError, match="Unknown kind of rule: 'weekly'."):
        RuleSpec(kind="weekly")  # type: ignore[arg-type]
    with pytest.raises(RuleError, match="Unknown period: 'weekly'."):
        RuleSpec(kind=RuleKind.RECURRING, frequency="weekly")  # type: ignore[arg-type]
    with pytest.raises(RuleError, match="Unknown way of counting: 'hours'."):
        RuleSpec(kind=RuleKind.FIXED_DATE, offset_unit="hours")  # type: ignore[arg-type]
    with pytest.raises(RuleError, match="Unknown holiday calendar: 'target2'."):
        RuleSpec(kind=RuleKind.FIXED_DATE, holiday_calendar="target2")  # type: ignore[arg-type]
