"""Reminder workflows: find the reminders that are due, and deliver each at least once.

The beat task, the `send_reminders` command and the admin's retry action all
come through `reminders_run` / `reminders_send_pending` here.

Delivery is at least once, and more than once only in one counted window (see
obligations.models.Reminder):

- A send the mail server did not take (refused, 4xx, unreachable) is retried with a backoff:
  REMINDER_RETRY_BASE_SECONDS doubling up to REMINDER_RETRY_MAX_SECONDS, for
  REMINDER_MAX_ATTEMPTS attempts in all. With the defaults (60 s, an hour, 32) the waits are
  1, 2, 4, 8, 16 and 32 minutes, then an hour each: the last attempt comes 26 hours after the
  first, so a day-long outage loses nothing. Each sweep sends the reminders whose time has come.
  After the last attempt the reminder is *failed*; the desk (REMINDER_ALERT_TO) is alerted once
  its next attempt is its last, and again for whatever gave up.
- A send whose outcome is unknown (the server did not confirm the end of the message in time, or
  the connection dropped after it was handed over) may have arrived: the reminder is *uncertain*
  and is sent once more, after the backoff, with the same Message-ID. A second unknown outcome
  leaves it uncertain for a person, and the desk is alerted; it is never sent a third time.
- A row left *sending* by a worker that died is an unknown outcome too (the worker may have handed
  the message over before it died): once its claim (REMINDER_CLAIM_TIMEOUT_SECONDS) runs out it is
  taken up again as that one resend, or, if it already was the resend, left uncertain.
"""
from __future__ import annotations

import datetime
import json
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Max, Min, PositiveSmallIntegerField, Q, When
from django.urls import reverse
from django.utils import timezone

from deals import clock
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
    failed: list[Reminder] = field(default_factory=list)  # not confirmed sent: retrying, uncertain or failed
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


def _waiting_to_send() -> Q:
    """Reminders that will be sent when their time comes: pending, or uncertain with their one resend to come."""
    return Q(status=Reminder.Status.PENDING) | Q(status=Reminder.Status.UNCERTAIN, next_attempt_at__isnull=False)


def reminders_cancel(*, occurrence_ids: list[int]) -> int:
    """A done or waived occurrence gets nothing more."""
    return Reminder.objects.filter(_waiting_to_send(), occurrence_id__in=occurrence_ids).update(
        status=Reminder.Status.CANCELLED, next_attempt_at=None
    )


def reminders_retry(*, reminders) -> int:
    """Put failed reminders back in the queue with a fresh set of attempts.

    Only failed ones: the server took none of their attempts. An uncertain reminder may have
    arrived, and its count of unknown outcomes is kept, so it is never resent more than once.
    """
    return reminders.filter(status=Reminder.Status.FAILED).update(
        status=Reminder.Status.PENDING, attempts=0, next_attempt_at=None, last_error="", alerted_at=None
    )


def _stale(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)


def ready_to_send(now: datetime.datetime) -> Q:
    """Reminders a sender may claim now.

    Pending ones past their backoff; uncertain ones whose one resend is due; and a row left in
    "sending" by a worker that died (its claim ran out) that has not been resent yet: taking it up
    is its one resend, since the dead worker may have handed the message over.
    """
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    pending = Q(status=Reminder.Status.PENDING) & due
    resend = Q(status=Reminder.Status.UNCERTAIN, unknown_outcomes__lte=1, next_attempt_at__lte=now)
    abandoned = Q(status=Reminder.Status.SENDING, claimed_at__lt=_stale(now), unknown_outcomes=0)
    return pending | resend | abandoned


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
                status=Reminder.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1,
                # Taken from a dead sender: its send's outcome is unknown.
                unknown_outcomes=Case(When(status=Reminder.Status.SENDING, then=F("unknown_outcomes") + 1),
                                      default=F("unknown_outcomes"), output_field=PositiveSmallIntegerField()),
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
        "desk_date": clock.desk_date(),  # set: the email says which day "today" was
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
    # min() before the power would overflow: past 2**40 the cap has long been reached.
    seconds = settings.REMINDER_RETRY_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 40)
    return datetime.timedelta(seconds=min(seconds, settings.REMINDER_RETRY_MAX_SECONDS))


