"""Tests of the deadline shapes real agreements use: counting back, rolling back, anniversaries,
only some periods, each event, the later/earlier of several dates, dormant rules and end dates.

Pure date arithmetic, no database. Every expected date was counted on a printed calendar and
checked against what the ``holidays`` library (XFED / XNYS) publishes; the holidays a count
crosses are named next to it.
"""

from __future__ import annotations

from datetime import date

import pytest

from reckoning import deadlines
from reckoning.deadlines import (
    DayCount,
    Direction,
    DueDate,
    Event,
    FiscalYearEnd,
    Frequency,
    HolidayCalendar,
    Roll,
    RuleError,
    RuleKind,
    RuleSpec,
    add_offset,
    business_calendar,
    due_dates,
    fiscal_quarter_number,
    period_ends,
    validate_rule,
    waiting_reason,
)

US = business_calendar(HolidayCalendar.US_BANKING)
NYSE = business_calendar(HolidayCalendar.NYSE)
FAR_HORIZON = date(2099, 12, 31)
CLOSING = date(2005, 5, 23)  # Mon 23 May 2005


def one(spec: RuleSpec) -> DueDate:
    """The single due date of a one-off rule."""
    [result] = due_dates(spec, horizon=FAR_HORIZON)
    return result


def before(anchor: date | None, offset: int, unit: DayCount = DayCount.BUSINESS_DAYS, **kwargs) -> RuleSpec:
    kwargs.setdefault("anchor_label", "Future Offering closing")
    return RuleSpec(
        kind=RuleKind.AFTER_ANCHOR,
        anchor_date=anchor,
        offset=offset,
        offset_unit=unit,
        direction=Direction.BEFORE,
        **kwargs,
    )


def fixed(day: date, **kwargs) -> RuleSpec:
    return RuleSpec(kind=RuleKind.FIXED_DATE, fixed_date=day, **kwargs)


def lock_up(start: date | None, label: str, days: int, **kwargs) -> RuleSpec:
    return RuleSpec(kind=RuleKind.PERIOD, anchor_date=start, anchor_label=label, offset=days, **kwargs)


def after_event(day: date | None, label: str, days: int, **kwargs) -> RuleSpec:
    return RuleSpec(kind=RuleKind.AFTER_ANCHOR, anchor_date=day, anchor_label=label, offset=days, **kwargs)


def anniversaries(start: date = CLOSING, **kwargs) -> RuleSpec:
    kwargs.setdefault("offset", 30)
    return RuleSpec(kind=RuleKind.RECURRING, frequency=Frequency.ANNIVERSARY, window_start=start, **kwargs)


def quarterly(fiscal_year_end: FiscalYearEnd, start: date, **kwargs) -> RuleSpec:
    kwargs.setdefault("offset", 45)
    return RuleSpec(
        kind=RuleKind.RECURRING,
        frequency=Frequency.QUARTERLY,
        fiscal_year_end=fiscal_year_end,
        window_start=start,
        **kwargs,
    )


def monthly(start: date, **kwargs) -> RuleSpec:
    return RuleSpec(
        kind=RuleKind.RECURRING,
        frequency=Frequency.MONTHLY,
        window_start=start,
        offset=5,
        offset_unit=DayCount.BUSINESS_DAYS,
        **kwargs,
    )


QSB_AUG = Event("event-17", date(2005, 8, 15), "10-QSB filed")
QSB_NOV = Event("event-18", date(2005, 11, 14), "10-QSB filed")
QSB_MAY = Event("event-21", date(2006, 5, 15), "10-QSB filed")


def each_filing(*events: Event, **kwargs) -> RuleSpec:
    """SPA s.4(g)(i): "within ten (10) days after the filing with the SEC, a copy of its ... 10-QSB"."""
    kwargs.setdefault("anchor_label", "10-QSB filing")
    kwargs.setdefault("offset", 10)
    return RuleSpec(kind=RuleKind.EACH_EVENT, events=events, **kwargs)


def rule_error(spec_or_factory) -> str:
    """The message of the RuleError raised on construction or validation (and by due_dates)."""
    with pytest.raises(RuleError) as excinfo:
        spec = spec_or_factory() if callable(spec_or_factory) else spec_or_factory
        validate_rule(spec)
    message = str(excinfo.value)
    if not callable(spec_or_factory):
        with pytest.raises(RuleError) as again:
            due_dates(spec_or_factory, horizon=FAR_HORIZON)
        assert str(again.value) == message
    return message


# --------------------------------------------------------------------------
# Vocabulary and defaults
# --------------------------------------------------------------------------


def test_the_new_vocabularies_store_these_values_with_these_words():
    assert Direction.choices() == [("after", "after"), ("before", "before")]
    assert Roll.choices() == [
        ("following", "Next business day"),
        ("preceding", "Previous business day"),
        ("none", "Not moved"),
    ]
    assert Frequency.ANNIVERSARY.value == "anniversary"
    assert Frequency.ANNIVERSARY.label == "Each anniversary"
    assert (RuleKind.EACH_EVENT.value, RuleKind.EACH_EVENT.label) == (
        "each_event", "After (or before) each event of a kind"
    )
    assert (RuleKind.LATER_OF.value, RuleKind.LATER_OF.label) == ("later_of", "The later of two or more dates")
    assert (RuleKind.EARLIER_OF.value, RuleKind.EARLIER_OF.label) == (
        "earlier_of", "The earlier of two or more dates"
    )


def test_a_rule_counts_forward_rolls_forward_and_covers_everything_by_default():
    spec = RuleSpec(kind=RuleKind.FIXED_DATE, fixed_date=date(2005, 7, 1))
    assert spec.direction is Direction.AFTER
    assert spec.roll is Roll.FOLLOWING
    assert spec.only_periods == frozenset()
    assert (spec.events, spec.limbs) == ((), ())
    assert (spec.waiting_on, spec.end, spec.end_label) == ("", None, "")


def test_roll_replaces_roll_forward():
    with pytest.raises(TypeError):
        RuleSpec(kind=RuleKind.FIXED_DATE, fixed_date=date(2005, 7, 4), roll_forward=False)  # type: ignore[call-arg]


def test_the_new_fields_accept_what_the_database_layer_stores():
    spec = RuleSpec(
        kind="each_event",  # type: ignore[arg-type]
        direction="before",  # type: ignore[arg-type]
        roll="preceding",  # type: ignore[arg-type]
        events=[QSB_AUG],  # type: ignore[arg-type]
        limbs=[fixed(date(2005, 7, 1))],  # type: ignore[arg-type]
    )
    assert (spec.kind, spec.direction, spec.roll) == (RuleKind.EACH_EVENT, Direction.BEFORE, Roll.PRECEDING)
    assert spec.events == (QSB_AUG,)
    assert spec.limbs == (fixed(date(2005, 7, 1)),)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ([1, 2, 3], frozenset({1, 2, 3})),
        ((3, 1, 3), frozenset({1, 3})),
        (range(1, 4), frozenset({1, 2, 3})),
        ("1, 2, 3", frozenset({1, 2, 3})),  # as typed in the rule form
        ("4", frozenset({4})),
        ("3,6 9", frozenset({3, 6, 9})),
        (["12"], frozenset({12})),
        ("", frozenset()),
        (None, frozenset()),
    ],
)
def test_only_periods_become_a_frozenset_of_numbers(given, stored):
    spec = RuleSpec(kind=RuleKind.RECURRING, frequency=Frequency.MONTHLY, only_periods=given)
    assert spec.only_periods == stored
    assert type(spec.only_periods) is frozenset


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("1, x", "Periods are chosen by number, such as 1, 2, 3; 'x' is not a number."),
        ([1.5], "Periods are chosen by number, such as 1, 2, 3; 1.5 is not a number."),
        ([True], "Periods are chosen by number, such as 1, 2, 3; True is not a number."),
        (["second"], "Periods are chosen by number, such as 1, 2, 3; 'second' is not a number."),
        (5, "Give the periods as a list of numbers such as 1, 2, 3, not 5."),
    ],
)
def test_only_periods_that_are_not_numbers_are_refused_in_words(given, message):
    assert rule_error(lambda: RuleSpec(kind=RuleKind.RECURRING, frequency="monthly", only_periods=given)) == message


