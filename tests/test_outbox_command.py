"""`manage.py outbox`: what an operator reads about the reminder outbox."""
from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from obligations.models import DeadlineRule, Occurrence, Reminder
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory, PartyFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 14, 0, tzinfo=datetime.timezone.utc)  # 09:00 in New York
ERROR = "SMTPServerDisconnected: Connection unexpectedly closed"


@pytest.fixture(autouse=True)
def desk_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def clock():
    with time_machine.travel(NOW - datetime.timedelta(hours=2), tick=False) as traveller:
        yield traveller


@pytest.fixture
def occurrence() -> Occurrence:
    obligation = ObligationFactory(deal=DealFactory(title="CalbaTech 2005 notes"),
                                   obligor=PartyFactory(legal_name="CalbaTech, Inc."),
                                   title="Reserved share list", section="4(h)")
    rule = DeadlineRuleFactory(
        obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=datetime.date(2026, 12, 8), roll="none",
    )
    return rule.occurrences.get()


def a_reminder(occurrence: Occurrence, days_from_due: int, **fields) -> Reminder:
    return Reminder.objects.create(
        occurrence=occurrence, due_date=occurrence.due_date, days_from_due=days_from_due,
        scheduled_for=occurrence.due_date + datetime.timedelta(days=days_from_due), **fields,
    )


def outbox(*args: str) -> list[str]:
    out = StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue().splitlines()


def test_an_empty_outbox(clock):
    clock.move_to(NOW)

    assert outbox() == [
        "Reminder outbox at 2026-12-01 09:00 EST",
        "  pending         0",
        "  sending         0",
        "  sent            0",
        "  uncertain       0",
        "  failed          0",
        "  cancelled       0",
        "Oldest ready: none",
        "Next retry: none",
        "Uncertain: 0",
        "Failed: 0",
    ]


def test_it_counts_each_status_and_names_the_oldest_ready_the_next_retry_and_the_failed(occurrence, clock):
    a_reminder(occurrence, -30, status=Reminder.Status.SENT, attempts=1, sent_at=NOW)
    failed = a_reminder(occurrence, -14, status=Reminder.Status.FAILED, attempts=6, last_error=ERROR)
    clock.shift(datetime.timedelta(minutes=30))  # 07:30 in New York
    ready = a_reminder(occurrence, -7)
    retrying = a_reminder(occurrence, -3, attempts=2, last_error=ERROR,
                          next_attempt_at=NOW + datetime.timedelta(minutes=5))
    a_reminder(occurrence, -1, status=Reminder.Status.CANCELLED)
    clock.move_to(NOW)

    assert outbox() == [
        "Reminder outbox at 2026-12-01 09:00 EST",
        "  pending         2",
        "  sending         0",
        "  sent            1",
        "  uncertain       0",
        "  failed          1",
        "  cancelled       1",
        f"Oldest ready: reminder {ready.pk}, waiting since 2026-12-01 07:30 EST (1:30:00)",
        f"Next retry: reminder {retrying.pk} at 2026-12-01 09:05 EST",
        "Uncertain: 0",
        "Failed: 1",
        f"  reminder {failed.pk}: CalbaTech 2005 notes s.4(h): Reserved share list, due 2026-12-08, "
        f"14 days before; 6 attempts; {ERROR}",
    ]


def test_a_reminder_left_sending_by_a_worker_that_died_is_ready_again_since_its_claim(occurrence, clock, settings):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 600
    stuck = a_reminder(occurrence, -7, status=Reminder.Status.SENDING, attempts=1,
                       claimed_at=NOW - datetime.timedelta(minutes=45))
    a_reminder(occurrence, -3, status=Reminder.Status.SENDING, attempts=1,
               claimed_at=NOW - datetime.timedelta(minutes=5))  # still within its claim
    clock.move_to(NOW)

    assert outbox()[2] == "  sending         2"
    assert outbox()[7] == f"Oldest ready: reminder {stuck.pk}, waiting since 2026-12-01 08:15 EST (0:45:00)"


def test_it_lists_the_newest_failed_up_to_the_limit_and_says_how_many_more(occurrence, clock):
    _oldest, newer, newest = (
        a_reminder(occurrence, days, status=Reminder.Status.FAILED, attempts=6, last_error=f"{ERROR} ({days})")
        for days in (-30, -14, -7)
    )
    clock.move_to(NOW)

    assert outbox("--limit", "2")[10:] == [
        "Failed: 3",
        f"  reminder {newest.pk}: CalbaTech 2005 notes s.4(h): Reserved share list, due 2026-12-08, "
        f"7 days before; 6 attempts; {ERROR} (-7)",
        f"  reminder {newer.pk}: CalbaTech 2005 notes s.4(h): Reserved share list, due 2026-12-08, "
        f"14 days before; 6 attempts; {ERROR} (-14)",
        "  ... and 1 more (admin: Reminders, status Failed)",
    ]
