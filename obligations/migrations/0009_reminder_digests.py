"""One reminder row per recipient, and the Message-ID of the email each was claimed into.

Until now a row was one email to all of an occurrence's recipients (its `recipients` listed them
once sent). Each row becomes one row per recipient: a sent row per address it went to; a row not
yet sent per address that would receive it today (the same people, staff and copies the sender
used). Rows that went out keep their old Message-ID, so a resend after an unknown outcome still
carries the Message-ID of the first send.
"""
from django.db import migrations, models

from deals.models import parse_email_list


def _legacy_message_id(row) -> str:
    return f"<reminder-{row.pk}-occ{row.occurrence_id}-{row.due_date:%Y%m%d}{row.days_from_due:+d}@dealdesk>"


def _named_now(row) -> list[str]:
    obligation = row.occurrence.rule.obligation
    addresses = [p.email for p in obligation.obligor.people.all() if p.receives_reminders and p.email]
    addresses += [user.email for user in obligation.responsible_staff.all() if user.email]
    addresses += parse_email_list(obligation.deal.reminder_copies_to)
    return list(dict.fromkeys(addresses))


def one_row_per_recipient(apps, schema_editor):
    Reminder = apps.get_model("obligations", "Reminder")
    rows = Reminder.objects.select_related("occurrence__rule__obligation__deal", "occurrence__rule__obligation__obligor")
    for row in rows.iterator(chunk_size=500):
        if row.status == "sent":
            addresses = parse_email_list(row.recipients)
        else:
            addresses = _named_now(row)
        if row.attempts:
            row.message_id = _legacy_message_id(row)
        row.recipient = addresses[0] if addresses else ""
        row.save(update_fields=["recipient", "message_id"])
        for address in addresses[1:]:
            row.pk = None
            row.recipient = address
            row.save(force_insert=True)


class Migration(migrations.Migration):

    dependencies = [
        ("obligations", "0008_scale_indexes"),
        ("parties", "0002_historicaladdress_historicaldealparty_and_more"),
        ("dealdesk", "0002_deal_reminder_copies_to_deal_reminder_days_before"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="reminder", name="reminder_once_per_offset"),
        migrations.AddField(
            model_name="reminder",
            name="recipient",
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="reminder",
            name="message_id",
            field=models.CharField(blank=True, db_index=True, max_length=100),
        ),
        migrations.RunPython(one_row_per_recipient, migrations.RunPython.noop),
        migrations.RemoveField(model_name="reminder", name="recipients"),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.UniqueConstraint(fields=("occurrence", "due_date", "days_from_due", "recipient"),
                                               name="reminder_once_per_offset_and_recipient"),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(condition=models.Q(("status__in", ["pending", "sending", "uncertain"])),
                               fields=["scheduled_for", "id"], name="reminder_queue"),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(condition=models.Q(("status", "pending")), fields=["recipient", "scheduled_for"],
                               name="reminder_queue_by_recipient"),
        ),
    ]