def test_unknown_direction_and_roll_are_refused_in_words():
    assert rule_error(lambda: fixed(date(2005, 7, 1), direction="backwards")) == "Unknown direction: 'backwards'."
    assert rule_error(lambda: fixed(date(2005, 7, 1), roll="sideways")) == (
        "Unknown way of moving a due date off a weekend or holiday: 'sideways'."
    )
    # The old boolean is not a roll.
    assert rule_error(lambda: fixed(date(2005, 7, 1), roll=True)) == (
        "Unknown way of moving a due date off a weekend or holiday: True."
    )


def test_the_module_exports_the_new_names():
    for name in ("Direction", "Roll", "Event", "fiscal_quarter_number", "waiting_reason"):
        assert name in deadlines.__all__
    assert len(deadlines.__all__) == len(set(deadlines.__all__))
    assert all(hasattr(deadlines, name) for name in deadlines.__all__)


# --------------------------------------------------------------------------
# Counting back on the calendar
# --------------------------------------------------------------------------


def test_business_days_before_are_counted_from_the_day_before():
    # Wed 15 Mar 2006: Tue 14 (1), Mon 13 (2), Fri 10 (3).
    assert US.subtract_business_days(date(2006, 3, 15), 1) == date(2006, 3, 14)
    assert US.subtract_business_days(date(2006, 3, 15), 3) == date(2006, 3, 10)
    # From a Monday the first business day before is the Friday.
    assert US.subtract_business_days(date(2005, 6, 6), 1) == date(2005, 6, 3)


def test_business_days_before_a_weekend_day_start_with_the_friday():
    assert US.subtract_business_days(date(2005, 5, 29), 1) == date(2005, 5, 27)  # Sun -> Fri
    assert US.subtract_business_days(date(2005, 5, 28), 2) == date(2005, 5, 26)  # Sat -> Fri (1), Thu (2)


def test_zero_business_days_before_returns_the_day_even_on_a_weekend():
    assert US.subtract_business_days(date(2005, 5, 28), 0) == date(2005, 5, 28)


def test_a_negative_number_of_business_days_before_is_refused_in_words():
    with pytest.raises(ValueError) as excinfo:
        US.subtract_business_days(date(2005, 5, 31), -1)
    assert str(excinfo.value) == "The number of business days cannot be negative."


def test_business_days_before_skip_memorial_day():
    # Tue 31 May 2005: Mon 30 May is Memorial Day, so one business day before is Fri 27 May.
    assert US.subtract_business_days(date(2005, 5, 31), 1) == date(2005, 5, 27)


def test_roll_back_keeps_business_days_and_goes_back_over_weekends_and_holidays():
    assert US.roll_back(date(2005, 6, 1)) == date(2005, 6, 1)
    assert US.roll_back(date(2005, 7, 10)) == date(2005, 7, 8)  # Sun -> Fri
    assert US.roll_back(date(2005, 7, 4)) == date(2005, 7, 1)  # Mon Independence Day -> Fri
    assert US.roll_back(date(2006, 1, 2)) == date(2005, 12, 30)  # Mon New Year's Day (observed) -> Fri


def test_roll_back_over_good_friday_only_on_the_nyse():
    assert US.roll_back(date(2024, 3, 29)) == date(2024, 3, 29)
    assert NYSE.roll_back(date(2024, 3, 29)) == date(2024, 3, 28)
    assert NYSE.roll_back(date(2024, 3, 31)) == date(2024, 3, 28)  # Easter Sunday, Sat, Good Friday


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        (date(2005, 7, 11), 10, DayCount.CALENDAR_DAYS, date(2005, 7, 1)),
        (date(2005, 3, 1), 1, DayCount.CALENDAR_DAYS, date(2005, 2, 28)),
        (date(2024, 3, 1), 1, DayCount.CALENDAR_DAYS, date(2024, 2, 29)),
        (date(2006, 3, 15), 20, DayCount.BUSINESS_DAYS, date(2006, 2, 14)),
        (date(2005, 3, 31), 1, DayCount.MONTHS, date(2005, 2, 28)),
        (date(2024, 5, 31), 3, DayCount.MONTHS, date(2024, 2, 29)),
        (date(2005, 1, 15), 2, DayCount.MONTHS, date(2004, 11, 15)),  # back across the year end
        (date(2024, 2, 29), 1, DayCount.YEARS, date(2023, 2, 28)),
        (date(2024, 2, 29), 4, DayCount.YEARS, date(2020, 2, 29)),
        (date(2005, 5, 23), 0, DayCount.MONTHS, date(2005, 5, 23)),
    ],
)
def test_add_offset_counts_back_when_told(start, amount, unit, expected):
    assert add_offset(start, amount, unit, US, Direction.BEFORE) == expected
    assert add_offset(start, amount, unit, US, "before") == expected  # type: ignore[arg-type]


def test_add_offset_still_counts_forward_by_default():
    assert add_offset(date(2005, 7, 1), 10, DayCount.CALENDAR_DAYS, US) == date(2005, 7, 11)
    assert add_offset(date(2005, 7, 1), 10, DayCount.CALENDAR_DAYS, US, Direction.AFTER) == date(2005, 7, 11)


def test_add_offset_refuses_a_negative_amount_going_back_too():
    with pytest.raises(ValueError) as excinfo:
        add_offset(date(2005, 7, 1), -1, DayCount.CALENDAR_DAYS, US, Direction.BEFORE)
    assert str(excinfo.value) == "The offset cannot be negative."


# --------------------------------------------------------------------------
# BEFORE: SPA s.4(e) "at least twenty (20) business days prior to the closing of such Future Offering"
# --------------------------------------------------------------------------


@pytest.mark.parametrize("calendar", [HolidayCalendar.US_BANKING, HolidayCalendar.NYSE])
def test_twenty_business_days_before_a_future_offering_skip_presidents_day(calendar):
    # Wed 15 Mar 2006 back: Mar 14..1 (10), Feb 28..21 (16), Mon 20 Feb Washington's Birthday
    # (both calendars close), Fri 17 (17), Thu 16 (18), Wed 15 (19), Tue 14 (20).
    result = one(before(date(2006, 3, 15), 20, holiday_calendar=calendar))
    assert result == DueDate(
        key="once",
        due_date=date(2006, 2, 14),
        period_start=None,
        period_end=None,
        explanation=(
            f"Future Offering closing 15 Mar 2006 \u2212 20 business days ({calendar.label}; "
            "skipped Mon 20 Feb 2006 Washington's Birthday) = Tue 14 Feb 2006"
        ),
    )


