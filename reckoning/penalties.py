"""What a missed deadline costs. Pure arithmetic: no Django import.

A continuing breach of one covenant is one breach: however many of its due
dates are missed at once, it accrues once a day while any of them is uncured
(SPA s.4(h): "until the list is delivered"; s.4(o): "until such breach is
cured"). So the days are the union of the breach spells of every due date of
the covenant, and each day accrues on the base as it stands that day.
"""
from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from reckoning.choices import Choice
from reckoning.deadlines import add_months

CENT = Decimal("0.01")
DAYS_IN_YEAR = 365  # SPA s.4(f) "15% per annum": simple interest on an actual/365 day count
ONE_DAY = datetime.timedelta(days=1)


class PenaltyKind(Choice):
    """How an agreement states what a miss costs, when it states it in numbers."""

    NONE = "none", "None stated in numbers"
    MONTHLY_ON_NOTES = "monthly_on_notes", "Rate per month on the outstanding notes, prorated by day"
    ANNUAL_ON_AMOUNT = "annual_on_amount", "Rate per year on an unpaid amount"


@dataclass(frozen=True, order=True)
class Spell:
    """Days a covenant stood breached: from `start` up to, not including, `end`."""

    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {(self.end - ONE_DAY).isoformat()} ({self.days} days)"


def breach_spell(*, status: str, due_date: datetime.date, done_on: datetime.date | None,
                 as_of: datetime.date) -> Spell | None:
    """The days one due date stood missed as of the end of `as_of`: from the due date until it was done.

    Nothing is owed for a due date done by its date, waived, or not yet past;
    one still open is breached up to `as_of`, one done late up to the day it was done.
    """
    if status == "waived":
        return None
    end = done_on if status == "done" and done_on is not None else as_of
    end = min(end, as_of)
    return Spell(due_date, end) if end > due_date else None


def breach_spells(spells: Iterable[Spell | None]) -> list[Spell]:
    """The union of breach spells, earliest first: overlapping or touching spells are one spell."""
    merged: list[Spell] = []
    for spell in sorted(spell for spell in spells if spell is not None and spell.days > 0):
        if merged and spell.start <= merged[-1].end:
            merged[-1] = Spell(merged[-1].start, max(merged[-1].end, spell.end))
        else:
            merged.append(spell)
    return merged


@dataclass(frozen=True)
class NoteTerms:
    """What the damages base needs of one note."""

    principal: Decimal
    interest_rate: Decimal  # a year, as a fraction: 0.10 for 10%
    issue_date: datetime.date | None  # None: not issued yet, so not outstanding


@dataclass(frozen=True)
class Base:
    """What a rate runs on, on one day."""

    principal: Fraction
    interest: Fraction = Fraction(0)

    @property
    def total(self) -> Fraction:
        return self.principal + self.interest


def notes_base(notes: Iterable[NoteTerms], day: datetime.date) -> Base:
    """SPA s.2(f) "the outstanding amount of the Notes ... plus accrued and unpaid interest" on `day`.

    The reading the desk takes: a note is outstanding from its issue date (the desk
    records no repayment or conversion), and its interest accrues simply from
    the issue date at its yearly rate on an actual/365 count, none of it paid.
    """
    principal = interest = Fraction(0)
    for note in notes:
        if note.issue_date is None or note.issue_date > day:
            continue
        principal += Fraction(note.principal)
        interest += Fraction(note.principal) * Fraction(note.interest_rate) * (day - note.issue_date).days / DAYS_IN_YEAR
    return Base(principal, interest)


