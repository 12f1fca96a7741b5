"""Reminder workflows: find the reminders that are due, and send each exactly once.

The beat task, the `send_reminders` command and the admin's retry action all
come through `reminders_run` / `reminders_send_pending` here.
"""
from __future__ import annotations

import datetime
import json
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Min, Q
from django.urls import reverse
from django.utils import timezone

from obligations import emails
from deals.models import Deal, parse_email_list
from obligations.models import DeadlineRule, Obligation, Occurrence, Reminder
from reckoning.reminder_policy import ReminderPolicy, parse_days_before
from reckoning.standing import Standing

logger = logging.getLogger(__name__)
# One key=value line per send outcome and per sweep (README, "Operating it").
_SEND_LINE = "event=reminder_send outcome=%s reminder=%s occurrence=%s attempt=%s"


@dataclass
class RunResult:
    created: list[Reminder] = field(default_factory=list)
    sent: list[Reminder] = field(default_factory=list)
    failed: list[Reminder] = field(default_factory=list)
    retry_at: datetime.datetime | None = None


def policy_for(obligation: Obligation) -> ReminderPolicy:
    """The obligation's own days, else its deal's, else the desk's default."""
    own = obligation.reminder_days_before or obligation.deal.reminder_days_before
    try:
        days = parse_days_before(own) if own else settings.REMINDER_DAYS_BEFORE
    except ValueError:
        days = settings.REMINDER_DAYS_BEFORE
    return ReminderPolicy(
        days_before=tuple(days),
        overdue_first_day=settings.REMINDER_OVERDUE_FIRST_DAY,
        overdue_every_days=settings.REMINDER_OVERDUE_EVERY_DAYS,
    )


def _longest_lead() -> int:
    overrides = [
        *Obligation.objects.exclude(reminder_days_before="").values_list("reminder_days_before", flat=True),
        *Deal.objects.exclude(reminder_days_before="").values_list("reminder_days_before", flat=True),
    ]
    policies = [ReminderPolicy(days_before=tuple(settings.REMINDER_DAYS_BEFORE))]
    for override in overrides:
        try:
            policies.append(ReminderPolicy(days_before=parse_days_before(override)))
        except ValueError:  # saved past the form's check; that obligation falls back to the default
            logger.warning("Ignoring unreadable reminder days %r", override)
    return max(policy.lead_days for policy in policies)


def reminders_plan(*, today: datetime.date) -> list[Reminder]:
    """The latest reminder now due for each open occurrence that has not had it (unsaved)."""
    horizon = today + datetime.timedelta(days=_longest_lead())
    occurrences = (
        Occurrence.objects.open()
        .filter(due_date__lte=horizon)
        .annotate(latest_reminder=Max("reminders__days_from_due", filter=Q(reminders__due_date=F("due_date"))))
        .select_related("rule__obligation__deal")
    )
    planned = []
    for occurrence in occurrences.iterator(chunk_size=500):
        policy = policy_for(occurrence.rule.obligation)
        days_from_due = policy.latest_due(due_date=occurrence.due_date, today=today)
        if days_from_due is None:
            continue
        if days_from_due > 0 and occurrence.rule.kind == DeadlineRule.Kind.PERIOD:
            continue  # the end of a lock-up is announced ahead, never chased as overdue
        if occurrence.latest_reminder is not None and occurrence.latest_reminder >= days_from_due:
            continue
        planned.append(
            Reminder(
                occurrence=occurrence,
                due_date=occurrence.due_date,
                days_from_due=days_from_due,
                scheduled_for=policy.scheduled_for(due_date=occurrence.due_date, days_from_due=days_from_due),
            )
        )
    return planned


def reminders_create_due(*, today: datetime.date) -> list[Reminder]:
    """Create the due outbox rows in bulk; the unique constraint makes a rerun, or a race, harmless."""
    planned = reminders_plan(today=today)
    Reminder.objects.bulk_create(planned, ignore_conflicts=True, batch_size=500)
    return planned


def reminders_cancel(*, occurrence_ids: list[int]) -> int:
    """A done or waived occurrence gets nothing more."""
    return Reminder.objects.filter(occurrence_id__in=occurrence_ids, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED
    )


def reminders_retry(*, reminders) -> int:
    """Put failed reminders back in the queue with a fresh set of attempts."""
    return reminders.filter(status=Reminder.Status.FAILED).update(
        status=Reminder.Status.PENDING, attempts=0, next_attempt_at=None, last_error=""
    )


