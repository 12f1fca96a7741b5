"""Due-date arithmetic for contractual deadline rules.

Deal agreements state deadlines in words ("within five (5) business days of
the end of each month", "within ninety (90) days after the close of each
fiscal year", "in no event less than two (2) years from the date hereof").
This module turns a structured description of such a rule (:class:`RuleSpec`)
into concrete dates (:class:`DueDate`), each with an explanation a deal
administrator can check against a calendar.

The shapes (:class:`RuleKind`):

* a fixed date, or a number of days/business days/months/years after - or,
  with :class:`Direction` BEFORE, before - a deal date or event;
* a recurring duty after each month end, fiscal quarter end, fiscal year end
  or anniversary, optionally only some of them ("each of the first three
  fiscal quarters") and stopping at an end date ("during the registration
  period");
* a restriction period (lock-up) running from a date;
* a duty after (or before) each recorded event of a kind ("within ten days
  after the filing ... of its 10-QSB": every filing has its own due date);
* the later or earlier of two or more one-off dates ("ending on the later
  of (i) ... and (ii) ...").

A due date on a weekend or holiday moves to the next or previous business
day, or stays, as the rule says (:class:`Roll`). A rule can be dormant until
something happens ("upon written request"); :func:`waiting_reason` says in
words what a rule without dates is waiting on.

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
    "format_day",
    "BusinessCalendar",
    "DayCount",
    "Direction",
    "DueDate",
    "Event",
    "FiscalYearEnd",
    "Frequency",
    "HolidayCalendar",
    "Roll",
    "RuleError",
    "RuleKind",
    "RuleSpec",
    "add_months",
    "add_offset",
    "business_calendar",
    "due_dates",
    "fiscal_quarter_number",
    "period_ends",
    "validate_rule",
    "waiting_reason",
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


class Direction(Choice):
    """Which way the offset is counted from its date."""

    AFTER = "after", "after"
    # SPA s.4(e): "at least twenty (20) business days prior to the closing of such Future Offering".
    BEFORE = "before", "before"


class Roll(Choice):
    """What happens to a due date that falls on a weekend or holiday."""

    FOLLOWING = "following", "Next business day"
    PRECEDING = "preceding", "Previous business day"  # "no later than": moving it later would be late
    NONE = "none", "Not moved"


class Frequency(Choice):
    """Which periods a recurring obligation follows."""

    MONTHLY = "monthly", "Each month end"
    QUARTERLY = "quarterly", "Each fiscal quarter end"
    FISCAL_YEARLY = "fiscal_yearly", "Each fiscal year end"
    ANNIVERSARY = "anniversary", "Each anniversary"  # of the rule's start date (window_start)


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
    # SPA s.4(g)(i): "within ten (10) days after the filing with the SEC, a copy of its ... 10-QSB".
    EACH_EVENT = "each_event", "After (or before) each event of a kind"
    # SPA s.4(e): the Lock-up Period "ending on the later of (i) two hundred seventy (270) days from
    # the Closing Date and (ii) one hundred eighty (180) days from the date the Registration
    # Statement ... is declared effective".
    LATER_OF = "later_of", "The later of two or more dates"
    EARLIER_OF = "earlier_of", "The earlier of two or more dates"


# The kinds with a single date, which a later-of or earlier-of rule can compare.
_ONE_OFF_KINDS = (RuleKind.FIXED_DATE, RuleKind.AFTER_ANCHOR, RuleKind.PERIOD)
_COMBINING_KINDS = (RuleKind.LATER_OF, RuleKind.EARLIER_OF)


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


def format_day(day: date) -> str:
    """'31 May 2005'."""
    return f"{day.day} {_MONTH_ABBR[day.month - 1]} {day.year}"


_fmt = format_day  # the explanations' short name for it


def _fmt_weekday(day: date) -> str:
    """'Tue 7 Jun 2005' - the weekday lets a reader check weekend handling."""
    return f"{_WEEKDAY_ABBR[day.weekday()]} {_fmt(day)}"


def _days(first: date, last: date) -> list[date]:
    """Every day from first to last, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _ordinal(number: int) -> str:
    """'1st', '2nd', '3rd', '4th', '11th', '21st'."""
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    if 11 <= number % 100 <= 13:
        suffix = "th"
    return f"{number}{suffix}"


