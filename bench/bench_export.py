"""How much memory a CSV export takes as the number of rows grows.

Run: .venv/bin/python bench/bench_export.py [--database-url postgres://...]

Builds a throwaway database (SQLite in a temporary folder unless a URL is
given), fills it with 1k, 10k and 50k occurrences, and streams the deadlines
report through the same generator the Download CSV button and
`export_report` use, with tracemalloc measuring the peak. For contrast it also
measures holding all the rows in a list, which is what streaming avoids.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = (1_000, 10_000, 50_000)


def setup(database_url: str | None) -> None:
    folder = tempfile.mkdtemp(prefix="dealdesk-bench-")
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("CELERY_BROKER_DIR", f"{folder}/broker")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(rows: int) -> None:
    from deals.models import Deal
    from obligations.models import DeadlineRule, Obligation, Occurrence
    from parties.models import Party

    Deal.objects.all().delete()
    deal = Deal.objects.create(title="Bench deal", agreement_name="SPA", kind="convertible_notes",
                               dated_as_of=datetime.date(2005, 5, 23))
    obligor = Party.objects.get_or_create(legal_name="Bench obligor, Inc.")[0]
    obligation = Obligation.objects.create(deal=deal, obligor=obligor, section="4(h)", title="Monthly list")
    rule = DeadlineRule.objects.create(obligation=obligation, kind="fixed_date", fixed_date=datetime.date(2005, 6, 7))
    Occurrence.objects.bulk_create(
        [Occurrence(rule=rule, key=f"b{n}", due_date=datetime.date(2006, 1, 1) + datetime.timedelta(days=n % 3650),
                    computation="Month ended 31 May 2005 + 5 business days = Tue 7 Jun 2005") for n in range(rows)],
        batch_size=5_000,
    )


def measure(consume) -> tuple[float, int]:
    # Timed without tracing (tracemalloc slows Python several times over), then traced for the peak.
    start = time.perf_counter()
    consume()
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    consume()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup(args.database_url)
    from deals.reporting import csv_lines, get_report

    report = get_report("deadlines")
    print(f"{'rows':>7} | {'streamed: time':>14} | {'peak':>9} | {'held in a list: peak':>20}")
    for size in SIZES:
        fill(size)
        filterset = report.filterset({})
        assert filterset.is_valid()
        streamed = measure(lambda fs=filterset: sum(len(line) for line in csv_lines(report, fs)))
        held = measure(lambda fs=filterset: len(list(report.rows(fs))))
        print(f"{size:>7} | {streamed[0]:>12.2f} s | {streamed[1] / 1024:>6.0f} KiB | {held[1] / 1024:>16.0f} KiB")


if __name__ == "__main__":
    main()
