"""Due-date arithmetic for contractual deadline rules.

Deal agreements state deadlines in words ("within five (5) business days of
the end of each month", "within ninety (90) days after the close of each
fiscal year", "in no event less than two (2) years from the date hereof").
This module turns a structured description of such a rule (:class:`RuleSpec`)
into concrete dates (:class:`DueDate`), each with an explanation a deal
administrator can check against a calendar.

It is deliberately pure Python (stdlib + ``holidays``) and MUST NOT import
Django: the same code runs in views, Celery tasks, migrations and plain unit
tests, and keeping it framework-free keeps it fast and easy to reason about.
The Django layer stores rules and due dates; this module only computes.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

import holidays

from reckoning.choices import Choice

__all__ = [
    "BusinessCalendar",
        "DayCount",
    "DueDate",
    "FiscalYearEnd",
    "Frequency",
    "HolidayCalendar",
    "RuleError",
    "RuleKind",
    "RuleSpec",
    "add_months",
    "add_offset",
    "business_calendar",
    "due_dates",
    "period_ends",
    "validate_rule",
]


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------


class DayCount(Choice):
    """How an offset is counted ("5 business days", "45 days", "2 years")."""

    CALENDAR_DAYS = "calendar_days", "calendar days"
    BUSINESS_DAYS = "business_days", "business days"
    MONTHS = "months", "months"
    YEARS = "years", "years"


class Frequency(Choice):
    """Which periods a recurring obligation follows."""

    MONTHLY = "monthly", "Each month end"
    QUARTERLY = "quarterly", "Each fiscal quarter end"
    FISCAL_YEARLY = "fiscal_yearly", "Each fiscal year end"


class HolidayCalendar(Choice):
    """The holidays a "business day" is measured against."""

    US_BANKING = "us_banking", "US banking (Federal Reserve) holidays"
    NYSE = "nyse", "NYSE trading holidays"


# ISO 10383 market codes understood by ``holidays.financial_holidays``.
_MARKET_CODES: dict[HolidayCalendar, str] = {
    HolidayCalendar.US_BANKING: "XFED",
    HolidayCalendar.NYSE: "XNYS",
}


class RuleKind(Choice):
    """The shapes of deadline that occur in the agreements."""

    FIXED_DATE = "fixed_date", "On a fixed date"  # a date written into the agreement
    AFTER_ANCHOR = "after_anchor", "Days after a deal date or event"  # SPA s.4(c): 2 business days after Closing
    RECURRING = "recurring", "After each month, quarter or fiscal year end"  # SPA s.4(h): after each month end
    PERIOD = "period", "A period (lock-up, restriction)"  # SPA s.4(e): 270-day lock-up from Closing


class RuleError(ValueError):
    """A rule cannot be evaluated; the message is meant for a deal administrator."""


# --------------------------------------------------------------------------
# Date formatting (fixed English names, independent of the process locale)
# --------------------------------------------------------------------------

_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAME = ("January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")


def _fmt(day: date) -> str:
    """'31 May 2005'."""
    return f"{day.day} {_MONTH_ABBR[day.month - 1]} {day.year}"


def _fmt_weekday(day: date) -> str:
    """'Tue 7 Jun 2005' - the weekday lets a reader check weekend handling."""
    return f"{_WEEKDAY_ABBR[day.weekday()]} {_fmt(day)}"


def _days(first: date, last: date) -> list[date]:
    """Every day from first to last, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --------------------------------------------------------------------------
# Business calendars
# --------------------------------------------------------------------------

# ``holidays`` objects are expensive to build and fill in years lazily on
# lookup (expand=True), so we keep one per calendar for the whole process.
# The lock guards that lazy fill, which mutates the object, against
# concurrent lookups from worker threads.
_HOLIDAY_LOCK = threading.Lock()


@cache
def _holiday_table(name: HolidayCalendar) -> holidays.HolidayBase:
    return holidays.financial_holidays(_MARKET_CODES[name])


