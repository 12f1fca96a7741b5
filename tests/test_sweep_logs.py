"""The log lines an operator gets from a sweep: one per send outcome and one for the sweep, key=value."""
from __future__ import annotations

import datetime
import logging
import re
import shlex
import smtplib

import pytest
import time_machine
from django.conf import settings as desk_settings
from django.core.mail.backends.locmem import EmailBackend

from dealdesk.celery import app
from obligations.models import DeadlineRule, Occurrence, Reminder
from obligations.reminders import reminders_create_due, reminders_run, reminders_send_pending
from tests.factories import DeadlineRuleFactory, ObligationFactory, PartyFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)
NOW = datetime.datetime(2026, 12, 1, 14, 0, tzinfo=datetime.timezone.utc)
DOWN = "down@unreachable.example"


class DownForOneAddressBackend(EmailBackend):
    """Delivers like locmem, but the server for DOWN hangs up."""

    def send_messages(self, messages):
        if any(DOWN in message.recipients() for message in messages):
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def desk(settings):
    settings.EMAIL_BACKEND = "tests.test_sweep_logs.DownForOneAddressBackend"
    settings.REMINDER_DAYS_BEFORE = [30, 14, 7, 3, 1, 0]
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    settings.REMINDER_RETRY_MAX_SECONDS = 3600


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def due_in_a_week(*, reminded: str | None) -> Occurrence:
    """An open occurrence whose seven-days-before reminder is due today, for `reminded` (or no one)."""
    obligor = PartyFactory()
    if reminded:
        PersonFactory(party=obligor, email=reminded, receives_reminders=True)
    rule = DeadlineRuleFactory(
        obligation=ObligationFactory(obligor=obligor), kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=TODAY + datetime.timedelta(days=7),
        roll="none",
    )
    return rule.occurrences.get()


def lines(caplog) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "obligations.reminders"]


def test_a_sweep_logs_each_send_outcome_and_one_line_with_its_counts(caplog):
    delivered = due_in_a_week(reminded="finance@issuer.example")
    refused = due_in_a_week(reminded=DOWN)
    nobody = due_in_a_week(reminded=None)
    caplog.set_level(logging.INFO)

    reminders_run(today=TODAY)

    reminder = {o: Reminder.objects.get(occurrence=o).pk for o in (delivered, refused, nobody)}
    *sends, sweep = lines(caplog)
    assert sorted(sends) == sorted([
        ("INFO", f"event=reminder_send outcome=sent reminder={reminder[delivered]} occurrence={delivered.pk} "
                 "attempt=1 recipients=1"),
        ("WARNING", f"event=reminder_send outcome=retry reminder={reminder[refused]} occurrence={refused.pk} "
                    'attempt=1 retry_at=2026-12-01T14:01:00+00:00 '
                    'error="SMTPServerDisconnected: Connection unexpectedly closed"'),
        ("ERROR", f"event=reminder_send outcome=failed reminder={reminder[nobody]} occurrence={nobody.pk} "
                  f'attempt=1 error="No one to send to: mark a person of {nobody.rule.obligation.obligor} to receive '
                  "reminders, or name the obligation's responsible staff, then retry it.\""),
    ])
    level, message = sweep
    # The duration is measured, not travelled: its value is any whole number of milliseconds.
    assert (level, re.sub(r"duration_ms=\d+$", "duration_ms=N", message)) == (
        "INFO",
        "event=reminder_sweep today=2026-12-01 created=3 sent=1 retrying=1 uncertain=0 failed=1 "
        "retry_at=2026-12-01T14:01:00+00:00 duration_ms=N",
    )


def test_a_last_attempt_that_fails_is_logged_as_failed_with_its_error(caplog, settings):
    refused = due_in_a_week(reminded=DOWN)
    settings.REMINDER_MAX_ATTEMPTS = 1
    caplog.set_level(logging.INFO)

    reminders_run(today=TODAY)

    pk = Reminder.objects.get().pk
    assert [(level, re.sub(r"duration_ms=\d+$", "duration_ms=N", message)) for level, message in lines(caplog)] == [
        ("ERROR", f"event=reminder_send outcome=failed reminder={pk} occurrence={refused.pk} attempt=1 "
                  'error="SMTPServerDisconnected: Connection unexpectedly closed"'),
        ("INFO", "event=reminder_sweep today=2026-12-01 created=1 sent=0 retrying=0 uncertain=0 failed=1 retry_at= "
                 "duration_ms=N"),
    ]


def test_a_reminder_whose_due_date_was_closed_before_sending_is_logged_as_cancelled(caplog):
    occurrence = due_in_a_week(reminded="finance@issuer.example")
    reminders_create_due(today=TODAY)
    # Closed by a bulk edit, so the row is still pending: the sender finds out at send time.
    Occurrence.objects.update(status=Occurrence.Status.DONE, done_on=TODAY)
    caplog.set_level(logging.INFO)

    reminders_send_pending(today=TODAY)

    pk = Reminder.objects.get().pk
    assert lines(caplog) == [
        ("INFO", f"event=reminder_send outcome=cancelled reminder={pk} occurrence={occurrence.pk} attempt=1"),
    ]


def test_a_dry_run_logs_nothing(caplog):
    due_in_a_week(reminded="finance@issuer.example")
    caplog.set_level(logging.INFO)

    reminders_run(today=TODAY, dry_run=True)

    assert lines(caplog) == []


def test_the_configured_format_makes_every_field_a_key_value_pair(caplog):
    due_in_a_week(reminded=DOWN)
    caplog.set_level(logging.INFO)
    reminders_run(today=TODAY)
    keyvalue = desk_settings.LOGGING["formatters"]["keyvalue"]
    formatter = logging.Formatter(keyvalue["format"], keyvalue["datefmt"])

    parsed = [dict(pair.split("=", 1) for pair in shlex.split(formatter.format(record)))
              for record in caplog.records if record.name == "obligations.reminders"]

    assert [list(fields) for fields in parsed] == [
        ["time", "level", "logger", "event", "outcome", "reminder", "occurrence", "attempt", "retry_at", "error"],
        ["time", "level", "logger", "event", "today", "created", "sent", "retrying", "uncertain", "failed",
         "retry_at", "duration_ms"],
    ]
    assert parsed[0]["error"] == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert parsed[0]["time"] == datetime.datetime.fromisoformat(parsed[0]["time"]).strftime("%Y-%m-%dT%H:%M:%S%z")


def test_celery_workers_log_through_the_desks_handler_and_format():
    # Celery's default replaces the root handler with its own format.
    assert app.conf.worker_hijack_root_logger is False
