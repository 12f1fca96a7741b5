"""Load the two seed agreements (see dealdesk/sample_deals.py); safe to run again."""
from django.core.management.base import BaseCommand

from dealdesk.sample_deals import sample_deals_load


class Command(BaseCommand):
    help = "Load the Cal-Bay Placement Agent Agreement and the CalbaTech Securities Purchase Agreement."

    def handle(self, *args, **options):
        result = sample_deals_load()
        for summary in result.deals:
            self.stdout.write(str(summary))
        if result.created or result.updated:
            self.stdout.write(f"{result.created} rows created, {result.updated} updated.")
        else:
            self.stdout.write("Nothing changed: the sample deals were already loaded.")