def _send_budget() -> float:
    """Seconds a send may take: it must end before its claim runs out and another sender takes the row."""
    claim = settings.REMINDER_CLAIM_TIMEOUT_SECONDS
    return max(claim - 60, claim / 2)


def _log_error(outcome: str, reminder: Reminder) -> None:
    logger.error(_SEND_LINE + " error=%s", outcome, reminder.pk, reminder.occurrence_id, reminder.attempts,
                 json.dumps(reminder.last_error))


def _uncertain(reminder: Reminder, error: Exception) -> None:
    """The message may have arrived: resend it once, with the same Message-ID; after that, leave it to a person."""
    outcomes = reminder.unknown_outcomes + 1
    if outcomes <= 1:
        _finish(reminder, status=Reminder.Status.UNCERTAIN, unknown_outcomes=outcomes,
                last_error=f"{type(error).__name__}: {error} It is sent once more, with the same Message-ID.",
                next_attempt_at=timezone.now() + _backoff(reminder.attempts))
        logger.warning(_SEND_LINE + " resend_at=%s error=%s", "uncertain", reminder.pk, reminder.occurrence_id,
                       reminder.attempts, reminder.next_attempt_at.isoformat(), json.dumps(reminder.last_error))
    else:
        _finish(reminder, status=Reminder.Status.UNCERTAIN, unknown_outcomes=outcomes, next_attempt_at=None,
                last_error=f"{type(error).__name__}: {error} It was already sent once more after an unknown "
                           "outcome, so it is not sent again: ask the recipients whether it arrived.")
        _log_error("uncertain", reminder)


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
        _log_error("failed", reminder)
        return
    try:
        emails.send("reminder", to=to or cc, cc=cc if to else [], context=reminder_context(reminder, today=today),
                    headers={"Message-ID": reminder.message_id}, within=_send_budget())
    except emails.DeliveryUncertain as error:
        _uncertain(reminder, error)
        return
    except Exception as error:  # any other failure: the server did not take it; retry, never lose it
        if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            _finish(reminder, status=Reminder.Status.FAILED, last_error=f"{type(error).__name__}: {error}")
            _log_error("failed", reminder)
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


def _settle_abandoned(*, now: datetime.datetime) -> None:
    """A resend whose sender died too: its outcome is unknown a second time, so it is not sent again."""
    abandoned = Reminder.objects.filter(status=Reminder.Status.SENDING, claimed_at__lt=_stale(now),
                                        unknown_outcomes__gte=1)
    for reminder in abandoned:
        reminder.last_error = (
            "The worker sending it stopped before recording the outcome. It was already sent once more after "
            "an unknown outcome, so it is not sent again: ask the recipients whether it arrived."
        )
        settled = Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SENDING,
                                          claimed_at=reminder.claimed_at).update(
            status=Reminder.Status.UNCERTAIN, unknown_outcomes=F("unknown_outcomes") + 1, next_attempt_at=None,
            last_error=reminder.last_error,
        )
        if settled:
            _log_error("uncertain", reminder)


def reminders_send_pending(*, today: datetime.date, limit: int | None = None) -> RunResult:
    """Claim and send ready reminders one at a time until none is left (or `limit` is reached).

    Then tell the desk about any reminder that is about to give up or needs a person.
    """
    result = RunResult()
    _settle_abandoned(now=timezone.now())
    while limit is None or len(result.sent) + len(result.failed) < limit:
        reminder = _claim_next()
        if reminder is None:
            break
        reminder_deliver(reminder, today=today)
        if reminder.status == Reminder.Status.SENT:
            result.sent.append(reminder)
        elif reminder.status in (Reminder.Status.FAILED, Reminder.Status.PENDING, Reminder.Status.UNCERTAIN):
            result.failed.append(reminder)
    result.retry_at = (
        Reminder.objects.filter(_waiting_to_send(), next_attempt_at__isnull=False)
        .aggregate(first=Min("next_attempt_at"))["first"]
    )
    reminders_alert(now=timezone.now())
    return result


# An alert lists at most this many reminders; the rest are counted and found in the admin.
ALERT_LISTS_AT_MOST = 100