def _numeral(number: int) -> str:
    """Lower-case roman numeral, as agreements number their limbs: 1 -> 'i', 4 -> 'iv'."""
    text = ""
    for value, letters in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            text += letters
            number -= value
    return text


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

    def subtract_business_days(self, day: date, n: int) -> date:
        """The n-th business day before ``day``; ``day`` itself is never counted.

        "Twenty business days prior to the closing" counts back from the day
        before the closing. n == 0 returns ``day`` unchanged.
        """
        if n < 0:
            raise ValueError("The number of business days cannot be negative.")
        current = day
        remaining = n
        while remaining:
            current -= timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def roll_forward(self, day: date) -> date:
        """``day`` if it is a business day, else the next business day."""
        current = day
        while not self.is_business_day(current):
            current += timedelta(days=1)
        return current

    def roll_back(self, day: date) -> date:
        """``day`` if it is a business day, else the previous business day."""
        current = day
        while not self.is_business_day(current):
            current -= timedelta(days=1)
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


def add_offset(
    start: date, amount: int, unit: DayCount, cal: BusinessCalendar, direction: Direction = Direction.AFTER
) -> date:
    """``start`` moved by ``amount`` units, forward or (BEFORE) back; no roll applied.

    ``cal`` only matters for business days but is always required so
    callers cannot forget it when a rule switches to business days.
    Months and years keep the day of month, clamped to the month end.
    The amount is never negative: the direction carries the sign.
    """
    if amount < 0:
        raise ValueError("The offset cannot be negative.")
    unit = DayCount(unit)
    backwards = Direction(direction) is Direction.BEFORE
    sign = -1 if backwards else 1
    if unit is DayCount.CALENDAR_DAYS:
        return start + timedelta(days=sign * amount)
    if unit is DayCount.BUSINESS_DAYS:
        return cal.subtract_business_days(start, amount) if backwards else cal.add_business_days(start, amount)
    if unit is DayCount.MONTHS:
        return add_months(start, sign * amount)
    return add_months(start, sign * 12 * amount)


_UNIT_WORDS: dict[DayCount, tuple[str, str]] = {
    DayCount.CALENDAR_DAYS: ("calendar day", "calendar days"),
    DayCount.BUSINESS_DAYS: ("business day", "business days"),
    DayCount.MONTHS: ("month", "months"),
    DayCount.YEARS: ("year", "years"),
}


def _quantity(amount: int, unit: DayCount) -> str:
    singular, plural = _UNIT_WORDS[DayCount(unit)]
    return f"{amount} {singular if amount == 1 else plural}"


def _explain_offset(
    start: date, amount: int, unit: DayCount, cal: BusinessCalendar, direction: Direction = Direction.AFTER
) -> tuple[date, str]:
    """Apply the offset; return the result and text like ' + 5 business days = Tue 7 Jun 2005'.

    Counting back reads ' − 20 business days = Tue 14 Feb 2006'.
    """
    unit = DayCount(unit)
    backwards = Direction(direction) is Direction.BEFORE
    result = add_offset(start, amount, unit, cal, direction)
    detail = ""
    if unit is DayCount.BUSINESS_DAYS and amount > 0:
        # The days counted: after the start going forward, before it going back.
        first, last = (result, start - timedelta(days=1)) if backwards else (start + timedelta(days=1), result)
        skipped = _holidays_between(cal, first, last, weekdays_only=True)
        if skipped:
            detail = f" ({cal.name.label}; skipped {_list_holidays(skipped)})"
    elif unit in (DayCount.MONTHS, DayCount.YEARS) and result.day < start.day:
        month = f"{_MONTH_NAME[result.month - 1]} {result.year}"
        detail = f" (day {start.day} does not exist in {month}, so the month's last day)"
    sign = "\u2212" if backwards else "+"  # a true minus sign, not a hyphen
    return result, f" {sign} {_quantity(amount, unit)}{detail} = {_fmt_weekday(result)}"


