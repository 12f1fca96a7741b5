"""A sender whose claim expired and was taken over cannot undo what the sender that took over recorded."""
import datetime
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from obligations.models import DeadlineRule, Reminder
from obligations.reminders import _claim_batch, digest_deliver, reminders_create_due, reminders_send_pending
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory, PartyFactory, PersonFactory

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 12, 8)
TODAY = datetime.date(2026, 12, 1)
CLAIM_TIMEOUT = 600
FIRST_CLAIM = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
# The first sender is still waiting on the mail server when its claim runs out.
TAKEN_OVER = FIRST_CLAIM + datetime.timedelta(seconds=CLAIM_TIMEOUT + 1)
SLOW_SENDER_RETURNS = TAKEN_OVER + datetime.timedelta(seconds=20)
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
TIMED_OUT = "tests.test_reminder_claims.TimedOutBackend"


class TimedOutBackend(BaseEmailBackend):
    """The mail server the slow sender was talking to, giving up on it at last."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed: timed out")


@pytest.fixture(autouse=True)
def desk(settings):
    settings.EMAIL_BACKEND = LOCMEM
    settings.REMINDER_DAYS_BEFORE = [7]
    settings.REMINDER_MAX_ATTEMPTS = 6
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = CLAIM_TIMEOUT


@pytest.fixture
def reminder() -> Reminder:
    """SPA s.4(h): the reserved-share list is due 8 December; the week-before reminder is in the outbox."""
    issuer = PartyFactory(legal_name="CalbaTech, Inc.")
    PersonFactory(party=issuer, name="Alice", email="alice@issuer.example", receives_reminders=True)
    obligation = ObligationFactory(deal=DealFactory(title="CalbaTech 2005 notes"), obligor=issuer,
                                   title="Reserved share list", section="4(h)")
    DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
                        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=DUE, roll="none")
    (planned,) = reminders_create_due(today=TODAY)
    return Reminder.objects.get(occurrence=planned.occurrence)


def outcome(reminder: Reminder) -> tuple:
    reminder.refresh_from_db()
    return (reminder.status, reminder.sent_at, reminder.claimed_at, reminder.attempts, reminder.recipient,
            reminder.last_error, reminder.next_attempt_at)


def sent_by_the_second_sender(at: datetime.datetime) -> tuple:
    return (Reminder.Status.SENT, at, TAKEN_OVER, 2, "alice@issuer.example", "", None)


def deliver(claim: Reminder, *, at: datetime.datetime, backend: str, settings) -> None:
    settings.EMAIL_BACKEND = backend
    with time_machine.travel(at, tick=False):
        digest_deliver([claim], today=TODAY)


@pytest.fixture
def claims(reminder) -> tuple[Reminder, Reminder]:
    """The first sender claims the reminder and stalls; past the timeout a second sender claims it."""
    with time_machine.travel(FIRST_CLAIM, tick=False):
        ((slow,),) = _claim_batch()
    with time_machine.travel(TAKEN_OVER, tick=False):
        ((second,),) = _claim_batch()
    assert (slow.pk, slow.claimed_at, second.pk, second.claimed_at) == (reminder.pk, FIRST_CLAIM, reminder.pk,
                                                                          TAKEN_OVER)
    return slow, second


def test_it_keeps_the_second_senders_sent_when_the_slow_sender_would_put_it_back_in_the_queue(
        reminder, claims, settings):
    slow, second = claims
    deliver(second, at=TAKEN_OVER, backend=LOCMEM, settings=settings)

    deliver(slow, at=SLOW_SENDER_RETURNS, backend=TIMED_OUT, settings=settings)

    assert outcome(reminder) == sent_by_the_second_sender(TAKEN_OVER)


def test_it_keeps_the_second_senders_sent_when_the_slow_sender_would_mark_it_failed(reminder, claims, settings):
    slow, second = claims
    settings.REMINDER_MAX_ATTEMPTS = 1  # the slow sender's attempt was its last
    deliver(second, at=TAKEN_OVER, backend=LOCMEM, settings=settings)

    deliver(slow, at=SLOW_SENDER_RETURNS, backend=TIMED_OUT, settings=settings)

    assert outcome(reminder) == sent_by_the_second_sender(TAKEN_OVER)


def test_the_slow_sender_returning_while_the_second_is_still_sending_leaves_the_row_to_the_second(
        reminder, claims, settings):
    slow, second = claims
    second_sends = SLOW_SENDER_RETURNS + datetime.timedelta(seconds=5)

    deliver(slow, at=SLOW_SENDER_RETURNS, backend=TIMED_OUT, settings=settings)
    deliver(second, at=second_sends, backend=LOCMEM, settings=settings)

    assert outcome(reminder) == sent_by_the_second_sender(second_sends)


def test_the_obligor_gets_the_reminder_once_however_late_the_slow_sender_returns(reminder, claims, settings):
    slow, second = claims
    deliver(second, at=TAKEN_OVER, backend=LOCMEM, settings=settings)
    deliver(slow, at=SLOW_SENDER_RETURNS, backend=TIMED_OUT, settings=settings)
    settings.EMAIL_BACKEND = LOCMEM

    # An hour on, the next sweep finds nothing to send.
    with time_machine.travel(SLOW_SENDER_RETURNS + datetime.timedelta(hours=1), tick=False):
        result = reminders_send_pending(today=TODAY)

    assert (result.sent, result.failed) == ([], [])
    assert [message.to for message in mail.outbox] == [["alice@issuer.example"]]
    assert outcome(reminder) == sent_by_the_second_sender(TAKEN_OVER)
