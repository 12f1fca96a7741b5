"""Load the seed agreements (the JSON documents in dealdesk/sample_deals/); safe to run again."""
from django.core.management.base import BaseCommand, CommandError

from dealdesk.sample_deals import DocumentError, sample_deals_load


class Command(BaseCommand):
    help = "Load the Cal-Bay Placement Agent Agreement and the CalbaTech Securities Purchase Agreement."

    def handle(self, *args, **options):
        try:
            result = sample_deals_load()
        except DocumentError as error:
            # The message names the file and the record; a traceback would only hide it.
            raise CommandError(str(error)) from error
        for summary in result.deals:
            self.stdout.write(str(summary))
        if result.created or result.updated:
            self.stdout.write(f"{result.created} rows created, {result.updated} updated.")
        else:
            self.stdout.write("Nothing changed: the sample deals were already loaded.")
