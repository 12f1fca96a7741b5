"""Indexes for the desk at scale: each row's next due date and overdue count, and open due dates by date."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("obligations", "0007_reminder_delivery"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="occurrence",
            index=models.Index(fields=["rule", "status", "due_date"], name="occurrence_rule_status_due"),
        ),
        migrations.AddIndex(
            model_name="occurrence",
            index=models.Index(fields=["status", "due_date"], name="occurrence_status_due"),
        ),
    ]