def test_business_days_before_cross_good_friday_only_on_the_nyse():
    # Mon 21 Apr 2025 back 47 business days. The NYSE skips Good Friday 18 Apr and
    # Washington's Birthday 17 Feb: Tue 11 Feb. The Fed skips only the latter: Wed 12 Feb.
    nyse = one(before(date(2025, 4, 21), 47, holiday_calendar=HolidayCalendar.NYSE))
    assert nyse.due_date == date(2025, 2, 11)
    assert nyse.explanation == (
        "Future Offering closing 21 Apr 2025 \u2212 47 business days (NYSE trading holidays; "
        "skipped Mon 17 Feb 2025 Washington's Birthday, Fri 18 Apr 2025 Good Friday) = Tue 11 Feb 2025"
    )
    us = one(before(date(2025, 4, 21), 47))
    assert us.due_date == date(2025, 2, 12)
    assert us.explanation == (
        "Future Offering closing 21 Apr 2025 \u2212 47 business days (US banking (Federal Reserve) holidays; "
        "skipped Mon 17 Feb 2025 Washington's Birthday) = Wed 12 Feb 2025"
    )


def test_one_business_day_before_easter_monday():
    assert one(before(date(2024, 4, 1), 1)).explanation == (
        "Future Offering closing 1 Apr 2024 \u2212 1 business day = Fri 29 Mar 2024"
    )
    nyse = one(before(date(2024, 4, 1), 1, holiday_calendar="nyse"))
    assert nyse.due_date == date(2024, 3, 28)
    assert "skipped Fri 29 Mar 2024 Good Friday" in nyse.explanation


def test_business_days_before_do_not_name_a_holiday_on_the_start_day():
    # Counting back from Memorial Day itself: the start day is never counted nor skipped.
    result = one(before(date(2005, 5, 30), 1))
    assert (result.due_date, result.explanation) == (
        date(2005, 5, 27), "Future Offering closing 30 May 2005 \u2212 1 business day = Fri 27 May 2005"
    )


def test_business_days_before_do_not_name_a_holiday_just_before_the_result():
    # Tue 6 Jul 2005 back 1 business day is Tue 5 Jul; Independence Day (Mon 4 Jul) is not crossed.
    result = one(before(date(2005, 7, 6), 1))
    assert (result.due_date, result.explanation) == (
        date(2005, 7, 5), "Future Offering closing 6 Jul 2005 \u2212 1 business day = Tue 5 Jul 2005"
    )


def test_calendar_days_before_landing_on_a_sunday_roll_forward_by_default():
    # 10 days before Wed 8 Jun 2005 is Sun 29 May; Mon 30 May is Memorial Day, so Tue 31 May.
    result = one(before(date(2005, 6, 8), 10, DayCount.CALENDAR_DAYS, anchor_label="Tranche closing"))
    assert result.due_date == date(2005, 5, 31)
    assert result.explanation == (
        "Tranche closing 8 Jun 2005 \u2212 10 calendar days = Sun 29 May 2005, rolled forward to Tue 31 May 2005 "
        "(not a business day; US banking (Federal Reserve) holidays: Mon 30 May 2005 Memorial Day)"
    )


def test_calendar_days_before_with_preceding_roll_stay_before_the_event():
    result = one(before(date(2005, 6, 8), 10, DayCount.CALENDAR_DAYS, roll=Roll.PRECEDING))
    assert result.due_date == date(2005, 5, 27)
    assert result.explanation == (
        "Future Offering closing 8 Jun 2005 \u2212 10 calendar days = Sun 29 May 2005, "
        "rolled back to Fri 27 May 2005 (not a business day)"
    )


def test_months_before_are_clamped_to_the_month_end_and_say_so():
    result = one(before(date(2005, 3, 31), 1, DayCount.MONTHS, anchor_label="Maturity Date"))
    assert result.due_date == date(2005, 2, 28)
    assert result.explanation == (
        "Maturity Date 31 Mar 2005 \u2212 1 month "
        "(day 31 does not exist in February 2005, so the month's last day) = Mon 28 Feb 2005"
    )


def test_months_before_in_a_leap_year_end_on_29_february():
    result = one(before(date(2024, 5, 31), 3, DayCount.MONTHS, anchor_label="Maturity Date"))
    assert result.due_date == date(2024, 2, 29)
    assert result.explanation == (
        "Maturity Date 31 May 2024 \u2212 3 months "
        "(day 31 does not exist in February 2024, so the month's last day) = Thu 29 Feb 2024"
    )


def test_years_before_29_february_end_on_28_february():
    result = one(before(date(2024, 2, 29), 1, DayCount.YEARS, anchor_label="Maturity Date"))
    assert result.due_date == date(2023, 2, 28)
    assert result.explanation == (
        "Maturity Date 29 Feb 2024 \u2212 1 year "
        "(day 29 does not exist in February 2023, so the month's last day) = Tue 28 Feb 2023"
    )


def test_months_before_that_keep_the_day_add_no_note():
    result = one(before(date(2005, 6, 15), 2, DayCount.MONTHS, anchor_label="Maturity Date"))
    assert (result.due_date, result.explanation) == (
        date(2005, 4, 15), "Maturity Date 15 Jun 2005 \u2212 2 months = Fri 15 Apr 2005"
    )


def test_before_an_event_not_yet_happened_gives_nothing_and_says_what_it_waits_on():
    spec = before(None, 20)
    assert due_dates(spec, horizon=FAR_HORIZON) == []
    assert waiting_reason(spec) == "Waiting on: Future Offering closing"


def test_a_negative_offset_stays_refused_counting_back():
    assert rule_error(before(date(2006, 3, 15), -20)) == "The number of days cannot be negative."
    assert rule_error(before(date(2006, 3, 15), -1, DayCount.MONTHS)) == "The number of months cannot be negative."


def test_a_period_cannot_run_backwards():
    spec = lock_up(CLOSING, "Closing Date", 270, direction=Direction.BEFORE)
    assert rule_error(spec) == "A period runs forward from its start; it cannot be counted backwards."


# --------------------------------------------------------------------------
# Roll: following, preceding, none
# --------------------------------------------------------------------------


def test_preceding_rolls_a_monday_holiday_back_to_the_friday():
    result = one(fixed(date(2005, 5, 30), roll=Roll.PRECEDING))
    assert result == DueDate(
        key="once",
        due_date=date(2005, 5, 27),
        period_start=None,
        period_end=None,
        explanation=(
            "Fixed date Mon 30 May 2005, rolled back to Fri 27 May 2005 "
            "(not a business day; US banking (Federal Reserve) holidays: Mon 30 May 2005 Memorial Day)"
        ),
    )


def test_preceding_across_a_monday_holiday_after_an_event():
    # Fri 24 Jun 2005 + 10 days = Mon 4 Jul (Independence Day): back over Sun 3, Sat 2 to Fri 1 Jul.
    result = one(after_event(date(2005, 6, 24), "Closing Date", 10, roll="preceding"))
    assert result.due_date == date(2005, 7, 1)
    assert result.explanation == (
        "Closing Date 24 Jun 2005 + 10 calendar days = Mon 4 Jul 2005, rolled back to Fri 1 Jul 2005 "
        "(not a business day; US banking (Federal Reserve) holidays: Mon 4 Jul 2005 Independence Day)"
    )


