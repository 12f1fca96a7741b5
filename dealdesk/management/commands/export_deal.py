"""Write a deal as a deal document (docs/deal-document.md), and its instruments as an OCF bundle."""
import datetime
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dealdesk.deal_documents.export import ExportError, deal_document_export, deal_find
from dealdesk.deal_documents.ocf import ocf_bundle
from dealdesk.deal_documents.schema import schema_text
from deals import clock


class Command(BaseCommand):
    help = ("Write a deal (by id or exact title) as a deal document, to --output or the screen; with --ocf DIR, "
            "also its instruments as an Open Cap Format bundle.")

    def add_arguments(self, parser):
        parser.add_argument("deal", nargs="?", help="The deal's id or exact title.")
        parser.add_argument("--output", help="The file to write the document to (default: the screen).")
        parser.add_argument("--ocf", metavar="DIR", help="Also write the OCF bundle of the deal's instruments here.")
        parser.add_argument("--formed-on", help="OCF: the company's date of formation, YYYY-MM-DD (the desk does not record it).")
        parser.add_argument("--country", help='OCF: the country the company was formed in, as a two-letter code, e.g. "US".')
        parser.add_argument("--votes-per-share", help="OCF: votes per share of the company's stock; without it the "
                                                      "stock classes are left out.")
        parser.add_argument("--schema", metavar="FILE", help="Write the JSON Schema of the deal document to FILE.")

    def handle(self, *args, **options):
        if options["schema"]:
            self._write(Path(options["schema"]), schema_text())
            self.stdout.write(f"Wrote the schema to {options['schema']}.")
            if not options["deal"]:
                return
        if not options["deal"]:
            raise CommandError("Name the deal to export, by its id or its exact title.")
        ocf_terms = self._ocf_terms(options) if options["ocf"] else None  # checked before anything is written
        try:
            deal = deal_find(title_or_id=options["deal"])
            document = deal_document_export(deal=deal)
        except ExportError as error:
            raise CommandError(str(error)) from error
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        if options["output"]:
            self._write(Path(options["output"]), text)
            self.stdout.write(f'Wrote "{deal.title}" to {options["output"]}.')
        else:
            self.stdout.write(text, ending="")
        if ocf_terms is not None:
            bundle = ocf_bundle(deal=deal, **ocf_terms, as_of=clock.today(), generated_at=timezone.now())
            try:
                written = bundle.write(folder=Path(options["ocf"]))
            except OSError as error:
                raise CommandError(f"{options['ocf']}: cannot write the OCF bundle there ({error.strerror}).") from error
            for path in written:
                self.stdout.write(f"Wrote {path}.")
            for reason in bundle.left_out:
                self.stdout.write(f"Left out of the OCF bundle: {reason}")

    def _write(self, path: Path, text: str) -> None:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{path}: cannot write there ({error.strerror}).") from error

    def _ocf_terms(self, options) -> dict:
        if not options["formed_on"] or not options["country"]:
            raise CommandError("An OCF bundle names the company's date and country of formation, which the desk does "
                               "not record: give --formed-on YYYY-MM-DD and --country XX.")
        try:
            formed_on = datetime.date.fromisoformat(options["formed_on"])
        except ValueError:
            raise CommandError(f'--formed-on: "{options["formed_on"]}" is not a date written YYYY-MM-DD.') from None
        country = options["country"].upper()
        if len(country) != 2 or not country.isalpha():
            raise CommandError(f'--country: "{options["country"]}" is not a two-letter country code such as "US".')
        votes = None
        if options["votes_per_share"] is not None:
            try:
                votes = Decimal(options["votes_per_share"])
            except InvalidOperation:
                votes = None
            if votes is None or not votes.is_finite() or votes < 0:
                raise CommandError(f'--votes-per-share: "{options["votes_per_share"]}" is not a number of votes.')
        return {"formed_on": formed_on, "country": country, "votes_per_share": votes}
