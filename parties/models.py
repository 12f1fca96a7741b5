"""Parties, their people and notice addresses, and the role each plays in a deal."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from deals.models import Deal
from reckoning.deadlines import FiscalYearEnd


class Party(models.Model):
    class Form(models.TextChoices):
        CORPORATION = "corporation", "Corporation"
        LLC = "llc", "Limited liability company"
        LP = "lp", "Limited partnership"
        LLP = "llp", "Limited liability partnership"
        LIMITED = "limited", "Limited company"
        INDIVIDUAL = "individual", "Individual"
        OTHER = "other", "Other"

    legal_name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=100, blank=True)
    form = models.CharField(max_length=20, choices=Form.choices, default=Form.CORPORATION)
    jurisdiction = models.CharField(
        max_length=100, blank=True, help_text="Where it is organised or resident, e.g. Nevada."
    )
    is_broker_dealer = models.BooleanField("registered broker-dealer", default=False)
    is_accredited_investor = models.BooleanField("accredited investor", default=False)
    # Recurring "after each fiscal year end" deadlines count from this date.
    fiscal_year_end_month = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    fiscal_year_end_day = models.PositiveSmallIntegerField(
        default=31, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name"]
        verbose_name_plural = "parties"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year_end_month__gte=1, fiscal_year_end_month__lte=12)
                & models.Q(fiscal_year_end_day__gte=1, fiscal_year_end_day__lte=31),
                name="party_fiscal_year_end_in_range",
                violation_error_message="The fiscal year end must be a real day of the year.",
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    def clean(self) -> None:
        month, day = self.fiscal_year_end_month, self.fiscal_year_end_day
        if month and day and 1 <= month <= 12:
            try:
                FiscalYearEnd(month, day)  # the arithmetic's own check of a fiscal year end
            except ValueError as error:
                raise ValidationError({"fiscal_year_end_day": str(error)}) from None


class Person(models.Model):
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    receives_reminders = models.BooleanField(
        default=False, help_text="Emailed ahead of the deadlines this party owes."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["party", "name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["party", "name"],
                name="person_unique_per_party",
                violation_error_message="This party already has a person with that name.",
            ),
            models.CheckConstraint(
                condition=~models.Q(receives_reminders=True, email=""),
                name="person_reminders_need_email",
                violation_error_message="A person who receives reminders needs an email address.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.title}" if self.title else self.name


class Address(models.Model):
    """A notice address as the agreement prints it."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=100, default="Notices", help_text='e.g. "Notices", "Head office".')
    attention = models.CharField(max_length=200, blank=True)
    street_line_1 = models.CharField(max_length=200, blank=True)
    street_line_2 = models.CharField(max_length=200, blank=True)
    street_line_3 = models.CharField(max_length=200, blank=True)
    po_box = models.CharField("P.O. box", max_length=100, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state or region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, default="United States")
    phone = models.CharField(max_length=50, blank=True)
    fax = models.CharField(max_length=50, blank=True)
    email = models.EmailField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["party", "label"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["party", "label"],
                name="address_unique_label_per_party",
                violation_error_message="This party already has an address with that label.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party} – {self.label} ({self.city})"

    def clean(self) -> None:
        if not (self.street_line_1 or self.po_box):
            raise ValidationError("An address needs a street line or a P.O. box.")

    def lines(self) -> list[str]:
        """The address as printed on a notice, one line each."""
        locality = " ".join(p for p in [self.city + ("," if self.region else ""), self.region, self.postal_code] if p)
        lines = [
            str(self.party),
            *[s for s in (self.street_line_1, self.street_line_2, self.street_line_3, self.po_box) if s],
            locality,
        ]
        if self.country and self.country != "United States":
            lines.append(self.country)
        if self.attention:
            lines.append(f"Attention: {self.attention}")
        return lines


class DealParty(models.Model):
    """The role a party plays in one deal, who signs for it and where its notices go."""

    class Role(models.TextChoices):
        COMPANY = "company", "Company (issuer)"
        INVESTOR = "investor", "Investor / buyer"
        PLACEMENT_AGENT = "placement_agent", "Placement agent"
        COMPANY_COUNSEL = "company_counsel", "Company counsel"
        INVESTOR_COUNSEL = "investor_counsel", "Investor counsel"
        TRANSFER_AGENT = "transfer_agent", "Transfer agent"
        OTHER = "other", "Other"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="deal_parties")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="deal_roles")
    role = models.CharField(max_length=30, choices=Role.choices)
    signatory = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="signed_roles"
    )
    signed_by_way_of = models.CharField(
        max_length=200, blank=True, help_text='e.g. "By its general partner Dutchess Capital Management, LLC".'
    )
    notice_address = models.ForeignKey(
        Address, on_delete=models.PROTECT, null=True, blank=True, related_name="notice_roles"
    )
    copy_to = models.ManyToManyField(
        Address, blank=True, related_name="copy_roles", help_text='The "with a copy to" addresses.'
    )

    history = HistoricalRecords(m2m_fields=["copy_to"])

    class Meta:
        ordering = ["deal", "role", "party"]
        verbose_name = "party to a deal"
        verbose_name_plural = "parties to deals"
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "party", "role"],
                name="deal_party_unique_role",
                violation_error_message="This party already has that role in this deal.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party} – {self.get_role_display()}"

    def clean(self) -> None:
        errors = {}
        if self.signatory_id and self.party_id and self.signatory.party_id != self.party_id:
            errors["signatory"] = f"{self.signatory.name} does not work for {self.party}."
        if self.notice_address_id and self.party_id and self.notice_address.party_id != self.party_id:
            errors["notice_address"] = f"That address belongs to {self.notice_address.party}, not {self.party}."
        if errors:
            raise ValidationError(errors)


class NoticeMethod(models.Model):
    """One way the agreement lets notices be given, and when such a notice counts as given."""

    class Method(models.TextChoices):
        MAIL = "mail", "Regular mail"
        CERTIFIED_MAIL = "certified_mail", "Certified or registered mail"
        HAND = "hand", "Personal delivery"
        COURIER = "courier", "Courier / overnight delivery"
        FAX = "fax", "Facsimile"
        EMAIL = "email", "Email"

    class EffectiveWhen(models.TextChoices):
        ON_RECEIPT = "on_receipt", "On receipt"
        DAYS_AFTER_SENDING = "days_after_sending", "A number of days after sending"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="notice_methods")
    method = models.CharField(max_length=20, choices=Method.choices)
    effective_when = models.CharField(max_length=20, choices=EffectiveWhen.choices)
    days_after_sending = models.PositiveSmallIntegerField(
        default=0, help_text="Calendar days after sending (0 = the day it is sent or posted)."
    )
    section = models.CharField(max_length=30, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "method"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "method"],
                name="notice_method_unique_per_deal",
                violation_error_message="This deal already has a rule for that delivery method.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {self.describe()}"

    def describe(self) -> str:
        if self.effective_when == self.EffectiveWhen.ON_RECEIPT:
            return "effective on receipt"
        if self.days_after_sending == 0:
            return "effective when sent"
        return f"effective {self.days_after_sending} days after sending"
