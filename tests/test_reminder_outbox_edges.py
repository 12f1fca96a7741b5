"""The reminder outbox at its edges: odd settings, lock-ups among other deadlines, racing sweeps and senders."""
import datetime
import logging
import os
import smtplib
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from obligations import reminders
from obligations.models import DeadlineRule, Obligation, Occurrence, Reminder
from obligations.reminders import (
    _claim_batch,
    reminders_create_due,
    reminders_plan,
    reminders_retry,
    reminders_run,
    reminders_send_pending,
)
from obligations.services import occurrences_mark_done
from tests.factories import (
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealFactory,
    ObligationFactory,
    PartyFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 12, 8)
TODAY = datetime.date(2026, 12, 1)  # a week before DUE
NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
REFUSING = "tests.test_reminder_outbox_edges.RefusingBackend"
SLOW = "tests.test_reminder_outbox_edges.SlowServerBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class StoppedClock:
    """The machine's monotonic clock, stopped: it moves only when the slow mail server below takes its time."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def monotonic(self) -> float:
        return self.seconds


class SlowServerBackend(LocmemBackend):
    """A mail server that takes a second and a half to accept each message."""

    def send_messages(self, email_messages):
        reminders.time.seconds += 1.5  # the stopped clock the sweep reads
        return super().send_messages(email_messages)


@pytest.fixture(autouse=True)
def desk(settings):
    settings.EMAIL_BACKEND = LOCMEM
    settings.SITE_URL = "https://desk.example.com/"
    settings.REMINDER_DAYS_BEFORE = [30, 14, 7, 3, 1, 0]
    settings.REMINDER_OVERDUE_FIRST_DAY = 1
    settings.REMINDER_OVERDUE_EVERY_DAYS = 7
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    settings.REMINDER_RETRY_MAX_SECONDS = 3600
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 600


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def an_obligation(**fields) -> Obligation:
    """An obligation whose obligor has one person who receives reminders."""
    obligor = PartyFactory()
    PersonFactory(party=obligor, receives_reminders=True)
    return ObligationFactory(obligor=obligor, **fields)


def due_on(obligation: Obligation, due: datetime.date) -> Occurrence:
    """An open occurrence due on `due` exactly (a fixed-date rule, not rolled)."""
    rule = DeadlineRuleFactory(
        obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=due, roll="none",
    )
    return rule.occurrences.get()


LOCK_UP_ENDS = datetime.date(2026, 10, 2)


def lock_up() -> Occurrence:
    """SPA s.4(e)-style lock-up: 270 days from a 5 January 2026 closing, so it ends on 2 October 2026."""
    deal = DealFactory(dated_as_of=datetime.date(2026, 1, 5), closing_date=datetime.date(2026, 1, 5))
    rule = DeadlineRuleFactory(
        obligation=an_obligation(deal=deal, title="Lock-up"), kind=DeadlineRule.Kind.PERIOD, frequency="",
        anchor=DeadlineRule.Anchor.CLOSING_DATE, offset=270, offset_unit=DeadlineRule.Unit.CALENDAR_DAYS,
    )
    occurrence = rule.occurrences.get()
    assert occurrence.due_date == LOCK_UP_ENDS
    return occurrence


def planned(reminders) -> list[tuple[int, int]]:
    return [(r.occurrence_id, r.days_from_due) for r in reminders]


def rows() -> list[tuple[int, int, str]]:
    return list(Reminder.objects.order_by("occurrence_id", "days_from_due")
                .values_list("occurrence_id", "days_from_due", "status"))


# The sweep


def test_it_falls_back_to_the_desks_days_when_an_obligations_own_days_cannot_be_read(caplog):
    obligation = an_obligation()
    occurrence = due_on(obligation, DUE)
    Obligation.objects.filter(pk=obligation.pk).update(reminder_days_before="soon")  # saved past the form

    with caplog.at_level(logging.WARNING, logger="obligations.reminders"):
        created = reminders_create_due(today=TODAY)

    assert planned(created) == [(occurrence.pk, -7)]
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "Ignoring unreadable reminder days 'soon'")
    ]


def test_it_chases_an_overdue_occurrence_on_the_days_the_settings_give(settings):
    settings.REMINDER_OVERDUE_FIRST_DAY = 2
    settings.REMINDER_OVERDUE_EVERY_DAYS = 3
    due_on(an_obligation(), DUE)

    overdue = [r.days_from_due for late in range(9) for r in reminders_create_due(today=DUE + late * DAY)
               if r.days_from_due > 0]

    assert overdue == [2, 5, 8]


def test_it_plans_five_occurrences_in_as_many_queries_as_one():
    due_on(an_obligation(), DUE)
    with CaptureQueriesContext(connection) as one:
        assert len(reminders_plan(today=TODAY)) == 1
    for _ in range(4):
        due_on(an_obligation(), DUE)

    with CaptureQueriesContext(connection) as five:
        assert len(reminders_plan(today=TODAY)) == 5

    assert len(five.captured_queries) == len(one.captured_queries)


def test_it_goes_on_past_an_occurrence_that_has_no_reminder_due_yet():
    # The desk's days reach 30 days out; one obligation's own days reach 45, so the sweep looks that far.
    nothing_yet = due_on(an_obligation(), TODAY + 40 * DAY)
    reaching_further = due_on(an_obligation(reminder_days_before="45"), TODAY + 45 * DAY)

    created = reminders_create_due(today=TODAY)

    assert nothing_yet.due_date < reaching_further.due_date
    assert planned(created) == [(reaching_further.pk, -45)]


def test_it_announces_the_end_of_a_lock_up_on_its_last_day():
    occurrence = lock_up()

    assert planned(reminders_create_due(today=LOCK_UP_ENDS)) == [(occurrence.pk, 0)]


def test_it_does_not_announce_a_lock_up_again_the_day_after_it_ended():
    lock_up()

    assert reminders_create_due(today=LOCK_UP_ENDS + DAY) == []


def test_it_still_reminds_other_obligations_after_a_lock_up_has_ended():
    ended = lock_up()
    today = LOCK_UP_ENDS + 3 * DAY
    upcoming = due_on(an_obligation(), today + 7 * DAY)

    created = reminders_create_due(today=today)

    assert ended.due_date < upcoming.due_date
    assert planned(created) == [(upcoming.pk, -7)]


def test_it_creates_the_rest_of_its_rows_when_another_sweep_inserted_one_of_them_first():
    first, second = due_on(an_obligation(), DUE), due_on(an_obligation(), DUE)
    raced = []

    def another_sweep_gets_there_first(execute, sql, params, many, context):
        # Between this sweep's plan and its insert, a second sweep commits the week-before row of `first`.
        if not raced and sql.startswith("INSERT") and '"obligations_reminder"' in sql:
            raced.append(sql)
            Reminder.objects.create(occurrence=first, due_date=DUE, days_from_due=-7, scheduled_for=TODAY,
                                    recipient=first.rule.obligation.obligor.people.get().email)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(another_sweep_gets_there_first):
        reminders_create_due(today=TODAY)

    assert len(raced) == 1
    assert rows() == [(first.pk, -7, "pending"), (second.pk, -7, "pending")]


def test_it_cancels_only_the_reminders_of_the_occurrence_marked_done():
    done, still_open = due_on(an_obligation(), DUE), due_on(an_obligation(), DUE)
    reminders_create_due(today=TODAY)

    occurrences_mark_done(occurrences=Occurrence.objects.filter(pk=done.pk), on=timezone.localdate(), by=None,
                          evidence="Reserved share list emailed to the buyers.")

    assert rows() == [(done.pk, -7, "cancelled"), (still_open.pk, -7, "pending")]


def test_it_leaves_a_reminder_already_sent_as_sent_when_the_occurrence_is_marked_done():
    occurrence = due_on(an_obligation(), DUE)
    reminders_create_due(today=TODAY)
    reminders_send_pending(today=TODAY)
    reminders_create_due(today=DUE - 3 * DAY)

    occurrences_mark_done(occurrences=Occurrence.objects.all(), on=timezone.localdate(), by=None,
                          evidence="Reserved share list emailed to the buyers.")

    assert rows() == [(occurrence.pk, -7, "sent"), (occurrence.pk, -3, "cancelled")]


# Claiming and sending


def test_it_sends_the_reminder_scheduled_first_first(clock):
    upcoming = due_on(an_obligation(title="Reserved share list"), DUE)
    reminders_create_due(today=TODAY)
    # A deadline entered late, already three days past: its day-after reminder was scheduled for 29 November.
    overdue = due_on(an_obligation(title="Registration statement"), TODAY - 3 * DAY)
    reminders_create_due(today=TODAY)
    assert Reminder.objects.get(occurrence=overdue).pk > Reminder.objects.get(occurrence=upcoming).pk

    reminders_send_pending(today=TODAY)

    assert [m.subject.split(" - ")[0] for m in mail.outbox] == [
        "OVERDUE by 3 days: s.4(h) Registration statement",
        "Due in 7 days: s.4(h) Reserved share list",
    ]


def test_it_sends_the_reminder_a_dead_worker_left_before_the_others_of_the_same_day(clock):
    occurrences = [due_on(an_obligation(), DUE) for _ in range(3)]
    reminders_create_due(today=TODAY)
    Reminder.objects.filter(occurrence=occurrences[0]).update(
        status=Reminder.Status.SENDING, attempts=1, claimed_at=NOW - datetime.timedelta(hours=1)
    )

    reminders_send_pending(today=TODAY)

    assert [m.to for m in mail.outbox] == [
        [occurrence.rule.obligation.obligor.people.get().email] for occurrence in occurrences
    ]


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no row locks: a claim there locks the whole database")
@pytest.mark.django_db(transaction=True)
def test_it_claims_the_next_reminder_while_another_sender_holds_the_first():
    due_on(an_obligation(), DUE), due_on(an_obligation(), DUE)
    reminders_create_due(today=TODAY)
    held, free = Reminder.objects.order_by("scheduled_for", "id")
    locked, release = threading.Event(), threading.Event()

    def another_sender():
        try:
            with transaction.atomic():
                Reminder.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait()
        finally:
            locked.set()
            connection.close()

    thread = threading.Thread(target=another_sender)
    thread.start()
    locked.wait()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # waiting for the other sender fails the test, not hangs it
        result = reminders_send_pending(today=TODAY)
    finally:
        release.set()
        thread.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert [r.pk for r in result.sent] == [free.pk]
    assert Reminder.objects.get(pk=held.pk).status == Reminder.Status.PENDING


def test_it_claims_a_reminder_together_with_its_deal_and_obligor(django_assert_num_queries):
    obligation = an_obligation()
    due_on(obligation, DUE)
    reminders_create_due(today=TODAY)

    ((claimed,),) = _claim_batch()

    with django_assert_num_queries(0):
        assert (claimed.occurrence.rule.obligation.deal.title, claimed.occurrence.rule.obligation.obligor.legal_name) \
            == (obligation.deal.title, obligation.obligor.legal_name)


def test_it_links_to_the_occurrence_under_the_path_the_desk_is_served_from(settings):
    settings.SITE_URL = "https://apps.example.com/DEALBOX/"
    occurrence = due_on(an_obligation(), DUE)
    reminders_create_due(today=TODAY)

    reminders_send_pending(today=TODAY)

    (message,) = mail.outbox
    lines = message.body.splitlines()
    assert lines[lines.index("Mark it done, or see its history:") + 1] == (
        f"https://apps.example.com/DEALBOX/admin/obligations/occurrence/{occurrence.pk}/change/"
    )


def test_it_shows_no_accrued_damages_before_the_due_date_even_where_the_agreement_states_a_rate():
    obligation = an_obligation(penalty=Obligation.Penalty.MONTHLY_ON_NOTES, penalty_rate=Decimal("0.03"))
    ConvertibleNoteFactory(deal=obligation.deal, principal=Decimal("800000.00"),
                           issue_date=datetime.date(2026, 11, 5))
    due_on(obligation, DUE)
    reminders_create_due(today=TODAY)

    reminders_send_pending(today=TODAY)

    (message,) = mail.outbox
    assert message.subject.startswith("Due in 7 days: ")
    assert "Accrued so far" not in message.body
    assert "Accrued so far" not in message.alternatives[0][0]


def test_it_finishes_only_its_own_row_when_another_sender_claimed_one_at_the_same_moment(clock):
    taken, ours = due_on(an_obligation(), DUE), due_on(an_obligation(), DUE)
    reminders_create_due(today=TODAY)
    # Another sender claimed the first reminder at this very moment and is still sending it.
    Reminder.objects.filter(occurrence=taken).update(status=Reminder.Status.SENDING, attempts=1, claimed_at=NOW)

    result = reminders_send_pending(today=TODAY)

    assert [r.occurrence_id for r in result.sent] == [ours.pk]
    assert rows() == [(taken.pk, -7, "sending"), (ours.pk, -7, "sent")]


def test_it_doubles_the_wait_after_each_refused_attempt(clock, settings):
    settings.EMAIL_BACKEND = REFUSING
    settings.REMINDER_MAX_ATTEMPTS = 4
    due_on(an_obligation(), DUE)
    reminders_create_due(today=TODAY)

    waits = []
    for _ in range(3):
        reminders_send_pending(today=TODAY)
        reminder = Reminder.objects.get()
        waits.append((reminder.attempts, reminder.next_attempt_at - timezone.now()))
        clock.shift(datetime.timedelta(hours=1))

    assert waits == [(1, datetime.timedelta(seconds=60)), (2, datetime.timedelta(seconds=120)),
                     (3, datetime.timedelta(seconds=240))]


def test_it_records_the_error_when_the_only_attempt_allowed_is_refused(clock, settings):
    settings.EMAIL_BACKEND = REFUSING
    settings.REMINDER_MAX_ATTEMPTS = 1
    due_on(an_obligation(), DUE)
    reminders_create_due(today=TODAY)

    result = reminders_send_pending(today=TODAY)

    reminder = Reminder.objects.get()
    assert result.failed == [reminder]
    assert (reminder.status, reminder.attempts, reminder.last_error) == (
        Reminder.Status.FAILED, 1, "SMTPServerDisconnected: Connection unexpectedly closed"
    )


def test_it_clears_the_error_of_a_refused_attempt_once_the_reminder_is_sent(clock, settings):
    settings.EMAIL_BACKEND = REFUSING
    due_on(an_obligation(), DUE)
    reminders_create_due(today=TODAY)
    reminders_send_pending(today=TODAY)
    settings.EMAIL_BACKEND = LOCMEM
    clock.shift(datetime.timedelta(seconds=60))

    reminders_send_pending(today=TODAY)

    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.attempts, reminder.last_error) == (Reminder.Status.SENT, 2, "")


def test_it_clears_the_wait_of_a_failed_reminder_put_back_in_the_queue(clock, settings):
    settings.EMAIL_BACKEND = REFUSING
    settings.REMINDER_MAX_ATTEMPTS = 2
    due_on(an_obligation(), DUE)
    reminders_create_due(today=TODAY)
    reminders_send_pending(today=TODAY)
    clock.shift(datetime.timedelta(hours=1))
    reminders_send_pending(today=TODAY)
    assert Reminder.objects.get().status == Reminder.Status.FAILED

    assert reminders_retry(reminders=Reminder.objects.all()) == 1

    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.attempts, reminder.next_attempt_at, reminder.last_error) == (
        Reminder.Status.PENDING, 0, None, ""
    )


def test_it_stops_at_the_limit_counting_reminders_that_failed(clock):
    no_one = due_on(ObligationFactory(), DUE)  # no one to send to: it fails
    sent = due_on(an_obligation(), DUE)
    left = due_on(an_obligation(), DUE)
    reminders_create_due(today=TODAY)

    result = reminders_send_pending(today=TODAY, limit=2)

    assert ([r.occurrence_id for r in result.failed], [r.occurrence_id for r in result.sent]) == ([no_one.pk],
                                                                                                   [sent.pk])
    assert rows() == [(no_one.pk, -7, "failed"), (sent.pk, -7, "sent"), (left.pk, -7, "pending")]
    assert len(mail.outbox) == 1


def test_it_logs_how_long_the_sweep_took_in_milliseconds(caplog, monkeypatch, settings):
    settings.EMAIL_BACKEND = SLOW
    monkeypatch.setattr(reminders, "time", StoppedClock())
    due_on(an_obligation(), DUE)

    with caplog.at_level(logging.INFO, logger="obligations.reminders"):
        reminders_run(today=TODAY)

    assert caplog.records[-1].getMessage() == (
        "event=reminder_sweep today=2026-12-01 created=1 sent=1 retrying=0 uncertain=0 failed=0 retry_at= "
        "duration_ms=1500"
    )
