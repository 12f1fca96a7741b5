"""Each report's CSV export beside PostgreSQL's own COPY of the same rows, on the full-size desk.

Run (the desk built by `manage.py generate_load --deals 10000 --seed 1`):

    .venv/bin/python bench/bench_export.py --database-url postgres://postgres@127.0.0.1:5432/dealdesk_bench

For each report, in a process of its own (so each peak is its own):
- the export: `export_report <name>` to /dev/null, exactly what an auditor runs (on PostgreSQL the
  deadlines, compliance, attestations, reminders, parties, instruments and closings reports are written
  by COPY; fees, fee-totals and history by Python; the "written by" column says which);
- the floor: `COPY (SELECT <the plain columns of the same rows, joined, filtered and sorted
  the same way>) TO STDOUT WITH CSV`, read through psycopg as the export reads it: what the
  database costs before any formatting;
- peak memory: the process's maximum resident set (ru_maxrss, Django and all) and, in a second
  pass of the export, the peak Python allocated (tracemalloc; skipped with --no-trace).
With --repeats N, the COPY and the export run N times each, one after the other, and the medians are
given (the ratio is theirs). Nothing is written to the desk.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

OBLIGATION = ("rule__obligation__deal__title", "rule__obligation__section", "rule__obligation__title",
              "rule__obligation__obligor__legal_name")


def floor_queryset(name: str):
    """The plain rows each report's CSV is made of: its tables joined, filtered and sorted as the report does."""
    from deals.reporting import get_report
    from instruments.models import Draw
    from obligations.models import Obligation, Occurrence

    report = get_report(name)
    filterset = report.filterset({})
    assert filterset.is_valid()
    if name == "deadlines":
        return report.ordered(filterset, ()).values_list(
            *OBLIGATION, "due_date", "status", "done_on", "period_end", "computation")
    if name == "compliance":
        return report.ordered(filterset, ()).values_list(*OBLIGATION, "due_date", "status", "done_on", "evidence")
    if name == "attestations":
        return report.ordered(filterset, ()).values_list(
            *OBLIGATION, "period_start", "period_end", "due_date", "status", "done_by__username", "done_on", "evidence")
    if name == "reminders":
        return report.ordered(filterset, ()).values_list(
            "occurrence__rule__obligation__deal__title", "occurrence__rule__obligation__section",
            "occurrence__rule__obligation__title", "due_date", "days_from_due", "recipient", "scheduled_for",
            "sent_at", "status", "attempts", "last_error")
    if name == "instruments":
        parts = report._parts(filterset)
        return parts[0].union(*parts[1:], all=True).order_by(*report._ordering(()))
    if name == "parties":
        # Every column a role's line is made of: its signatory's name and title, its notice address's
        # party and parts, and the addresses it sends copies to (their ids, gathered per role).
        from django.contrib.postgres.aggregates import ArrayAgg
        from django.db.models import F

        from deals.reporting import Joined, join_rows
        from parties.models import DealParty

        copies = DealParty.copy_to.through.objects.order_by().values("dealparty_id").annotate(
            ids=ArrayAgg("address_id"))
        roles = join_rows(report.ordered(filterset, ()), alias="copies", rows=copies, key="dealparty_id", to=F("pk"))
        address = [f"notice_address__{part}" for part in (
            "party__legal_name", "street_line_1", "street_line_2", "street_line_3", "po_box", "city", "region",
            "postal_code", "country", "attention", "phone", "fax", "email")]
        return roles.annotate(copy_ids=Joined("copies", "ids")).values_list(
            "deal__title", "role", "party__legal_name", "signatory__name", "signatory__title", *address, "copy_ids")
    if name == "closings":
        return report.ordered(filterset, ()).values_list(
            "closing__deal__title", "closing__name", "section", "kind", "title", "satisfied_by__legal_name",
            "status", "done_on", "evidence", "closing__closed_on")
    if name in ("fees", "fee-totals"):
        # The draws, and the due dates of the covenants with a penalty in numbers.
        return Occurrence.objects.filter(rule__obligation__in=Obligation.objects.exclude(
            penalty=Obligation.Penalty.NONE)).order_by("rule__obligation", "due_date").values_list(
            "rule__obligation__deal__title", "rule__obligation__title", "status", "due_date", "done_on").union(
            Draw.objects.order_by().values_list("equity_line__deal__title", "equity_line__deal__title",
                                                "equity_line__deal__title", "date", "date"), all=True)
    if name == "history":
        return report.ordered(filterset, ())
    raise KeyError(name)


# The change history is written in Python row by row (each change is a diff of two records):
# on a full-size desk it is measured on its first rows only, and the rate given.
HEAD = {"history": 50_000}


