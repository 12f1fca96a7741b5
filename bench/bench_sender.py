"""How fast the reminder sender empties its queue into a local SMTP server, beside that server's own ceiling.

Run: .venv/bin/python bench/bench_sender.py --database-url postgres://postgres@127.0.0.1:5432/dealdesk_bench_sender
     [--emails 2000] [--per-email 1] [--batch-emails 20]

The database is emptied of deals and migrated (use one of its own). It fills the outbox with
`--emails` recipients, each owed `--per-email` due dates a week away, so the sweep plans
emails x per-email reminder rows and the sender sends `--emails` emails. The SMTP server is
aiosmtpd's Sink in a process of its own on a free port.

Measured in the same run:
- the sender, `reminders_send_pending` (claim, render, send, record), in 1, 2 and 4 worker
  processes at once: emails/s and reminders/s, timed from the moment every worker is ready
  (Django set up, URLconf loaded, as in a long-lived Celery worker) to the last one done;
- the physical limit: the same number of messages of the same size, built beforehand, sent by
  smtplib over one connection with no database: what the SMTP server and the loopback allow.
"""
from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

TODAY = datetime.date(2026, 11, 25)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return sink
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the SMTP sink did not start")


def fill(emails: int, per_email: int) -> int:
    """The outbox of one sweep: `emails` recipients, each owed `per_email` due dates; returns the rows planned."""
    from django.core.management import call_command
    from django.db import transaction

    from deals.models import Deal
    from obligations.models import DeadlineRule, Obligation, Occurrence, Reminder
    from obligations.reminders import reminders_create_due
    from parties.models import Party, Person

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        Reminder.objects.all().delete()
        Deal.objects.all().delete()
        Party.objects.filter(legal_name__startswith="Bench sender ").delete()
        deals = Deal.objects.bulk_create([Deal(title=f"Bench sender deal {n}", agreement_name="SPA",
                                               kind="convertible_notes", dated_as_of=datetime.date(2025, 1, 2))
                                          for n in range(emails)])
        parties = Party.objects.bulk_create([Party(legal_name=f"Bench sender {n}, Inc.") for n in range(emails)])
        Person.objects.bulk_create([Person(party=party, name="Finance", email=f"finance@sender-{n}.example",
                                           receives_reminders=True) for n, party in enumerate(parties)])
        obligations = Obligation.objects.bulk_create([
            Obligation(deal=deal, obligor=party, section=f"4({k})", title=f"Quarterly report {k}")
            for deal, party in zip(deals, parties) for k in range(per_email)])
        due = TODAY + datetime.timedelta(days=7)
        rules = DeadlineRule.objects.bulk_create([
            DeadlineRule(obligation=o, kind="fixed_date", fixed_date=due, roll="none") for o in obligations])
        Occurrence.objects.bulk_create([
            Occurrence(rule=rule, key="once", due_date=due, computation=f"Fixed date {due:%a %-d %b %Y}")
            for rule in rules])
    return len(reminders_create_due(today=TODAY))


def sweep_desk() -> list[int]:
    """--keep-desk: the desk's own sweep of TODAY (its history of sent reminders stays); returns the rows it planned."""
    from obligations.models import Reminder
    from obligations.reminders import reminders_create_due

    last = Reminder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    reminders_create_due(today=TODAY)
    return list(Reminder.objects.filter(pk__gt=last).values_list("pk", flat=True))


def requeue(rows: list[int] | None) -> None:
    """The outbox as the sweep left it: every row (or only `rows`) pending, never tried."""
    from obligations.models import Reminder

    outbox = Reminder.objects.all() if rows is None else Reminder.objects.filter(pk__in=rows)
    outbox.update(status=Reminder.Status.PENDING, attempts=0, claimed_at=None, sent_at=None, message_id="",
                  next_attempt_at=None, last_error="", unknown_outcomes=0, alerted_at=None)


def _worker(database_url: str, email_url: str, ready, go, results) -> None:
    # One log line per reminder is the sender's normal work: the bench keeps it, written to nowhere.
    sys.stderr = open(os.devnull, "w")
    common.setup_django(database_url, EMAIL_URL=email_url)
    from django.urls import reverse

    from obligations.reminders import reminders_send_pending

    # A Celery worker lives for many sweeps: its URLconf (read on the first link an email carries,
    # about a second) is loaded before the clock starts, as it would be after its first sweep.
    reverse("admin:index")
    ready.put(os.getpid())
    go.wait()
    cpu = time.process_time()
    result = reminders_send_pending(today=TODAY)
    results.put((time.perf_counter(), len(result.sent), len({reminder.message_id for reminder in result.sent}),
                 time.process_time() - cpu))