def _explain_roll(day: date, roll: Roll, cal: BusinessCalendar) -> tuple[date, str]:
    """Move a non-business due date to the next or previous business day if the rule says so."""
    if cal.is_business_day(day):
        return day, ""
    if roll is Roll.NONE:
        return day, " (not a business day; this rule does not roll forward)"
    if roll is Roll.PRECEDING:
        rolled = cal.roll_back(day)
        passed = _holidays_between(cal, rolled + timedelta(days=1), day, weekdays_only=False)
        way = "back"
    else:
        rolled = cal.roll_forward(day)
        passed = _holidays_between(cal, day, rolled - timedelta(days=1), weekdays_only=False)
        way = "forward"
    reason = "not a business day"
    if passed:
        reason += f"; {cal.name.label}: {_list_holidays(passed)}"
    return rolled, f", rolled {way} to {_fmt_weekday(rolled)} ({reason})"


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


def _anniversaries(first: date, last: date) -> list[date]:
    """The 1st, 2nd, ... anniversaries of ``first`` up to ``last``, ascending.

    Each is counted from ``first`` itself, so 29 Feb 2024 has its
    anniversaries on 28 Feb 2025, 2026 and 2027, and on 29 Feb 2028.
    """
    found = []
    years = 1
    while (day := add_months(first, 12 * years)) <= last:
        found.append(day)
        years += 1
    return found


def period_ends(
    frequency: Frequency, *, fiscal_year_end: FiscalYearEnd, start: date, end: date
) -> list[date]:
    """Every period end d with start <= d <= end, ascending.

    For ANNIVERSARY the period ends are the anniversaries of ``start``
    (``start`` itself is not one).
    """
    frequency = Frequency(frequency)
    if end < start:
        return []
    if frequency is Frequency.ANNIVERSARY:
        return _anniversaries(start, end)
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


def fiscal_quarter_number(fiscal_year_end: FiscalYearEnd, quarter_end: date) -> int:
    """1 to 4: which quarter of its fiscal year ``quarter_end`` closes (4 ends on the fiscal year end).

    With a year ending 30 June, the quarter ending 30 Sep is quarter 1 and the
    one ending 31 Dec is quarter 2.
    """
    # The fiscal year holding the quarter ends in the same calendar year or the next.
    for year in (quarter_end.year, quarter_end.year + 1):
        ends = fiscal_year_end.quarter_ends(year)
        if quarter_end in ends:
            return ends.index(quarter_end) + 1
    raise ValueError(f"{_fmt(quarter_end)} is not a quarter end of a fiscal year ending {fiscal_year_end}.")


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
class Event:
    """One recorded event of a kind, e.g. Event("event-17", date(2005, 8, 15), "10-QSB filed")."""

    key: str  # identifies the event across regenerations; becomes the due date's key
    day: date
    label: str