def copy_floor(name: str) -> tuple[float, int, int]:
    """Seconds, rows and bytes of PostgreSQL's COPY of the plain rows, read through psycopg."""
    from django.db import connection

    queryset = floor_queryset(name)
    if name in HEAD:
        queryset = queryset[: HEAD[name]]
    sql, params = queryset.query.sql_with_params()
    statement = f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT WITH (FORMAT csv)"
    rows = size = 0
    start = time.perf_counter()
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in copy:
            rows += 1
            size += len(row)
    return time.perf_counter() - start, rows, size


class Counting(io.RawIOBase):
    """/dev/null that counts what it is given (the command writes bytes to .buffer, text elsewhere)."""

    def __init__(self):
        self.size = 0

    def writable(self):
        return True

    def write(self, data):
        self.size += len(data)
        return len(data)


def export(name: str) -> int:
    from django.core.management import call_command

    if name in HEAD:  # the first rows of the same stream the command writes
        import itertools

        from deals.reporting import csv_stream, get_report

        report = get_report(name)
        filterset = report.filterset({})
        filterset.is_valid()
        return sum(len(line) for line in itertools.islice(csv_stream(report, filterset), HEAD[name] + 1))
    raw = Counting()
    out = io.TextIOWrapper(io.BufferedWriter(raw, 1 << 16), encoding="utf-8", newline="")
    call_command("export_report", name, stdout=out)
    out.flush()
    return raw.size


def one(database_url: str, name: str, job: str, trace: bool) -> None:
    common.setup_django(database_url)
    from deals.reporting import copy_statement, get_report

    report = get_report(name)
    if job == "floor":
        seconds, rows, size = copy_floor(name)
        result = {"seconds": seconds, "rows": rows, "bytes": size}
    else:
        start = time.perf_counter()
        size = export(name)
        seconds = time.perf_counter() - start
        filterset = report.filterset({})
        filterset.is_valid()
        result = {"seconds": seconds, "bytes": size, "copy": copy_statement(report, filterset) is not None}
        result["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if trace and seconds < 120:
            result["traced"] = common.peak_memory(lambda: export(name))
    print(json.dumps(result), flush=True)


def child(database_url: str, name: str, job: str, trace: bool) -> dict:
    command = [sys.executable, __file__, "--database-url", database_url, "--one", name, "--job", job]
    if not trace:
        command.append("--no-trace")
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ).stdout
    return json.loads(output.strip().splitlines()[-1])


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of runs, 1 or more")
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--reports", help="Comma-separated names (default: every report).")
    parser.add_argument("--no-trace", action="store_true", help="Skip the tracemalloc pass.")
    parser.add_argument("--repeats", type=positive, default=1,
                        help="Run the COPY and the export this many times each, alternately, and give medians "
                             "(single runs of a second or two move by a third from one run to the next).")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--job", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.database_url, args.one, args.job, not args.no_trace)
        return
    common.setup_django(args.database_url)
    from deals.reporting import all_reports
    from obligations.models import Occurrence

    common.print_header("CSV exports beside PostgreSQL's COPY of the same rows (bench_export.py)")
    print(f"desk: {Occurrence.objects.count():,} due dates")
    names = args.reports.split(",") if args.reports else [report.name for report in all_reports()]
    print(f"{'report':<13} | {'written by':<10} | {'rows':>9} | {'export':>9} | {'COPY':>8} | {'ratio':>6} | "
          f"{'MiB':>7} | {'max RSS':>9} | {'traced peak':>11}")
    for name in names:
        floors, exports = [], []
        for run in range(args.repeats):
            floors.append(child(args.database_url, name, "floor", False))
            exports.append(child(args.database_url, name, "export", not args.no_trace and run == 0))
        floor = {**floors[0], "seconds": statistics.median(run["seconds"] for run in floors)}
        exported = {**exports[0], "seconds": statistics.median(run["seconds"] for run in exports),
                    "maxrss": max(run["maxrss"] for run in exports)}
        traced = common.megabytes(exported["traced"]) if "traced" in exported else "-"
        shown = f"{name} (first {HEAD[name]:,})" if name in HEAD else name
        print(f"{shown:<13} | {'COPY' if exported['copy'] else 'Python':<10} | {floor['rows']:>9,} | "
              f"{exported['seconds']:>7.2f} s | {floor['seconds']:>6.2f} s | "
              f"{exported['seconds'] / max(floor['seconds'], 1e-9):>5.1f}x | "
              f"{exported['bytes'] / 2**20:>7.1f} | {common.megabytes(exported['maxrss']):>9} | {traced:>11}",
              flush=True)


if __name__ == "__main__":
    main()