def test_preceding_from_a_tuesday_after_a_monday_holiday_stays_on_the_tuesday():
    result = one(after_event(date(2005, 5, 21), "Closing Date", 10, roll=Roll.PRECEDING))
    assert (result.due_date, result.explanation) == (
        date(2005, 5, 31), "Closing Date 21 May 2005 + 10 calendar days = Tue 31 May 2005"
    )


def test_preceding_from_the_sunday_before_a_monday_holiday_does_not_name_it():
    result = one(fixed(date(2005, 5, 29), roll=Roll.PRECEDING))
    assert (result.due_date, result.explanation) == (
        date(2005, 5, 27), "Fixed date Sun 29 May 2005, rolled back to Fri 27 May 2005 (not a business day)"
    )


def test_preceding_names_the_saturday_holiday_it_rolls_back_from():
    # Sat 1 Jan 2022: the Fed's table has it, the NYSE's does not; both are open Fri 31 Dec 2021.
    assert one(fixed(date(2022, 1, 1), roll=Roll.PRECEDING)).explanation == (
        "Fixed date Sat 1 Jan 2022, rolled back to Fri 31 Dec 2021 "
        "(not a business day; US banking (Federal Reserve) holidays: Sat 1 Jan 2022 New Year's Day)"
    )
    assert one(fixed(date(2022, 1, 1), roll=Roll.PRECEDING, holiday_calendar="nyse")).explanation == (
        "Fixed date Sat 1 Jan 2022, rolled back to Fri 31 Dec 2021 (not a business day)"
    )


def test_preceding_over_good_friday_on_the_nyse_only():
    assert one(fixed(date(2024, 3, 29), roll=Roll.PRECEDING)).due_date == date(2024, 3, 29)
    nyse = one(fixed(date(2024, 3, 30), roll=Roll.PRECEDING, holiday_calendar=HolidayCalendar.NYSE))
    assert (nyse.due_date, nyse.explanation) == (
        date(2024, 3, 28),
        "Fixed date Sat 30 Mar 2024, rolled back to Thu 28 Mar 2024 "
        "(not a business day; NYSE trading holidays: Fri 29 Mar 2024 Good Friday)",
    )


def test_following_is_the_default_and_rolls_forward():
    result = one(fixed(date(2005, 5, 30)))
    assert (result.due_date, result.explanation) == (
        date(2005, 5, 31),
        "Fixed date Mon 30 May 2005, rolled forward to Tue 31 May 2005 "
        "(not a business day; US banking (Federal Reserve) holidays: Mon 30 May 2005 Memorial Day)",
    )


def test_roll_none_keeps_the_holiday_and_says_so():
    result = one(fixed(date(2005, 5, 30), roll=Roll.NONE))
    assert (result.due_date, result.explanation) == (
        date(2005, 5, 30), "Fixed date Mon 30 May 2005 (not a business day; this rule does not roll forward)"
    )
    assert one(fixed(date(2005, 5, 30), roll="none")).due_date == date(2005, 5, 30)


@pytest.mark.parametrize("roll", list(Roll))
def test_a_business_day_is_never_moved(roll):
    result = one(fixed(date(2005, 5, 27), roll=roll))
    assert (result.due_date, result.explanation) == (date(2005, 5, 27), "Fixed date Fri 27 May 2005")


def test_a_period_end_is_never_rolled_whatever_the_roll():
    # Closing Tue 24 May 2005 + 270 days = Sat 18 Feb 2006; a lock-up ends that day.
    for roll in Roll:
        assert one(lock_up(date(2005, 5, 24), "Closing Date", 270, roll=roll)).due_date == date(2006, 2, 18)


# --------------------------------------------------------------------------
# Anniversaries
# --------------------------------------------------------------------------


def test_thirty_days_after_each_anniversary_of_the_closing():
    result = due_dates(anniversaries(anchor_label="Closing Date"), horizon=date(2007, 12, 31))
    assert result == [
        DueDate(
            key="2006-05-23",
            due_date=date(2006, 6, 22),
            period_start=date(2005, 5, 24),
            period_end=date(2006, 5, 23),
            explanation="1st anniversary of Closing Date 23 May 2005 (23 May 2006) + 30 calendar days = Thu 22 Jun 2006",
        ),
        DueDate(
            key="2007-05-23",
            due_date=date(2007, 6, 22),
            period_start=date(2006, 5, 24),
            period_end=date(2007, 5, 23),
            explanation="2nd anniversary of Closing Date 23 May 2005 (23 May 2007) + 30 calendar days = Fri 22 Jun 2007",
        ),
    ]


def test_an_anniversary_without_a_label_names_only_the_date():
    first = due_dates(anniversaries(offset=0), horizon=date(2006, 5, 23))
    assert [d.explanation for d in first] == [
        "1st anniversary of 23 May 2005 (23 May 2006) + 0 calendar days = Tue 23 May 2006"
    ]


def test_anniversaries_of_29_february_fall_on_28_february_except_in_leap_years():
    spec = anniversaries(date(2024, 2, 29), offset=0, anchor_label="Closing Date")
    result = due_dates(spec, horizon=date(2029, 3, 1))
    assert [(d.key, d.period_start, d.period_end, d.due_date) for d in result] == [
        ("2025-02-28", date(2024, 3, 1), date(2025, 2, 28), date(2025, 2, 28)),
        ("2026-02-28", date(2025, 3, 1), date(2026, 2, 28), date(2026, 3, 2)),  # Sat -> Mon
        ("2027-02-28", date(2026, 3, 1), date(2027, 2, 28), date(2027, 3, 1)),  # Sun -> Mon
        ("2028-02-29", date(2027, 3, 1), date(2028, 2, 29), date(2028, 2, 29)),  # leap year again
        ("2029-02-28", date(2028, 3, 1), date(2029, 2, 28), date(2029, 2, 28)),
    ]
    assert result[0].explanation == (
        "1st anniversary of Closing Date 29 Feb 2024 (28 Feb 2025, as 2025 has no 29 February) "
        "+ 0 calendar days = Fri 28 Feb 2025"
    )
    assert result[3].explanation == (
        "4th anniversary of Closing Date 29 Feb 2024 (29 Feb 2028) + 0 calendar days = Tue 29 Feb 2028"
    )


def test_anniversaries_are_numbered_in_english():
    result = due_dates(anniversaries(date(2000, 1, 3), offset=0), horizon=date(2023, 1, 3))
    assert len(result) == 23
    words = [d.explanation.split(" anniversary")[0] for d in result]
    assert words[:4] == ["1st", "2nd", "3rd", "4th"]
    assert words[10:14] == ["11th", "12th", "13th", "14th"]
    assert words[19:23] == ["20th", "21st", "22nd", "23rd"]
    assert deadlines._ordinal(101) == "101st"
    assert deadlines._ordinal(111) == "111th"
    assert deadlines._ordinal(112) == "112th"


def test_the_horizon_window_end_and_end_each_stop_anniversaries_inclusively():
    def keys(**kwargs) -> list[str]:
        horizon = kwargs.pop("horizon", FAR_HORIZON)
        return [d.key for d in due_dates(anniversaries(**kwargs), horizon=horizon)]

    assert keys(horizon=date(2007, 5, 22)) == ["2006-05-23"]
    assert keys(horizon=date(2007, 5, 23)) == ["2006-05-23", "2007-05-23"]
    assert keys(window_end=date(2007, 5, 23)) == ["2006-05-23", "2007-05-23"]
    assert keys(end=date(2008, 5, 22)) == ["2006-05-23", "2007-05-23"]
    assert keys(end=date(2008, 5, 23), horizon=date(2010, 1, 1)) == ["2006-05-23", "2007-05-23", "2008-05-23"]
    assert keys(horizon=date(2006, 5, 22)) == []


