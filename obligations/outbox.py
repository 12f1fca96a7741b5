"""The reminder outbox as an operator sees it: `manage.py outbox` prints it, /health/ watches it."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, F, Q, When
from django.db.models.functions import Coalesce

from obligations.models import Reminder
from obligations.reminders import ready_to_send


@dataclass(frozen=True)
class OutboxState:
    counts: dict[str, int]  # every status, those with no reminder as 0
    oldest_ready: Reminder | None  # annotated with ready_since
    next_retry: Reminder | None  # the pending (or uncertain, to be resent) one whose retry time comes first
    failed: list[Reminder]  # newest first, at most `failed_limit`
    failed_total: int
    uncertain: list[Reminder]  # may have arrived; newest first, at most `failed_limit`
    uncertain_total: int


def outbox_ready(*, now: datetime.datetime):
    """The reminders a sender would claim now (the sender's own rule), longest waiting first.

    A reminder has been ready since its retry time, or since it was created; one left in
    "sending" by a worker that died, since that worker claimed it.
    """
    return (
        Reminder.objects.filter(ready_to_send(now))
        .annotate(ready_since=Case(
            When(status=Reminder.Status.SENDING, then=F("claimed_at")),
            default=Coalesce("next_attempt_at", "created_at"),
        ))
        .order_by("ready_since", "id")
    )


def outbox_state(*, now: datetime.datetime, failed_limit: int = 20) -> OutboxState:
    counts = dict.fromkeys(Reminder.Status.values, 0)
    counts.update(Reminder.objects.order_by().values_list("status").annotate(n=Count("id")))
    waiting = Q(status=Reminder.Status.PENDING) | Q(status=Reminder.Status.UNCERTAIN)
    retries = Reminder.objects.filter(waiting, next_attempt_at__gt=now).order_by("next_attempt_at", "id")

    def newest(status: str) -> list[Reminder]:
        rows = Reminder.objects.filter(status=status).order_by("-id")
        return list(rows.select_related("occurrence__rule__obligation__deal")[:failed_limit])

    return OutboxState(
        counts=counts,
        oldest_ready=outbox_ready(now=now).first(),
        next_retry=retries.first(),
        failed=newest(Reminder.Status.FAILED),
        failed_total=counts[Reminder.Status.FAILED],
        uncertain=newest(Reminder.Status.UNCERTAIN),
        uncertain_total=counts[Reminder.Status.UNCERTAIN],
    )