def run_senders(workers: int, database_url: str, email_url: str) -> tuple[float, int, int, float]:
    """Seconds from the moment every worker is ready (interpreter, Django, URLconf) to the last one done;
    reminders and emails sent; the workers' CPU seconds. time.perf_counter is the system's monotonic
    clock, the same in every process."""
    from django.db import connections

    connections.close_all()  # each worker opens its own
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    processes = [context.Process(target=_worker, args=(database_url, email_url, ready, go, results))
                 for _ in range(workers)]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()
    start = time.perf_counter()
    go.set()
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return (max(end for end, *_ in outcomes) - start, sum(sent for _, sent, _, _ in outcomes),
            sum(emails for _, _, emails, _ in outcomes), sum(cpu for *_, cpu in outcomes))


def smtp_ceiling(port: int, emails: int) -> float:
    """Seconds for smtplib to send `emails` pre-built reminder-sized messages over one connection."""
    import smtplib

    from django.core import mail as django_mail

    from obligations.models import Reminder

    reminder = Reminder.objects.select_related("occurrence__rule__obligation").first()
    # A rendered one-reminder email is about this long in text (lines of 75), its HTML twice that.
    body = "\n".join(["x" * 75] * 20)
    messages = []
    for n in range(emails):
        message = django_mail.EmailMultiAlternatives(f"Due in 7 days: s.4(0) Quarterly report {n}", body,
                                                     "desk@dealdesk.example", [reminder.recipient])
        message.attach_alternative(body * 2, "text/html")
        messages.append(message.message().as_bytes(linesep="\r\n"))  # as Django hands it to smtplib
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for data in messages:
            client.sendmail("desk@dealdesk.example", [reminder.recipient], data)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--per-email", type=int, default=1)
    parser.add_argument("--keep-desk", action="store_true",
                        help="send the desk's own sweep of the day instead of emptying it (use a copy of a desk)")
    parser.add_argument("--batch-emails", type=int,
                        help="REMINDER_BATCH_EMAILS for the workers (default: the settings')")
    options = parser.parse_args()
    if options.batch_emails:
        os.environ["REMINDER_BATCH_EMAILS"] = str(options.batch_emails)  # read by each worker's settings
    port = free_port()
    email_url = f"smtp://127.0.0.1:{port}"
    common.setup_django(options.database_url, EMAIL_URL=email_url, LOG_LEVEL="WARNING")
    common.print_header("Reminder sender")
    sink = start_sink(port)
    try:
        if options.keep_desk:
            from obligations.models import Reminder

            planned = sweep_desk()
            recipients = len(set(Reminder.objects.filter(pk__in=planned).values_list("recipient", flat=True)))
            print(f"outbox: the desk's sweep of {TODAY}: {len(planned):,} reminder rows for {recipients:,} recipients "
                  f"(history kept: {Reminder.objects.count():,} reminder rows in all)")
        else:
            planned = None
            rows = fill(options.emails, options.per_email)
            print(f"outbox: {rows:,} reminder rows for {options.emails:,} recipients ({options.per_email} each)")
        print(f"batch: {os.environ.get('REMINDER_BATCH_EMAILS', 'the default')} emails a claim "
              "(REMINDER_BATCH_EMAILS)")
        # Worker CPU per email: what a worker costs whatever else the machine runs (the load moves the rest).
        print("| workers | emails | reminders | seconds | emails/s | reminders/s | worker CPU per email |")
        print("|---|---|---|---|---|---|---|")
        counts = []
        for workers in (1, 2, 4):
            requeue(planned)
            seconds, sent, emails, cpu = run_senders(workers, options.database_url, email_url)
            counts.append(emails)
            print(f"| {workers} | {emails:,} | {sent:,} | {seconds:.2f} | {emails / seconds:,.0f} | "
                  f"{sent / seconds:,.0f} | {cpu / max(emails, 1) * 1000:.2f} ms |")
        ceiling = smtp_ceiling(port, counts[0])
        print(f"| smtplib alone, pre-built, one connection | {counts[0]:,} | - | {ceiling:.2f} | "
              f"{counts[0] / ceiling:,.0f} | - | - |")
    finally:
        sink.terminate()
        sink.wait()


if __name__ == "__main__":
    main()
