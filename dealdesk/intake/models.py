"""An agreement as read, and what the deal administrator decided about each proposal.

The decisions are kept after the deal is confirmed: accepted as proposed, edited or
rejected, by whom and when. They are how we learn where the reader is weak (the admin
lists proposals by decision and kind).
"""
from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from dealdesk.intake.reading import PROPOSAL_KINDS

# The kinds a deal administrator reads, in the words of the review page.
KIND_LABELS = {
    "deal": "Deal", "party": "Party", "address": "Address", "role": "Role", "notice_method": "Notice method",
    "share_class": "Share class", "tranche": "Tranche", "convertible_note": "Convertible note",
    "warrant": "Warrant", "equity_line": "Equity line", "obligation": "Obligation", "closing": "Closing",
}


class AgreementIntakeQuerySet(models.QuerySet):
    def open(self) -> AgreementIntakeQuerySet:
        return self.filter(status=AgreementIntake.Status.OPEN)


class AgreementIntake(models.Model):
    """One agreement read by a reader; nothing of it is on the desk until it is confirmed."""

    class Status(models.TextChoices):
        OPEN = "open", "Open for review"
        CONFIRMED = "confirmed", "Confirmed: the deal is on the desk"
        DISCARDED = "discarded", "Discarded"

    title = models.CharField("deal title", max_length=200, blank=True,
                             help_text="The title the deal gets on the desk when confirmed; titles are unique.")
    filename = models.CharField(max_length=255, blank=True, help_text="Empty when the text was pasted.")
    text = models.TextField(help_text="The agreement's plain text, as extracted: every span indexes it.")
    sections = models.JSONField(default=list, blank=True,
                                help_text="The reader's sections: [number, heading, start, end] each.")
    unplaced = models.JSONField(default=list, blank=True,
                                help_text="Sections the reader could not place: [number, reason] each.")
    passed_over = models.JSONField(default=list, blank=True,
                                   help_text="Sections read and passed over on purpose: [number, why] each.")
    reader = models.CharField(max_length=60, help_text="Which reader made the proposals.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="agreement_intakes")
    uploaded_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    deal = models.ForeignKey("dealdesk.Deal", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="intakes", help_text="The deal it became, once confirmed.")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = AgreementIntakeQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "agreement read"
        verbose_name_plural = "agreements read"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deal__isnull=True) | models.Q(status="confirmed"),
                name="intake_deal_only_when_confirmed",
                violation_error_message="Only a confirmed agreement has a deal.",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.filename or f"Pasted agreement #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class IntakeProposal(models.Model):
    """One record the reader proposed, the words it came from, and what a person decided."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Not decided"
        ACCEPTED = "accepted", "Accepted as proposed"
        EDITED = "edited", "Edited"
        REJECTED = "rejected", "Rejected"

    intake = models.ForeignKey(AgreementIntake, on_delete=models.CASCADE, related_name="proposals")
    order = models.PositiveIntegerField(help_text="The reader's order.")
    kind = models.CharField(max_length=20, choices=[(kind, KIND_LABELS[kind]) for kind in PROPOSAL_KINDS])
    section = models.CharField(max_length=40, blank=True, help_text="Empty: the preamble or signature pages.")
    span_start = models.PositiveIntegerField()
    span_end = models.PositiveIntegerField()
    proposed = models.JSONField(encoder=DjangoJSONEncoder, help_text="The record as the reader proposed it.")
    why = models.TextField(blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    final = models.JSONField(encoder=DjangoJSONEncoder, null=True, blank=True,
                             help_text="The record as edited; empty unless edited.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["intake", "order"]
        verbose_name = "proposal"
        constraints = [
            models.UniqueConstraint(fields=["intake", "order"], name="intake_proposal_unique_order"),
            models.CheckConstraint(condition=models.Q(span_end__gte=models.F("span_start")),
                                   name="intake_proposal_span_in_order",
                                   violation_error_message="A span ends after it starts."),
            models.CheckConstraint(
                condition=models.Q(decision="pending") | models.Q(decided_at__isnull=False),
                name="intake_proposal_decision_dated",
                violation_error_message="A decision records when it was made.",
            ),
            models.CheckConstraint(
                condition=~models.Q(decision="edited") | models.Q(final__isnull=False),
                name="intake_proposal_edit_has_record",
                violation_error_message="An edited proposal keeps the record as edited.",
            ),
        ]
        indexes = [models.Index(fields=["decision", "kind"], name="intake_proposal_decision_kind")]

    def __str__(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind)} {self.section}".strip()

    @property
    def record(self) -> dict:
        """The record as it stands: edited, or as proposed."""
        return self.final if self.decision == self.Decision.EDITED else self.proposed

    @property
    def is_taken(self) -> bool:
        """Accepted or edited: it goes into the deal."""
        return self.decision in (self.Decision.ACCEPTED, self.Decision.EDITED)
