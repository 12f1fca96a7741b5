"""Bring every rule's stored due dates up to date and out to the horizon (run daily)."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from obligations import services
from obligations.management import parse_date_option


class Command(BaseCommand):
    help = "Recompute the due dates of every deadline rule up to the horizon."

    def add_arguments(self, parser):
        parser.add_argument("--horizon", metavar="YYYY-MM-DD",
                            help="Generate recurring due dates up to this day (default: the configured horizon).")

    def handle(self, *args, horizon: str | None, **options):
        horizon_date = parse_date_option(horizon, "--horizon") if horizon else services.default_horizon()
        result = services.occurrences_sync_all(horizon=horizon_date)
        self.stdout.write(
            f"Due dates up to {horizon_date}: {result.created} created, "
            f"{result.updated} updated, {result.removed} removed."
        )
