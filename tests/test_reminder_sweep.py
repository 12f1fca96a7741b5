"""The sweep: which reminder rows are created, and when none are."""
import datetime

import pytest
from django.core import mail
from django.utils import timezone

from obligations.models import DeadlineRule, Occurrence, Reminder
from obligations.reminders import reminders_create_due, reminders_plan, reminders_run
from obligations.services import occurrences_mark_done, occurrences_waive
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 12, 8)
TODAY = datetime.date(2026, 12, 1)  # a week before DUE


@pytest.fixture(autouse=True)
def desk_defaults(settings):
    # Pinned so an environment override cannot change the expected days.
    settings.REMINDER_DAYS_BEFORE = [30, 14, 7, 3, 1, 0]
    settings.REMINDER_OVERDUE_FIRST_DAY = 1
    settings.REMINDER_OVERDUE_EVERY_DAYS = 7
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def open_occurrence(*, due: datetime.date = DUE, **obligation_fields) -> Occurrence:
    """One open occurrence due on `due` exactly (a fixed-date rule, not rolled)."""
    rule = DeadlineRuleFactory(
        obligation=ObligationFactory(**obligation_fields),
        kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=due, roll="none",
    )
    return rule.occurrences.get()


def reminder_rows() -> list[tuple[int, int, datetime.date, str]]:
    return list(
        Reminder.objects.order_by("occurrence_id", "days_from_due")
        .values_list("occurrence_id", "days_from_due", "scheduled_for", "status")
    )


def test_open_occurrences_due_in_7_days_get_one_reminder_each_a_week_before():
    occurrences = [open_occurrence() for _ in range(3)]

    created = reminders_create_due(today=TODAY)

    assert len(created) == 3
    assert reminder_rows() == [(occ.pk, -7, TODAY, "pending") for occ in occurrences]


def test_a_second_sweep_the_same_day_creates_nothing():
    occurrences = [open_occurrence() for _ in range(3)]
    reminders_create_due(today=TODAY)

    assert reminders_create_due(today=TODAY) == []
    assert reminder_rows() == [(occ.pk, -7, TODAY, "pending") for occ in occurrences]


def test_a_created_row_is_whole_with_the_outboxs_defaults():
    occurrence = open_occurrence()
    occurrence.rule.obligation.obligor.people.create(name="Ann Finance", email="ann@example.com",
                                                       receives_reminders=True)
    before = timezone.now()

    reminders_create_due(today=TODAY)

    row = Reminder.objects.values().get()
    created_at = row.pop("created_at")
    assert before <= created_at <= timezone.now()
    assert row == {
        "id": row["id"], "occurrence_id": occurrence.pk, "due_date": DUE, "days_from_due": -7,
        "scheduled_for": TODAY, "recipient": "ann@example.com", "status": "pending", "attempts": 0,
        "unknown_outcomes": 0, "next_attempt_at": None, "claimed_at": None, "sent_at": None,
        "alerted_at": None, "last_error": "", "message_id": "",
    }


def test_rows_another_sweep_created_meanwhile_are_left_as_they_are():
    # Two sweeps that planned the same rows at once: the second insert adds nothing, and fails nothing.
    first, second = open_occurrence(), open_occurrence()
    planned = reminders_plan(today=TODAY)
    Reminder.objects.create(occurrence=first, due_date=DUE, days_from_due=-7, scheduled_for=TODAY,
                            recipient=planned[0].recipient, status=Reminder.Status.SENT)

    reminders_create_due(today=TODAY)

    assert reminder_rows() == [(first.pk, -7, TODAY, "sent"), (second.pk, -7, TODAY, "pending")]


def test_done_and_waived_occurrences_get_no_reminder():
    done, waived, still_open = open_occurrence(), open_occurrence(), open_occurrence()
    occurrences_mark_done(occurrences=Occurrence.objects.filter(pk=done.pk), on=timezone.localdate(), by=None,
                          evidence="Reserved share list emailed to the buyers.")
    occurrences_waive(occurrences=Occurrence.objects.filter(pk=waived.pk), on=timezone.localdate(), by=None,
                      evidence="Buyers' written waiver of 20 Nov 2026")

    reminders_create_due(today=TODAY)

    assert reminder_rows() == [(still_open.pk, -7, TODAY, "pending")]


def test_marking_an_occurrence_done_cancels_its_pending_reminder():
    occurrence = open_occurrence()
    reminders_create_due(today=TODAY)

    occurrences_mark_done(occurrences=Occurrence.objects.filter(pk=occurrence.pk), on=timezone.localdate(), by=None,
                          evidence="Reserved share list emailed to the buyers.")

    assert reminder_rows() == [(occurrence.pk, -7, TODAY, "cancelled")]
    assert reminders_create_due(today=TODAY + datetime.timedelta(days=4)) == []