def _coerce_holiday_calendar(name: HolidayCalendar | str) -> HolidayCalendar:
    try:
        return HolidayCalendar(name)
    except ValueError:
        choices = ", ".join(c.value for c in HolidayCalendar)
        raise ValueError(f"Unknown holiday calendar {name!r}; choose one of: {choices}.") from None


@dataclass(frozen=True)
class BusinessCalendar:
    """Answers "is this a business day?" for one holiday calendar.

    A business day is Monday to Friday and not a holiday of the calendar.
    Holidays are taken as the ``holidays`` library publishes them: the
    Federal Reserve, for example, does not close on the Friday before a
    Saturday holiday, so that Friday stays a business day for US_BANKING.
    """

    name: HolidayCalendar

    def __post_init__(self) -> None:
        # Accept the plain string stored by the database layer.
        object.__setattr__(self, "name", _coerce_holiday_calendar(self.name))

    def holiday_name(self, day: date) -> str | None:
        """Name of the holiday on ``day`` (weekend holidays included), else None."""
        with _HOLIDAY_LOCK:
            return _holiday_table(self.name).get(day)

    def is_business_day(self, day: date) -> bool:
        """Monday to Friday and not a holiday."""
        return day.weekday() < 5 and self.holiday_name(day) is None

    def add_business_days(self, day: date, n: int) -> date:
        """The n-th business day after ``day``; ``day`` itself is never counted.

        "Within five business days of the end of the month" counts from the
        day after the month end, whatever kind of day the month end is.
        n == 0 returns ``day`` unchanged (even if it is not a business day).
        """
        if n < 0:
            raise ValueError("The number of business days cannot be negative.")
        current = day
        remaining = n
        while remaining:
            current += timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def roll_forward(self, day: date) -> date:
        """``day`` if it is a business day, else the next business day."""
        current = day
        while not self.is_business_day(current):
            current += timedelta(days=1)
        return current


def business_calendar(name: HolidayCalendar | str) -> BusinessCalendar:
    """The calendar called ``name`` ("us_banking" or "nyse")."""
    return BusinessCalendar(_coerce_holiday_calendar(name))


def _holidays_between(
    cal: BusinessCalendar, first: date, last: date, *, weekdays_only: bool
) -> list[tuple[date, str]]:
    """Holidays from first to last inclusive, for explanations."""
    found = []
    for day in _days(first, last):
        if weekdays_only and day.weekday() >= 5:
            continue
        name = cal.holiday_name(day)
        if name is not None:
            found.append((day, name))
    return found


def _list_holidays(found: list[tuple[date, str]]) -> str:
    return ", ".join(f"{_fmt_weekday(day)} {name}" for day, name in found)


# --------------------------------------------------------------------------
# Offsets
# --------------------------------------------------------------------------


def _last_day_of_month(year: int, month: int) -> int:
    return _stdlib_calendar.monthrange(year, month)[1]


def _month_end(year: int, month: int) -> date:
    return date(year, month, _last_day_of_month(year, month))


