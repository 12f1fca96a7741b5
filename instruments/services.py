"""Workflows over instruments: the share reserve test."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING

from dealdesk.models import Deal
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


def reserve_test(*, deal: Deal) -> ReserveTest | None:
    """Run the deal's reserve covenant against its notes, warrants and reservations."""
    covenant = ReserveCovenant.objects.filter(deal=deal).select_related("share_class").first()
    if covenant is None:
        return None
    missing: list[str] = []
    conversion_shares: int | None = 0
    for note in deal.convertible_notes.all():
        if note.shares_issuable_on_conversion is not None:
            conversion_shares += note.shares_issuable_on_conversion
        else:
            missing.append(f"{note.name} has no conversion price")
    if missing:
        conversion_shares = None
    warrant_shares = sum(w.shares for w in deal.warrants.all())
    reserved = (
        ShareReservation.objects.filter(
            share_class=covenant.share_class, purpose=ShareReservation.Purpose.DEAL_SECURITIES
        ).values_list("shares", flat=True).first()
        or 0
    )
    return ReserveTest(covenant, conversion_shares, warrant_shares, reserved, missing)

