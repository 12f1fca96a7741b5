"""The deal list's order as an index, so a page of 10,000 deals is read without sorting them all."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("dealdesk", "0005_agreement_sections"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["-dated_as_of", "title"], name="deal_list_order"),
        ),
    ]
