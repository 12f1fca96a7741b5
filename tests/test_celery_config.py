"""The Celery settings that matter, read back from the app (a misspelt CELERY_ name is ignored silently)."""
import configparser
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from dealdesk.celery import app

ROOT = Path(__file__).resolve().parent.parent


def test_a_task_is_acknowledged_when_a_worker_takes_it_and_the_worker_waits_out_a_broker_away():
    # With late acknowledgement a Redis restart killed the worker (settings.py, CELERY); the
    # outbox in the database, not the broker, keeps what is still to send.
    assert app.conf.task_acks_late is False
    assert app.conf.task_reject_on_worker_lost is False
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_connection_retry_on_startup is True
    assert app.conf.broker_connection_max_retries is None


def test_on_redis_the_transport_keeps_no_unacknowledged_messages_a_restart_could_trip_over():
    probe = "from dealdesk.celery import app; import json; print(json.dumps(app.conf.broker_transport_options))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dealdesk.settings", "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}

    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)

    assert json.loads(result.stdout) == {"ack_emulation": False}, result.stderr


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
        "obligations.keep_penalties",
    } <= set(app.tasks)


@pytest.mark.django_db
def test_install_schedule_creates_the_sweep_and_the_nightly_extension():
    out = StringIO()
    call_command("install_schedule", stdout=out)

    assert out.getvalue().splitlines() == ["created: Send due reminders", "created: Extend deadlines to the horizon",
                                           "created: Bring accrued penalties up to the day"]
    sweep = PeriodicTask.objects.get(name="Send due reminders")
    extend = PeriodicTask.objects.get(name="Extend deadlines to the horizon")
    keep = PeriodicTask.objects.get(name="Bring accrued penalties up to the day")
    assert (sweep.task, sweep.interval.every, sweep.interval.period) == (
        "obligations.send_due_reminders", settings.REMINDER_SWEEP_EVERY_MINUTES, IntervalSchedule.MINUTES
    )
    assert (extend.task, extend.crontab.minute, extend.crontab.hour) == ("obligations.extend_deadlines", "5", "0")
    assert (keep.task, keep.crontab.minute, keep.crontab.hour) == ("obligations.keep_penalties", "20", "0")
    assert sweep.enabled and extend.enabled and keep.enabled


@pytest.mark.django_db
def test_install_schedule_run_twice_keeps_three_tasks_and_the_interval_an_administrator_chose():
    call_command("install_schedule", stdout=StringIO())
    hourly, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.filter(name="Send due reminders").update(interval=hourly)

    out = StringIO()
    call_command("install_schedule", stdout=out)

    assert out.getvalue().splitlines() == ["kept: Send due reminders", "kept: Extend deadlines to the horizon",
                                           "kept: Bring accrued penalties up to the day"]
    assert PeriodicTask.objects.count() == 3
    assert PeriodicTask.objects.get(name="Send due reminders").interval == hourly


def test_the_shipped_systemd_units_start_again_a_worker_beat_or_web_app_that_exits_however_often():
    started = {}
    for name in ("dealdesk-worker@.service", "dealdesk-beat.service", "dealdesk-web.service"):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.read(ROOT / "deploy" / "systemd" / name)
        assert (unit["Service"]["Restart"], unit["Service"]["RestartSec"], unit["Unit"]["StartLimitIntervalSec"]) == (
            "always", "5", "0"), name
        started[name] = unit["Service"]["ExecStart"]

    assert started == {
        "dealdesk-worker@.service":
            "/srv/dealdesk/.venv/bin/celery -A dealdesk worker --loglevel=INFO --hostname=worker%i@%%h",
        "dealdesk-beat.service": "/srv/dealdesk/.venv/bin/celery -A dealdesk beat --loglevel=INFO",
        "dealdesk-web.service": "/srv/dealdesk/.venv/bin/gunicorn dealdesk.wsgi --bind 127.0.0.1:8000 --workers 3",
    }
