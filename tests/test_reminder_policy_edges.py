"""The reminder policy at its edges: days typed with semicolons, a daily overdue chase."""
import datetime

from reckoning.reminder_policy import ReminderPolicy, parse_days_before

DUE = datetime.date(2026, 12, 7)


def test_it_reads_days_separated_by_semicolons_as_by_commas():
    assert parse_days_before("30; 14;7") == (30, 14, 7)


def test_it_chases_every_day_when_overdue_reminders_are_daily():
    policy = ReminderPolicy(overdue_every_days=1)

    assert [policy.latest_due(due_date=DUE, today=DUE + datetime.timedelta(days=late)) for late in (1, 2, 3)] == [
        1, 2, 3
    ]
