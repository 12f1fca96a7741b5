"""The Celery settings that matter, read back from the app (a misspelt CELERY_ name is ignored silently)."""
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from dealdesk.celery import app


def test_a_task_is_acknowledged_only_after_it_ran_and_requeued_if_its_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_beat_reads_its_schedule_from_the_database():
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_celery_keeps_the_desks_time_zone_and_queue():
    assert app.conf.timezone == settings.TIME_ZONE
    # A misspelt name would leave Celery's own default, "celery".
    assert app.conf.task_default_queue == settings.CELERY_TASK_DEFAULT_QUEUE != "celery"
    assert app.conf.broker_url == settings.CELERY_BROKER_URL


def test_the_reminder_and_deadline_tasks_are_registered():
    app.loader.import_default_modules()

    assert {
        "obligations.send_due_reminders",
        "obligations.send_pending_reminders",
        "obligations.extend_deadlines",
    } <= set(app.tasks)


@pytest.mark.django_db
def test_install_schedule_creates_the_sweep_and_the_nightly_extension():
    out = StringIO()
    call_command("install_schedule", stdout=out)

    assert out.getvalue().splitlines() == ["created: Send due reminders", "created: Extend deadlines to the horizon"]
    sweep = PeriodicTask.objects.get(name="Send due reminders")
    extend = PeriodicTask.objects.get(name="Extend deadlines to the horizon")
    assert (sweep.task, sweep.interval.every, sweep.interval.period) == (
        "obligations.send_due_reminders", settings.REMINDER_SWEEP_EVERY_MINUTES, IntervalSchedule.MINUTES
    )
    assert (extend.task, extend.crontab.minute, extend.crontab.hour) == ("obligations.extend_deadlines", "5", "0")
    assert sweep.enabled and extend.enabled


@pytest.mark.django_db
def test_install_schedule_run_twice_keeps_two_tasks_and_the_interval_an_administrator_chose():
    call_command("install_schedule", stdout=StringIO())
    hourly, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.filter(name="Send due reminders").update(interval=hourly)

    out = StringIO()
    call_command("install_schedule", stdout=out)

    assert out.getvalue().splitlines() == ["kept: Send due reminders", "kept: Extend deadlines to the horizon"]
    assert PeriodicTask.objects.count() == 2
    assert PeriodicTask.objects.get(name="Send due reminders").interval == hourly
