"""The reminder outbox as an operator sees it: `manage.py outbox` prints it, /health/ watches it."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, F, When
from django.db.models.functions import Coalesce

from obligations.models import Reminder
from obligations.reminders import ready_to_send


@dataclass(frozen=True)
class OutboxState:
    counts: dict[str, int]  # every status, those with no reminder as 0
    oldest_ready: Reminder | None  # annotated with ready_since
    next_retry: Reminder | None  # the pending one whose retry time comes first
    failed: list[Reminder]  # newest first, at most `failed_limit`
    failed_total: int


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
    retries = Reminder.objects.pending().filter(next_attempt_at__gt=now).order_by("next_attempt_at", "id")
    failed = Reminder.objects.filter(status=Reminder.Status.FAILED).order_by("-id")
    return OutboxState(
        counts=counts,
        oldest_ready=outbox_ready(now=now).first(),
        next_retry=retries.first(),
        failed=list(failed.select_related("occurrence__rule__obligation__deal")[:failed_limit]),
        failed_total=counts[Reminder.Status.FAILED],
    )