def test_period_ends_of_anniversaries_start_after_the_first_date():
    assert period_ends(
        Frequency.ANNIVERSARY, fiscal_year_end=FiscalYearEnd(), start=date(2024, 2, 29), end=date(2028, 2, 29)
    ) == [date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]
    assert period_ends("anniversary", fiscal_year_end=FiscalYearEnd(), start=CLOSING, end=CLOSING) == []  # type: ignore[arg-type]


def test_anniversaries_counted_back_give_notice_before_each_one():
    # "not less than ten (10) days before each anniversary": 23 May 2006 - 10 days = Sat 13 May -> Fri 12 May.
    spec = anniversaries(offset=10, direction=Direction.BEFORE, roll=Roll.PRECEDING)
    [first] = due_dates(spec, horizon=date(2006, 5, 23))
    assert (first.key, first.due_date) == ("2006-05-23", date(2006, 5, 12))
    assert first.explanation == (
        "1st anniversary of 23 May 2005 (23 May 2006) \u2212 10 calendar days = Sat 13 May 2006, "
        "rolled back to Fri 12 May 2006 (not a business day)"
    )


# --------------------------------------------------------------------------
# Only some periods: "each of the first three fiscal quarters"
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fiscal_year_end", "quarter_end", "number"),
    [
        (FiscalYearEnd(12, 31), date(2005, 3, 31), 1),
        (FiscalYearEnd(12, 31), date(2005, 6, 30), 2),
        (FiscalYearEnd(12, 31), date(2005, 9, 30), 3),
        (FiscalYearEnd(12, 31), date(2005, 12, 31), 4),
        (FiscalYearEnd(6, 30), date(2005, 9, 30), 1),
        (FiscalYearEnd(6, 30), date(2005, 12, 31), 2),
        (FiscalYearEnd(6, 30), date(2006, 3, 31), 3),
        (FiscalYearEnd(6, 30), date(2006, 6, 30), 4),
        (FiscalYearEnd(1, 31), date(2005, 1, 31), 4),
        (FiscalYearEnd(1, 31), date(2005, 4, 30), 1),
        (FiscalYearEnd(1, 31), date(2005, 10, 31), 3),
        (FiscalYearEnd(11, 30), date(2024, 2, 29), 1),  # leap February
        (FiscalYearEnd(11, 30), date(2024, 11, 30), 4),
    ],
)
def test_fiscal_quarter_number(fiscal_year_end, quarter_end, number):
    assert fiscal_quarter_number(fiscal_year_end, quarter_end) == number


def test_fiscal_quarter_number_refuses_a_day_that_ends_no_quarter():
    with pytest.raises(ValueError) as excinfo:
        fiscal_quarter_number(FiscalYearEnd(6, 30), date(2005, 8, 31))
    assert str(excinfo.value) == "31 Aug 2005 is not a quarter end of a fiscal year ending 30 June."


def test_first_three_fiscal_quarters_of_a_june_fiscal_year():
    spec = quarterly(FiscalYearEnd(6, 30), date(2005, 7, 1), only_periods={1, 2, 3})
    result = due_dates(spec, horizon=date(2006, 9, 30))
    # The quarter ending 30 Jun 2006 is the fourth: the annual report covers it.
    assert [(d.key, d.period_start, d.due_date) for d in result] == [
        ("2005-09-30", date(2005, 7, 1), date(2005, 11, 14)),
        ("2005-12-31", date(2005, 10, 1), date(2006, 2, 14)),
        ("2006-03-31", date(2006, 1, 1), date(2006, 5, 15)),
        ("2006-09-30", date(2006, 7, 1), date(2006, 11, 14)),
    ]
    assert result[1].explanation == (
        "Fiscal quarter ended 31 Dec 2005 (fiscal quarter 2; the rule covers quarters 1, 2 and 3) "
        "+ 45 calendar days = Tue 14 Feb 2006"
    )


def test_first_three_quarters_of_a_calendar_fiscal_year():
    spec = quarterly(FiscalYearEnd(12, 31), date(2005, 1, 1), only_periods=[1, 2, 3])
    result = due_dates(spec, horizon=date(2006, 3, 31))
    assert [d.key for d in result] == ["2005-03-31", "2005-06-30", "2005-09-30", "2006-03-31"]
    assert result[1].explanation == (
        "Quarter ended 30 Jun 2005 (fiscal quarter 2; the rule covers quarters 1, 2 and 3) "
        "+ 45 calendar days = Sun 14 Aug 2005, rolled forward to Mon 15 Aug 2005 (not a business day)"
    )


def test_first_three_quarters_of_a_fiscal_year_ending_31_january():
    # Quarters end 30 Apr, 31 Jul, 31 Oct and (the fourth) 31 Jan.
    spec = quarterly(FiscalYearEnd(1, 31), date(2005, 2, 1), only_periods="1, 2, 3")
    result = due_dates(spec, horizon=date(2006, 1, 31))
    assert [(d.key, d.due_date) for d in result] == [
        ("2005-04-30", date(2005, 6, 14)),
        ("2005-07-31", date(2005, 9, 14)),
        ("2005-10-31", date(2005, 12, 15)),
    ]
    assert result[0].explanation == (
        "Fiscal quarter ended 30 Apr 2005 (fiscal quarter 1; the rule covers quarters 1, 2 and 3) "
        "+ 45 calendar days = Tue 14 Jun 2005"
    )


def test_only_the_fourth_quarter_speaks_of_one_quarter():
    spec = quarterly(FiscalYearEnd(9, 30), date(2005, 1, 1), only_periods={4})
    [result] = due_dates(spec, horizon=date(2005, 12, 31))
    assert result.key == "2005-09-30"
    assert result.explanation == (
        "Fiscal quarter ended 30 Sep 2005 (fiscal quarter 4; the rule covers quarter 4) "
        "+ 45 calendar days = Mon 14 Nov 2005"
    )


def test_only_some_months_with_an_end():
    # Quarter-end months only, until the registration period ended on 30 Nov 2005.
    spec = monthly(
        date(2005, 1, 1),
        only_periods={3, 6, 9, 12},
        end=date(2005, 11, 30),
        end_label="End of the registration period 30 Nov 2005",
    )
    result = due_dates(spec, horizon=date(2006, 1, 31))
    assert [(d.key, d.period_start, d.due_date) for d in result] == [
        ("2005-03-31", date(2005, 3, 1), date(2005, 4, 7)),
        ("2005-06-30", date(2005, 6, 1), date(2005, 7, 8)),  # skips Independence Day
        ("2005-09-30", date(2005, 9, 1), date(2005, 10, 7)),
    ]
    assert result[0].explanation == (
        "Month ended 31 Mar 2005 (the rule covers March, June, September and December) "
        "+ 5 business days = Thu 7 Apr 2005"
    )


def test_a_single_month_is_named_alone():
    [result] = due_dates(monthly(date(2005, 1, 1), only_periods={12}), horizon=date(2005, 12, 31))
    assert result.explanation.startswith("Month ended 31 Dec 2005 (the rule covers December) + 5 business days")


