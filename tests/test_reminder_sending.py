"""Sending reminders from the outbox: to whom, exactly once, and what happens when mail fails."""
import datetime
import smtplib
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone

from obligations.models import DeadlineRule, Occurrence, Reminder
from obligations.reminders import reminders_create_due, reminders_retry, reminders_send_pending
from obligations.services import occurrences_mark_done
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory, PartyFactory, PersonFactory

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 12, 8)
TODAY = datetime.date(2026, 12, 1)
NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone.utc)


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture(autouse=True)
def desk(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REMINDER_DAYS_BEFORE = [30, 14, 7, 3, 1, 0]
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    settings.REMINDER_RETRY_MAX_SECONDS = 100
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 600


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def obligation():
    """Told to one person: Alice receives reminders, Bob does not."""
    deal = DealFactory(title="CalbaTech 2005 notes")
    issuer = PartyFactory(legal_name="CalbaTech, Inc.")
    PersonFactory(party=issuer, name="Alice", email="alice@issuer.example", receives_reminders=True)
    PersonFactory(party=issuer, name="Bob", email="bob@issuer.example", receives_reminders=False)
    return ObligationFactory(deal=deal, obligor=issuer, title="Reserved share list", section="4(h)")


@pytest.fixture
def widely_told(obligation, django_user_model):
    """Alice, the responsible staff (one without an address) and the deal's copies, Alice among them again."""
    obligation.deal.reminder_copies_to = "counsel@law.example; alice@issuer.example"
    obligation.deal.save()
    obligation.responsible_staff.add(
        django_user_model.objects.create_user("fran", "fran@desk.example"),
        django_user_model.objects.create_user("nomail", ""),
    )
    return obligation


def occurrence_of(obligation, *, due: datetime.date = DUE) -> Occurrence:
    rule = DeadlineRuleFactory(
        obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=due, roll="none",
    )
    return rule.occurrences.get()


@pytest.fixture
def reminder(obligation) -> Reminder:
    occurrence_of(obligation)
    (created,) = reminders_create_due(today=TODAY)
    return Reminder.objects.get(occurrence=created.occurrence)


def test_the_obligors_people_the_responsible_staff_and_the_deals_copies_each_get_their_own_email_once(
        widely_told, clock):
    occurrence_of(widely_told)
    created = reminders_create_due(today=TODAY)

    result = reminders_send_pending(today=TODAY)

    assert [r.recipient for r in created] == ["alice@issuer.example", "fran@desk.example", "counsel@law.example"]
    assert [(m.to, m.cc) for m in mail.outbox] == [
        (["alice@issuer.example"], []), (["fran@desk.example"], []), (["counsel@law.example"], [])]
    rows = list(Reminder.objects.order_by("id"))
    assert [m.message()["Message-ID"] for m in mail.outbox] == [r.message_id for r in rows]
    assert len({r.message_id for r in rows}) == 3
    assert [(r.recipient, r.status, r.sent_at, r.attempts) for r in rows] == [
        ("alice@issuer.example", Reminder.Status.SENT, NOW, 1),
        ("fran@desk.example", Reminder.Status.SENT, NOW, 1),
        ("counsel@law.example", Reminder.Status.SENT, NOW, 1),
    ]
    assert sorted(r.pk for r in result.sent) == [r.pk for r in rows]


def test_sending_again_sends_nothing(reminder, clock):
    reminders_send_pending(today=TODAY)

    second = reminders_send_pending(today=TODAY)

    assert (second.sent, second.failed) == ([], [])
    assert len(mail.outbox) == 1


def test_only_the_deals_copies_still_get_the_reminder_when_no_one_else_is_named(clock):
    deal = DealFactory(reminder_copies_to="counsel@law.example")
    occurrence_of(ObligationFactory(deal=deal))
    reminders_create_due(today=TODAY)

    reminders_send_pending(today=TODAY)

    (message,) = mail.outbox
    assert (message.to, message.cc) == (["counsel@law.example"], [])


def test_a_refused_send_goes_back_to_pending_with_a_backoff(reminder, clock, settings):
    settings.EMAIL_BACKEND = "tests.test_reminder_sending.RefusingBackend"

    result = reminders_send_pending(today=TODAY)

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Reminder.Status.PENDING, 1)
    assert reminder.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert reminder.next_attempt_at == NOW + datetime.timedelta(seconds=60)
    assert result.retry_at == NOW + datetime.timedelta(seconds=60)
    assert result.failed == [reminder]