@dataclass(frozen=True)
class RuleSpec:
    """A deadline rule as the agreement states it, in structured form.

    Plain strings are accepted for the enum fields (as stored by the
    database layer) and converted on construction; ``only_periods`` takes
    any iterable of whole numbers (or a string such as "1, 2, 3"), ``events``
    and ``limbs`` any iterable.
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
    window_start: date | None = None  # recurring: only periods ending on/after this; the base of anniversaries
    window_end: date | None = None  # recurring: only periods ending on/before this
    roll: Roll = Roll.FOLLOWING  # what a due date on a weekend/holiday does
    holiday_calendar: HolidayCalendar = HolidayCalendar.US_BANKING
    direction: Direction = Direction.AFTER  # BEFORE counts the offset back from the date
    # Recurring: only these quarters (fiscal, 1-4) or months (1-12); empty means every period.
    only_periods: frozenset[int] = frozenset()
    events: tuple[Event, ...] = ()  # the recorded events, one due date each (EACH_EVENT)
    limbs: tuple[RuleSpec, ...] = ()  # the one-off dates compared (LATER_OF, EARLIER_OF)
    # Non-empty: dormant until this happens, e.g. "Placement Agent's written request".
    waiting_on: str = ""
    # Repeating rules stop here ("during the registration period", "so long as any Note is outstanding").
    end: date | None = None
    end_label: str = ""  # e.g. "End of the registration period 30 Jun 2007", for the deal page

    def __post_init__(self) -> None:
        _coerce(self, "kind", RuleKind, "kind of rule")
        _coerce(self, "offset_unit", DayCount, "way of counting")
        _coerce(self, "holiday_calendar", HolidayCalendar, "holiday calendar")
        _coerce(self, "direction", Direction, "direction")
        _coerce(self, "roll", Roll, "way of moving a due date off a weekend or holiday")
        if self.frequency is not None:
            _coerce(self, "frequency", Frequency, "period")
        object.__setattr__(self, "only_periods", _coerce_periods(self.only_periods))
        object.__setattr__(self, "events", tuple(self.events or ()))
        object.__setattr__(self, "limbs", tuple(self.limbs or ()))


def _coerce(spec: RuleSpec, attribute: str, enum: type[StrEnum], what: str) -> None:
    value = getattr(spec, attribute)
    try:
        object.__setattr__(spec, attribute, enum(value))
    except ValueError:
        raise RuleError(f"Unknown {what}: {value!r}.") from None


def _coerce_periods(value: object) -> frozenset[int]:
    """Period numbers from a set, list, ... of ints, or a string as typed in a form ("1, 2, 3")."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        items: list[object] = list(value.replace(",", " ").split())
    else:
        try:
            items = list(value)  # type: ignore[call-overload]
        except TypeError:
            raise RuleError(f"Give the periods as a list of numbers such as 1, 2, 3, not {value!r}.") from None
    numbers = set()
    for item in items:
        not_a_number = RuleError(f"Periods are chosen by number, such as 1, 2, 3; {item!r} is not a number.")
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise not_a_number
        try:
            numbers.add(int(item))
        except ValueError:
            raise not_a_number from None
    return frozenset(numbers)


