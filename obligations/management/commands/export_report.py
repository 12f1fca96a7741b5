"""Write a report as CSV to stdout, for auditors: `export_report deadlines --from ... --to ...`.

The options become the report's filters (the same FilterSet the web page
uses), so a command and a download with the same filters write the same rows;
on PostgreSQL the big reports are written by the database (deals.reporting.csv_stream).
"""
from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError

from deals.models import Deal
from deals.reporting import all_reports, csv_stream, filter_errors, get_report
from obligations.management import parse_date_option
from parties.models import Party

# option -> filter name
DATE_OPTIONS = {"start": "--from", "end": "--to", "as_of": "--as-of"}
OTHER_OPTIONS = {"deal": "--deal", "party": "--party", "status": "--status", "model": "--model", "user": "--user"}


class Command(BaseCommand):
    help = "Write a report as CSV to standard output."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=[report.name for report in all_reports()], help="Which report.")
        parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="First day to include.")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="Last day to include.")
        parser.add_argument("--deal", type=int, metavar="ID", help="Only this deal (its id).")
        parser.add_argument("--party", type=int, metavar="ID", help="Only this party (its id).")
        parser.add_argument("--status", help="Only rows with this status (see the report's page for the choices).")
        parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                            help="The report as it stood at the end of this day.")
        parser.add_argument("--model", help="history: only changes to this model, e.g. obligations.occurrence.")
        parser.add_argument("--user", type=int, metavar="ID", help="history: only changes made by this user (id).")
        parser.add_argument("--bom", action="store_true",
                            help="Start with a byte order mark, for spreadsheets that need one to read UTF-8.")

    def handle(self, *args, name: str, bom: bool, **options):
        report = get_report(name)
        filters = report.filterset_class.base_filters
        data = {}
        for key, option in {**DATE_OPTIONS, **OTHER_OPTIONS}.items():
            value = options.get(key)
            if value is None:
                continue
            if key not in filters:
                raise CommandError(f"The {name} report cannot be filtered by {option}.")
            data[key] = parse_date_option(value, option) if key in DATE_OPTIONS else value
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise CommandError(f"--to ({data['end']}) is before --from ({data['start']})")
        if "deal" in data and not Deal.objects.filter(pk=data["deal"]).exists():
            raise CommandError(f"No deal with id {data['deal']}. {self.deal_list()}")
        if "party" in data and not Party.objects.filter(pk=data["party"]).exists():
            raise CommandError(f"No party with id {data['party']}.")
        if "status" in data:
            choices = [value for value, _ in filters["status"].extra["choices"]]
            if data["status"] not in choices:
                raise CommandError(f"--status must be one of {', '.join(choices)}; not {data['status']!r}.")
        if "model" in data:
            choices = [value for value, _ in filters["model"].extra["choices"]()]
            if data["model"] not in choices:
                raise CommandError(f"--model must be one of {', '.join(choices)}; not {data['model']!r}.")

        filterset = report.filterset(data)
        if not filterset.is_valid():
            raise CommandError(filter_errors(filterset))
        try:
            self.write_csv(csv_stream(report, filterset, bom=bom))
        except BrokenPipeError:
            self.reader_gone()

    def write_csv(self, chunks) -> None:
        # PostgreSQL's COPY hands over UTF-8 bytes: they go straight to a binary stdout, and are
        # decoded only for a text-only stream (a StringIO in tests). Chunks end on row boundaries.
        binary = getattr(self.stdout, "buffer", None)
        for chunk in chunks:
            if isinstance(chunk, str):
                self.stdout.write(chunk, ending="")
            elif binary is not None:
                self.stdout.flush()
                binary.write(chunk)
            else:
                self.stdout.write(chunk.decode("utf-8"), ending="")
        self.stdout.flush()
        if binary is not None:
            binary.flush()

    @staticmethod
    def reader_gone() -> None:
        """The reader stopped reading (`export_report history | head`): stop as other Unix tools do,
        without a traceback, and leave nothing for Python to flush into the closed pipe on its way out."""
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # not a real file (a test's stream): nothing left to flush into a pipe
            pass
        sys.exit(1)

    @staticmethod
    def deal_list(limit: int = 20) -> str:
        deals = list(Deal.objects.order_by("pk").values_list("pk", "title")[: limit + 1])
        if not deals:
            return "There are no deals yet."
        listed = ", ".join(f"{pk} {title}" for pk, title in deals[:limit])
        more = f" and {Deal.objects.count() - limit} more" if len(deals) > limit else ""
        return f"Deals: {listed}{more}."
