"""The deal: the hub every party role, instrument and obligation hangs from."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models.functions import Lower, Replace
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
        # The deal list's order, read a page at a time.
        indexes = [models.Index(fields=["-dated_as_of", "title"], name="deal_list_order")]
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


class EventKind(models.Model):
    """A kind of event that recurs in a deal's life ("SEC report filed", "Press release issued").

    A deadline rule can follow every event of a kind: each recorded event gets
    its own due date (SPA s.4(g)(i): a copy of *each* 10-QSB within 10 days
    after it is filed).
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="event_kinds")
    name = models.CharField(max_length=100, help_text='e.g. "SEC report filed" or "Press release issued".')
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "name"],
                name="event_kind_unique_name",
                violation_error_message="This deal already has a kind of event with that name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DealEvent(models.Model):
    """A named date in a deal's life (filing date, effective date...) that deadlines can hang from.

    The agreement date and the closing date live on the deal itself; an event
    without a date has not happened yet, and deadlines hanging from it wait.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=100, help_text='As the agreement defines it, e.g. "Filing Date".')
    date = models.DateField(null=True, blank=True, help_text="Leave empty until it happens.")
    kind = models.ForeignKey(
        EventKind, on_delete=models.PROTECT, null=True, blank=True, related_name="events",
        help_text="One of a series (e.g. each SEC report filed): rules that follow every event of this kind date it.",
    )
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

    def clean(self) -> None:
        if self.kind_id and self.deal_id and self.kind.deal_id != self.deal_id:
            raise ValidationError({"kind": f"{self.kind} is a kind of event of {self.kind.deal}, not of {self.deal}."})


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


class AgreementSection(models.Model):
    """One numbered section of the deal's agreement, in the agreement's order: the section map.

    Every section is either held by something the desk tracks (an obligation, an
    instrument, a closing item... whose `section` cites it or a section under it:
    see deals.sections) or marked as carrying no obligation, with why. Where the
    words are ambiguous, `reading` says how the desk read them, shown on the deal.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="sections")
    number = models.CharField(
        max_length=30,
        help_text='As the agreement numbers it, in the style rows cite sections: "4(g)", "5(D)(i)", "7", "Recital B".',
    )
    heading = models.CharField(max_length=200, blank=True,
                               help_text='The agreement\'s own caption, e.g. "Financial Information"; empty if none.')
    position = models.PositiveIntegerField(default=0, help_text="Its place in the agreement: the map is in this order.")
    no_obligation = models.TextField(
        "no obligation because", blank=True,
        help_text="Fill only when the section carries nothing for the desk to track, and say why in a few words "
                  "(e.g. \"Buyer's representation; no duty to track\", \"Boilerplate: counterparts\").",
    )
    reading = models.TextField(
        blank=True,
        help_text="Where the words are ambiguous: the reading the desk took, and why. Shown on the deal's page.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "position", "id"]
        constraints = [
            # "4(g)", "4 (G)" and "4(g) " are one section: numbers compare without case or spaces.
            models.UniqueConstraint(
                Lower(Replace("number", models.Value(" "), models.Value(""))), "deal",
                name="agreement_section_unique_number",
                violation_error_message="This deal already has a section with that number.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.heading}".strip()

    @staticmethod
    def key(number: str) -> str:
        """A section number as the map compares it: "5 (D)(i)" and "5(d)(i)" are one."""
        return "".join(number.split()).lower()

    @classmethod
    def is_under(cls, cited: str, number: str) -> bool:
        """Whether a row citing `cited` is held by section `number`: "4(g)(i)" is under "4(g)", "10" not under "1"."""
        cited, number = cls.key(cited), cls.key(number)
        return bool(number) and (cited == number or cited.startswith(number + "("))

    def clean(self) -> None:
        self.number = " ".join(self.number.split())
        if any(mark in self.number for mark in ",;"):
            raise ValidationError({"number": "One section a row: enter a single number, e.g. 4(g), not a list."})
        if not self.deal_id or not self.number:
            return
        same = (
            AgreementSection.objects.filter(deal_id=self.deal_id)
            .annotate(number_key=Lower(Replace("number", models.Value(" "), models.Value(""))))
            .filter(number_key=self.key(self.number))
            .exclude(pk=self.pk)
            .first()
        )
        if same is not None:
            raise ValidationError({"number": (
                f"This deal already has section {same.number}"
                + (f" ({same.heading})" if same.heading else "")
                + ". Each section appears once in the map: edit that one instead."
            )})