@dataclass(frozen=True)
class DueDate:
    """One concrete occurrence of a rule.

    ``key`` identifies the occurrence across regenerations ("once" for
    one-off rules, the ISO period end such as "2005-05-31" for recurring
    ones, the event's key for each-event rules), so stored due dates can be
    updated in place when a rule changes.
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

_COMBINING_WORDS: dict[RuleKind, str] = {RuleKind.LATER_OF: "later-of", RuleKind.EARLIER_OF: "earlier-of"}


def _is_dormant(spec: RuleSpec) -> bool:
    return bool(spec.waiting_on.strip())


def validate_rule(spec: RuleSpec) -> None:
    """Raise :class:`RuleError` if the rule cannot produce due dates.

    A dormant rule (``waiting_on``) may lack the dates it will count from
    (its start comes with what it waits on); everything else is checked.
    """
    dormant = _is_dormant(spec)
    if spec.offset < 0:
        raise RuleError(f"The number of {_NEGATIVE_NOUNS[spec.offset_unit]} cannot be negative.")
    if spec.kind is RuleKind.FIXED_DATE and spec.fixed_date is None and not dormant:
        raise RuleError("A fixed-date rule needs its date.")
    if spec.kind is RuleKind.RECURRING:
        if spec.frequency is None:
            raise RuleError("A recurring rule needs a period: monthly, quarterly or each fiscal year.")
        if spec.window_start is None and not dormant:
            raise RuleError("A recurring rule needs the date it starts from.")
        _validate_only_periods(spec.frequency, spec.only_periods)
    if spec.window_start and spec.window_end and spec.window_end < spec.window_start:
        raise RuleError("The active window ends before it starts.")
    if spec.kind is RuleKind.PERIOD:
        if spec.offset == 0:
            raise RuleError("A period needs a length.")
        if spec.direction is Direction.BEFORE:
            raise RuleError("A period runs forward from its start; it cannot be counted backwards.")
    if spec.kind is RuleKind.EACH_EVENT:
        _validate_events(spec.events)
    if spec.kind in _COMBINING_KINDS:
        _validate_limbs(spec)


def _validate_only_periods(frequency: Frequency, only: frozenset[int]) -> None:
    if not only:
        return
    if frequency in (Frequency.FISCAL_YEARLY, Frequency.ANNIVERSARY):
        follows = frequency.label[0].lower() + frequency.label[1:]
        raise RuleError(
            f"Only monthly and quarterly rules can be limited to some periods; this rule follows {follows}."
        )
    if frequency is Frequency.QUARTERLY:
        bad = sorted(n for n in only if not 1 <= n <= 4)
        if bad:
            raise RuleError(
                "Quarter numbers run from 1 to 4 (quarter 4 ends on the fiscal year end); "
                f"got {_and_list([str(n) for n in bad])}."
            )
    else:
        bad = sorted(n for n in only if not 1 <= n <= 12)
        if bad:
            raise RuleError(
                f"Month numbers run from 1 (January) to 12 (December); got {_and_list([str(n) for n in bad])}."
            )


def _validate_events(events: tuple[Event, ...]) -> None:
    seen: set[str] = set()
    for event in events:
        if not isinstance(event, Event):
            raise RuleError(f"{event!r} is not a recorded event.")
        if event.key in seen:
            raise RuleError(f"Two events have the same key {event.key!r}.")
        seen.add(event.key)


def _validate_limbs(spec: RuleSpec) -> None:
    word = _COMBINING_WORDS[spec.kind]
    if len(spec.limbs) < 2:
        count = len(spec.limbs) or "none"
        article = "An" if word.startswith("earlier") else "A"
        raise RuleError(f"{article} {word} rule compares at least two dates; this one has {count}.")
    for number, limb in enumerate(spec.limbs, 1):
        name = f"Limb ({_numeral(number)}) of the {word} rule"
        if not isinstance(limb, RuleSpec):
            raise RuleError(f"{name} is not a rule.")
        if limb.kind not in _ONE_OFF_KINDS:
            raise RuleError(
                f"{name} must be one date (a fixed date, a date after an event or a period), "
                f'not "{limb.kind.label}".'
            )
        try:
            validate_rule(limb)
        except RuleError as error:
            message = str(error)
            raise RuleError(f"{name}: {message[:1].lower()}{message[1:]}") from None


def due_dates(spec: RuleSpec, *, horizon: date) -> list[DueDate]:
    """Concrete due dates of ``spec``.

    ``horizon`` only limits recurring rules (periods ending after it are not
    generated yet); one-off rules always yield their single date, if known,
    and each-event rules one date per recorded event. A dormant rule
    (``waiting_on``) has none.
    """
    validate_rule(spec)
    if _is_dormant(spec):
        # PAA s.5(C) "Upon written request": nothing is due until the request is made.
        return []
    cal = business_calendar(spec.holiday_calendar)
    if spec.kind is RuleKind.FIXED_DATE:
        return [_fixed_due_date(spec, cal)]
    if spec.kind is RuleKind.AFTER_ANCHOR:
        return [] if spec.anchor_date is None else [_after_anchor_due_date(spec, cal)]
    if spec.kind is RuleKind.RECURRING:
        return _recurring_due_dates(spec, cal, horizon)
    if spec.kind is RuleKind.EACH_EVENT:
        return _each_event_due_dates(spec, cal)
    if spec.kind in _COMBINING_KINDS:
        return _combined_due_dates(spec, horizon)
    return _period_due_dates(spec, cal)


def _fixed_due_date(spec: RuleSpec, cal: BusinessCalendar) -> DueDate:
    assert spec.fixed_date is not None
    due, roll_text = _explain_roll(spec.fixed_date, spec.roll, cal)
    text = f"Fixed date {_fmt_weekday(spec.fixed_date)}{roll_text}"
    return DueDate(key=_ONCE, due_date=due, period_start=None, period_end=None, explanation=text)


def _after_anchor_due_date(spec: RuleSpec, cal: BusinessCalendar) -> DueDate:
    assert spec.anchor_date is not None
    label = spec.anchor_label or "Event date"
    text, due = _offset_and_roll(f"{label} {_fmt(spec.anchor_date)}", spec.anchor_date, spec, cal)
    return DueDate(key=_ONCE, due_date=due, period_start=None, period_end=None, explanation=text)


def _last_period_end(spec: RuleSpec, horizon: date) -> date:
    """Periods may end up to the horizon, the window end and the rule's end, whichever comes first."""
    return min(d for d in (horizon, spec.window_end, spec.end) if d is not None)