def test_a_reminder_waiting_for_its_retry_is_not_sent_before_then(reminder, clock, settings):
    settings.EMAIL_BACKEND = "tests.test_reminder_sending.RefusingBackend"
    reminders_send_pending(today=TODAY)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    clock.shift(datetime.timedelta(seconds=59))
    assert reminders_send_pending(today=TODAY).sent == []
    clock.shift(datetime.timedelta(seconds=1))
    assert reminders_send_pending(today=TODAY).sent == [reminder]
    assert len(mail.outbox) == 1


def test_the_backoff_doubles_up_to_its_cap_and_the_last_attempt_marks_it_failed(reminder, clock, settings):
    settings.EMAIL_BACKEND = "tests.test_reminder_sending.RefusingBackend"
    seen = []
    for _ in range(3):  # REMINDER_MAX_ATTEMPTS
        reminders_send_pending(today=TODAY)
        reminder.refresh_from_db()
        seen.append((reminder.status, reminder.attempts, reminder.next_attempt_at - timezone.now()))
        clock.shift(datetime.timedelta(hours=1))

    assert seen[:2] == [
        (Reminder.Status.PENDING, 1, datetime.timedelta(seconds=60)),
        (Reminder.Status.PENDING, 2, datetime.timedelta(seconds=100)),  # 120 s, capped at 100
    ]
    assert (reminder.status, reminder.attempts) == (Reminder.Status.FAILED, 3)
    assert reminder.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert reminders_send_pending(today=TODAY).failed == []


def test_retrying_a_failed_reminder_puts_it_back_in_the_queue(reminder, clock, settings):
    Reminder.objects.filter(pk=reminder.pk).update(
        status=Reminder.Status.FAILED, attempts=3, last_error="SMTPServerDisconnected: gone"
    )

    assert reminders_retry(reminders=Reminder.objects.all()) == 1

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.last_error, reminder.next_attempt_at) == (
        Reminder.Status.PENDING, 0, "", None
    )
    assert reminders_send_pending(today=TODAY).sent == [reminder]
    assert len(mail.outbox) == 1


def test_a_reminder_with_no_one_to_send_to_fails_and_says_why(clock):
    occurrence_of(ObligationFactory(obligor=PartyFactory(legal_name="Nobody Home, Inc.")))
    reminders_create_due(today=TODAY)

    reminders_send_pending(today=TODAY)

    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.FAILED
    assert reminder.last_error == (
        "No one to send to: mark a person of Nobody Home, Inc. to receive reminders, "
        "or name the obligation's responsible staff, then retry it."
    )
    assert mail.outbox == []