def ready_to_send(now: datetime.datetime) -> Q:
    """Reminders a sender may claim now: pending and past their backoff, or abandoned by a dead sender."""
    stale = now - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    pending = Q(status=Reminder.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    # A row left in "sending" by a worker that died is taken up again.
    abandoned = Q(status=Reminder.Status.SENDING, claimed_at__lt=stale)
    return pending | abandoned


def _claim_next() -> Reminder | None:
    """Claim one ready reminder; the conditional update lets only one sender win it."""
    while True:
        now = timezone.now()
        with transaction.atomic():
            candidates = Reminder.objects.filter(ready_to_send(now)).order_by("scheduled_for", "id")
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            candidate = candidates.only("id").first()
            if candidate is None:
                return None
            won = Reminder.objects.filter(ready_to_send(now), pk=candidate.pk).update(
                status=Reminder.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
        if won:
            return Reminder.objects.select_related(
                "occurrence__rule__obligation__deal", "occurrence__rule__obligation__obligor"
            ).get(pk=candidate.pk)


def reminder_recipients(occurrence: Occurrence) -> tuple[list[str], list[str]]:
    """(to, cc): the obligor's people marked for reminders and the responsible staff; the deal's copies."""
    obligation = occurrence.rule.obligation
    to = [p.email for p in obligation.obligor.people.filter(receives_reminders=True).exclude(email="")]
    to += [u.email for u in obligation.responsible_staff.exclude(email="")]
    cc = parse_email_list(obligation.deal.reminder_copies_to)
    to = list(dict.fromkeys(to))
    return to, [address for address in dict.fromkeys(cc) if address not in to]


def reminder_context(reminder: Reminder, *, today: datetime.date) -> dict:
    occurrence = reminder.occurrence
    obligation = occurrence.rule.obligation
    days_left = (occurrence.due_date - today).days
    overdue = occurrence.standing(today) == Standing.OVERDUE
    accrued = obligation.penalty_accrued(spells=[occurrence.breach_spell(today)]) if overdue else None
    path = reverse("admin:obligations_occurrence_change", args=[occurrence.pk])
    return {
        "reminder": reminder,
        "occurrence": occurrence,
        "obligation": obligation,
        "deal": obligation.deal,
        "today": today,
        "days_left": days_left,
        "overdue": overdue,
        "days_overdue": -days_left,
        "accrued": accrued,
        "url": settings.SITE_URL.rstrip("/") + path,
    }


def _finish(reminder: Reminder, **fields) -> None:
    # Only the claim we hold may be finished: a reclaimed row belongs to its new sender.
    Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SENDING, claimed_at=reminder.claimed_at).update(
        **fields
    )
    for name, value in fields.items():
        setattr(reminder, name, value)


def _backoff(attempts: int) -> datetime.timedelta:
    seconds = settings.REMINDER_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.REMINDER_RETRY_MAX_SECONDS))


def reminder_deliver(reminder: Reminder, *, today: datetime.date) -> None:
    """Send one claimed reminder and record the outcome on its row."""
    occurrence = reminder.occurrence
    if occurrence.status != Occurrence.Status.OPEN or occurrence.due_date != reminder.due_date:
        # Done, waived, or moved to another date (which gets reminders of its own).
        _finish(reminder, status=Reminder.Status.CANCELLED)
        logger.info(_SEND_LINE, "cancelled", reminder.pk, reminder.occurrence_id, reminder.attempts)
        return
    to, cc = reminder_recipients(occurrence)
    if not to and not cc:
        obligor = occurrence.rule.obligation.obligor
        _finish(reminder, status=Reminder.Status.FAILED,
                last_error=f"No one to send to: mark a person of {obligor} to receive reminders, "
                           "or name the obligation's responsible staff.")
        logger.error(_SEND_LINE + " error=%s", "failed", reminder.pk, reminder.occurrence_id, reminder.attempts,
                     json.dumps(reminder.last_error))
        return
    try:
        emails.send("reminder", to=to or cc, cc=cc if to else [], context=reminder_context(reminder, today=today),
                    headers={"Message-ID": reminder.message_id})
    except Exception as error:  # any failure to hand over the message: retry, never lose it
        if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            _finish(reminder, status=Reminder.Status.FAILED, last_error=f"{type(error).__name__}: {error}")
            logger.error(_SEND_LINE + " error=%s", "failed", reminder.pk, reminder.occurrence_id, reminder.attempts,
                         json.dumps(reminder.last_error))
        else:
            _finish(reminder, status=Reminder.Status.PENDING, last_error=f"{type(error).__name__}: {error}",
                    next_attempt_at=timezone.now() + _backoff(reminder.attempts))
            logger.warning(_SEND_LINE + " retry_at=%s error=%s", "retry", reminder.pk, reminder.occurrence_id,
                           reminder.attempts, reminder.next_attempt_at.isoformat(), json.dumps(reminder.last_error))
        return
    _finish(reminder, status=Reminder.Status.SENT, sent_at=timezone.now(), last_error="",
            recipients=", ".join(to + cc))
    logger.info(_SEND_LINE + " recipients=%s", "sent", reminder.pk, reminder.occurrence_id, reminder.attempts,
                len(to + cc))


def reminders_send_pending(*, today: datetime.date, limit: int | None = None) -> RunResult:
    """Claim and send ready reminders one at a time until none is left (or `limit` is reached)."""
    result = RunResult()
    while limit is None or len(result.sent) + len(result.failed) < limit:
        reminder = _claim_next()
        if reminder is None:
            break
        reminder_deliver(reminder, today=today)
        if reminder.status == Reminder.Status.SENT:
            result.sent.append(reminder)
        elif reminder.status in (Reminder.Status.FAILED, Reminder.Status.PENDING):
            result.failed.append(reminder)
    result.retry_at = (
        Reminder.objects.pending().filter(next_attempt_at__isnull=False)
        .aggregate(first=Min("next_attempt_at"))["first"]
    )
    return result


def reminders_run(*, today: datetime.date, dry_run: bool = False) -> RunResult:
    """Sweep for due reminders and send them: what beat runs, and `send_reminders`."""
    if dry_run:
        return RunResult(created=reminders_plan(today=today))
    started = time.monotonic()
    created = reminders_create_due(today=today)
    result = reminders_send_pending(today=today)
    result.created = created
    logger.info(
        "event=reminder_sweep today=%s created=%s sent=%s retrying=%s failed=%s retry_at=%s duration_ms=%d",
        today, len(created), len(result.sent),
        sum(r.status == Reminder.Status.PENDING for r in result.failed),
        sum(r.status == Reminder.Status.FAILED for r in result.failed),
        result.retry_at.isoformat() if result.retry_at else "", (time.monotonic() - started) * 1000,
    )
    return result