def _recurring_due_dates(spec: RuleSpec, cal: BusinessCalendar, horizon: date) -> list[DueDate]:
    assert spec.frequency is not None and spec.window_start is not None
    last = _last_period_end(spec, horizon)
    if spec.frequency is Frequency.ANNIVERSARY:
        return _anniversary_due_dates(spec, cal, last)
    label = _period_label(spec.frequency, spec.fiscal_year_end)
    result = []
    ends = period_ends(
        spec.frequency, fiscal_year_end=spec.fiscal_year_end, start=spec.window_start, end=last
    )
    for end in ends:
        covered, note = _covered(spec, end)
        if not covered:
            continue
        text, due = _offset_and_roll(f"{label} {_fmt(end)}{note}", end, spec, cal)
        start = _period_start(spec.frequency, spec.fiscal_year_end, end)
        result.append(
            DueDate(key=end.isoformat(), due_date=due, period_start=start, period_end=end, explanation=text)
        )
    return result


def _covered(spec: RuleSpec, end: date) -> tuple[bool, str]:
    """Is the period ending on ``end`` one the rule covers, and the words saying which it covers.

    "Each of the first three fiscal quarters" (the fourth is covered by the
    annual report) is only_periods {1, 2, 3}.
    """
    if not spec.only_periods:
        return True, ""
    chosen = sorted(spec.only_periods)
    if spec.frequency is Frequency.QUARTERLY:
        number = fiscal_quarter_number(spec.fiscal_year_end, end)
        quarters = "quarters" if len(chosen) > 1 else "quarter"
        covers = f"{quarters} {_and_list([str(n) for n in chosen])}"
        return number in spec.only_periods, f" (fiscal quarter {number}; the rule covers {covers})"
    months = _and_list([_MONTH_NAME[n - 1] for n in chosen])
    return end.month in spec.only_periods, f" (the rule covers {months})"


def _anniversary_due_dates(spec: RuleSpec, cal: BusinessCalendar, last: date) -> list[DueDate]:
    assert spec.window_start is not None
    first = spec.window_start
    of = f"{spec.anchor_label} {_fmt(first)}" if spec.anchor_label else _fmt(first)
    result = []
    previous = first
    for number, anniversary in enumerate(_anniversaries(first, last), 1):
        note = ""
        if anniversary.day != first.day:  # only 29 February: that year has no such day
            note = f", as {anniversary.year} has no {first.day} {_MONTH_NAME[first.month - 1]}"
        base = f"{_ordinal(number)} anniversary of {of} ({_fmt(anniversary)}{note})"
        text, due = _offset_and_roll(base, anniversary, spec, cal)
        result.append(
            DueDate(
                key=anniversary.isoformat(),
                due_date=due,
                period_start=previous + timedelta(days=1),
                period_end=anniversary,
                explanation=text,
            )
        )
        previous = anniversary
    return result


def _each_event_due_dates(spec: RuleSpec, cal: BusinessCalendar) -> list[DueDate]:
    """One due date per recorded event: every 10-QSB filing has its own copy to deliver."""
    result = []
    for event in spec.events:
        if spec.end is not None and event.day > spec.end:
            continue  # happened after the duty ended
        label = event.label or spec.anchor_label or "Event"
        text, due = _offset_and_roll(f"{label} {_fmt(event.day)}", event.day, spec, cal)
        result.append(DueDate(key=event.key, due_date=due, period_start=None, period_end=None, explanation=text))
    return sorted(result, key=lambda d: (d.due_date, d.key))


def _limb_due_date(limb: RuleSpec, horizon: date) -> DueDate | None:
    """The single date of a one-off limb, or None while its event is awaited."""
    found = due_dates(limb, horizon=horizon)
    return found[0] if found else None


