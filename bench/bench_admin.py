"""Every admin list and the main change pages, the front page and the calendar: queries and median time
on a small desk and on a full-size one, side by side in one run.

    .venv/bin/python bench/bench_admin.py \\
        --small postgres://postgres@127.0.0.1:5432/dealdesk_small \\
        --full postgres://postgres@127.0.0.1:5432/dealdesk_bench [--repeats 7] \\
        [--pages "front page,calendar month"]

Each desk is built beforehand by `manage.py generate_load --deals N --seed S` (10 deals for the small
one, 10,000 for the full one). Each desk is measured in a process of its own (one Django set up per
database); a page is fetched once to warm the caches, then its queries are counted and its median
time taken over --repeats fetches (a page slower than 5 s is timed on that first fetch alone), through Django's test client as a superuser (the pages' own work:
no network, no static files). The only write is that user, `bench-admin`, created when missing.
--pages measures only the pages of those labels (as the table names them), comma-separated, or separated
by semicolons for a label that holds a comma ("deal page;obligation page, the most due dates").
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

BENCH_USER = "bench-admin"
SLOW_SECONDS = 5


def pages() -> list[tuple[str, str]]:
    """(label, address) of each page measured; the rows a page shows are picked the same way at every size."""
    from django.db.models import Count
    from django.urls import reverse

    from closings.models import Closing
    from deals.models import Deal
    from obligations.models import Obligation, Occurrence

    def changelist(app: str, model: str, query: str = "") -> str:
        return reverse(f"admin:{app}_{model}_changelist") + (f"?{query}" if query else "")

    # The deal and the obligation with the most due dates: the heaviest pages of their kind.
    deal = Deal.objects.annotate(n=Count("obligations__rules__occurrences")).order_by("-n", "pk").first()
    obligation = (Obligation.objects.annotate(n=Count("rules__occurrences")).order_by("-n", "pk").first())
    occurrence = Occurrence.objects.filter(rule__obligation=obligation).order_by("due_date", "pk").first()
    closing = Closing.objects.order_by("pk").first()
    word = obligation.title.split()[0]
    listed = [
        ("deals", changelist("dealdesk", "deal")),
        ("deal events", changelist("dealdesk", "dealevent")),
        ("obligations", changelist("obligations", "obligation")),
        ("obligations of one deal", changelist("obligations", "obligation", f"deal__id__exact={deal.pk}")),
        ("occurrences", changelist("obligations", "occurrence")),
        ("occurrences overdue", changelist("obligations", "occurrence", "standing=overdue")),
        ("occurrences of one deal", changelist("obligations", "occurrence",
                                               f"rule__obligation__deal__id__exact={deal.pk}")),
        ("occurrences search, a word of a title", changelist("obligations", "occurrence", f"q={word}")),
        ("occurrences search by deal", changelist("obligations", "occurrence", f"q={deal.title}")),
        ("deadline rules", changelist("obligations", "deadlinerule")),
        ("reminders", changelist("obligations", "reminder")),
        ("parties", changelist("parties", "party")),
        ("deal parties", changelist("parties", "dealparty")),
        ("share classes", changelist("instruments", "shareclass")),
        ("convertible notes", changelist("instruments", "convertiblenote")),
        ("warrants", changelist("instruments", "warrant")),
        ("equity lines", changelist("instruments", "equityline")),
        ("draws", changelist("instruments", "draw")),
        ("closings", changelist("closings", "closing")),
        ("closing items", changelist("closings", "closingitem")),
        ("deal page", reverse("admin:dealdesk_deal_change", args=[deal.pk])),
        ("obligation page, the most due dates", reverse("admin:obligations_obligation_change",
                                                                args=[obligation.pk])),
        ("occurrence page", reverse("admin:obligations_occurrence_change", args=[occurrence.pk])),
        ("deal autocomplete \"a\"", reverse("admin:autocomplete") + "?app_label=obligations&model_name=obligation"
                                                                    "&field_name=deal&term=a"),
        ("front page", reverse("admin:index")),
        ("calendar month", reverse("feeds:month")),
        ("calendar week", reverse("feeds:week")),
        ("deal timeline", reverse("feeds:timeline", args=[deal.pk])),
    ]
    if closing is not None:
        listed.append(("closing page", reverse("admin:closings_closing_change", args=[closing.pk])))
    # The fee-totals report under another name: minutes on the full desk, so last.
    listed.append(("front page: its damages (asked for after)", reverse("admin:index") + "?part=damages"))
    return listed


def measure_desk(database_url: str, repeats: int, only: list[str] | None = None) -> dict:
    """Run in a process of its own: every page's size, queries and median time on one desk (or the pages `only`)."""
    common.setup_django(database_url, ALLOWED_HOSTS="testserver,localhost")
    from django.contrib.auth import get_user_model
    from django.test import Client

    from deals.models import Deal
    from obligations.models import Occurrence

    user = get_user_model().objects.filter(username=BENCH_USER).first() or \
        get_user_model().objects.create_superuser(BENCH_USER, "bench@example.com", None)
    client = Client()
    client.force_login(user)
    results = {}
    listed = pages()
    if only:
        unknown = set(only) - {label for label, _ in listed}
        if unknown:
            raise SystemExit(f"no such page: {', '.join(sorted(unknown))}")
        listed = [(label, url) for label, url in listed if label in only]
    for label, url in listed:
        with common.count_queries() as queries:
            start = time.perf_counter()
            response = client.get(url)  # warms the caches
            first = time.perf_counter() - start
        if response.status_code != 200:
            results[label] = {"status": response.status_code}
            continue
        if first < SLOW_SECONDS:
            with common.count_queries() as queries:
                client.get(url)
            seconds = common.median_seconds(lambda: client.get(url), repeats=repeats)
        else:  # a page that takes minutes is timed once, on that first fetch
            seconds = first
        results[label] = {"status": 200, "queries": len(queries), "ms": round(seconds * 1000, 1),
                          "kib": round(len(response.content) / 1024), "once": first >= SLOW_SECONDS}
    return {"machine": common.machine(), "deals": Deal.objects.count(), "occurrences": Occurrence.objects.count(),
            "pages": results}


