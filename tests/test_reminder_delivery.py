"""Delivery when the mail server is slow, silent or away: at least once, one counted resend, never a third copy.

A real SMTP server (aiosmtpd) plays the slow server; the desk's own SMTP backend talks to it.
"""
from __future__ import annotations

import asyncio
import datetime
import email
import json
import logging
import os
import smtplib
import socket
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from obligations import tasks
from obligations.models import DeadlineRule, Occurrence, Reminder
from obligations.reminders import reminders_create_due, reminders_retry, reminders_send_pending
from obligations.services import occurrences_mark_done
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory, PartyFactory, PersonFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DUE = datetime.date(2026, 12, 8)
TODAY = datetime.date(2026, 12, 1)
NOW = datetime.datetime(2026, 12, 1, 14, 0, tzinfo=datetime.UTC)  # 09:00 in New York
MINUTE = datetime.timedelta(minutes=1)
DESK = "desk@dealdesk.example"
ALICE = "alice@issuer.example"
SLOW = ("DeliveryUncertain: The mail server did not confirm the message after it was handed over "
        "(Connection unexpectedly closed: timed out); it may have arrived.")


class Server:
    """An SMTP server's handler that keeps what it accepts and can be slow, silent or stalled on cue."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.answer_after = 0.0  # seconds between storing a message and confirming it
        self.hang_up_after_data = False  # store it, then drop the connection without an answer
        self.stall_rcpt = 0.0  # seconds to sit on RCPT before answering

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.stall_rcpt)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        if self.hang_up_after_data:
            server.transport.close()
            return "250 never heard"
        await asyncio.sleep(self.answer_after)
        return "250 Message accepted for delivery"

    def copies(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(settings):
    handler = Server()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "obligations.emails.SMTPBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 0.3
    settings.EMAIL_DATA_TIMEOUT = 0.3
    yield handler
    controller.stop()


@pytest.fixture(autouse=True)
def desk(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIME_ZONE = "America/New_York"
    settings.REMINDER_DAYS_BEFORE = [7]
    settings.REMINDER_MAX_ATTEMPTS = 6
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    settings.REMINDER_RETRY_MAX_SECONDS = 3600
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 600
    settings.REMINDER_ALERT_TO = []


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def a_reminder(*, title: str = "Reserved share list", to: str = ALICE) -> Reminder:
    """SPA s.4(h): the reserved-share list is due 8 December; its week-before reminder is in the outbox."""
    issuer = PartyFactory(legal_name="CalbaTech, Inc.")
    PersonFactory(party=issuer, name="Alice", email=to, receives_reminders=True)
    obligation = ObligationFactory(deal=DealFactory(title="CalbaTech 2005 notes"), obligor=issuer, title=title,
                                   section="4(h)")
    DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
                        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=DUE, roll="none")
    (planned,) = reminders_create_due(today=TODAY)
    return Reminder.objects.get(occurrence=planned.occurrence)


def row(reminder: Reminder) -> tuple:
    reminder.refresh_from_db()
    return reminder.status, reminder.attempts, reminder.unknown_outcomes, reminder.next_attempt_at


# What the desk waits for ---------------------------------------------------------


def test_the_desk_waits_for_the_mail_server_as_long_as_rfc_5321_allows_and_retries_for_a_day():
    probe = ("from django.conf import settings as s; import json; print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_TIMEOUT, "
             "s.EMAIL_DATA_TIMEOUT, s.REMINDER_MAX_ATTEMPTS, s.REMINDER_RETRY_BASE_SECONDS, "
             "s.REMINDER_RETRY_MAX_SECONDS, s.REMINDER_CLAIM_TIMEOUT_SECONDS, s.REMINDER_ALERT_TO]))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "REMINDER_"))}
    env.update(DJANGO_SETTINGS_MODULE="dealdesk.settings", EMAIL_URL="smtp+tls://desk:pw@mail.example.com:587",
               REMINDER_ALERT_TO="ops@desk.example,finance-lead@desk.example")

    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)

    # s.4.5.3.2: 5 minutes for each command's reply, 10 for the reply to the end of the message.
    assert json.loads(result.stdout) == [
        "obligations.emails.SMTPBackend", 300.0, 600.0, 32, 60.0, 3600.0, 1200.0,
        ["ops@desk.example", "finance-lead@desk.example"],
    ], result.stderr


def test_with_the_default_backoff_a_refused_reminder_is_tried_for_26_hours_then_fails(clock, settings):
    settings.REMINDER_MAX_ATTEMPTS = 32
    settings.EMAIL_BACKEND = "tests.test_reminder_delivery.RefusingBackend"
    reminder = a_reminder()
    attempts_at = []
    while Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.PENDING:
        attempts_at.append(timezone.now())
        reminders_send_pending(today=TODAY)
        reminder.refresh_from_db()
        if reminder.next_attempt_at:
            clock.move_to(reminder.next_attempt_at)

    waits = [int((later - earlier) / MINUTE) for earlier, later in zip(attempts_at, attempts_at[1:])]
    assert waits == [1, 2, 4, 8, 16, 32] + [60] * 25
    assert attempts_at[-1] - attempts_at[0] == datetime.timedelta(hours=26, minutes=3)
    assert (reminder.status, reminder.attempts) == (Reminder.Status.FAILED, 32)


class RefusingBackend(LocmemBackend):
    """A mail server that is down for the reminders' recipients, and up for the desk's own address."""

    def send_messages(self, messages):
        if any(DESK not in message.recipients() for message in messages):
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class DownBackend(LocmemBackend):
    """A mail server that is down for everyone."""

    def send_messages(self, messages):
        raise smtplib.SMTPConnectError(421, "Service not available")


# An answer that never comes --------------------------------------------------------


def test_a_message_stored_but_confirmed_too_late_is_uncertain_then_resent_once_with_the_same_message_id(
        server, clock):
    reminder = a_reminder()
    server.answer_after = 1.0

    result = reminders_send_pending(today=TODAY)

    assert row(reminder) == (Reminder.Status.UNCERTAIN, 1, 1, NOW + MINUTE)
    assert reminder.last_error == f"{SLOW} It is sent once more, with the same Message-ID."
    assert (result.sent, result.failed, result.retry_at) == ([], [reminder], NOW + MINUTE)
    server.answer_after = 0

    clock.shift(MINUTE - datetime.timedelta(seconds=1))
    assert reminders_send_pending(today=TODAY).sent == []
    clock.shift(datetime.timedelta(seconds=1))
    assert reminders_send_pending(today=TODAY).sent == [reminder]
    clock.shift(datetime.timedelta(days=1))
    assert reminders_send_pending(today=TODAY).sent == []

    assert row(reminder) == (Reminder.Status.SENT, 2, 1, NOW + MINUTE)
    assert (reminder.last_error, reminder.sent_at) == ("", NOW + MINUTE)
    # The copy the slow server kept and the resend: one Message-ID, which a mail system can recognise.
    assert server.copies() == [reminder.message_id, reminder.message_id]


def test_a_second_unknown_outcome_leaves_it_uncertain_and_no_sweep_or_retry_sends_a_third_copy(server, clock):
    reminder = a_reminder()
    server.answer_after = 1.0
    reminders_send_pending(today=TODAY)
    clock.shift(MINUTE)
    reminders_send_pending(today=TODAY)

    assert row(reminder) == (Reminder.Status.UNCERTAIN, 2, 2, None)
    assert reminder.last_error == (
        f"{SLOW} It was already sent once more after an unknown outcome, so it is not sent again: "
        "ask the recipient whether it arrived."
    )
    clock.shift(datetime.timedelta(days=2))
    assert reminders_send_pending(today=TODAY).sent == []
    assert reminders_retry(reminders=Reminder.objects.all()) == 0  # Finance's "Retry the failed ones"
    assert reminders_send_pending(today=TODAY).sent == []
    assert server.copies() == [reminder.message_id, reminder.message_id]
    assert row(reminder) == (Reminder.Status.UNCERTAIN, 2, 2, None)


def test_a_connection_dropped_after_the_message_was_handed_over_is_uncertain(server, clock):
    reminder = a_reminder()
    server.hang_up_after_data = True

    reminders_send_pending(today=TODAY)

    assert row(reminder) == (Reminder.Status.UNCERTAIN, 1, 1, NOW + MINUTE)
    assert reminder.last_error == (
        "DeliveryUncertain: The mail server did not confirm the message after it was handed over "
        "(Connection unexpectedly closed); it may have arrived. It is sent once more, with the same Message-ID."
    )
    assert server.copies() == [reminder.message_id]


def test_a_server_that_times_out_before_the_message_is_handed_over_is_simply_retried(server, clock):
    reminder = a_reminder()
    server.stall_rcpt = 1.0

    reminders_send_pending(today=TODAY)

    assert row(reminder) == (Reminder.Status.PENDING, 1, 0, NOW + MINUTE)
    assert reminder.last_error == "SMTPServerDisconnected: Connection unexpectedly closed: timed out"
    assert server.copies() == []


def test_a_send_is_cut_off_before_its_claim_runs_out_so_no_other_sender_can_take_it_meanwhile(
        server, clock, settings):
    # Each reply may take 10 seconds, but the claim lasts one: the send gives up after half a second.
    settings.EMAIL_TIMEOUT = settings.EMAIL_DATA_TIMEOUT = 10
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 1
    reminder = a_reminder()
    server.stall_rcpt = 2.0

    reminders_send_pending(today=TODAY)

    assert row(reminder) == (Reminder.Status.PENDING, 1, 0, NOW + MINUTE)
    assert server.copies() == []


# A sender that died --------------------------------------------------------------


def test_a_reminder_a_dead_worker_left_sending_is_resent_once_with_the_same_message_id(clock, settings):
    reminder = a_reminder()
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.SENDING, attempts=1,
                                                   claimed_at=NOW - datetime.timedelta(seconds=601))

    reminders_send_pending(today=TODAY)

    assert row(reminder) == (Reminder.Status.SENT, 2, 1, None)
    assert [m.message()["Message-ID"] for m in mail.outbox] == [reminder.message_id]


def test_a_resend_whose_worker_died_too_is_left_uncertain_and_not_sent_again(clock, caplog):
    reminder = a_reminder()
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.SENDING, attempts=2, unknown_outcomes=1,
                                                   claimed_at=NOW - datetime.timedelta(seconds=601))
    caplog.set_level(logging.INFO)

    reminders_send_pending(today=TODAY)

    assert row(reminder) == (Reminder.Status.UNCERTAIN, 2, 2, None)
    assert reminder.last_error == (
        "The worker sending it stopped before recording the outcome. It was already sent once more after an "
        "unknown outcome, so it is not sent again: ask the recipient whether it arrived."
    )
    assert mail.outbox == []
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "obligations.reminders"] == [
        ("ERROR", f"event=reminder_send outcome=uncertain reminder={reminder.pk} occurrence={reminder.occurrence_id} "
                  f"attempt=2 error={json.dumps(reminder.last_error)}"),
    ]


def test_the_database_refuses_to_claim_a_reminder_whose_outcome_was_unknown_twice():
    reminder = a_reminder()
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.UNCERTAIN, unknown_outcomes=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.SENDING)


def test_an_uncertain_reminder_waiting_for_its_resend_is_cancelled_when_its_due_date_is_marked_done(clock):
    reminder = a_reminder()
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.UNCERTAIN, unknown_outcomes=1, attempts=1,
                                                   next_attempt_at=NOW + MINUTE)

    occurrences_mark_done(occurrences=Occurrence.objects.all(), on=TODAY, by=None,
                          evidence="Reserved share list emailed to the buyers on 1 December.")
    clock.shift(datetime.timedelta(hours=1))
    reminders_send_pending(today=TODAY)

    assert row(reminder) == (Reminder.Status.CANCELLED, 1, 1, None)
    assert mail.outbox == []


def test_retrying_a_failed_reminder_keeps_its_count_of_unknown_outcomes(clock):
    reminder = a_reminder()
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.FAILED, attempts=6, unknown_outcomes=1,
                                                   last_error="SMTPServerDisconnected: gone", alerted_at=NOW)

    assert reminders_retry(reminders=Reminder.objects.all()) == 1

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.unknown_outcomes, reminder.last_error,
            reminder.alerted_at) == (Reminder.Status.PENDING, 0, 1, "", None)


# Waking a worker for a retry ----------------------------------------------------------


def test_a_retry_due_before_the_next_sweep_wakes_a_worker_and_one_due_after_it_is_left_to_the_sweeps(
        clock, settings, monkeypatch):
    settings.REMINDER_SWEEP_EVERY_MINUTES = 15
    woken = []
    monkeypatch.setattr(tasks.send_pending_reminders, "apply_async", lambda countdown: woken.append(countdown))

    tasks._come_back_for_retries(tasks.reminders.RunResult(retry_at=NOW + datetime.timedelta(minutes=14)))
    tasks._come_back_for_retries(tasks.reminders.RunResult(retry_at=NOW + datetime.timedelta(minutes=15)))
    tasks._come_back_for_retries(tasks.reminders.RunResult(retry_at=None))

    assert woken == [14 * 60]


# Telling the desk --------------------------------------------------------------------


def alerts() -> list:
    return [m for m in mail.outbox if m.to == [DESK]]


def test_the_desk_is_alerted_once_when_a_reminder_is_about_to_give_up(clock, settings):
    settings.REMINDER_ALERT_TO = [DESK]
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.EMAIL_BACKEND = "tests.test_reminder_delivery.RefusingBackend"
    reminder = a_reminder()

    reminders_send_pending(today=TODAY)  # attempt 1: two more to come
    assert alerts() == []
    clock.shift(MINUTE)
    reminders_send_pending(today=TODAY)  # attempt 2: the next is the last

    (alert,) = alerts()
    assert alert.subject == "dealdesk: 1 reminder needs you"
    lines = alert.body.splitlines()
    start = lines.index("- CalbaTech 2005 notes s.4(h) Reserved share list, due 2026-12-08 (7 days before): "
                        "last attempt at 2026-12-01 09:03 EST; 2 attempts.")
    assert lines[start + 1:start + 3] == [
        "  SMTPServerDisconnected: Connection unexpectedly closed",
        f"  http://127.0.0.1:8000/admin/obligations/reminder/{reminder.pk}/change/",
    ]
    clock.shift(2 * MINUTE)
    reminders_send_pending(today=TODAY)  # the last attempt: it gives up, and the desk already knows
    assert row(reminder)[:2] == (Reminder.Status.FAILED, 3)
    assert len(alerts()) == 1
    reminder.refresh_from_db()
    assert reminder.alerted_at == NOW + MINUTE


def test_an_alert_the_mail_server_does_not_take_is_sent_at_the_next_run_once_it_is_back(clock, settings, caplog):
    settings.REMINDER_ALERT_TO = [DESK]
    settings.REMINDER_MAX_ATTEMPTS = 1
    settings.EMAIL_BACKEND = "tests.test_reminder_delivery.DownBackend"
    reminder = a_reminder()
    caplog.set_level(logging.INFO)

    reminders_send_pending(today=TODAY)
    assert (row(reminder)[0], reminder.alerted_at) == (Reminder.Status.FAILED, None)
    assert ("ERROR", 'event=reminder_alert outcome=retry reminders=1 error="SMTPConnectError: '
                     "(421, 'Service not available')\"") in [(r.levelname, r.getMessage()) for r in caplog.records]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.shift(MINUTE)
    reminders_send_pending(today=TODAY)
    reminders_send_pending(today=TODAY)

    (alert,) = alerts()
    assert alert.subject == "dealdesk: 1 reminder needs you"
    assert ("- CalbaTech 2005 notes s.4(h) Reserved share list, due 2026-12-08 (7 days before): gave up; 1 attempt."
            in alert.body.splitlines())
    reminder.refresh_from_db()
    assert reminder.alerted_at == NOW + MINUTE


def text_of(message: email.message.Message) -> str:
    plain = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return plain.get_payload(decode=True).decode()


def test_a_reminder_left_uncertain_for_a_person_is_in_an_alert_that_is_itself_never_resent(server, clock, settings):
    settings.REMINDER_ALERT_TO = [DESK]
    reminder = a_reminder()
    server.answer_after = 1.0  # slow for every message, the alert too
    reminders_send_pending(today=TODAY)
    clock.shift(MINUTE)
    reminders_send_pending(today=TODAY)  # the resend: unknown again, so it is left for a person
    clock.shift(MINUTE)
    reminders_send_pending(today=TODAY)

    alerts_kept = [message for message in server.messages if message["To"] == DESK]
    assert [message["Subject"] for message in alerts_kept] == ["dealdesk: 1 reminder needs you"]
    assert ("- CalbaTech 2005 notes s.4(h) Reserved share list, due 2026-12-08 (7 days before): "
            "uncertain: not sent again; 2 attempts.") in text_of(alerts_kept[0]).splitlines()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.alerted_at) == (Reminder.Status.UNCERTAIN, NOW + MINUTE)


def test_without_an_alert_address_the_desk_has_the_log_and_nothing_is_marked_alerted(clock, settings):
    settings.REMINDER_MAX_ATTEMPTS = 1
    settings.EMAIL_BACKEND = "tests.test_reminder_delivery.RefusingBackend"
    reminder = a_reminder()

    reminders_send_pending(today=TODAY)

    assert (row(reminder)[0], reminder.alerted_at, mail.outbox) == (Reminder.Status.FAILED, None, [])


# What an operator reads -------------------------------------------------------------


def test_the_outbox_command_lists_uncertain_reminders_with_what_happened(clock, settings):
    reminder = a_reminder()
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.UNCERTAIN, attempts=2, unknown_outcomes=2,
                                                   last_error="DeliveryUncertain: no answer.")
    out = StringIO()

    call_command("outbox", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[4] == "  uncertain       1"
    assert lines[9:11] == [
        "Uncertain: 1",
        f"  reminder {reminder.pk}: CalbaTech 2005 notes s.4(h): Reserved share list, due 2026-12-08, "
        "7 days before; 2 attempts; DeliveryUncertain: no answer.",
    ]