@dataclass(frozen=True)
class NotesBase:
    """`notes_base` day by day, and its sum over a run of days in closed form.

    Each issued note adds its principal every day and its simple interest, which grows by
    principal x rate / 365 a day: over n days from k0 days after issue that is
    n x P + P x r / 365 x (n x k0 + n(n-1)/2), the same exact sum as adding the days one by one.
    """

    notes: tuple[NoteTerms, ...]

    def __call__(self, day: datetime.date) -> Base:
        return notes_base(self.notes, day)

    @cached_property
    def _accruing(self) -> tuple[int, tuple[tuple[datetime.date, int, int], ...]]:
        """Each issued note's issue date, principal and interest a day as whole numbers over one shared
        denominator (principal x denominator, interest a day x denominator x 365): a covenant's damages
        then add up whole numbers over every month of every spell, and divide once."""
        notes = [(note.issue_date, Fraction(note.principal), Fraction(note.interest_rate))
                 for note in self.notes if note.issue_date is not None]
        denominator = math.lcm(1, *(part.denominator for _, principal, rate in notes
                                    for part in (principal, principal * rate)))
        return denominator, tuple(
            (issue_date, int(principal * denominator * DAYS_IN_YEAR), int(principal * rate * denominator))
            for issue_date, principal, rate in notes)

    def total_over(self, start: datetime.date, end: datetime.date) -> Fraction:
        """The sum of the base's total on each day from `start` up to, not including, `end`."""
        return self.total_over_runs(((start, end),))

    def total_over_runs(self, runs: Iterable[tuple[datetime.date, datetime.date]]) -> Fraction:
        """`total_over` summed over several runs of days, in whole numbers until the one division (a
        spell of years is dozens of month runs; fractions in each cost most of a fees report)."""
        runs = tuple(runs)
        denominator, accruing = self._accruing
        total = 0
        for issue_date, principal, interest_a_day in accruing:
            days_in_all = interest_days = 0
            for start, end in runs:
                first = max(start, issue_date)
                days = (end - first).days
                if days <= 0:
                    continue
                since_issue = (first - issue_date).days
                days_in_all += days
                # days x (days - 1) is even: the integer division is exact.
                interest_days += days * since_issue + days * (days - 1) // 2
            total += days_in_all * principal + interest_days * interest_a_day
        return Fraction(total, denominator * DAYS_IN_YEAR)


@dataclass(frozen=True)
class FixedBase:
    """A stated amount, the same every day."""

    amount: Fraction

    def __call__(self, day: datetime.date) -> Base:
        return Base(self.amount)

    def total_over(self, start: datetime.date, end: datetime.date) -> Fraction:
        return self.amount * max((end - start).days, 0)

    def total_over_runs(self, runs: Iterable[tuple[datetime.date, datetime.date]]) -> Fraction:
        return self.amount * sum(max((end - start).days, 0) for start, end in runs)


def _days(spell: Spell) -> Iterable[datetime.date]:
    return (spell.start + datetime.timedelta(days=offset) for offset in range(spell.days))


def _total_over(base_on: Callable[[datetime.date], Base], runs: list[tuple[datetime.date, datetime.date]]) -> Fraction:
    """The base's total summed over every day of `runs` (each from its start up to, not including, its
    end): in closed form where the base knows it (NotesBase, FixedBase), else day by day."""
    if hasattr(base_on, "total_over_runs"):
        return base_on.total_over_runs(runs)
    return sum((base_on(day).total for start, end in runs for day in _days(Spell(start, end))), Fraction(0))


def _monthly(spells: list[Spell], rate: Fraction, base_on: Callable[[datetime.date], Base]) -> Fraction:
    # "per month ... prorated for partial months": each spell is counted in months from its first
    # day, and a day accrues the month's rate over that month's length, so a whole month accrues
    # the rate once whatever its length.
    # Months of the same length share a denominator: their days are summed together, divided once.
    by_length: dict[int, list[tuple[datetime.date, datetime.date]]] = {}
    for spell in spells:
        month, month_start = 0, spell.start
        while month_start < spell.end:
            month_end = add_months(spell.start, month + 1)
            by_length.setdefault((month_end - month_start).days, []).append((month_start, min(month_end, spell.end)))
            month, month_start = month + 1, month_end
    return sum((_total_over(base_on, runs) / length for length, runs in by_length.items()), Fraction(0)) * rate


def _annual(spells: list[Spell], rate: Fraction, base_on: Callable[[datetime.date], Base]) -> Fraction:
    return _total_over(base_on, [(spell.start, spell.end) for spell in spells]) * rate / DAYS_IN_YEAR


def accrued(*, kind: PenaltyKind, spells: Iterable[Spell | None], rate: Decimal,
            base_on: Callable[[datetime.date], Base]) -> Decimal | None:
    """What a penalty of `kind` has accrued over the union of `spells`; None when the agreement states no numbers."""
    union = breach_spells(spells)
    if kind == PenaltyKind.MONTHLY_ON_NOTES:
        amount = _monthly(union, Fraction(rate), base_on)
    elif kind == PenaltyKind.ANNUAL_ON_AMOUNT:
        amount = _annual(union, Fraction(rate), base_on)
    else:
        return None
    return to_cents(amount)


def to_cents(amount: Fraction) -> Decimal:
    """An exact amount as money: to the cent, a half cent rounded up."""
    return (Decimal(amount.numerator) / Decimal(amount.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)
