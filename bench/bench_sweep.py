"""How long the reminder sweep takes to decide what is due: planning and creating the outbox rows.

Run (on a desk built by `manage.py generate_load`, e.g. a copy of dealdesk_bench):
    .venv/bin/python bench/bench_sweep.py --database-url postgres://postgres@127.0.0.1:5432/<db> [--explain]

Measures `reminders_plan` (read the open occurrences due within the longest lead time, decide the
reminder each needs today) and `reminders_create_due` (the same plus the batch insert of the rows)
on the desk's today: median time, queries and peak memory. Sending is not measured here. Each
`reminders_create_due` runs in a transaction that is rolled back, so the desk is left as it was.
--explain prints PostgreSQL's EXPLAIN (ANALYZE, BUFFERS) of the planning query.
"""
from __future__ import annotations

import argparse

import common
from bench_sync import TODAY, rolled_back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    common.setup_django(args.database_url, DESK_DATE=TODAY)
    common.print_header("Reminder sweep: planning and creating the due reminders (bench/bench_sweep.py)")

    from django.db import connection

    from deals import clock
    from deals.models import Deal
    from obligations.models import Occurrence, Reminder
    from obligations.reminders import reminders_create_due, reminders_plan

    today = clock.today()
    print(f"desk: {Deal.objects.count():,} deals, {Occurrence.objects.count():,} occurrences, "
          f"{Reminder.objects.count():,} reminders; today {today}")

    for label, work in [
        ("reminders_plan", lambda: reminders_plan(today=today)),
        ("reminders_create_due (rolled back)", lambda: rolled_back(lambda: reminders_create_due(today=today))),
    ]:
        with common.count_queries() as queries:
            planned = work()
        seconds = common.median_seconds(work, repeats=args.repeats)
        peak = common.peak_memory(work)
        print(f"{label:<36} {seconds * 1000:9.1f} ms  {len(queries):3} queries  peak {common.megabytes(peak):>9}  "
              f"{len(planned):,} reminders due")

    if args.explain and connection.vendor == "postgresql":
        explain_planning(today)


def explain_planning(today) -> None:
    """EXPLAIN ANALYZE of the planning query, and of the same rows read another way, side by side.

    The other way takes each occurrence's latest reminder with a subquery (one index probe of the
    reminder_once_per_offset_and_recipient index each) instead of joining and grouping the whole
    reminder history, and is shown with and without a partial index of the open due dates; the
    index is created in a transaction that is rolled back.
    """
    import datetime

    from django.db import connection, transaction
    from django.db.models import OuterRef, Subquery

    from obligations import reminders
    from obligations.models import Occurrence, Reminder

    statements = []

    def keep(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        reminders.reminders_plan(today=today)
    current = max(statements, key=lambda statement: len(statement[0]))  # the occurrences query

    horizon = today + datetime.timedelta(days=reminders._longest_lead())
    latest = (Reminder.objects.filter(occurrence=OuterRef("pk"), due_date=OuterRef("due_date"))
              .order_by("-days_from_due").values("days_from_due")[:1])
    by_subquery = (Occurrence.objects.open().filter(due_date__lte=horizon)
                   .annotate(latest_reminder=Subquery(latest))
                   .select_related("rule__obligation__deal", "rule__obligation__obligor")
                   .order_by())
    other = by_subquery.query.sql_with_params()

    def explain(label, sql, params):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines = [line for (line,) in cursor.fetchall()]
        print(f"EXPLAIN (ANALYZE, BUFFERS), {label}:")
        for line in lines:
            print("  " + line)

    explain("the planning query as it is", *current)
    explain("latest reminder by subquery", *other)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("CREATE INDEX bench_occurrence_open_due ON obligations_occurrence (due_date) "
                           "WHERE status = 'open'")
            cursor.execute("ANALYZE obligations_occurrence")
        explain("latest reminder by subquery, with a partial index of open due dates", *other)
        transaction.set_rollback(True)

if __name__ == "__main__":
    main()