def _combined_due_dates(spec: RuleSpec, horizon: date) -> list[DueDate]:
    """The later (or earlier) of the limbs' dates, once every limb has its date.

    Until then the result is unknown: a later date could still come, or an
    earlier one. A restriction limb (PERIOD) makes the result a period from
    the earliest limb start to the chosen date.
    """
    limbs = [(_numeral(n), limb, _limb_due_date(limb, horizon)) for n, limb in enumerate(spec.limbs, 1)]
    found = [(numeral, limb, due) for numeral, limb, due in limbs if due is not None]
    if len(found) < len(limbs):
        return []
    pick = max if spec.kind is RuleKind.LATER_OF else min
    chosen = pick(due.due_date for _, _, due in found)
    parts = "; ".join(f"({numeral}) {due.explanation}" for numeral, _, due in found)
    winners = _and_list([f"({numeral})" for numeral, _, due in found if due.due_date == chosen])
    which = "Later" if spec.kind is RuleKind.LATER_OF else "Earlier"
    text = f"{which} of {parts}: {winners} {_fmt_weekday(chosen)}"
    starts = [due.period_start for _, limb, due in found if limb.kind is RuleKind.PERIOD]
    start = min((d for d in starts if d is not None), default=None)
    end = chosen if start is not None else None
    return [DueDate(key=_ONCE, due_date=chosen, period_start=start, period_end=end, explanation=text)]


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
    """Offset ``start`` (forward or back) then roll; return the explanation and the due date."""
    raw, offset_text = _explain_offset(start, spec.offset, spec.offset_unit, cal, spec.direction)
    due, roll_text = _explain_roll(raw, spec.roll, cal)
    return f"{base}{offset_text}{roll_text}", due


# --------------------------------------------------------------------------
# What a rule without dates is waiting on
# --------------------------------------------------------------------------


def _awaited(spec: RuleSpec) -> str:
    """What a one-off rule (or limb) without its date is waiting on."""
    if _is_dormant(spec):
        return spec.waiting_on.strip()
    if spec.anchor_label:
        return spec.anchor_label
    return "the start date" if spec.kind is RuleKind.PERIOD else "the event date"


def waiting_reason(spec: RuleSpec) -> str:
    """Words for the deal page saying what a rule without due dates is waiting on; "" if nothing.

    Raises :class:`RuleError` for a rule that cannot be evaluated, like
    :func:`due_dates`.
    """
    validate_rule(spec)
    if _is_dormant(spec):
        # PAA s.5(D) "upon the Placement Agent's request".
        return f"Waiting on: {_awaited(spec)}"
    if spec.kind is RuleKind.AFTER_ANCHOR and spec.anchor_date is None:
        return f"Waiting on: {_awaited(spec)}"
    if spec.kind is RuleKind.PERIOD and spec.anchor_date is None and spec.fixed_date is None:
        return f"Waiting on: {_awaited(spec)}"
    if spec.kind is RuleKind.EACH_EVENT and not spec.events:
        return f"Waiting on the first {spec.anchor_label or 'event'}"
    if spec.kind in _COMBINING_KINDS:
        return _combined_waiting_reason(spec)
    return ""


def _combined_waiting_reason(spec: RuleSpec) -> str:
    """The limbs still awaited and, from the limbs known, the bound the result cannot cross.

    A later-of date is at least its latest known limb; an earlier-of date at most its earliest.
    """
    missing: list[str] = []
    known: list[tuple[str, date]] = []
    for number, limb in enumerate(spec.limbs, 1):
        due = _limb_due_date(limb, date.max)  # one-off limbs ignore the horizon
        if due is None:
            awaited = _awaited(limb)
            if awaited not in missing:
                missing.append(awaited)
        else:
            known.append((_numeral(number), due.due_date))
    if not missing:
        return ""
    text = f"Waiting on: {_and_list(missing)}"
    if known:
        later = spec.kind is RuleKind.LATER_OF
        bound = (max if later else min)(day for _, day in known)
        numerals = [f"({numeral})" for numeral, day in known if day == bound]
        limbs = "limbs" if len(numerals) > 1 else "limb"
        text += f"; {'at least' if later else 'at most'} {_fmt_weekday(bound)} ({limbs} {_and_list(numerals)})"
    return text