def test_an_empty_choice_covers_every_period_without_a_note():
    result = due_dates(quarterly(FiscalYearEnd(12, 31), date(2005, 1, 1), only_periods=()), horizon=date(2005, 12, 31))
    assert [d.key for d in result] == ["2005-03-31", "2005-06-30", "2005-09-30", "2005-12-31"]
    assert result[0].explanation == (
        "Quarter ended 31 Mar 2005 + 45 calendar days = Sun 15 May 2005, "
        "rolled forward to Mon 16 May 2005 (not a business day)"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            RuleSpec(kind="recurring", frequency="fiscal_yearly", window_start=CLOSING, only_periods={1}),
            "Only monthly and quarterly rules can be limited to some periods; this rule follows each fiscal year end.",
        ),
        (
            anniversaries(only_periods={1}),
            "Only monthly and quarterly rules can be limited to some periods; this rule follows each anniversary.",
        ),
        (
            quarterly(FiscalYearEnd(6, 30), CLOSING, only_periods={0, 2, 5}),
            "Quarter numbers run from 1 to 4 (quarter 4 ends on the fiscal year end); got 0 and 5.",
        ),
        (
            quarterly(FiscalYearEnd(6, 30), CLOSING, only_periods={5}),
            "Quarter numbers run from 1 to 4 (quarter 4 ends on the fiscal year end); got 5.",
        ),
        (monthly(CLOSING, only_periods={13}), "Month numbers run from 1 (January) to 12 (December); got 13."),
        (monthly(CLOSING, only_periods={0, 12}), "Month numbers run from 1 (January) to 12 (December); got 0."),
        (monthly(CLOSING, only_periods="-1"), "Month numbers run from 1 (January) to 12 (December); got -1."),
    ],
)
def test_impossible_period_choices_are_explained(spec, message):
    assert rule_error(spec) == message


def test_the_edge_numbers_are_allowed():
    validate_rule(quarterly(FiscalYearEnd(6, 30), CLOSING, only_periods={1, 4}))
    validate_rule(monthly(CLOSING, only_periods={1, 12}))


# --------------------------------------------------------------------------
# End dates of repeating rules
# --------------------------------------------------------------------------


def test_no_recurring_period_ends_after_the_end():
    spec = monthly(CLOSING, end=date(2005, 7, 30), end_label="last Note repaid or converted")
    assert [d.key for d in due_dates(spec, horizon=FAR_HORIZON)] == ["2005-05-31", "2005-06-30"]
    spec = monthly(CLOSING, end=date(2005, 7, 31))
    assert [d.key for d in due_dates(spec, horizon=FAR_HORIZON)] == ["2005-05-31", "2005-06-30", "2005-07-31"]


def test_the_earliest_of_horizon_window_end_and_end_wins():
    spec = monthly(CLOSING, window_end=date(2005, 9, 30), end=date(2005, 8, 31))
    assert [d.key for d in due_dates(spec, horizon=date(2005, 12, 31))] == ["2005-05-31", "2005-06-30",
                                                                            "2005-07-31", "2005-08-31"]
    assert [d.key for d in due_dates(spec, horizon=date(2005, 6, 30))] == ["2005-05-31", "2005-06-30"]


def test_an_end_before_the_start_leaves_nothing_due():
    spec = monthly(CLOSING, end=date(2005, 5, 1))
    assert due_dates(spec, horizon=FAR_HORIZON) == []
    assert waiting_reason(spec) == ""


def test_one_off_rules_ignore_the_end():
    end = date(2005, 1, 1)
    assert one(after_event(CLOSING, "Closing Date", 2, end=end)).due_date == date(2005, 5, 25)
    assert one(fixed(date(2005, 7, 1), end=end)).due_date == date(2005, 7, 1)
    assert one(lock_up(CLOSING, "Closing Date", 270, end=end)).due_date == date(2006, 2, 17)


# --------------------------------------------------------------------------
# Each event: SPA s.4(g)(i), a copy of every 10-QSB within ten days of its filing
# --------------------------------------------------------------------------


def test_each_10qsb_filing_has_its_own_due_date_in_date_order():
    result = due_dates(each_filing(QSB_NOV, QSB_MAY, QSB_AUG), horizon=date(2005, 1, 1))
    assert result == [
        DueDate(
            key="event-17",
            due_date=date(2005, 8, 25),
            period_start=None,
            period_end=None,
            explanation="10-QSB filed 15 Aug 2005 + 10 calendar days = Thu 25 Aug 2005",
        ),
        DueDate(
            key="event-18",
            due_date=date(2005, 11, 25),
            period_start=None,
            period_end=None,
            explanation=(
                "10-QSB filed 14 Nov 2005 + 10 calendar days = Thu 24 Nov 2005, rolled forward to Fri 25 Nov 2005 "
                "(not a business day; US banking (Federal Reserve) holidays: Thu 24 Nov 2005 Thanksgiving Day)"
            ),
        ),
        DueDate(
            key="event-21",
            due_date=date(2006, 5, 25),
            period_start=None,
            period_end=None,
            explanation="10-QSB filed 15 May 2006 + 10 calendar days = Thu 25 May 2006",
        ),
    ]


def test_events_due_the_same_day_are_ordered_by_key():
    # Filed Sat 20 and Sun 21 Aug 2005, due the same day: both roll to Mon 22 Aug.
    saturday = Event("event-9", date(2005, 8, 20), "10-QSB filed")
    sunday = Event("event-10", date(2005, 8, 21), "8-K filed")
    spec = RuleSpec(kind=RuleKind.EACH_EVENT, events=(saturday, sunday), offset=0)
    result = due_dates(spec, horizon=FAR_HORIZON)
    assert [(d.key, d.due_date) for d in result] == [("event-10", date(2005, 8, 22)), ("event-9", date(2005, 8, 22))]


def test_events_after_the_end_are_ignored_and_one_on_the_end_day_counts():
    spec = each_filing(QSB_AUG, QSB_NOV, QSB_MAY, end=date(2005, 11, 14), end_label="last Note repaid or converted")
    assert [d.key for d in due_dates(spec, horizon=FAR_HORIZON)] == ["event-17", "event-18"]
    spec = each_filing(QSB_AUG, QSB_NOV, QSB_MAY, end=date(2005, 11, 13))
    assert [d.key for d in due_dates(spec, horizon=FAR_HORIZON)] == ["event-17"]


def test_no_events_yet_gives_nothing_and_waits_on_the_first():
    assert due_dates(each_filing(), horizon=FAR_HORIZON) == []
    assert waiting_reason(each_filing()) == "Waiting on the first 10-QSB filing"
    assert waiting_reason(each_filing(anchor_label="")) == "Waiting on the first event"
    assert waiting_reason(each_filing(QSB_AUG)) == ""


def test_an_event_without_a_label_is_named_by_its_kind():
    result = one(each_filing(Event("event-3", date(2005, 8, 15), "")))
    assert result.explanation == "10-QSB filing 15 Aug 2005 + 10 calendar days = Thu 25 Aug 2005"
    result = one(each_filing(Event("event-3", date(2005, 8, 15), ""), anchor_label=""))
    assert result.explanation == "Event 15 Aug 2005 + 10 calendar days = Thu 25 Aug 2005"


def test_business_days_before_each_event():
    spec = each_filing(Event("event-5", date(2005, 6, 1), "Board meeting"), offset=3,
                       offset_unit=DayCount.BUSINESS_DAYS, direction=Direction.BEFORE)
    # Wed 1 Jun 2005 back: Tue 31 May (1), Mon 30 May Memorial Day, Fri 27 (2), Thu 26 (3).
    assert one(spec).explanation == (
        "Board meeting 1 Jun 2005 \u2212 3 business days "
        "(US banking (Federal Reserve) holidays; skipped Mon 30 May 2005 Memorial Day) = Thu 26 May 2005"
    )


