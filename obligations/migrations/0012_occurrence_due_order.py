"""The due dates in the due date list's order (due date, id): the calendar keeps the first of each day from
this index alone, and a searched list walks it to its first page."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("obligations", "0011_search_and_outcome_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="occurrence",
            index=models.Index(fields=["due_date", "id"], name="occurrence_due_order"),
        ),
    ]
