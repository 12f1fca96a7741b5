"""Trigram indexes on the obligations' titles and sections, for searching the due date list by a word of them;
and the due dates' outcomes by date, for the front page's compliance chart and the calendar's counts.

Django's icontains reads UPPER(title) LIKE UPPER('%word%'): without an index PostgreSQL reads every
obligation (150,000 on a desk of 10,000 deals; obligations.admin.obligations_with_word). The trigram indexes exist
on PostgreSQL only; SQLite reads every row, as before.
"""
from django.db import migrations, models

INDEXES = {"obligation_title_trgm": "title", "obligation_section_trgm": "section"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON obligations_obligation USING gin (UPPER({column}) gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other objects of the database may use it.
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("obligations", "0010_reminder_list_order"),
    ]

    operations = [
        migrations.RunPython(create, drop),
        migrations.AddIndex(
            model_name="occurrence",
            index=models.Index(fields=["due_date", "status", "done_on"], name="occurrence_due_outcome"),
        ),
    ]
