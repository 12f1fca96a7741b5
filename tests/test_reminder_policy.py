"""Which reminder is due on a given day: the pure policy, no database."""
import datetime

import pytest

from reckoning.reminder_policy import ReminderPolicy

DUE = datetime.date(2026, 12, 7)  # SPA s.4(h) list for November 2026


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def test_nothing_is_due_31_days_before_the_due_date():
    assert ReminderPolicy().latest_due(due_date=DUE, today=DUE - days(31)) is None


@pytest.mark.parametrize("before", [30, 14, 7, 3, 1, 0])
def test_each_scheduled_day_before_the_due_date_is_due_on_that_day(before):
    assert ReminderPolicy().latest_due(due_date=DUE, today=DUE - days(before)) == -before


def test_between_two_scheduled_days_the_latest_one_already_passed_is_due():
    assert ReminderPolicy().latest_due(due_date=DUE, today=DUE - days(10)) == -14


def test_the_day_after_the_due_date_the_first_overdue_reminder_is_due():
    assert ReminderPolicy().latest_due(due_date=DUE, today=DUE + days(1)) == 1


@pytest.mark.parametrize(
    ("late", "expected"),
    [(2, 1), (7, 1), (8, 8), (14, 8), (15, 15), (20, 15), (22, 22)],
)
def test_overdue_reminders_come_the_day_after_and_then_weekly(late, expected):
    assert ReminderPolicy().latest_due(due_date=DUE, today=DUE + days(late)) == expected


def test_a_custom_list_of_days_before_replaces_the_default():
    policy = ReminderPolicy(days_before=(10, 5))

    assert policy.latest_due(due_date=DUE, today=DUE - days(11)) is None
    assert policy.latest_due(due_date=DUE, today=DUE - days(10)) == -10
    assert policy.latest_due(due_date=DUE, today=DUE - days(6)) == -10
    assert policy.latest_due(due_date=DUE, today=DUE - days(5)) == -5
    # No due-day reminder in the list: the 5-day one stays the latest on the day itself.
    assert policy.latest_due(due_date=DUE, today=DUE) == -5
    assert policy.lead_days == 10


@pytest.mark.parametrize(("late", "expected"), [(1, 1), (3, 1), (4, 4), (6, 4), (7, 7), (10, 10), (12, 10)])
def test_overdue_every_3_days_reminds_on_days_1_4_7_10(late, expected):
    policy = ReminderPolicy(overdue_every_days=3)

    assert policy.latest_due(due_date=DUE, today=DUE + days(late)) == expected


def test_a_reminder_is_scheduled_for_its_offset_from_the_due_date():
    policy = ReminderPolicy()

    assert policy.scheduled_for(due_date=DUE, days_from_due=-7) == datetime.date(2026, 11, 30)
    assert policy.scheduled_for(due_date=DUE, days_from_due=15) == datetime.date(2026, 12, 22)
    assert policy.lead_days == 30