def run_in_process(database_url: str, repeats: int, only: str | None) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", database_url, "--repeats", str(repeats),
                          *(["--pages", only] if only else [])],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cell(result: dict, key: str) -> str:
    if result.get("status") != 200:
        return f"HTTP {result.get('status')}" if result else "-"
    value = result[key]
    if key == "ms" and value >= 10_000:
        value = f"{value / 1000:,.0f} s"
    return f"{value}{' (once)' if key == 'ms' and result.get('once') else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", help="database URL of the small desk (about 10 deals)")
    parser.add_argument("--full", help="database URL of the full-size desk (10,000 deals)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pages", help='only the pages of these labels, comma-separated ("front page,calendar month"), '
                                        'or semicolon-separated when a label holds a comma')
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        # Two labels hold a comma: a list with a semicolon is split on semicolons only.
        only = [label.strip() for label in args.pages.split(";" if ";" in args.pages else ",")] \
            if args.pages else None
        print(json.dumps(measure_desk(args.one, args.repeats, only)))
        return
    if not (args.small and args.full):
        parser.error("give --small and --full")
    small = run_in_process(args.small, args.repeats, args.pages)
    full = run_in_process(args.full, args.repeats, args.pages)
    print("# bench_admin.py: admin pages, a small desk beside a full-size one")
    print("machine: " + ", ".join(f"{key} {value}" for key, value in full["machine"].items()))
    print(f"reproduce: cd {common.REPO} && .venv/bin/python bench/bench_admin.py --small {args.small} "
          f"--full {args.full} --repeats {args.repeats}" + (f' --pages "{args.pages}"' if args.pages else ""))
    print(f"small desk: {small['deals']:,} deals, {small['occurrences']:,} occurrences; "
          f"full desk: {full['deals']:,} deals, {full['occurrences']:,} occurrences; median of {args.repeats}")
    print()
    print("| page | queries, small | queries, full | median ms, small | median ms, full | KiB, full |")
    print("|---|---|---|---|---|---|")
    for label, at_full in full["pages"].items():
        at_small = small["pages"].get(label, {})
        print(f"| {label} | {cell(at_small, 'queries')} | {cell(at_full, 'queries')} | {cell(at_small, 'ms')} "
              f"| {cell(at_full, 'ms')} | {cell(at_full, 'kib')} |")


if __name__ == "__main__":
    main()
