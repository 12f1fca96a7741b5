""""Today" is the desk's date in New York: across DST changes, late evenings and holiday-shifted deadlines."""
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from obligations.models import DeadlineRule, Occurrence, Reminder
from obligations.reminders import reminders_run
from obligations.tasks import send_due_reminders
from tests.factories import DeadlineRuleFactory, ObligationFactory, PersonFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
UTC = datetime.timezone.utc


@pytest.fixture(autouse=True)
def desk(settings):
    settings.TIME_ZONE = "America/New_York"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REMINDER_DAYS_BEFORE = [30, 14, 7, 3, 1, 0]
    settings.REMINDER_OVERDUE_FIRST_DAY = 1
    settings.REMINDER_OVERDUE_EVERY_DAYS = 7


@pytest.fixture
def obligation():
    obligation = ObligationFactory(title="Reserved share list", section="4(h)")
    PersonFactory(party=obligation.obligor, email="alice@issuer.example", receives_reminders=True)
    return obligation


def occurrence_due(obligation, due: datetime.date) -> Occurrence:
    rule = DeadlineRuleFactory(
        obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=due, roll="none",
    )
    return rule.occurrences.get()


def run_beat_task_at(moment: datetime.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        assert timezone.now().timestamp() == moment.timestamp()  # the intended side of a DST change
        return send_due_reminders.apply().get()


def reminders_of(occurrence: Occurrence) -> list[tuple[int, datetime.date, str]]:
    return list(
        occurrence.reminders.order_by("days_from_due").values_list("days_from_due", "scheduled_for", "status")
    )


def test_the_night_dst_starts_the_due_day_reminder_is_sent_once_across_the_skipped_hour(obligation):
    due = datetime.date(2026, 3, 8)
    occurrence = occurrence_due(obligation, due)
    before_jump = datetime.datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK)
    after_jump = datetime.datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK)
    # Clocks jump 02:00 EST -> 03:00 EDT: the two runs are one real hour apart.
    assert (before_jump.astimezone(UTC).hour, after_jump.astimezone(UTC).hour) == (6, 7)

    sent = [run_beat_task_at(datetime.datetime(2026, 3, 7, 23, 30, tzinfo=NEW_YORK)),
            run_beat_task_at(before_jump), run_beat_task_at(after_jump)]

    assert sent == [1, 1, 0]
    assert reminders_of(occurrence) == [(-1, datetime.date(2026, 3, 7), "sent"), (0, due, "sent")]
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Due tomorrow", "Due today"]


def test_the_night_dst_ends_the_due_day_reminder_is_sent_once_across_the_repeated_hour(obligation):
    due = datetime.date(2026, 11, 1)
    occurrence = occurrence_due(obligation, due)
    first_one_thirty = datetime.datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)  # EDT
    second_one_thirty = datetime.datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)  # EST, an hour later
    assert (first_one_thirty.astimezone(UTC).hour, second_one_thirty.astimezone(UTC).hour) == (5, 6)

    sent = [run_beat_task_at(first_one_thirty), run_beat_task_at(second_one_thirty)]

    assert sent == [1, 0]
    assert reminders_of(occurrence) == [(0, due, "sent")]
    (message,) = mail.outbox
    assert message.subject.startswith("Due today: ")


def test_a_late_evening_run_in_new_york_uses_the_new_york_date_not_the_utc_one(obligation):
    due = datetime.date(2026, 12, 1)
    occurrence = occurrence_due(obligation, due)
    evening = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=NEW_YORK)
    assert evening.astimezone(UTC).date() == due  # already the due day in UTC

    with time_machine.travel(evening, tick=False):
        assert timezone.localdate() == datetime.date(2026, 11, 30)
        send_due_reminders.run()

    assert reminders_of(occurrence) == [(-1, datetime.date(2026, 11, 30), "sent")]
    (message,) = mail.outbox
    assert message.subject.startswith("Due tomorrow: ")

    run_beat_task_at(datetime.datetime(2026, 12, 1, 0, 30, tzinfo=NEW_YORK))
    assert reminders_of(occurrence)[-1] == (0, due, "sent")


@pytest.fixture
def spa_4h_list(obligation):
    """SPA s.4(h) list, five business days after each month end, for November and December 2026."""
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, tzinfo=NEW_YORK), tick=False):
        rule = DeadlineRuleFactory(
            obligation=obligation, window_start=datetime.date(2026, 11, 30), window_end=datetime.date(2026, 12, 31)
        )
    return {occ.key: occ for occ in rule.occurrences.all()}


def test_the_spa_4h_deadlines_skip_the_weekend_and_new_years_day(spa_4h_list):
    # Mon 30 Nov + 5 business days skips Sat 5/Sun 6 Dec; Thu 31 Dec skips New Year's Day, Fri 1 Jan 2027.
    assert {key: occ.due_date for key, occ in spa_4h_list.items()} == {
        "2026-11-30": datetime.date(2026, 12, 7),
        "2026-12-31": datetime.date(2027, 1, 8),
    }


def test_the_due_day_reminder_of_the_november_list_waits_for_monday_7_december(spa_4h_list):
    november = spa_4h_list["2026-11-30"]

    for day in (4, 5, 6):  # Fri, Sat, Sun
        run_beat_task_at(datetime.datetime(2026, 12, day, 9, tzinfo=NEW_YORK))
        assert not november.reminders.filter(days_from_due=0).exists()
    run_beat_task_at(datetime.datetime(2026, 12, 7, 0, 5, tzinfo=NEW_YORK))

    assert reminders_of(november) == [
        (-3, datetime.date(2026, 12, 4), "sent"),
        (-1, datetime.date(2026, 12, 6), "sent"),
        (0, datetime.date(2026, 12, 7), "sent"),
    ]


def test_the_due_day_reminder_of_the_december_list_comes_on_friday_8_january_and_not_before(spa_4h_list):
    december = spa_4h_list["2026-12-31"]
    due_day_reminder_created_on = []

    day = datetime.date(2026, 12, 1)
    while day <= datetime.date(2027, 1, 12):
        for reminder in reminders_run(today=day).created:
            if reminder.occurrence_id == december.pk and reminder.days_from_due == 0:
                due_day_reminder_created_on.append(day)
        day += datetime.timedelta(days=1)

    assert due_day_reminder_created_on == [datetime.date(2027, 1, 8)]
    assert reminders_of(december) == [
        (-30, datetime.date(2026, 12, 9), "sent"),
        (-14, datetime.date(2026, 12, 25), "sent"),
        (-7, datetime.date(2027, 1, 1), "sent"),
        (-3, datetime.date(2027, 1, 5), "sent"),
        (-1, datetime.date(2027, 1, 7), "sent"),
        (0, datetime.date(2027, 1, 8), "sent"),
        (1, datetime.date(2027, 1, 9), "sent"),
    ]
    # One email per sweep for the one recipient: on 5 January the November list (overdue) and the
    # December list (due in 3 days) went out together.
    sent = Reminder.objects.filter(status="sent")
    assert len(mail.outbox) == len(set(sent.values_list("message_id", flat=True))) == sent.count() - 1
