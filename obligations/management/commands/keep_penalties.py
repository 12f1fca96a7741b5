"""Bring every covenant's kept penalty up to today (beat runs this each night; run it after a deploy)."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from deals import clock
from obligations import accruals


class Command(BaseCommand):
    help = "Compute and keep, as of today, what each covenant with a penalty in numbers has accrued."

    def handle(self, *args, **options):
        today = clock.today()
        kept = accruals.penalties_keep(today=today)
        self.stdout.write(f"Penalties kept as of {today.isoformat()}: {kept} covenants brought up to the day.")