def test_a_daily_sweep_creates_each_scheduled_reminder_once_on_its_day():
    occurrence = open_occurrence()
    day, created_on = DUE - datetime.timedelta(days=40), {}
    while day <= DUE + datetime.timedelta(days=20):
        for reminder in reminders_create_due(today=day):
            created_on[reminder.days_from_due] = day
        day += datetime.timedelta(days=1)

    assert created_on == {
        offset: DUE + datetime.timedelta(days=offset) for offset in (-30, -14, -7, -3, -1, 0, 1, 8, 15)
    }
    assert Reminder.objects.filter(occurrence=occurrence).count() == 9


def test_after_downtime_each_occurrence_gets_only_the_latest_reminder_not_a_flood():
    occurrences = [open_occurrence() for _ in range(2)]

    reminders_create_due(today=DUE + datetime.timedelta(days=20))

    assert reminder_rows() == [(occ.pk, 15, datetime.date(2026, 12, 23), "pending") for occ in occurrences]


def test_the_deals_own_days_replace_the_desks_default():
    deal = DealFactory(reminder_days_before="10, 2")
    occurrence = open_occurrence(deal=deal)

    # Twelve days out the desk default would already have sent its 14-day reminder.
    assert reminders_create_due(today=DUE - datetime.timedelta(days=12)) == []
    reminders_create_due(today=DUE - datetime.timedelta(days=10))
    reminders_create_due(today=DUE - datetime.timedelta(days=7))
    reminders_create_due(today=DUE - datetime.timedelta(days=2))

    assert reminder_rows() == [
        (occurrence.pk, -10, datetime.date(2026, 11, 28), "pending"),
        (occurrence.pk, -2, datetime.date(2026, 12, 6), "pending"),
    ]


def test_the_obligations_own_days_take_precedence_over_the_deals():
    deal = DealFactory(reminder_days_before="10, 2")
    occurrence = open_occurrence(deal=deal, reminder_days_before="5")

    assert reminders_create_due(today=DUE - datetime.timedelta(days=10)) == []
    reminders_create_due(today=DUE - datetime.timedelta(days=5))
    assert reminders_create_due(today=DUE - datetime.timedelta(days=2)) == []

    assert reminder_rows() == [(occurrence.pk, -5, datetime.date(2026, 12, 3), "pending")]


def test_an_override_reaching_further_than_the_default_is_swept_in_time():
    occurrence = open_occurrence(reminder_days_before="45, 0")

    reminders_create_due(today=DUE - datetime.timedelta(days=45))

    assert reminder_rows() == [(occurrence.pk, -45, datetime.date(2026, 10, 24), "pending")]


def test_a_dry_run_creates_and_sends_nothing_and_returns_the_plan():
    first, second = open_occurrence(), open_occurrence(due=DUE + datetime.timedelta(days=7))

    result = reminders_run(today=TODAY, dry_run=True)

    assert [(r.occurrence_id, r.days_from_due, r.scheduled_for) for r in result.created] == [
        (first.pk, -7, TODAY),
        (second.pk, -14, TODAY),
    ]
    assert all(r.pk is None for r in result.created)
    assert (result.sent, result.failed) == ([], [])
    assert Reminder.objects.count() == 0
    assert mail.outbox == []


def test_when_a_due_date_moves_later_the_week_before_reminder_goes_out_for_the_new_date():
    occurrence = open_occurrence()
    reminders_create_due(today=TODAY)  # -7 for 8 Dec
    rule = occurrence.rule
    rule.fixed_date = datetime.date(2026, 12, 29)  # e.g. the buyers agree to three more weeks
    rule.save()  # the signal moves the open occurrence
    occurrence.refresh_from_db()
    assert occurrence.due_date == datetime.date(2026, 12, 29)

    created = reminders_create_due(today=datetime.date(2026, 12, 22))

    assert [(r.days_from_due, r.scheduled_for) for r in created] == [(-7, datetime.date(2026, 12, 22))]


def test_the_end_of_a_restriction_period_is_announced_but_never_chased_as_overdue():
    from obligations.models import DeadlineRule as Rule
    from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory

    deal = DealFactory(title="Lock-up deal", dated_as_of=datetime.date(2026, 1, 5), closing_date=datetime.date(2026, 1, 5))
    rule = DeadlineRuleFactory(
        obligation=ObligationFactory(deal=deal, title="Lock-up"), kind=Rule.Kind.PERIOD, frequency="",
        anchor=Rule.Anchor.CLOSING_DATE, offset=270, offset_unit=Rule.Unit.CALENDAR_DAYS,
    )
    end = rule.occurrences.get().due_date  # 2 Oct 2026

    week_before = reminders_create_due(today=end - datetime.timedelta(days=7))
    after_end = reminders_create_due(today=end + datetime.timedelta(days=8))

    assert end == datetime.date(2026, 10, 2)
    assert [r.days_from_due for r in week_before] == [-7]
    assert after_end == []
