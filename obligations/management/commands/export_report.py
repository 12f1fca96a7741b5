"""Write a report as CSV to stdout, for auditors: `export_report deadlines --from ... --to ...`."""
from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from dealdesk.csvsafe import spreadsheet_safe
from dealdesk.models import Deal
from obligations.management import parse_date_option
from obligations.reports import DEADLINE_COLUMNS, deadline_report_rows

TEXT_COLUMNS = ("deal", "section", "obligation", "obligor", "status", "computation")


class Command(BaseCommand):
    help = "Write a report as CSV to standard output."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=["deadlines"], help="Which report.")
        parser.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD",
                            help="First due date to include.")
        parser.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD",
                            help="Last due date to include.")
        parser.add_argument("--deal", type=int, metavar="ID", help="Only this deal (its id).")

    def handle(self, *args, name: str, start: str, end: str, deal: int | None, **options):
        start_date = parse_date_option(start, "--from")
        end_date = parse_date_option(end, "--to")
        if end_date < start_date:
            raise CommandError(f"--to ({end_date}) is before --from ({start_date})")
        if deal is not None and not Deal.objects.filter(pk=deal).exists():
            raise CommandError(f"No deal with id {deal}. {self.deal_list()}")

        writer = csv.DictWriter(self.stdout, fieldnames=DEADLINE_COLUMNS)
        writer.writeheader()
        for row in deadline_report_rows(start=start_date, end=end_date, deal=deal):
            writer.writerow({**row, **{column: spreadsheet_safe(row[column]) for column in TEXT_COLUMNS}})

    @staticmethod
    def deal_list(limit: int = 20) -> str:
        deals = list(Deal.objects.order_by("pk").values_list("pk", "title")[: limit + 1])
        if not deals:
            return "There are no deals yet."
        listed = ", ".join(f"{pk} {title}" for pk, title in deals[:limit])
        more = f" and {Deal.objects.count() - limit} more" if len(deals) > limit else ""
        return f"Deals: {listed}{more}."
