"""The default Celery beat schedule, stored in the database so the admin can see and change it."""
from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

SWEEP_TASK_NAME = "Send due reminders"
EXTEND_TASK_NAME = "Extend deadlines to the horizon"


@transaction.atomic
def schedule_install(*, sweep_every_minutes: int) -> list[tuple[str, bool]]:
    """Create missing periodic tasks; existing ones are left as the administrator set them."""
    every, _ = IntervalSchedule.objects.get_or_create(every=sweep_every_minutes, period=IntervalSchedule.MINUTES)
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="5", hour="0", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    _, sweep_created = PeriodicTask.objects.get_or_create(
        name=SWEEP_TASK_NAME, defaults={"task": "obligations.send_due_reminders", "interval": every}
    )
    _, extend_created = PeriodicTask.objects.get_or_create(
        name=EXTEND_TASK_NAME, defaults={"task": "obligations.extend_deadlines", "crontab": nightly}
    )
    return [(SWEEP_TASK_NAME, sweep_created), (EXTEND_TASK_NAME, extend_created)]
