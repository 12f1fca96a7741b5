"""Celery tasks: thin wrappers over the services."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from deals import clock
from obligations import accruals, reminders, services


def _come_back_for_retries(result: reminders.RunResult) -> None:
    # A failed send waits for its backoff; wake a worker then, if that comes before the next sweep
    # (which sends whatever is ready). Retries an hour apart are left to the sweeps, so a day-long
    # outage does not pile up one waiting task per sweep.
    if result.retry_at is not None:
        delay = max((result.retry_at - timezone.now()).total_seconds(), 0)
        if delay < settings.REMINDER_SWEEP_EVERY_MINUTES * 60:
            send_pending_reminders.apply_async(countdown=delay)


@shared_task(name="obligations.send_due_reminders")
def send_due_reminders() -> int:
    result = reminders.reminders_run(today=clock.today())
    _come_back_for_retries(result)
    return len(result.sent)


@shared_task(name="obligations.send_pending_reminders")
def send_pending_reminders() -> int:
    result = reminders.reminders_send_pending(today=clock.today())
    _come_back_for_retries(result)
    return len(result.sent)


@shared_task(name="obligations.extend_deadlines")
def extend_deadlines() -> int:
    return services.occurrences_sync_all().created


@shared_task(name="obligations.keep_penalties")
def keep_penalties() -> int:
    return accruals.penalties_keep(today=clock.today())