def add_months(start: date, months: int) -> date:
    """Same day of month ``months`` later, clamped to the month's last day.

    Jan 31 + 1 month is Feb 28 (Feb 29 in a leap year): a contract month
    never spills into the following month.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, _last_day_of_month(year, month)))


def add_offset(start: date, amount: int, unit: DayCount, cal: BusinessCalendar) -> date:
    """``start`` moved forward by ``amount`` units (no roll-forward applied).

    ``cal`` only matters for business days but is always required so
    callers cannot forget it when a rule switches to business days.
    Months and years keep the day of month, clamped to the month end.
    """
    if amount < 0:
        raise ValueError("The offset cannot be negative.")
    unit = DayCount(unit)
    if unit is DayCount.CALENDAR_DAYS:
        return start + timedelta(days=amount)
    if unit is DayCount.BUSINESS_DAYS:
        return cal.add_business_days(start, amount)
    if unit is DayCount.MONTHS:
        return add_months(start, amount)
    return add_months(start, 12 * amount)


_UNIT_WORDS: dict[DayCount, tuple[str, str]] = {
    DayCount.CALENDAR_DAYS: ("calendar day", "calendar days"),
    DayCount.BUSINESS_DAYS: ("business day", "business days"),
    DayCount.MONTHS: ("month", "months"),
    DayCount.YEARS: ("year", "years"),
}


def _quantity(amount: int, unit: DayCount) -> str:
    singular, plural = _UNIT_WORDS[DayCount(unit)]
    return f"{amount} {singular if amount == 1 else plural}"


def _explain_offset(start: date, amount: int, unit: DayCount, cal: BusinessCalendar) -> tuple[date, str]:
    """Apply the offset; return the result and text like ' + 5 business days = Tue 7 Jun 2005'."""
    unit = DayCount(unit)
    result = add_offset(start, amount, unit, cal)
    detail = ""
    if unit is DayCount.BUSINESS_DAYS and amount > 0:
        skipped = _holidays_between(cal, start + timedelta(days=1), result, weekdays_only=True)
        if skipped:
            detail = f" ({cal.name.label}; skipped {_list_holidays(skipped)})"
    elif unit in (DayCount.MONTHS, DayCount.YEARS) and result.day < start.day:
        month = f"{_MONTH_NAME[result.month - 1]} {result.year}"
        detail = f" (day {start.day} does not exist in {month}, so the month's last day)"
    return result, f" + {_quantity(amount, unit)}{detail} = {_fmt_weekday(result)}"


def _explain_roll(day: date, roll: bool, cal: BusinessCalendar) -> tuple[date, str]:
    """Move a non-business due date to the next business day if the rule says so."""
    if cal.is_business_day(day):
        return day, ""
    if not roll:
        return day, " (not a business day; this rule does not roll forward)"
    rolled = cal.roll_forward(day)
    passed = _holidays_between(cal, day, rolled - timedelta(days=1), weekdays_only=False)
    reason = "not a business day"
    if passed:
        reason += f"; {cal.name.label}: {_list_holidays(passed)}"
    return rolled, f", rolled forward to {_fmt_weekday(rolled)} ({reason})"


# --------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FiscalYearEnd:
    """Last day of a party's fiscal year, as (month, day).

    29 February is refused because most years do not have it; "28 February"
    means the last day of February, so leap years are handled. A fiscal year
    ending on the last day of a month keeps its quarter ends on month ends.
    """

    month: int = 12
    day: int = 31

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError("A fiscal year end month must be between 1 and 12.")
        if self.month == 2 and self.day == 29:
            raise ValueError(
                "A fiscal year cannot end on 29 February because most years have no such day; "
                "use 28 February, which means the last day of February in every year."
            )
        longest = _last_day_of_month(2001, self.month)  # a non-leap year
        if not 1 <= self.day <= longest:
            raise ValueError(f"{_MONTH_NAME[self.month - 1]} has no day {self.day}.")

    @property
    def is_month_end(self) -> bool:
        """True when the fiscal year ends on the last day of its month."""
        return self.day == _last_day_of_month(2001, self.month)

    def __str__(self) -> str:
        return f"{self.day} {_MONTH_NAME[self.month - 1]}"

    def in_year(self, year: int) -> date:
        """The fiscal year end falling in calendar year ``year``."""
        return self._in_month(year, self.month)

    def quarter_ends(self, year: int) -> list[date]:
        """Quarter ends of the fiscal year that ends in ``year``, ascending."""
        ends = []
        for months_back in (9, 6, 3, 0):
            index = year * 12 + (self.month - 1) - months_back
            q_year, q_month = divmod(index, 12)
            ends.append(self._in_month(q_year, q_month + 1))
        return ends

    def _in_month(self, year: int, month: int) -> date:
        if self.is_month_end:
            return _month_end(year, month)
        return date(year, month, min(self.day, _last_day_of_month(year, month)))


def _month_ends(start: date, end: date) -> list[date]:
    ends = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        ends.append(_month_end(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def period_ends(
    frequency: Frequency, *, fiscal_year_end: FiscalYearEnd, start: date, end: date
) -> list[date]:
    """Every period end d with start <= d <= end, ascending."""
    frequency = Frequency(frequency)
    if end < start:
        return []
    if frequency is Frequency.MONTHLY:
        candidates = _month_ends(start, end)
    elif frequency is Frequency.QUARTERLY:
        # A fiscal year ending in year Y+1 can have quarter ends in year Y.
        candidates = [
            d for year in range(start.year, end.year + 2) for d in fiscal_year_end.quarter_ends(year)
        ]
    else:
        candidates = [fiscal_year_end.in_year(year) for year in range(start.year, end.year + 1)]
    return sorted({d for d in candidates if start <= d <= end})


def _period_start(frequency: Frequency, fiscal_year_end: FiscalYearEnd, period_end: date) -> date:
    """First day of the period ending on ``period_end``: the day after the previous end."""
    look_back = period_end - timedelta(days=400)  # longer than any period
    earlier = period_ends(
        frequency, fiscal_year_end=fiscal_year_end, start=look_back, end=period_end - timedelta(days=1)
    )
    return earlier[-1] + timedelta(days=1)


def _period_label(frequency: Frequency, fiscal_year_end: FiscalYearEnd) -> str:
    if frequency is Frequency.MONTHLY:
        return "Month ended"
    if frequency is Frequency.QUARTERLY:
        calendar_year = fiscal_year_end == FiscalYearEnd(12, 31)
        return "Quarter ended" if calendar_year else "Fiscal quarter ended"
    return "Fiscal year ended"


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """A deadline rule as the agreement states it, in structured form.

    Plain strings are accepted for the enum fields (as stored by the
    database layer) and converted on construction.
    """

    kind: RuleKind
    fixed_date: date | None = None
    # Date of the event the rule hangs from (Closing, Filing Date, ...);
    # None means the event has not happened yet, so nothing is due yet.
    anchor_date: date | None = None
    anchor_label: str = ""  # e.g. "Closing Date", used in explanations
    offset: int = 0
    offset_unit: DayCount = DayCount.CALENDAR_DAYS
    frequency: Frequency | None = None
    fiscal_year_end: FiscalYearEnd = field(default_factory=FiscalYearEnd)
    window_start: date | None = None  # recurring: only periods ending on/after this
    window_end: date | None = None  # recurring: only periods ending on/before this
    roll_forward: bool = True  # a due date on a weekend/holiday moves to the next business day
    holiday_calendar: HolidayCalendar = HolidayCalendar.US_BANKING

    def __post_init__(self) -> None:
        _coerce(self, "kind", RuleKind, "kind of rule")
        _coerce(self, "offset_unit", DayCount, "way of counting")
        _coerce(self, "holiday_calendar", HolidayCalendar, "holiday calendar")
        if self.frequency is not None:
            _coerce(self, "frequency", Frequency, "period")


def _coerce(spec: RuleSpec, attribute: str, enum: type[StrEnum], what: str) -> None:
    value = getattr(spec, attribute)
    try:
        object.__setattr__(spec, attribute, enum(value))
    except ValueError:
        raise RuleError(f"Unknown {what}: {value!r}.") from None


@dataclass(frozen=True)
class DueDate:
    """One concrete occurrence of a rule.

    ``key`` identifies the occurrence across regenerations ("once" for
    one-off rules, the ISO period end such as "2005-05-31" for recurring
    ones), so stored due dates can be updated in place when a rule changes.
    """

    key: str
    due_date: date
    period_start: date | None  # recurring: first day of the period; period: start of the restriction
    period_end: date | None  # recurring: the period end; period: last day of the restriction
    explanation: str


_ONCE = "once"

_NEGATIVE_NOUNS: dict[DayCount, str] = {
    DayCount.CALENDAR_DAYS: "days",
    DayCount.BUSINESS_DAYS: "days",
    DayCount.MONTHS: "months",
    DayCount.YEARS: "years",
}


def validate_rule(spec: RuleSpec) -> None:
    """Raise :class:`RuleError` if the rule cannot produce due dates."""
    if spec.offset < 0:
        raise RuleError(f"The number of {_NEGATIVE_NOUNS[spec.offset_unit]} cannot be negative.")
    if spec.kind is RuleKind.FIXED_DATE and spec.fixed_date is None:
        raise RuleError("A fixed-date rule needs its date.")
    if spec.kind is RuleKind.RECURRING:
        if spec.frequency is None:
            raise RuleError("A recurring rule needs a period: monthly, quarterly or each fiscal year.")
        if spec.window_start is None:
            raise RuleError("A recurring rule needs the date it starts from.")
    if spec.window_start and spec.window_end and spec.window_end < spec.window_start:
        raise RuleError("The active window ends before it starts.")
    if spec.kind is RuleKind.PERIOD and spec.offset == 0:
        raise RuleError("A period needs a length.")


def due_dates(spec: RuleSpec, *, horizon: date) -> list[DueDate]:
    """Concrete due dates of ``spec``.

    ``horizon`` only limits recurring rules (periods ending after it are not
    generated yet); one-off rules always yield their single date, if known.
    """
    validate_rule(spec)
    cal = business_calendar(spec.holiday_calendar)
    if spec.kind is RuleKind.FIXED_DATE:
        return [_fixed_due_date(spec, cal)]
    if spec.kind is RuleKind.AFTER_ANCHOR:
        return [] if spec.anchor_date is None else [_after_anchor_due_date(spec, cal)]
    if spec.kind is RuleKind.RECURRING:
        return _recurring_due_dates(spec, cal, horizon)
    return _period_due_dates(spec, cal)


def _fixed_due_date(spec: RuleSpec, cal: BusinessCalendar) -> DueDate:
    assert spec.fixed_date is not None
    due, roll_text = _explain_roll(spec.fixed_date, spec.roll_forward, cal)
    text = f"Fixed date {_fmt_weekday(spec.fixed_date)}{roll_text}"
    return DueDate(key=_ONCE, due_date=due, period_start=None, period_end=None, explanation=text)


def _after_anchor_due_date(spec: RuleSpec, cal: BusinessCalendar) -> DueDate:
    assert spec.anchor_date is not None
    label = spec.anchor_label or "Event date"
    text, due = _offset_and_roll(f"{label} {_fmt(spec.anchor_date)}", spec.anchor_date, spec, cal)
    return DueDate(key=_ONCE, due_date=due, period_start=None, period_end=None, explanation=text)


def _recurring_due_dates(spec: RuleSpec, cal: BusinessCalendar, horizon: date) -> list[DueDate]:
    assert spec.frequency is not None and spec.window_start is not None
    last = horizon if spec.window_end is None else min(spec.window_end, horizon)
    label = _period_label(spec.frequency, spec.fiscal_year_end)
    result = []
    ends = period_ends(
        spec.frequency, fiscal_year_end=spec.fiscal_year_end, start=spec.window_start, end=last
    )
    for end in ends:
        text, due = _offset_and_roll(f"{label} {_fmt(end)}", end, spec, cal)
        start = _period_start(spec.frequency, spec.fiscal_year_end, end)
        result.append(
            DueDate(key=end.isoformat(), due_date=due, period_start=start, period_end=end, explanation=text)
        )
    return result


def _period_due_dates(spec: RuleSpec, cal: BusinessCalendar) -> list[DueDate]:
    """A restriction running from its start for its length; due on the day it ends.

    The end date is not rolled: a lock-up simply ends on that day, and
    moving it would extend the restriction beyond what was agreed.
    """
    start = spec.anchor_date if spec.anchor_date is not None else spec.fixed_date
    if start is None:
        return []
    label = spec.anchor_label or "Start date"
    end, offset_text = _explain_offset(start, spec.offset, spec.offset_unit, cal)
    text = f"{label} {_fmt(start)}{offset_text} (end of the period)"
    return [DueDate(key=_ONCE, due_date=end, period_start=start, period_end=end, explanation=text)]


def _offset_and_roll(base: str, start: date, spec: RuleSpec, cal: BusinessCalendar) -> tuple[str, date]:
    """Offset ``start`` then roll; return the explanation and the due date."""
    raw, offset_text = _explain_offset(start, spec.offset, spec.offset_unit, cal)
    due, roll_text = _explain_roll(raw, spec.roll_forward, cal)
    return f"{base}{offset_text}{roll_text}", due
