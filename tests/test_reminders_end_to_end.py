"""Reminders with the real parts, Celery worker processes, Redis, an SMTP server: each due reminder arrives once.

These need PostgreSQL (the worker processes must see the test database) and
Redis; they run whenever REDIS_URL is set and DATABASE_URL is PostgreSQL, and
CI sets both (tests/conftest.py fails the run there if either is missing).
"""
from __future__ import annotations

import asyncio
import datetime
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from dealdesk.celery import app
from obligations.models import DeadlineRule, Reminder
from deals.models import Deal
from parties.models import Party, Person
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "")
N = 12

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not REDIS_URL or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (CI sets both)",
    ),
]


class Inbox:
    """An SMTP server's handler that keeps what it accepts, and can refuse or stall on cue."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.refused = 0
        self.refusing = False
        self.stall_at: int | None = None  # stall the message after this many were accepted
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall_at is not None and len(self.messages) >= self.stall_at and not envelope.rcpt_tos:
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    @property
    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox():
    handler = Inbox()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    handler.release.set()
    controller.stop()


@pytest.fixture
def desk(inbox, tmp_path):
    """Start and stop worker processes wired to the test database, Redis and the SMTP server."""
    queue = f"dealdesk-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}",
        "EMAIL_TIMEOUT": "10",
        "REMINDER_RETRY_BASE_SECONDS": "0.5",
        "REMINDER_RETRY_MAX_SECONDS": "1",
        "REMINDER_MAX_ATTEMPTS": "50",
        "REMINDER_CLAIM_TIMEOUT_SECONDS": "2",
        # Each email recorded as soon as it is sent, so a killed worker leaves no email whose outcome
        # is unknown; test_faults.py counts the resends a killed worker's batch costs.
        "REMINDER_BATCH_EMAILS": "1",
    }
    workers: list[subprocess.Popen] = []

    class Desk:
        def start_worker(self) -> subprocess.Popen:
            log = open(tmp_path / f"worker{len(workers)}.log", "w")
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "dealdesk", "worker", "--pool=solo", "--loglevel=INFO",
                 "-n", f"w{len(workers)}-{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
            workers.append(worker)
            return worker

        def sweep(self) -> None:
            """What beat does on its schedule: enqueue the reminder sweep."""
            with app.connection_for_write(REDIS_URL) as conn:
                app.send_task("obligations.send_due_reminders", queue=queue, connection=conn)

        def logs(self) -> str:
            return "\n".join(p.read_text() for p in sorted(tmp_path.glob("worker*.log")))

    yield Desk()
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    with app.connection_for_write(REDIS_URL) as conn:
        conn.default_channel.queue_delete(queue)


def wait_for(condition, *, timeout: float = 60, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def deadlines_due_in_a_week(count: int, *, titled: str = "Deliverable") -> None:
    """`count` open occurrences whose seven-days-before reminder is due today, each owed by a company of
    its own, so each reminder is an email of its own (one recipient's reminders share one)."""
    deal = Deal.objects.filter(title="Reminded deal").first() or DealFactory(title="Reminded deal")
    due = timezone.localdate() + datetime.timedelta(days=7)
    for n in range(count):
        company, _ = Party.objects.get_or_create(legal_name=f"Reminded Co. {titled} {n}")
        Person.objects.get_or_create(party=company, name="Finance Desk", receives_reminders=True,
                                     email=f"finance-{n}@{titled.lower().replace(' ', '-')}.example.com")
        obligation = ObligationFactory(deal=deal, obligor=company, title=f"{titled} {n}")
        DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="",
                            offset=0, fixed_date=due, roll="none")


def report(capsys, **counts) -> None:
    with capsys.disabled():
        print(" ", ", ".join(f"{k}={v}" for k, v in counts.items()), end=" ")