def test_events_with_the_same_key_are_refused():
    spec = each_filing(QSB_AUG, Event("event-17", date(2005, 11, 14), "10-QSB filed"))
    assert rule_error(spec) == "Two events have the same key 'event-17'."


def test_something_that_is_not_an_event_is_refused():
    spec = each_filing(("event-1", date(2005, 8, 15), "10-QSB filed"))  # type: ignore[arg-type]
    assert rule_error(spec) == "('event-1', datetime.date(2005, 8, 15), '10-QSB filed') is not a recorded event."


def test_events_are_frozen_value_objects():
    assert Event("event-17", date(2005, 8, 15), "10-QSB filed") == QSB_AUG
    with pytest.raises(AttributeError):
        QSB_AUG.day = date(2005, 8, 16)  # type: ignore[misc]


# --------------------------------------------------------------------------
# Later of / earlier of: SPA s.4(e) Lock-up Period "ending on the later of (i) two hundred
# seventy (270) days from the Closing Date and (ii) one hundred eighty (180) days from the
# date the Registration Statement ... is declared effective"
# --------------------------------------------------------------------------


def lock_up_period(effective: date | None) -> RuleSpec:
    return RuleSpec(
        kind=RuleKind.LATER_OF,
        limbs=(lock_up(CLOSING, "Closing Date", 270), lock_up(effective, "Effective Date", 180)),
    )


def test_the_lock_up_ends_on_the_later_of_its_two_limbs():
    assert one(lock_up_period(date(2005, 12, 1))) == DueDate(
        key="once",
        due_date=date(2006, 5, 30),
        period_start=CLOSING,
        period_end=date(2006, 5, 30),
        explanation=(
            "Later of (i) Closing Date 23 May 2005 + 270 calendar days = Fri 17 Feb 2006 (end of the period); "
            "(ii) Effective Date 1 Dec 2005 + 180 calendar days = Tue 30 May 2006 (end of the period): "
            "(ii) Tue 30 May 2006"
        ),
    )


def test_an_early_effective_date_leaves_the_270_days_in_force():
    # Effective Mon 1 Aug 2005 + 180 days = Sat 28 Jan 2006, before Fri 17 Feb 2006.
    result = one(lock_up_period(date(2005, 8, 1)))
    assert (result.due_date, result.period_start, result.period_end) == (
        date(2006, 2, 17), CLOSING, date(2006, 2, 17)
    )
    assert result.explanation.endswith(
        "(ii) Effective Date 1 Aug 2005 + 180 calendar days = Sat 28 Jan 2006 (end of the period): "
        "(i) Fri 17 Feb 2006"
    )


def test_the_period_starts_at_the_earliest_limb_start():
    spec = RuleSpec(
        kind="later_of",  # type: ignore[arg-type]
        limbs=[lock_up(date(2005, 8, 1), "Effective Date", 180), lock_up(CLOSING, "Closing Date", 270)],
    )
    result = one(spec)
    assert (result.period_start, result.period_end, result.due_date) == (CLOSING, date(2006, 2, 17), date(2006, 2, 17))


def test_limbs_ending_the_same_day_are_both_named():
    spec = RuleSpec(
        kind=RuleKind.LATER_OF,
        limbs=(lock_up(CLOSING, "Closing Date", 270), fixed(date(2006, 2, 17))),
    )
    result = one(spec)
    assert result.explanation == (
        "Later of (i) Closing Date 23 May 2005 + 270 calendar days = Fri 17 Feb 2006 (end of the period); "
        "(ii) Fixed date Fri 17 Feb 2006: (i) and (ii) Fri 17 Feb 2006"
    )
    # A restriction limb makes the result a period, from that limb's start.
    assert (result.period_start, result.period_end) == (CLOSING, date(2006, 2, 17))


def test_the_lock_up_waits_while_the_registration_statement_is_not_effective():
    spec = lock_up_period(None)
    assert due_dates(spec, horizon=FAR_HORIZON) == []
    assert waiting_reason(spec) == "Waiting on: Effective Date; at least Fri 17 Feb 2006 (limb (i))"


def test_a_later_of_waiting_on_every_limb_names_them_all_once():
    spec = RuleSpec(
        kind=RuleKind.LATER_OF,
        limbs=(
            lock_up(None, "Effective Date", 180),
            lock_up(None, "Qualified IPO", 90),
            lock_up(None, "Effective Date", 270),
        ),
    )
    assert due_dates(spec, horizon=FAR_HORIZON) == []
    assert waiting_reason(spec) == "Waiting on: Effective Date and Qualified IPO"


def test_the_earlier_of_a_fixed_date_and_days_after_an_event():
    spec = RuleSpec(
        kind=RuleKind.EARLIER_OF,
        limbs=(fixed(date(2006, 6, 30)), after_event(date(2005, 12, 1), "Effective Date", 180)),
    )
    assert one(spec) == DueDate(
        key="once",
        due_date=date(2006, 5, 30),
        period_start=None,
        period_end=None,
        explanation=(
            "Earlier of (i) Fixed date Fri 30 Jun 2006; "
            "(ii) Effective Date 1 Dec 2005 + 180 calendar days = Tue 30 May 2006: (ii) Tue 30 May 2006"
        ),
    )
    assert waiting_reason(spec) == ""


def test_the_earlier_of_compares_the_rolled_dates():
    # (i) 31 May 2005 + 3 business days = Fri 3 Jun. (ii) Fixed Sat 4 Jun rolls to Mon 6 Jun;
    # (iii) Sun 5 Jun rolled back to Fri 3 Jun too.
    spec = RuleSpec(
        kind=RuleKind.EARLIER_OF,
        limbs=(
            after_event(date(2005, 5, 31), "Closing Date", 3, offset_unit=DayCount.BUSINESS_DAYS),
            fixed(date(2005, 6, 4)),
            fixed(date(2005, 6, 5), roll=Roll.PRECEDING),
            fixed(date(2005, 6, 7)),
        ),
    )
    result = one(spec)
    assert result.due_date == date(2005, 6, 3)
    assert result.explanation == (
        "Earlier of (i) Closing Date 31 May 2005 + 3 business days = Fri 3 Jun 2005; "
        "(ii) Fixed date Sat 4 Jun 2005, rolled forward to Mon 6 Jun 2005 (not a business day); "
        "(iii) Fixed date Sun 5 Jun 2005, rolled back to Fri 3 Jun 2005 (not a business day); "
        "(iv) Fixed date Tue 7 Jun 2005: (i) and (iii) Fri 3 Jun 2005"
    )


def test_an_earlier_of_with_a_missing_limb_waits_and_says_the_latest_it_can_be():
    spec = RuleSpec(
        kind=RuleKind.EARLIER_OF,
        limbs=(
            fixed(date(2006, 6, 30)),
            after_event(None, "Effective Date", 180),
            fixed(date(2006, 7, 31)),
            after_event(None, "Qualified IPO", 5, waiting_on="Qualified IPO closing"),
        ),
    )
    assert due_dates(spec, horizon=FAR_HORIZON) == []
    assert waiting_reason(spec) == (
        "Waiting on: Effective Date and Qualified IPO closing; at most Fri 30 Jun 2006 (limb (i))"
    )