def _needs_alerting() -> Q:
    """About to give up (its next attempt is its last), gave up, or uncertain with no resend to come."""
    last = settings.REMINDER_MAX_ATTEMPTS
    about_to_give_up = Q(status=Reminder.Status.PENDING, attempts__gte=max(last - 1, 1)) if last > 1 else Q(pk=None)
    gave_up = Q(status=Reminder.Status.FAILED)
    for_a_person = Q(status=Reminder.Status.UNCERTAIN, next_attempt_at__isnull=True)
    return Q(alerted_at__isnull=True) & (about_to_give_up | gave_up | for_a_person)


def reminders_alert(*, now: datetime.datetime) -> int:
    """Email the desk (REMINDER_ALERT_TO) one list of the reminders that need it; returns how many were listed.

    Each reminder is in one alert: it is marked alerted once the alert is handed over. An alert
    the mail server does not take (it is down: that is often why reminders are failing) is tried
    again at the next run; the log has the same news (event=reminder_send outcome=failed|uncertain).
    """
    if not settings.REMINDER_ALERT_TO:
        return 0
    ids = list(Reminder.objects.filter(_needs_alerting()).order_by("scheduled_for", "id").values_list("pk", flat=True))
    if not ids:
        return 0
    total = len(ids)
    listed = list(Reminder.objects.filter(pk__in=ids[:ALERT_LISTS_AT_MOST])
                  .select_related("occurrence__rule__obligation__deal").order_by("scheduled_for", "id"))
    site = settings.SITE_URL.rstrip("/")
    rows = []
    for reminder in listed:
        if reminder.status == Reminder.Status.PENDING:
            state = f"last attempt at {timezone.localtime(reminder.next_attempt_at):%Y-%m-%d %H:%M %Z}" \
                if reminder.next_attempt_at else "last attempt next"
        elif reminder.status == Reminder.Status.FAILED:
            state = "gave up"
        else:
            state = "uncertain: not sent again"
        rows.append({"reminder": reminder, "obligation": reminder.occurrence.rule.obligation, "state": state,
                     "url": site + reverse("admin:obligations_reminder_change", args=[reminder.pk])})
    context = {"rows": rows, "total": total, "more": total - len(listed),
               "max_attempts": settings.REMINDER_MAX_ATTEMPTS,
               "url": site + reverse("admin:obligations_reminder_changelist")}
    try:
        emails.send("reminder-alert", to=list(settings.REMINDER_ALERT_TO), context=context, within=_send_budget())
    except emails.DeliveryUncertain as error:
        # It may have arrived; the desk is better told twice by the log than alerted twice by email.
        logger.warning("event=reminder_alert outcome=uncertain reminders=%s error=%s", total,
                       json.dumps(f"{type(error).__name__}: {error}"))
    except Exception as error:  # the mail server did not take it: try again at the next run
        logger.error("event=reminder_alert outcome=retry reminders=%s error=%s", total,
                     json.dumps(f"{type(error).__name__}: {error}"))
        return 0
    else:
        logger.info("event=reminder_alert outcome=sent reminders=%s recipients=%s", total,
                    len(settings.REMINDER_ALERT_TO))
    Reminder.objects.filter(pk__in=ids, alerted_at__isnull=True).update(alerted_at=now)
    return total


def reminders_run(*, today: datetime.date, dry_run: bool = False) -> RunResult:
    """Sweep for due reminders and send them: what beat runs, and `send_reminders`."""
    if dry_run:
        return RunResult(created=reminders_plan(today=today))
    started = time.monotonic()
    created = reminders_create_due(today=today)
    result = reminders_send_pending(today=today)
    result.created = created
    logger.info(
        "event=reminder_sweep today=%s created=%s sent=%s retrying=%s uncertain=%s failed=%s retry_at=%s "
        "duration_ms=%d",
        today, len(created), len(result.sent),
        sum(r.status == Reminder.Status.PENDING for r in result.failed),
        sum(r.status == Reminder.Status.UNCERTAIN for r in result.failed),
        sum(r.status == Reminder.Status.FAILED for r in result.failed),
        result.retry_at.isoformat() if result.retry_at else "", (time.monotonic() - started) * 1000,
    )
    return result
