"""Closings and their checklists: what must be delivered and true before each closing can be completed.

SPA s.1(c): the Closing happens "subject to the satisfaction (or written waiver)"
of the conditions in s.6 (to the Company's obligation to sell) and s.7 (to each
Buyer's obligation to purchase); s.4(l) puts each tranche closing under the s.7
conditions. PAA s.8 lists the conditions of each closing under the equity line.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from deals import clock
from deals.models import Deal
from instruments.models import Draw, Tranche
from parties.models import DealParty, Party


class ClosingQuerySet(models.QuerySet):
    def open(self) -> ClosingQuerySet:
        return self.filter(closed_on__isnull=True)

    def complete(self) -> ClosingQuerySet:
        return self.filter(closed_on__isnull=False)

    def with_open_item_count(self) -> ClosingQuerySet:
        # A subquery for each closing listed, which the database runs for a page's rows only: a count
        # grouped over the items took every item of the desk before a page of closings (193 ms of the
        # admin list's time at 176,444 items).
        open_items = ClosingItem.objects.filter(closing=models.OuterRef("pk"), status=ClosingItem.Status.OPEN)
        counted = open_items.order_by().values("closing").annotate(count=models.Count("pk")).values("count")
        return self.annotate(open_item_count=Coalesce(models.Subquery(counted), 0))


class Closing(models.Model):
    """One closing of a deal: the initial closing, a tranche's closing, a draw's closing."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="closings")
    name = models.CharField(
        max_length=100,
        help_text='e.g. "Initial closing", "Filing tranche closing", "Draw of 2003-09-01".',
    )
    section = models.CharField(max_length=30, blank=True,
                               help_text='The section that provides for this closing, e.g. "1(c)" or "4(l)".')
    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, null=True, blank=True, related_name="closings",
                                help_text="The tranche this closing closes, if it closes one.")
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, null=True, blank=True, related_name="closings",
                             help_text="The draw on the equity line this closing closes, if it closes one.")
    scheduled_for = models.DateField("scheduled date", null=True, blank=True,
                                     help_text="The date the agreement or the parties set; empty until known.")
    closed_on = models.DateField("completed on", null=True, blank=True,
                                 help_text="Set by \"Complete this closing\", once no item is open.")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name="completed by")
    notes = models.TextField(blank=True, help_text="What the desk knows of this closing, and from where.")

    objects = ClosingQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "scheduled_for", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "name"], name="closing_unique_name",
                violation_error_message="This deal already has a closing with that name.",
            ),
            models.CheckConstraint(
                condition=models.Q(tranche__isnull=True) | models.Q(draw__isnull=True),
                name="closing_tranche_or_draw",
                violation_error_message="A closing closes one tranche or one draw, not both.",
            ),
            models.UniqueConstraint(
                fields=["tranche"], condition=models.Q(tranche__isnull=False), name="closing_one_per_tranche",
                violation_error_message="That tranche already has its closing.",
            ),
            models.UniqueConstraint(
                fields=["draw"], condition=models.Q(draw__isnull=False), name="closing_one_per_draw",
                violation_error_message="That draw already has its closing.",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=False) | models.Q(closed_by__isnull=True),
                name="closing_completed_by_only_when_complete",
                violation_error_message="Only a completed closing names who completed it.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal}: {self.name}"

    @property
    def status(self) -> Status:
        return self.Status.COMPLETE if self.closed_on else self.Status.OPEN

    def open_items(self) -> list[ClosingItem]:
        if self.pk is None:
            return []
        return list(self.items.filter(status=ClosingItem.Status.OPEN).order_by("section", "id"))

    def open_items_message(self, items: Iterable[ClosingItem]) -> str:
        items = list(items)
        count = len(items)
        listed = "; ".join(item.label() for item in items)
        open_ = "1 item is open" if count == 1 else f"{count} items are open"
        return (f"{self.name} cannot be completed while {open_}: {listed}. "
                "Mark each one satisfied or waived, with its evidence, first.")

    def clean(self) -> None:
        # Errors about the completion are not tied to a field: the admin shows "completed on" read-only.
        # The tranche is on every form of a closing (the deal page's list too); the draw is not.
        if self.tranche_id and self.draw_id:
            raise ValidationError({"tranche": "A closing closes one tranche or one draw, not both."})
        errors = {}
        if self.tranche_id and self.deal_id and self.tranche.deal_id != self.deal_id:
            errors["tranche"] = f"{self.tranche} is a tranche of {self.tranche.deal}, not of {self.deal}."
        if self.draw_id and self.deal_id and self.draw.equity_line.deal_id != self.deal_id:
            errors["draw"] = f"That draw is on the equity line of {self.draw.equity_line.deal}, not of {self.deal}."
        if errors:
            raise ValidationError(errors)
        if self.closed_on and self.closed_on > clock.today():
            raise ValidationError("A closing cannot be completed on a day still to come.")
        # SPA s.1(c): the closing waits on every condition being satisfied or waived in writing.
        if self.closed_on and (open_items := self.open_items()):
            raise ValidationError(self.open_items_message(open_items))


