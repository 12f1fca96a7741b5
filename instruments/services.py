"""Workflows over instruments: the share reserve test."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING

from deals.models import Deal
from instruments.models import ReserveCovenant, ShareReservation


@dataclass(frozen=True)
class ReserveTest:
    """Required reserve against shares authorized and reserved (SPA s.4(h))."""

    covenant: ReserveCovenant
    conversion_shares: int | None  # None when a note has no conversion price yet
    warrant_shares: int
    reserved: int
    missing: list[str] = field(default_factory=list)

    @property
    def issuable(self) -> int | None:
        if self.conversion_shares is None:
            return None
        return self.conversion_shares + self.warrant_shares

    @property
    def required(self) -> int | None:
        if self.issuable is None:
            return None
        return int((self.covenant.multiple * self.issuable).to_integral_value(rounding=ROUND_CEILING))

    @property
    def shortfall(self) -> int | None:
        if self.required is None:
            return None
        return max(0, self.required - self.reserved)

    @property
    def passes(self) -> bool | None:
        return None if self.shortfall is None else self.shortfall == 0

    def summary(self) -> str:
        if self.required is None:
            return f"Cannot compute: {'; '.join(self.missing)}. Reserved {self.reserved:,}."
        verdict = "met" if self.passes else f"SHORT by {self.shortfall:,}"
        return (
            f"{self.covenant.multiple.normalize():f} x {self.issuable:,} issuable = {self.required:,} required; "
            f"{self.reserved:,} reserved: {verdict}."
        )


def reserve_test_from(*, covenant: ReserveCovenant | None, notes, warrants, reservations) -> ReserveTest | None:
    """The reserve test on given rows: today's (reserve_test) or a past day's, from the history."""
    if covenant is None:
        return None
    missing = [f"{note.name} has no conversion price" for note in notes
               if note.shares_issuable_on_conversion is None]
    conversion_shares = None if missing else sum(note.shares_issuable_on_conversion for note in notes)
    reserved = next((r.shares for r in reservations if r.share_class_id == covenant.share_class_id
                     and r.purpose == ShareReservation.Purpose.DEAL_SECURITIES), 0)
    return ReserveTest(covenant, conversion_shares, sum(w.shares for w in warrants), reserved, missing)


def reserve_test(*, deal: Deal) -> ReserveTest | None:
    """Run the deal's reserve covenant against its notes, warrants and reservations."""
    covenant = ReserveCovenant.objects.filter(deal=deal).select_related("share_class").first()
    return reserve_test_from(
        covenant=covenant,
        notes=list(deal.convertible_notes.all()),
        warrants=list(deal.warrants.all()),
        reservations=list(covenant.share_class.reservations.all()) if covenant else [],
    )
