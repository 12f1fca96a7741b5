"""The default Celery beat schedule, stored in the database so the admin can see and change it."""
from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

SWEEP_TASK_NAME = "Send due reminders"
EXTEND_TASK_NAME = "Extend deadlines to the horizon"
KEEP_PENALTIES_TASK_NAME = "Bring accrued penalties up to the day"


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
    # After the night's new due dates, so the day's first fees report reads its penalties kept.
    after_extending, _ = CrontabSchedule.objects.get_or_create(
        minute="20", hour="0", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    _, keep_created = PeriodicTask.objects.get_or_create(
        name=KEEP_PENALTIES_TASK_NAME, defaults={"task": "obligations.keep_penalties", "crontab": after_extending}
    )
    return [(SWEEP_TASK_NAME, sweep_created), (EXTEND_TASK_NAME, extend_created),
            (KEEP_PENALTIES_TASK_NAME, keep_created)]
