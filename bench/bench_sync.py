"""How long keeping due dates in step takes: the nightly sync, and recomputing after one change.

Run (on a desk built by `manage.py generate_load`, e.g. a copy of dealdesk_bench):
    .venv/bin/python bench/bench_sync.py --database-url postgres://postgres@127.0.0.1:5432/<db> [--deals 200] [--full]

- nightly sync: `occurrences_sync_for_deal` for a sample of deals with tomorrow's horizon (what
  `occurrences_sync_all` does for each deal the next night): time and queries per deal, and the
  whole desk extrapolated; --full also runs `occurrences_sync_all` itself once.
- recomputing after one change, through the signals the admin triggers: one monthly rule's offset
  (5 -> 6 business days), one "SEC report filed" event moved a day, one company's fiscal year end
  (31 December -> 30 June).

Every measurement runs in a transaction that is rolled back: the desk is left as it was.
"""
from __future__ import annotations

import argparse
import datetime
import statistics
import time

import common

TODAY = "2026-11-25"  # the day dealdesk_bench was generated around (bench/README.md)


class _Rollback(Exception):
    pass


def rolled_back(work):
    """Run `work` in a transaction and undo it; return what it returned.

    The checks a commit would run (foreign keys are deferred to the commit) are run before the
    rollback, so the time is what the committed work would take.
    """
    from django.db import connection, transaction

    box = []
    try:
        with transaction.atomic():
            box.append(work())
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            raise _Rollback
    except _Rollback:
        pass
    return box[0]


def measure(label: str, work, *, repeats: int = 5) -> tuple[float, int]:
    """Median seconds and the queries of one run, each run rolled back."""
    timings = []
    queries = 0
    for _ in range(repeats):
        def timed():
            start = time.perf_counter()
            with common.count_queries() as captured:
                work()
            return time.perf_counter() - start, len(captured)

        seconds, queries = rolled_back(timed)
        timings.append(seconds)
    median = statistics.median(timings)
    print(f"{label:<58} {median * 1000:9.1f} ms  {queries:6,} queries")
    return median, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--deals", type=int, default=200, help="Deals in the nightly-sync sample.")
    parser.add_argument("--full", action="store_true", help="Also run occurrences_sync_all over the whole desk once.")
    args = parser.parse_args()
    common.setup_django(args.database_url, DESK_DATE=TODAY)
    common.print_header("Nightly sync and recomputing after one change (bench/bench_sync.py)")

    from deals import clock
    from deals.models import Deal, DealEvent
    from obligations.models import DeadlineRule, Occurrence
    from obligations.services import (
        SYNC_DEALS_AT_ONCE, default_horizon, occurrences_sync, occurrences_sync_all, occurrences_sync_for_deal,
    )
    from parties.models import Party

    deal_count = Deal.objects.count()
    print(f"desk: {deal_count:,} deals, {DeadlineRule.objects.count():,} rules, "
          f"{Occurrence.objects.count():,} occurrences; today {clock.today()}")
    tomorrow = default_horizon(clock.today() + datetime.timedelta(days=1))

    sample = list(Deal.objects.order_by("pk")[: args.deals])

    def nightly_sample():
        for deal in sample:
            occurrences_sync_for_deal(deal=deal, horizon=tomorrow)

    def nightly_rule_by_rule():
        # For contrast, the sync as it was: each rule on its own (its lock, its limbs, its queries).
        related = ("obligation__deal", "obligation__obligor", "anchor_event", "event_kind", "starts_with", "ends_with")
        for deal in sample:
            rules = DeadlineRule.objects.filter(obligation__deal=deal, part_of__isnull=True).select_related(*related)
            for rule in rules:
                occurrences_sync(rule=rule, horizon=tomorrow)

    rolled_back(nightly_sample)  # warm up: the holiday tables load on first use
    for label, work in [("rule by rule (before)", nightly_rule_by_rule), ("deal by deal", nightly_sample)]:
        seconds, queries = measure(f"nightly sync {label}, {len(sample)} deals", work, repeats=3)
        per_deal = seconds / len(sample)
        print(f"  per deal: {per_deal * 1000:.1f} ms, {queries / len(sample):.1f} queries; "
              f"whole desk extrapolated: {per_deal * deal_count / 60:.1f} min")
    print(f"  peak memory, deal by deal: {common.megabytes(rolled_back(lambda: common.peak_memory(nightly_sample)))}")
    if args.full:
        seconds, queries = measure(f"nightly sync, whole desk ({deal_count:,} deals, {SYNC_DEALS_AT_ONCE} at once)",
                                   lambda: occurrences_sync_all(horizon=tomorrow), repeats=1)
        print(f"  per deal: {seconds / deal_count * 1000:.1f} ms, {queries / deal_count:.1f} queries")

    # One change each, on an old deal (the most due dates), as an administrator saves it in the admin.
    # A monthly rule that runs on (no Notes to end it), so its open dates ahead all move.
    rule = (DeadlineRule.objects.filter(kind="recurring", frequency="monthly", ends_when_notes_repaid=False)
            .select_related("obligation__deal").order_by("obligation__deal__dated_as_of", "pk").first())
    event = (DealEvent.objects.filter(kind__name="SEC report filed", date__isnull=False)
             .order_by("deal__dated_as_of", "date").first())
    company = Party.objects.filter(obligations_owed__deal=rule.obligation.deal).distinct().get()

    def change_rule():
        rule.offset += 1
        rule.save()
        rule.offset -= 1

    def move_event():
        event.date += datetime.timedelta(days=1)
        event.save()
        event.date -= datetime.timedelta(days=1)

    def change_fiscal_year_end():
        month, day = company.fiscal_year_end_month, company.fiscal_year_end_day
        company.fiscal_year_end_month, company.fiscal_year_end_day = (6, 30) if month == 12 else (12, 31)
        company.save()
        company.fiscal_year_end_month, company.fiscal_year_end_day = month, day

    print(f"one deal: {rule.obligation.deal} ({Occurrence.objects.for_deal(rule.obligation.deal).count():,} "
          "occurrences)")
    measure(f"rule changed ({rule.occurrences.count()} due dates, {rule.occurrences.open().count()} open)",
            change_rule)
    measure(f"event moved ({event.name})", move_event)
    measure(f"fiscal year end changed ({company})", change_fiscal_year_end)


if __name__ == "__main__":
    main()