def test_n_due_reminders_give_exactly_n_emails_and_a_second_sweep_none(desk, inbox, capsys):
    deadlines_due_in_a_week(N)
    desk.start_worker()
    desk.sweep()
    wait_for(lambda: len(inbox.messages) >= N, what=f"{N} emails")

    # One more deadline, then a second sweep: only the new one may arrive.
    deadlines_due_in_a_week(1, titled="Late addition")
    desk.sweep()
    wait_for(lambda: any("Late addition" in m["Subject"] for m in inbox.messages), what="the late addition")
    time.sleep(1)  # room for any duplicate to show up

    report(capsys, due=N + 1, emails=len(inbox.messages), distinct=len(set(inbox.message_ids)))
    assert len(inbox.messages) == N + 1
    assert len(set(inbox.message_ids)) == N + 1
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == N + 1
    assert sorted(m["To"] for m in inbox.messages) == sorted(
        [f"finance-{n}@deliverable.example.com" for n in range(N)] + ["finance-0@late-addition.example.com"])


def test_two_workers_and_two_sweeps_at_once_still_give_exactly_n(desk, inbox, capsys):
    deadlines_due_in_a_week(N)
    desk.start_worker()
    desk.start_worker()
    desk.sweep()
    desk.sweep()
    wait_for(lambda: Reminder.objects.filter(status=Reminder.Status.SENT).count() >= N, what=f"{N} sent")
    wait_for(lambda: "send_due_reminders" in desk.logs() and desk.logs().count("succeeded") >= 2,
             what="both sweeps to finish")

    report(capsys, due=N, emails=len(inbox.messages), distinct=len(set(inbox.message_ids)),
           rows=Reminder.objects.count())
    assert len(inbox.messages) == N
    assert len(set(inbox.message_ids)) == N
    assert Reminder.objects.count() == N


def test_smtp_refusing_for_a_while_then_all_arrive_once(desk, inbox, capsys):
    deadlines_due_in_a_week(N)
    inbox.refusing = True
    desk.start_worker()
    desk.sweep()
    wait_for(lambda: inbox.refused >= 2 * N, what="refusals on the first pass and the retries")
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 0

    inbox.refusing = False  # the server recovers; the retries go through on their own
    wait_for(lambda: len(inbox.messages) >= N, what=f"{N} emails after recovery")
    wait_for(lambda: Reminder.objects.filter(status=Reminder.Status.SENT).count() == N, what="all marked sent")
    time.sleep(1)

    report(capsys, due=N, refused=inbox.refused, emails=len(inbox.messages), distinct=len(set(inbox.message_ids)))
    assert len(inbox.messages) == N
    assert len(set(inbox.message_ids)) == N
    # Each was refused at least once, then sent; the error of the last refusal is cleared.
    assert [(r.attempts >= 2, r.last_error) for r in Reminder.objects.all()] == [(True, "")] * N


def test_worker_killed_mid_batch_then_restarted_still_gives_exactly_n(desk, inbox, capsys):
    deadlines_due_in_a_week(N)
    inbox.stall_at = N // 2  # the worker hangs in the middle of the batch, talking to SMTP
    worker = desk.start_worker()
    desk.sweep()
    wait_for(inbox.stalled.is_set, what="the worker to reach the middle of the batch")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    inbox.release.set()
    delivered_before_kill = len(inbox.messages)

    desk.start_worker()
    # Beat keeps sweeping; the row the dead worker held is taken up once its claim expires.
    deadline = time.monotonic() + 60
    while Reminder.objects.filter(status=Reminder.Status.SENT).count() < N and time.monotonic() < deadline:
        desk.sweep()
        time.sleep(1)
    time.sleep(1)

    report(capsys, due=N, before_kill=delivered_before_kill, emails=len(inbox.messages),
           distinct=len(set(inbox.message_ids)))
    assert delivered_before_kill == N // 2
    assert len(inbox.messages) == N
    assert len(set(inbox.message_ids)) == N
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == N
