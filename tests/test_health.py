"""GET /health/ against the real database and a real broker: 200 when the desk can work, 503 naming what cannot."""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine

from obligations.models import DeadlineRule, Occurrence, Reminder
from tests.factories import DeadlineRuleFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "")
NOW = datetime.datetime(2026, 12, 1, 14, 0, tzinfo=datetime.timezone.utc)
ALL_OK = {"database": "ok", "broker": "ok", "outbox": "ok"}


@pytest.fixture(autouse=True)
def limits(settings):
    settings.HEALTH_OUTBOX_MAX_WAIT_MINUTES = 60
    settings.HEALTH_BROKER_TIMEOUT_SECONDS = 3


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def an_occurrence() -> Occurrence:
    rule = DeadlineRuleFactory(
        kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0, offset_unit=DeadlineRule.Unit.CALENDAR_DAYS,
        fixed_date=datetime.date(2026, 12, 8), roll="none",
    )
    return rule.occurrences.get()


def a_reminder(occurrence: Occurrence, *, days_from_due: int = -7, **fields) -> Reminder:
    return Reminder.objects.create(
        occurrence=occurrence, due_date=occurrence.due_date, days_from_due=days_from_due,
        scheduled_for=occurrence.due_date + datetime.timedelta(days=days_from_due), **fields,
    )


@pytest.mark.parametrize("broker", [
    pytest.param(None, id="the configured broker"),
    pytest.param(REDIS_URL, id="redis", marks=pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI sets it)")),
])
def test_a_desk_in_order_answers_200_to_anyone(client, settings, broker):
    if broker:
        settings.CELERY_BROKER_URL = broker

    response = client.get("/health/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": ALL_OK, "oldest_ready_seconds": None}


def test_an_unreachable_broker_answers_503_naming_the_broker_and_nothing_of_its_address(client, settings, caplog):
    settings.CELERY_BROKER_URL = "redis://:s3cret@127.0.0.1:1/0"

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.content == (
        b'{"status": "failing", "checks": {"database": "ok", "broker": "unreachable", "outbox": "ok"}, '
        b'"oldest_ready_seconds": null}'
    )
    (line,) = [r.getMessage() for r in caplog.records if r.name == "dealdesk.health"]
    assert line.startswith('event=health_check check=broker error="OperationalError: ')


def test_a_database_that_refuses_connections_answers_503_naming_the_database():
    # A desk process of its own, pointed at a PostgreSQL port where no server listens.
    probe = ("import django; django.setup(); from django.test import Client; "
             "r = Client().get('/health/', HTTP_HOST='localhost'); print(r.status_code); print(r.content.decode())")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dealdesk.settings", "ALLOWED_HOSTS": "localhost",
           "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere", "CELERY_BROKER_URL": "memory://"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)

    status, body = result.stdout.splitlines()
    assert (status, json.loads(body)) == ("503", {
        "status": "failing", "checks": {"database": "error", "broker": "ok", "outbox": "unknown"},
        "oldest_ready_seconds": None,
    }), result.stderr


def test_the_answer_is_never_cached(client):
    response = client.get("/health/")

    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_only_reading_is_allowed(client):
    assert client.post("/health/").status_code == 405
    assert client.head("/health/").status_code == 200


def test_a_site_that_redirects_to_https_still_answers_the_check_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/").status_code == 301
    assert client.get("/health/").status_code == 200


def test_a_reminder_ready_for_longer_than_the_limit_answers_503_outbox_stalled(client, clock):
    a_reminder(an_occurrence())  # created, and so ready, at NOW

    clock.shift(datetime.timedelta(minutes=60))
    on_the_limit = client.get("/health/")
    clock.shift(datetime.timedelta(seconds=1))
    past_it = client.get("/health/")

    assert (on_the_limit.status_code, on_the_limit.json()) == (
        200, {"status": "ok", "checks": ALL_OK, "oldest_ready_seconds": 3600}
    )
    assert (past_it.status_code, past_it.json()) == (
        503, {"status": "failing", "checks": {"database": "ok", "broker": "ok", "outbox": "stalled"},
              "oldest_ready_seconds": 3601}
    )


def test_a_reminder_waiting_for_its_retry_counts_from_its_retry_time(client, clock):
    a_reminder(an_occurrence(), attempts=1, next_attempt_at=NOW + datetime.timedelta(hours=2))

    clock.shift(datetime.timedelta(hours=2, minutes=59))  # long after it was created
    waiting = client.get("/health/").json()
    clock.shift(datetime.timedelta(minutes=2))
    late = client.get("/health/").json()

    assert waiting == {"status": "ok", "checks": ALL_OK, "oldest_ready_seconds": 59 * 60}
    assert (late["checks"]["outbox"], late["oldest_ready_seconds"]) == ("stalled", 61 * 60)


def test_sent_failed_and_cancelled_reminders_do_not_hold_the_outbox_back(client, clock):
    occurrence = an_occurrence()
    a_reminder(occurrence, days_from_due=-30, status=Reminder.Status.SENT, sent_at=NOW)
    a_reminder(occurrence, days_from_due=-14, status=Reminder.Status.FAILED, attempts=6, last_error="gone")
    a_reminder(occurrence, days_from_due=-7, status=Reminder.Status.CANCELLED)

    clock.shift(datetime.timedelta(days=3))
    response = client.get("/health/")

    assert (response.status_code, response.json()) == (
        200, {"status": "ok", "checks": ALL_OK, "oldest_ready_seconds": None}
    )
