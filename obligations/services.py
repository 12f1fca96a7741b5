"""Workflows over obligations: keeping occurrences in step with their rules, completing them."""
from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from simple_history.utils import bulk_create_with_history

from deals import clock
from deals.models import Deal
from reckoning import deadlines
from obligations import accruals
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
    return _sync_rules([rule], horizon=horizon or default_horizon())


def _computed(rule: DeadlineRule, horizon: datetime.date) -> dict[str, deadlines.DueDate]:
    if rule.lacks_limbs():
        return {}
    return {due.key: due for due in deadlines.due_dates(rule.to_spec(), horizon=horizon)}


def _sync_rules(rules: list[DeadlineRule], *, horizon: datetime.date,
                unworkable: Callable[[DeadlineRule, deadlines.RuleError], None] | None = None) -> SyncResult:
    """occurrences_sync for several rules (none of them a limb), their occurrences locked in one query.

    Every rule's due dates are computed before anything is written. A rule the arithmetic refuses
    raises, unless `unworkable` is given: then it is reported there and its occurrences stay as they are.
    """
    computed = {}
    for rule in rules:
        try:
            computed[rule.pk] = _computed(rule, horizon)
        except deadlines.RuleError as error:
            if unworkable is None:
                raise
            unworkable(rule, error)
    existing: dict[int, dict[str, Occurrence]] = defaultdict(dict)
    for occurrence in Occurrence.objects.filter(rule_id__in=computed).order_by("pk").select_for_update():
        existing[occurrence.rule_id][occurrence.key] = occurrence

    result = SyncResult()
    to_create = []
    for rule in rules:
        if rule.pk not in computed:
            continue
        due_dates, stored = computed[rule.pk], existing[rule.pk]
        for key, occurrence in stored.items():
            # Only repeating periods are cut at the horizon; a period or "later of" end is what it is.
            beyond_horizon = (rule.kind == DeadlineRule.Kind.RECURRING and occurrence.period_end is not None
                              and occurrence.period_end > horizon)
            if occurrence.status == Occurrence.Status.OPEN and key not in due_dates and not beyond_horizon:
                occurrence.delete()
                result.removed += 1
        for key, due in due_dates.items():
            fields = {
                "period_start": due.period_start,
                "period_end": due.period_end,
                "due_date": due.due_date,
                "computation": due.explanation,
            }
            occurrence = stored.get(key)
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
    if to_create:  # saved in bulk, without the signals that mark the covenants' kept penalties stale
        accruals.penalties_changed({occurrence.rule.obligation_id for occurrence in to_create})
    result.created = len(to_create)
    return result


def _remove_open(rule: DeadlineRule) -> None:
    """A rule that became a limb keeps its completed due dates as history and drops the open ones."""
    rule.occurrences.filter(status=Occurrence.Status.OPEN).delete()


def _rules_of(deal_ids: list[int]):
    """The deals' rules (not their limbs: a limb is synced through the rule it is part of), with
    everything their due dates are computed from but the recorded events, in three queries."""
    related = ("obligation__deal", "obligation__obligor", "anchor_event", "event_kind", "starts_with", "ends_with")
    return (
        DeadlineRule.objects.filter(obligation__deal_id__in=deal_ids, part_of__isnull=True)
        .select_related(*related)
        .prefetch_related(Prefetch("limbs", DeadlineRule.objects.select_related(*related)))
    )


def _left_as_it_was(rule: DeadlineRule, error: deadlines.RuleError) -> None:
    # A deal-level change (e.g. a new closing date) made this rule unworkable:
    # keep its occurrences as they are and say so, rather than refuse the deal.
    logger.warning("Deadline rule %s of %s left as it was: %s", rule.pk, rule.obligation.deal, error)


@transaction.atomic
def occurrences_sync_for_deal(*, deal: Deal, horizon: datetime.date | None = None) -> SyncResult:
    return _sync_rules(list(_rules_of([deal.pk])), horizon=horizon or default_horizon(), unworkable=_left_as_it_was)


# Deals synced together by the nightly sync: a few thousand occurrences locked and read at once.
SYNC_DEALS_AT_ONCE = 50


def occurrences_sync_all(*, horizon: datetime.date | None = None) -> SyncResult:
    """Extend every rule's occurrences to the horizon (run daily as time moves on)."""
    horizon = horizon or default_horizon()
    result = SyncResult()
    deal_ids = list(Deal.objects.order_by("pk").values_list("pk", flat=True))
    for first in range(0, len(deal_ids), SYNC_DEALS_AT_ONCE):
        with transaction.atomic():
            rules = list(_rules_of(deal_ids[first:first + SYNC_DEALS_AT_ONCE]))
            result += _sync_rules(rules, horizon=horizon, unworkable=_left_as_it_was)
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
