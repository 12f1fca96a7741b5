"""The deal: the hub every party role, instrument and obligation hangs from."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from simple_history.models import HistoricalRecords

from reckoning.reminder_policy import parse_days_before

# Who may open the reports: a permission of the deal core, given to roles by dealdesk.roles.
VIEW_REPORTS = "dealdesk.view_reports"


def validate_day_list(value: str) -> None:
    try:
        parse_days_before(value)
    except ValueError:
        raise ValidationError(
            "Enter whole numbers of days separated by commas, e.g. 30, 14, 7, 3, 1, 0."
        ) from None


def parse_email_list(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


def validate_email_list(value: str) -> None:
    bad = []
    for address in parse_email_list(value):
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(f"Not a valid email address: {', '.join(bad)}.")


class Deal(models.Model):
    class Kind(models.TextChoices):
        EQUITY_LINE = "equity_line", "Equity line of credit"
        PIPE = "pipe", "PIPE"
        CONVERTIBLE_NOTES = "convertible_notes", "Convertible notes and warrants"
        WARRANTS = "warrants", "Warrants"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed (no further obligations)"
        TERMINATED = "terminated", "Terminated"

    title = models.CharField(max_length=200, unique=True)
    agreement_name = models.CharField(
        max_length=200,
        help_text='The agreement as it names itself, e.g. "Securities Purchase Agreement".',
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    dated_as_of = models.DateField("dated as of")
    closing_date = models.DateField(null=True, blank=True)
    governing_law = models.CharField(max_length=100, blank=True)
    forum = models.TextField(blank=True, help_text="Where disputes must be brought.")
    notes = models.TextField(blank=True)
    reminder_days_before = models.CharField(
        max_length=100, blank=True, validators=[validate_day_list],
        help_text="Days before each due date to remind, e.g. 30, 14, 7, 3, 1, 0. Empty: the desk's default.",
    )
    reminder_copies_to = models.TextField(
        blank=True, validators=[validate_email_list],
        help_text="Email addresses that get a copy of every reminder of this deal, separated by commas.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-dated_as_of", "title"]
        permissions = [("view_reports", "Can view and export the reports")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closing_date__isnull=True)
                | models.Q(closing_date__gte=models.F("dated_as_of")),
                name="deal_closing_not_before_agreement",
                violation_error_message="The closing date cannot be before the date of the agreement.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DealEvent(models.Model):
    """A named date in a deal's life (filing date, effective date...) that deadlines can hang from.

    The agreement date and the closing date live on the deal itself; an event
    without a date has not happened yet, and deadlines hanging from it wait.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=100, help_text='As the agreement defines it, e.g. "Filing Date".')
    date = models.DateField(null=True, blank=True, help_text="Leave empty until it happens.")
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "date", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "name"],
                name="deal_event_unique_name",
                violation_error_message="This deal already has an event with that name.",
            ),
        ]

    def __str__(self) -> str:
        when = self.date.isoformat() if self.date else "not yet"
        return f"{self.name} ({when})"


class RelatedAgreement(models.Model):
    """One of the other documents of the transaction (the "Offering Materials")."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="related_agreements")
    title = models.CharField(max_length=200)
    dated_as_of = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "title"],
                name="related_agreement_unique_title",
                violation_error_message="This deal already lists an agreement with that title.",
            ),
        ]

    def __str__(self) -> str:
        return self.title
