"""Each checklist item's section_order, the key lists sort it by ("7(h)" before "10(a)"), for the items
already held and their audit trail."""
from django.conf import settings
from django.db import migrations, models

from closings.models import section_order


def fill_section_order(apps, schema_editor):
    for name in ("ClosingItem", "HistoricalClosingItem"):
        model = apps.get_model("closings", name)
        rows = []
        for row in model.objects.only("pk", "section").iterator(chunk_size=5000):
            row.section_order = section_order(row.section)
            rows.append(row)
            if len(rows) == 5000:
                model.objects.bulk_update(rows, ["section_order"])
                rows = []
        model.objects.bulk_update(rows, ["section_order"])


class Migration(migrations.Migration):

    dependencies = [
        ('closings', '0001_initial'),
        ('parties', '0002_historicaladdress_historicaldealparty_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='closingitem',
            options={'ordering': ['closing', 'section_order', 'id']},
        ),
        migrations.AddField(
            model_name='closingitem',
            name='section_order',
            field=models.CharField(default='', editable=False, max_length=400),
        ),
        migrations.AddField(
            model_name='historicalclosingitem',
            name='section_order',
            field=models.CharField(default='', editable=False, max_length=400),
        ),
        migrations.RunPython(fill_section_order, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='closingitem',
            index=models.Index(fields=['closing', 'section_order', 'id'], name='closing_item_in_order'),
        ),
    ]
