"""The securities a deal creates or counts on: share classes, notes, warrants, equity lines."""
from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from deals.models import Deal, DealEvent, EventKind
from parties.models import Party

CENT = Decimal("0.01")
MONEY = {"max_digits": 16, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}
# Rates are stored as fractions: 0.10 is 10%.
RATE = {
    "max_digits": 7,
    "decimal_places": 6,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    "help_text": "As a fraction: 0.10 for 10%.",
}
PRICE = {"max_digits": 14, "decimal_places": 6, "validators": [MinValueValidator(Decimal("0"))]}


def rate_in_range(field: str) -> models.CheckConstraint:
    return models.Q(**{f"{field}__gte": 0, f"{field}__lte": 1})


class ShareClass(models.Model):
    class Kind(models.TextChoices):
        COMMON = "common", "Common stock"
        PREFERRED = "preferred", "Preferred stock"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="share_classes")
    issuer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="share_classes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=100, default="Common Stock")
    par_value = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(Decimal("0"))])
    authorized = models.PositiveBigIntegerField("shares authorized")
    issued_and_outstanding = models.PositiveBigIntegerField("shares issued and outstanding")
    as_of = models.DateField(help_text="The date the agreement states these numbers for.")
    section = models.CharField(max_length=30, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "kind", "name"]
        verbose_name_plural = "share classes"
        constraints = [
            models.UniqueConstraint(fields=["deal", "issuer", "name"], name="share_class_unique_name",
                                    violation_error_message="This deal already has that share class."),
            models.CheckConstraint(
                condition=models.Q(issued_and_outstanding__lte=models.F("authorized")),
                name="share_class_issued_within_authorized",
                violation_error_message="More shares are issued than authorized.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.name}"

    @property
    def reserved_total(self) -> int:
        return sum(r.shares for r in self.reservations.all())

    @property
    def unreserved_unissued(self) -> int:
        """Authorized shares neither issued nor reserved: the room left for new reservations."""
        return self.authorized - self.issued_and_outstanding - self.reserved_total


class ShareReservation(models.Model):
    class Purpose(models.TextChoices):
        STOCK_OPTIONS = "stock_options", "Stock option plans"
        OTHER_CONVERTIBLES = "other_convertibles", "Other convertible or exercisable securities"
        DEAL_SECURITIES = "deal_securities", "Conversion and exercise of this deal's notes and warrants"
        OTHER = "other", "Other"

    share_class = models.ForeignKey(ShareClass, on_delete=models.CASCADE, related_name="reservations")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    shares = models.PositiveBigIntegerField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["share_class", "purpose"]
        constraints = [
            models.UniqueConstraint(fields=["share_class", "purpose"], name="reservation_unique_purpose",
                                    violation_error_message="This share class already has a reservation for that purpose."),
        ]

    def __str__(self) -> str:
        return f"{self.shares:,} reserved for {self.get_purpose_display().lower()}"


class Tranche(models.Model):
    """A further purchase that closes within some days of a deal event (SPA s.4(l))."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="tranches")
    name = models.CharField(max_length=100)
    amount = models.DecimalField(**MONEY)
    warrant_shares = models.PositiveBigIntegerField(default=0)
    event = models.ForeignKey(DealEvent, on_delete=models.PROTECT, related_name="tranches",
                              help_text="The event that triggers this tranche.")
    days_to_close = models.PositiveSmallIntegerField(help_text="Calendar days after the event.")
    section = models.CharField(max_length=30, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "name"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "name"], name="tranche_unique_name",
                                    violation_error_message="This deal already has a tranche with that name."),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="tranche_amount_not_negative",
                                   violation_error_message="The amount cannot be negative."),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.event_id and self.deal_id and self.event.deal_id != self.deal_id:
            raise ValidationError({"event": f"{self.event.name} is an event of another deal."})


class ConvertibleNoteQuerySet(models.QuerySet):
    def outstanding_until(self) -> datetime.date | None:
        """The day the last of these notes was repaid or converted; None while any is outstanding (or none exist).

        "So long as any Note is outstanding" ends then (SPA s.4(n)).
        """
        days = list(self.values_list("repaid_or_converted_on", flat=True))
        if not days or None in days:
            return None
        return max(days)


class ConvertibleNote(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="convertible_notes")
    issuer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="notes_issued")
    holder = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="notes_held", help_text="Empty when held by all buyers together.")
    tranche = models.ForeignKey(Tranche, on_delete=models.SET_NULL, null=True, blank=True, related_name="convertible_notes")
    name = models.CharField(max_length=100)
    principal = models.DecimalField(**MONEY)
    interest_rate = models.DecimalField(**RATE)
    secured = models.BooleanField(default=False)
    issue_date = models.DateField(null=True, blank=True, help_text="Empty until issued.")
    maturity_date = models.DateField(null=True, blank=True)
    repaid_or_converted_on = models.DateField(
        "repaid or converted in full on", null=True, blank=True,
        help_text="Empty while any of it is outstanding. Duties that last while the Notes are outstanding end here.",
    )
    conversion_price = models.DecimalField(**PRICE, null=True, blank=True,
                                           help_text="Price per share in effect now; empty if not fixed.")
    conversion_terms = models.TextField(blank=True)
    section = models.CharField(max_length=30, blank=True)

    history = HistoricalRecords()
    objects = ConvertibleNoteQuerySet.as_manager()

    class Meta:
        ordering = ["deal", "name"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "name"], name="note_unique_name",
                                    violation_error_message="This deal already has notes with that name."),
            models.CheckConstraint(condition=models.Q(principal__gte=0), name="note_principal_not_negative",
                                   violation_error_message="The principal cannot be negative."),
            models.CheckConstraint(condition=rate_in_range("interest_rate"), name="note_interest_rate_in_range",
                                   violation_error_message="The interest rate must be between 0 and 1 (100%)."),
            models.CheckConstraint(
                condition=models.Q(maturity_date__isnull=True) | models.Q(issue_date__isnull=True)
                | models.Q(maturity_date__gt=models.F("issue_date")),
                name="note_matures_after_issue",
                violation_error_message="The maturity date must be after the issue date.",
            ),
            models.CheckConstraint(
                condition=models.Q(repaid_or_converted_on__isnull=True) | models.Q(issue_date__isnull=True)
                | models.Q(repaid_or_converted_on__gte=models.F("issue_date")),
                name="note_repaid_after_issue",
                violation_error_message="A note cannot be repaid or converted before it was issued.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (${self.principal:,.2f})"

    @property
    def shares_issuable_on_conversion(self) -> int | None:
        if not self.conversion_price:
            return None
        return int(self.principal / self.conversion_price)


class Warrant(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="warrants")
    issuer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="warrants_issued")
    holder = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="warrants_held", help_text="Empty when held by all buyers together.")
    tranche = models.ForeignKey(Tranche, on_delete=models.SET_NULL, null=True, blank=True, related_name="warrants")
    name = models.CharField(max_length=100)
    shares = models.PositiveBigIntegerField()
    exercise_price = models.DecimalField(**PRICE, null=True, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    expiry_date = models.DateField(null=True, blank=True)
    section = models.CharField(max_length=30, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "name"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "name"], name="warrant_unique_name",
                                    violation_error_message="This deal already has warrants with that name."),
            models.CheckConstraint(
                condition=models.Q(expiry_date__isnull=True) | models.Q(issue_date__isnull=True)
                | models.Q(expiry_date__gt=models.F("issue_date")),
                name="warrant_expires_after_issue",
                violation_error_message="The expiry date must be after the issue date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.shares:,} shares)"


class EquityLine(models.Model):
    """A commitment to buy stock on the company's draws, with a fee on each draw (PAA s.1, s.10)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="equity_lines")
    issuer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="equity_lines_issued")
    investor = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="equity_lines_funded")
    placement_agent = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="equity_lines_placed")
    commitment = models.DecimalField(**MONEY)
    placement_fee_rate = models.DecimalField(**RATE)
    section = models.CharField(max_length=30, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal"]
        constraints = [
            models.CheckConstraint(condition=models.Q(commitment__gte=0), name="equity_line_commitment_not_negative",
                                   violation_error_message="The commitment cannot be negative."),
            models.CheckConstraint(condition=rate_in_range("placement_fee_rate"),
                                   name="equity_line_fee_rate_in_range",
                                   violation_error_message="The placement fee rate must be between 0 and 1 (100%)."),
        ]

    def __str__(self) -> str:
        return f"{self.deal}: equity line of ${self.commitment:,.0f}"

    def fee_for(self, amount: Decimal) -> Decimal:
        return (amount * self.placement_fee_rate).quantize(CENT, rounding=ROUND_HALF_UP)


# Each draw is also an event of the deal of this kind, so a rule can follow every draw
# (PAA s.10: "1% of the Put Amount on each draw as a fee").
DRAW_EVENT_KIND = "Draw on the equity line"


class Draw(models.Model):
    equity_line = models.ForeignKey(EquityLine, on_delete=models.CASCADE, related_name="draws")
    date = models.DateField()
    amount = models.DecimalField(**MONEY)
    event = models.OneToOneField(DealEvent, on_delete=models.SET_NULL, null=True, blank=True, editable=False,
                                 related_name="draw", help_text="The deal event this draw is recorded as.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["equity_line", "date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="draw_amount_positive",
                                   violation_error_message="A draw must be for more than zero."),
        ]

    def __str__(self) -> str:
        return f"Draw of ${self.amount:,.2f} on {self.date}"

    @transaction.atomic
    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        deal = self.equity_line.deal
        kind, _ = EventKind.objects.get_or_create(
            deal=deal, name=DRAW_EVENT_KIND, defaults={"description": "Each draw recorded on an equity line."})
        event = self.event or DealEvent(deal=deal, kind=kind)
        event.name = f"Draw #{self.pk}"
        event.date = self.date
        event.kind = kind
        event.description = f"{self} (recorded on the equity line)"
        event.save()  # its save dates every rule that follows each draw
        if self.event_id != event.pk:
            self.event = event
            super().save(update_fields=["event"])

    @property
    def placement_fee(self) -> Decimal:
        return self.equity_line.fee_for(self.amount)

    def clean(self) -> None:
        if self.amount is None or not self.equity_line_id:
            return
        drawn = (
            Draw.objects.filter(equity_line_id=self.equity_line_id).exclude(pk=self.pk)
            .aggregate(total=models.Sum("amount"))["total"] or Decimal("0")
        )
        if drawn + self.amount > self.equity_line.commitment:
            left = self.equity_line.commitment - drawn
            raise ValidationError(
                {"amount": f"This draw would exceed the commitment: only ${left:,.2f} is left to draw."}
            )


class ReserveCovenant(models.Model):
    """The promise to keep enough shares reserved (SPA s.4(h): twice the shares issuable)."""

    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="reserve_covenant")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="reserve_covenants")
    multiple = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("2"),
                                   validators=[MinValueValidator(Decimal("0"))])
    section = models.CharField(max_length=30, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Reserve {self.multiple}x shares issuable ({self.section})"

    def clean(self) -> None:
        if self.share_class_id and self.deal_id and self.share_class.deal_id != self.deal_id:
            raise ValidationError({"share_class": "Pick a share class of this deal."})


@receiver(post_delete, sender=Draw, dispatch_uid="draw_deleted")
def draw_deleted(sender, instance: Draw, **kwargs) -> None:
    # A draw deleted (by itself or with its equity line) takes its event, and that event's open due dates, with it.
    if instance.event_id is not None:
        DealEvent.objects.filter(pk=instance.event_id).delete()