def test_the_bound_names_every_limb_that_reaches_it():
    spec = RuleSpec(
        kind=RuleKind.LATER_OF,
        limbs=(fixed(date(2006, 6, 30)), fixed(date(2006, 6, 30)), after_event(None, "", 180)),
    )
    assert waiting_reason(spec) == "Waiting on: the event date; at least Fri 30 Jun 2006 (limbs (i) and (ii))"


def test_the_limbs_keep_their_own_holiday_calendars():
    # Thu 28 Mar 2024 + 1 business day: the Fed is open on Good Friday, the NYSE is not.
    spec = RuleSpec(
        kind=RuleKind.LATER_OF,
        limbs=(
            after_event(date(2024, 3, 28), "Filing Date", 1, offset_unit=DayCount.BUSINESS_DAYS),
            after_event(date(2024, 3, 28), "Filing Date", 1, offset_unit=DayCount.BUSINESS_DAYS,
                        holiday_calendar=HolidayCalendar.NYSE),
        ),
    )
    assert one(spec).due_date == date(2024, 4, 1)
    assert one(spec).explanation.endswith(": (ii) Mon 1 Apr 2024")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (RuleSpec(kind=RuleKind.LATER_OF), "A later-of rule compares at least two dates; this one has none."),
        (
            RuleSpec(kind=RuleKind.EARLIER_OF, limbs=(fixed(date(2006, 6, 30)),)),
            "An earlier-of rule compares at least two dates; this one has 1.",
        ),
        (
            RuleSpec(kind=RuleKind.LATER_OF, limbs=(fixed(date(2006, 6, 30)), monthly(CLOSING))),
            'Limb (ii) of the later-of rule must be one date (a fixed date, a date after an event or a period), '
            'not "After each month, quarter or fiscal year end".',
        ),
        (
            RuleSpec(kind=RuleKind.EARLIER_OF, limbs=(each_filing(QSB_AUG), fixed(date(2006, 6, 30)))),
            'Limb (i) of the earlier-of rule must be one date (a fixed date, a date after an event or a period), '
            'not "After (or before) each event of a kind".',
        ),
        (
            RuleSpec(kind=RuleKind.LATER_OF, limbs=(fixed(date(2006, 6, 30)), lock_up_period(None))),
            'Limb (ii) of the later-of rule must be one date (a fixed date, a date after an event or a period), '
            'not "The later of two or more dates".',
        ),
        (
            RuleSpec(kind=RuleKind.LATER_OF, limbs=(fixed(date(2006, 6, 30)), lock_up(CLOSING, "Closing Date", 0))),
            "Limb (ii) of the later-of rule: a period needs a length.",
        ),
        (
            RuleSpec(kind=RuleKind.LATER_OF, limbs=(RuleSpec(kind=RuleKind.FIXED_DATE), fixed(date(2006, 6, 30)))),
            "Limb (i) of the later-of rule: a fixed-date rule needs its date.",
        ),
        (
            RuleSpec(kind=RuleKind.LATER_OF, limbs=(fixed(date(2006, 6, 30)), "30 June 2006")),  # type: ignore[arg-type]
            "Limb (ii) of the later-of rule is not a rule.",
        ),
    ],
)
def test_impossible_comparisons_are_explained(spec, message):
    assert rule_error(spec) == message
    with pytest.raises(RuleError) as excinfo:
        waiting_reason(spec)
    assert str(excinfo.value) == message


def test_limb_numerals():
    assert [deadlines._numeral(n) for n in (1, 2, 3, 4, 5, 6, 8, 9, 10, 14, 19, 20)] == [
        "i", "ii", "iii", "iv", "v", "vi", "viii", "ix", "x", "xiv", "xix", "xx"
    ]


# --------------------------------------------------------------------------
# Dormant rules: PAA s.5(C) "Upon written request"; s.5(D) "upon the Placement Agent's request"
# --------------------------------------------------------------------------

REQUEST = "Placement Agent's written request"


@pytest.mark.parametrize(
    "spec",
    [
        fixed(date(2005, 7, 1), waiting_on=REQUEST),
        RuleSpec(kind=RuleKind.FIXED_DATE, waiting_on=REQUEST),
        after_event(CLOSING, "Closing Date", 5, waiting_on=REQUEST),
        monthly(CLOSING, waiting_on=REQUEST),
        RuleSpec(kind=RuleKind.RECURRING, frequency=Frequency.QUARTERLY, offset=45, waiting_on=REQUEST),
        lock_up(CLOSING, "Closing Date", 270, waiting_on=REQUEST),
        each_filing(QSB_AUG, waiting_on=REQUEST),
        RuleSpec(kind=RuleKind.LATER_OF, limbs=lock_up_period(date(2005, 12, 1)).limbs, waiting_on=REQUEST),
    ],
)
def test_a_dormant_rule_of_any_kind_has_no_due_dates(spec):
    assert due_dates(spec, horizon=FAR_HORIZON) == []
    assert waiting_reason(spec) == "Waiting on: Placement Agent's written request"


def test_a_blank_waiting_on_is_not_dormant():
    spec = fixed(date(2005, 7, 1), waiting_on="  ")
    assert one(spec).due_date == date(2005, 7, 1)
    assert waiting_reason(spec) == ""


def test_a_dormant_rule_is_still_checked():
    spec = after_event(CLOSING, "Closing Date", -5, waiting_on=REQUEST)
    assert rule_error(spec) == "The number of days cannot be negative."
    spec = monthly(CLOSING, waiting_on=REQUEST, only_periods={13})
    assert rule_error(spec) == "Month numbers run from 1 (January) to 12 (December); got 13."


def test_a_recurring_rule_without_its_start_that_is_not_dormant_is_refused():
    spec = RuleSpec(kind=RuleKind.RECURRING, frequency=Frequency.QUARTERLY, offset=45)
    assert rule_error(spec) == "A recurring rule needs the date it starts from."


# --------------------------------------------------------------------------
# Waiting reasons of the one-off kinds
# --------------------------------------------------------------------------


def test_waiting_reasons_of_one_off_rules():
    assert waiting_reason(after_event(None, "Closing Date", 2)) == "Waiting on: Closing Date"
    assert waiting_reason(after_event(None, "", 2)) == "Waiting on: the event date"
    assert waiting_reason(lock_up(None, "Effective Date", 180)) == "Waiting on: Effective Date"
    assert waiting_reason(lock_up(None, "", 180)) == "Waiting on: the start date"


@pytest.mark.parametrize(
    "spec",
    [
        fixed(date(2005, 7, 1)),
        after_event(CLOSING, "Closing Date", 2),
        lock_up(CLOSING, "Closing Date", 270),
        RuleSpec(kind=RuleKind.PERIOD, fixed_date=CLOSING, offset=2, offset_unit=DayCount.YEARS),
        monthly(CLOSING),
        anniversaries(),
        lock_up_period(date(2005, 12, 1)),
    ],
)
def test_a_rule_that_can_produce_its_dates_waits_on_nothing(spec):
    assert waiting_reason(spec) == ""


def test_waiting_reason_refuses_an_impossible_rule_like_due_dates():
    with pytest.raises(RuleError) as excinfo:
        waiting_reason(RuleSpec(kind=RuleKind.FIXED_DATE))
    assert str(excinfo.value) == "A fixed-date rule needs its date."