def test_retrying_a_reminder_that_had_no_one_to_send_to_sends_it_to_whoever_is_named_now(clock):
    nobody_home = PartyFactory(legal_name="Nobody Home, Inc.")
    occurrence = occurrence_of(ObligationFactory(obligor=nobody_home))
    reminders_create_due(today=TODAY)
    reminders_send_pending(today=TODAY)
    PersonFactory(party=nobody_home, name="Nora", email="nora@nobody.example", receives_reminders=True)
    PersonFactory(party=nobody_home, name="Ned", email="ned@nobody.example", receives_reminders=True)

    assert reminders_retry(reminders=Reminder.objects.all()) == 2
    reminders_send_pending(today=TODAY)

    assert sorted(Reminder.objects.values_list("occurrence", "recipient", "status")) == [
        (occurrence.pk, "ned@nobody.example", Reminder.Status.SENT),
        (occurrence.pk, "nora@nobody.example", Reminder.Status.SENT),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["ned@nobody.example", "nora@nobody.example"]


def test_an_occurrence_marked_done_between_sweep_and_send_is_not_reminded(reminder, clock):
    occurrences_mark_done(occurrences=Occurrence.objects.all(), on=timezone.localdate(), by=None,
                          evidence="Reserved share list emailed to the buyers.")

    reminders_send_pending(today=TODAY)

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED
    assert mail.outbox == []


def test_an_occurrence_closed_behind_the_services_back_is_cancelled_at_send_time(reminder, clock):
    # A bulk edit does not cancel the pending row; the sender checks the occurrence again.
    Occurrence.objects.update(status=Occurrence.Status.DONE, done_on=TODAY)

    result = reminders_send_pending(today=TODAY)

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED
    assert (result.sent, result.failed, mail.outbox) == ([], [], [])


def test_a_reminder_left_sending_by_a_dead_worker_is_reclaimed_and_sent_once(reminder, clock, settings):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 60
    Reminder.objects.filter(pk=reminder.pk).update(
        status=Reminder.Status.SENDING, attempts=1, claimed_at=NOW - datetime.timedelta(seconds=61)
    )

    reminders_send_pending(today=TODAY)
    reminders_send_pending(today=TODAY)

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.claimed_at) == (Reminder.Status.SENT, 2, NOW)
    assert len(mail.outbox) == 1


def test_a_reminder_another_sender_has_just_claimed_is_left_alone(reminder, clock, settings):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 60
    claimed = NOW - datetime.timedelta(seconds=30)
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.SENDING, attempts=1, claimed_at=claimed)

    result = reminders_send_pending(today=TODAY)

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.claimed_at) == (Reminder.Status.SENDING, 1, claimed)
    assert (result.sent, mail.outbox) == ([], [])


def test_send_reminders_prints_each_reminder_sent_and_the_count(obligation, clock):
    occurrence_of(obligation)

    out = StringIO()
    call_command("send_reminders", "--today", "2026-12-01", stdout=out)

    assert out.getvalue().splitlines() == [
        "sent: CalbaTech 2005 notes s.4(h) Reserved share list, due 2026-12-08 (7 days before)"
        " -> alice@issuer.example",
        "1 sent, 0 not sent, on 2026-12-01.",
    ]
    assert Reminder.objects.get().status == Reminder.Status.SENT
    assert len(mail.outbox) == 1


def test_send_reminders_lists_failures_with_their_reason(clock, settings):
    settings.EMAIL_BACKEND = "tests.test_reminder_sending.RefusingBackend"
    deal = DealFactory(title="Cal-Bay equity line", reminder_copies_to="counsel@law.example")
    occurrence_of(ObligationFactory(deal=deal, title="Put notice", section="2.2"))

    out = StringIO()
    call_command("send_reminders", "--today", "2026-12-01", stdout=out)

    assert out.getvalue().splitlines() == [
        "not sent: Cal-Bay equity line s.2.2 Put notice, due 2026-12-08 (7 days before):"
        " SMTPServerDisconnected: Connection unexpectedly closed",
        "0 sent, 1 not sent, on 2026-12-01.",
    ]


def test_send_reminders_dry_run_lists_what_is_due_and_creates_nothing(obligation, clock):
    occurrence_of(obligation)

    out = StringIO()
    call_command("send_reminders", "--today", "2026-12-01", "--dry-run", stdout=out)

    assert out.getvalue().splitlines() == [
        "would send: CalbaTech 2005 notes s.4(h) Reserved share list, due 2026-12-08 (7 days before)",
        "1 reminder(s) due on 2026-12-01; nothing sent (dry run).",
    ]
    assert Reminder.objects.count() == 0
    assert mail.outbox == []


def test_send_reminders_refuses_a_date_that_does_not_exist():
    with pytest.raises(CommandError) as excinfo:
        call_command("send_reminders", "--today", "2026-13-01")

    assert str(excinfo.value) == "--today must be a date like 2005-06-30, not '2026-13-01'."
    assert Reminder.objects.count() == 0
