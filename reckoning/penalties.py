"""What a missed deadline costs. Pure arithmetic: no Django import."""
from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from reckoning.choices import Choice
from reckoning.deadlines import add_months

CENT = Decimal("0.01")


class PenaltyKind(Choice):
    """How an agreement states what a miss costs, when it states it in numbers."""

    NONE = "none", "None stated in numbers"
    MONTHLY_ON_NOTES = "monthly_on_notes", "Rate per month on the outstanding notes, prorated by day"
    ANNUAL_ON_AMOUNT = "annual_on_amount", "Rate per year on an unpaid amount"


def months_elapsed(start: datetime.date, end: datetime.date) -> Decimal:
    """Whole months from start to end, plus the part month as days over that month's length."""
    if end <= start:
        return Decimal("0")
    whole = 0
    while add_months(start, whole + 1) <= end:
        whole += 1
    month_start = add_months(start, whole)
    month_length = (add_months(start, whole + 1) - month_start).days
    return Decimal(whole) + Decimal((end - month_start).days) / Decimal(month_length)


def monthly_prorated(*, base: Decimal, monthly_rate: Decimal, start: datetime.date, end: datetime.date) -> Decimal:
    """SPA s.2(f): 3% of the outstanding Notes per month, "prorated for partial months"."""
    return (base * monthly_rate * months_elapsed(start, end)).quantize(CENT, rounding=ROUND_HALF_UP)


def annual_simple(*, base: Decimal, annual_rate: Decimal, start: datetime.date, end: datetime.date) -> Decimal:
    """SPA s.4(f): interest "at a rate of 15% per annum", simple, on an actual/365 day count."""
    days = max(0, (end - start).days)
    return (base * annual_rate * Decimal(days) / Decimal(365)).quantize(CENT, rounding=ROUND_HALF_UP)


def accrued(*, kind: PenaltyKind, base: Decimal, rate: Decimal, start: datetime.date, end: datetime.date
            ) -> Decimal | None:
    """What a penalty of `kind` has accrued from start to end; None when the agreement states no numbers."""
    if kind == PenaltyKind.MONTHLY_ON_NOTES:
        return monthly_prorated(base=base, monthly_rate=rate, start=start, end=end)
    if kind == PenaltyKind.ANNUAL_ON_AMOUNT:
        return annual_simple(base=base, annual_rate=rate, start=start, end=end)
    return None
