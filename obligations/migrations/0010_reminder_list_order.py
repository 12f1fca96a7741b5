from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("obligations", "0009_reminder_digests"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(fields=["-scheduled_for", "id"], name="reminder_list_order"),
        ),
    ]