def section_order(section: str) -> str:
    """A key that sorts sections as they are read, "7(h)" before "10(a)": numbers by their value, the
    rest by its text without regard to case, numbers before text at the same place.

    The key is written in 0-9 and a-f only, which every database collation orders alike (one sorted by
    it in PostgreSQL or SQLite sorts as Python does): a run of digits as "0", its length in two digits
    and its value; any other run as "1", each character's code point plus one in six hex digits, and
    "000000" to end it, so a run sorts before any longer run it begins.
    """
    key = []
    for index, part in enumerate(re.split(r"(\d+)", section)):
        if not part:
            continue
        if index % 2:  # the runs of digits the split keeps
            number = str(int(part))
            key.append(f"0{len(number):02d}{number}")
        else:
            key.append("1" + "".join(f"{ord(char) + 1:06x}" for char in part.casefold()) + "000000")
    return "".join(key)


class ClosingItem(models.Model):
    """One line of a closing's checklist: a condition that must be true or a document that must be delivered."""

    class Kind(models.TextChoices):
        CONDITION = "condition", "Condition (must be true)"
        DELIVERABLE = "deliverable", "Deliverable (must be delivered)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SATISFIED = "satisfied", "Satisfied (delivered)"
        WAIVED = "waived", "Waived"

    # Whose obligation the item conditions is named by the role that party plays in the deal.
    ConditionOf = DealParty.Role

    closing = models.ForeignKey(Closing, on_delete=models.CASCADE, related_name="items")
    section = models.CharField(max_length=30, help_text='The agreement section, e.g. "7(h)".')
    # What lists sort the checklist by (section_order), kept by save(); a bulk insert sets it itself.
    section_order = models.CharField(max_length=400, editable=False, default="")
    title = models.CharField(max_length=200, help_text="A short name, e.g. \"Opinion of the Company's counsel\".")
    text = models.TextField("the agreement's words")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    condition_of = models.CharField(
        "condition of the obligation of", max_length=30, choices=ConditionOf.choices,
        help_text="Whose obligation waits on it; that party may waive it. SPA s.6: the Company's obligation to "
                  "sell; s.7: each Buyer's obligation to purchase; PAA s.8: the Placement Agent's obligations.",
    )
    satisfied_by = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="closing_items",
        verbose_name="delivered or satisfied by",
        help_text="Empty for a state of affairs no party delivers, e.g. no injunction.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    done_on = models.DateField("satisfied or waived on", null=True, blank=True)
    evidence = models.TextField(blank=True, help_text="What shows it was delivered or true, or who waived it and how.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["closing", "section_order", "id"]
        # A closing's checklist in order, for the closings report's pages.
        indexes = [models.Index(fields=["closing", "section_order", "id"], name="closing_item_in_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["closing", "section", "title"], name="closing_item_unique_per_section",
                violation_error_message="This closing already has that item in that section.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="open") | models.Q(done_on__isnull=True),
                name="closing_item_open_has_no_date",
                violation_error_message="An open item has no date; mark it satisfied or waived, or clear the date.",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(done_on__isnull=False),
                name="closing_item_done_has_date",
                violation_error_message="Say on which day it was satisfied or waived.",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | ~models.Q(evidence=""),
                name="closing_item_done_has_evidence",
                violation_error_message="Say what shows it was satisfied, or who waived it and how.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "satisfied", "waived"]),
                name="closing_item_status_known",
                violation_error_message="The status must be open, satisfied or waived.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.closing.name} {self.label()}"

    def save(self, *args, **kwargs):
        self.section_order = section_order(self.section)
        if kwargs.get("update_fields") is not None and "section" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "section_order"}
        super().save(*args, **kwargs)

    def label(self) -> str:
        """The item as a message names it: "7(h) Opinion of the Company's counsel"."""
        return f"{self.section} {self.title}"

    def clean(self) -> None:
        errors = {}
        if self.status == self.Status.SATISFIED and not self.evidence.strip():
            errors["evidence"] = "Say what shows it was delivered or is true (e.g. the signed certificate on file)."
        if self.status == self.Status.WAIVED and not self.evidence.strip():
            # SPA ss.6, 7: only the party whose obligation it conditions may waive it.
            errors["evidence"] = "Say who waived it and how (e.g. the Buyers' written waiver of 4 June 2005)."
        if self.status != self.Status.OPEN and not self.done_on:
            errors["done_on"] = "Say on which day it was satisfied or waived."
        if self.status == self.Status.OPEN and self.done_on:
            errors["done_on"] = "An open item has no date; mark it satisfied or waived, or clear the date."
        if self.done_on and self.done_on > clock.today():
            errors["done_on"] = "The date cannot be in the future."
        closing = self._closing()
        if closing is not None:
            if self.status == self.Status.OPEN and closing.closed_on:
                errors["status"] = (f"{closing.name} was completed on {closing.closed_on.isoformat()}: none of its "
                                    "items can be open. Reopen the closing first.")
            if closing.deal_id and self.satisfied_by_id and not closing.deal.deal_parties.filter(
                    party_id=self.satisfied_by_id).exists():
                errors["satisfied_by"] = f"{self.satisfied_by} is not a party to {closing.deal}."
            if closing.deal_id and self.condition_of and not closing.deal.deal_parties.filter(
                    role=self.condition_of).exists():
                role = self.ConditionOf(self.condition_of).label
                errors["condition_of"] = f"No party plays the role \"{role}\" in {closing.deal}."
        if errors:
            raise ValidationError(errors)

    def _closing(self) -> Closing | None:
        # On an add page the closing may not be picked yet.
        try:
            return self.closing
        except Closing.DoesNotExist:
            return None
