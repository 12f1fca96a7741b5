"""Workflows over obligations: keeping occurrences in step with their rules, completing them."""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from deals import clock
from deals.models import Deal
from reckoning import deadlines
from obligations.models import DeadlineRule, Occurrence
from obligations.reminders import reminders_cancel


logger = logging.getLogger(__name__)


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    removed: int = 0

    def __iadd__(self, other: SyncResult) -> SyncResult:
        self.created += other.created
        self.updated += other.updated
        self.removed += other.removed
        return self


def default_horizon(today: datetime.date | None = None) -> datetime.date:
    today = today or clock.today()
    return today + datetime.timedelta(days=settings.DEADLINE_HORIZON_DAYS)


@transaction.atomic
def occurrences_sync(*, rule: DeadlineRule, horizon: datetime.date | None = None) -> SyncResult:
    """Make the rule's stored occurrences match what the rule computes up to the horizon.

    Open occurrences follow the rule; done and waived ones are history and keep
    the dates they were completed against, even when the rule or event changes.
    """
    if rule.part_of_id is not None:
        # A limb of a "later of" rule has no due dates of its own: its parent's date moves with it.
        _remove_open(rule)
        return occurrences_sync(rule=rule.part_of, horizon=horizon)
    result = SyncResult()
    horizon = horizon or default_horizon()
    if rule.kind in DeadlineRule.COMBINING_KINDS and rule.limbs.count() < 2:
        computed = {}  # a "later of" rule saved before its limbs has no date yet
    else:
        computed = {due.key: due for due in deadlines.due_dates(rule.to_spec(), horizon=horizon)}
    existing = {occ.key: occ for occ in rule.occurrences.select_for_update()}

    for key, occurrence in existing.items():
        # Only repeating periods are cut at the horizon; a period or "later of" end is what it is.
        beyond_horizon = (rule.kind == DeadlineRule.Kind.RECURRING and occurrence.period_end is not None
                          and occurrence.period_end > horizon)
        if occurrence.status == Occurrence.Status.OPEN and key not in computed and not beyond_horizon:
            occurrence.delete()
            result.removed += 1

    to_create = []
    for key, due in computed.items():
        fields = {
            "period_start": due.period_start,
            "period_end": due.period_end,
            "due_date": due.due_date,
            "computation": due.explanation,
        }
        occurrence = existing.get(key)
        if occurrence is None:
            to_create.append(Occurrence(rule=rule, key=key, **fields))
        elif occurrence.status == Occurrence.Status.OPEN and any(
            getattr(occurrence, name) != value for name, value in fields.items()
        ):
            for name, value in fields.items():
                setattr(occurrence, name, value)
            occurrence.save(update_fields=[*fields, "updated_at"])
            result.updated += 1
    # With history: the audit trail must see every due date, including the computed ones.
    bulk_create_with_history(to_create, Occurrence)
    result.created = len(to_create)
    return result


def _remove_open(rule: DeadlineRule) -> None:
    """A rule that became a limb keeps its completed due dates as history and drops the open ones."""
    rule.occurrences.filter(status=Occurrence.Status.OPEN).delete()


def occurrences_sync_for_deal(*, deal: Deal, horizon: datetime.date | None = None) -> SyncResult:
    result = SyncResult()
    # Limbs are synced through the rule they are part of.
    for rule in DeadlineRule.objects.filter(obligation__deal=deal, part_of__isnull=True).select_related(
        "obligation__deal", "obligation__obligor", "anchor_event", "event_kind", "starts_with", "ends_with"
    ):
        try:
            result += occurrences_sync(rule=rule, horizon=horizon)
        except deadlines.RuleError as error:
            # A deal-level change (e.g. a new closing date) made this rule unworkable:
            # keep its occurrences as they are and say so, rather than refuse the deal.
            logger.warning("Deadline rule %s of %s left as it was: %s", rule.pk, deal, error)
    return result


def occurrences_sync_all(*, horizon: datetime.date | None = None) -> SyncResult:
    """Extend every rule's occurrences to the horizon (run daily as time moves on)."""
    result = SyncResult()
    for deal in Deal.objects.all():
        result += occurrences_sync_for_deal(deal=deal, horizon=horizon)
    return result


# What the desk asks for when a due date is marked done without saying what shows it.
DONE_NEEDS_EVIDENCE = (
    "Say what shows it was done (e.g. the email that delivered the list, or the filing's confirmation number)."
)


def _complete(
    *, occurrences, status: str, on: datetime.date, by: AbstractBaseUser | None, evidence: str
) -> int:
    if status == Occurrence.Status.WAIVED and not evidence.strip():
        raise ValidationError("Say who waived it and how (e.g. the buyers' written waiver).")
    if on > clock.today():
        raise ValidationError("The date cannot be in the future.")
    if status == Occurrence.Status.DONE and not evidence.strip():
        raise ValidationError(DONE_NEEDS_EVIDENCE)
    changed = []
    with transaction.atomic():
        for occurrence in occurrences.select_for_update(of=("self",)).filter(status=Occurrence.Status.OPEN):
            occurrence.status = status
            occurrence.done_on = on
            occurrence.done_by = by
            occurrence.evidence = evidence
            occurrence._history_user = by  # the audit trail names who did it, in a request or not
            occurrence.save(update_fields=["status", "done_on", "done_by", "evidence", "updated_at"])
            changed.append(occurrence.pk)
        reminders_cancel(occurrence_ids=changed)
    return len(changed)


def occurrences_mark_done(*, occurrences, on: datetime.date, by: AbstractBaseUser | None, evidence: str) -> int:
    """Mark open occurrences done on a day, saying what shows it; returns how many changed."""
    return _complete(occurrences=occurrences, status=Occurrence.Status.DONE, on=on, by=by, evidence=evidence)


def occurrences_waive(*, occurrences, on: datetime.date, by: AbstractBaseUser | None, evidence: str) -> int:
    """Record that the beneficiary waived open occurrences; the reason is required."""
    return _complete(occurrences=occurrences, status=Occurrence.Status.WAIVED, on=on, by=by, evidence=evidence)
