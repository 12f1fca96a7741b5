"""The reminders keep one index per lookup: no second index for LIKE on the status and the Message-ID
(looked up by equality only), none of its own for the due date (the unique constraint leads with it).
Every index is maintained on each reminder a sweep creates and each change of status a send makes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("obligations", "0012_occurrence_due_order"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reminder",
            name="message_id",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="occurrence",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="reminders", to="obligations.occurrence"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="status",
            field=models.CharField(choices=[("pending", "Pending"), ("sending", "Sending"), ("sent", "Sent"),
                                            ("uncertain", "Uncertain"), ("failed", "Failed"),
                                            ("cancelled", "Cancelled")],
                                   default="pending", max_length=10),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(fields=["status"], name="reminder_status"),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(fields=["message_id"], name="reminder_message_id"),
        ),
    ]
