"""Each report page on a small desk and on the full-size desk: queries and median time.

Run (the full-size desk built by `manage.py generate_load --deals 10000`, the small one with --deals 1):

    .venv/bin/python bench/bench_reports.py --database-url postgres://postgres@127.0.0.1:5432/dealdesk_bench \\
        --small-url postgres://postgres@127.0.0.1:5432/dealdesk_small

Each desk is measured in a process of its own (Django binds one database per process). A page
is the view itself, called with a request from RequestFactory and an unsaved superuser, so
nothing is written to the desk; the template is rendered in full (the response's content).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

REPEATS = 5


def pages() -> list[tuple[str, str, dict]]:
    """(label, report name, GET parameters) for every page measured: each report as it opens, and filtered."""
    from deals.models import Deal
    from deals.reporting import all_reports

    deal = Deal.objects.order_by("pk").values_list("pk", flat=True).first()
    measured = [("index", "", {})]
    for report in all_reports():
        measured.append((report.name, report.name, {}))
        if deal is not None and "deal" in report.filterset_class.base_filters:
            measured.append((f"{report.name}, one deal", report.name, {"deal": str(deal)}))
    measured.append(("deadlines, overdue", "deadlines", {"status": "overdue"}))
    measured.append(("deadlines, sorted by deal", "deadlines", {"sort": "deal"}))
    measured.append(("deadlines, page 3", "deadlines", {"page": "3"}))
    measured.append(("closings, sorted by section", "closings", {"sort": "section"}))
    measured.append(("closings, open, latest done first", "closings", {"sort": "-done_on", "status": "open"}))
    return measured


def measure_desk(database_url: str, only: set[str]) -> None:
    """In a child process: one JSON line per page, on this desk."""
    common.setup_django(database_url)
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from deals import reporting
    from obligations.models import Occurrence

    user = get_user_model()(username="bench", is_superuser=True, is_staff=True, is_active=True)
    factory = RequestFactory()

    def get(name: str, params: dict):
        request = factory.get(f"/reports/{name + '/' if name else ''}", params)
        request.user = user
        response = reporting.report_page(request, name) if name else reporting.report_index(request)
        assert response.status_code == 200, (name, params, response.status_code)
        return response.content

    print(json.dumps({"occurrences": Occurrence.objects.count()}), flush=True)
    for label, name, params in pages():
        if only and name not in only:
            continue
        get("", {})  # warm: templates compiled, reports discovered
        start = time.perf_counter()
        with common.count_queries() as queries:
            get(name, params)
        seconds = time.perf_counter() - start
        if seconds < 10:  # else a page built whole in Python: once is enough to see it
            seconds = common.median_seconds(lambda: get(name, params), repeats=REPEATS)
        print(json.dumps({"page": label, "queries": len(queries), "ms": round(seconds * 1000, 1)}), flush=True)


def run_child(database_url: str, only: str) -> tuple[int, dict[str, dict]]:
    output = subprocess.run([sys.executable, __file__, "--one", database_url, "--reports", only], check=True,
                            capture_output=True, text=True).stdout
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return lines[0]["occurrences"], {line["page"]: line for line in lines[1:]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="The full-size desk.")
    parser.add_argument("--small-url", help="A small desk to compare with (same pages, same queries).")
    parser.add_argument("--reports", default="", help="Comma-separated report names (default: every page).")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        measure_desk(args.one, set(filter(None, args.reports.split(","))))
        return
    common.setup_django(args.database_url)
    common.print_header("Report pages: queries and median time (bench_reports.py)")
    desks = [("small", args.small_url)] if args.small_url else []
    desks.append(("full", args.database_url))
    results = {label: run_child(url, args.reports) for label, url in desks}
    print(" | ".join(f"{label} desk: {count:,} due dates" for label, (count, _) in results.items()))
    labels = list(next(iter(results.values()))[1])
    header = f"{'page':<34}" + "".join(f" | {label + ': queries':>15} | {label + ': median':>13}" for label in results)
    print(header)
    for page in labels:
        cells = "".join(
            f" | {pages_[page]['queries']:>15} | {pages_[page]['ms']:>10.1f} ms" if page in pages_ else " | - | -"
            for _, pages_ in results.values()
        )
        print(f"{page:<34}{cells}")


if __name__ == "__main__":
    main()
