"""DeadlineRule.calendar is renamed holiday_calendar: "calendar" alone is kept for calendars people look at.

A rename keeps every row and every past version of every rule.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("obligations", "0003_calendarfeed_historicaldeadlinerule_and_more"),
    ]

    operations = [
        migrations.RenameField(model_name="deadlinerule", old_name="calendar", new_name="holiday_calendar"),
        migrations.RenameField(model_name="historicaldeadlinerule", old_name="calendar", new_name="holiday_calendar"),
    ]
