"""Load a deal document (docs/deal-document.md) through the loader the sample deals use; safe to run again."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dealdesk.deal_documents.documents import DocumentError
from dealdesk.deal_documents.loading import deal_document_load


class Command(BaseCommand):
    help = "Load a deal document (a JSON file written by export_deal or by hand); nothing is saved if it has a mistake."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The deal document, a .json file.")

    def handle(self, *args, **options):
        try:
            result = deal_document_load(path=options["file"])
        except DocumentError as error:
            # The message names the file and the record; a traceback would only hide it.
            raise CommandError(str(error)) from error
        except ValidationError as error:
            # The document reads well but the desk refuses a row (e.g. more shares issued than authorized).
            raise CommandError(f"{options['file']}: the desk cannot save the deal as written: "
                               f"{' '.join(error.messages)}") from error
        for summary in result.deals:
            self.stdout.write(str(summary))
        if result.created or result.updated:
            self.stdout.write(f"{result.created} rows created, {result.updated} updated.")
        else:
            self.stdout.write("Nothing changed: the deal was already loaded as the document says.")
