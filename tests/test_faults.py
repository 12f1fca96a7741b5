"""The fault record, replayed with the real parts: PostgreSQL, Redis, Celery worker and beat processes, an SMTP server.

Each test breaks one thing the way it broke in the fault run (a rerun on the same day, two
workers and two beats, the mail server down then answering 4xx, a worker killed mid-batch and
between the server's 250 and the commit, the broker restarted, a mail server that stores a message
but answers late, the days the clocks change) and counts what arrived:

    due=N delivered=N duplicates=N lost=N resent=N second_copies=N

Reminders go out as digests, one email per recipient listing its reminders (here two each, so a
fault hits an email of several rows); every figure counts reminder rows, read from the rows each
email lists in its X-Dealdesk-Reminders header. `delivered` counts reminders that reached the
server, `duplicates` the copies beyond the one counted window (a resend with the same Message-ID
after an unknown outcome; `resent` counts those resends, `second_copies` the ones the server had
already got). The figures are printed as
each test ends (with -s) and in a "reminder fault figures" section at the end of the run.

Timings are scaled down by settings: sweeps every second, retries after 50 ms doubling to half a
second (32 attempts, the default count: the default day-long schedule is checked in
test_reminder_delivery.py), a claim of two seconds.

They run whenever REDIS_URL is set and DATABASE_URL is PostgreSQL (the workers must see the test
database); CI sets both, and tests/conftest.py fails the run there if either is missing.
"""
from __future__ import annotations

import asyncio
import collections
import datetime
import email
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import zoneinfo
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from dealdesk.celery import app
from deals.models import Deal
from obligations.models import DeadlineRule, Reminder
from parties.models import Party, Person
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
DESK = "desk@dealdesk.example"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not REDIS_URL or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (CI sets both)",
    ),
]

# The figures of every fault test, for the summary at the end of the run.
FIGURES: list[str] = []


class _FaultFigures:
    def pytest_terminal_summary(self, terminalreporter):
        if FIGURES:
            terminalreporter.section("reminder fault figures")
            for line in FIGURES:
                terminalreporter.write_line(line)


@pytest.fixture(scope="module", autouse=True)
def figures_in_the_summary(request):
    manager = request.config.pluginmanager
    if not manager.has_plugin("dealdesk-fault-figures"):
        manager.register(_FaultFigures(), "dealdesk-fault-figures")


# The mail server ------------------------------------------------------------------


class MailServer:
    """A real SMTP server on a port of its own, which a test can take down, make answer 4xx, stall or slow."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[email.message.Message] = []
        self.tempfail = False  # answer 451 to every message
        self.refused = 0
        self.stall_rcpt_after: int | None = None  # hold the RCPT of the session after this many messages
        self.stall_reply_after: int | None = None  # store the message after this many, then hold its 250
        self.slow_first_copy = 0.0  # store each message, but confirm its first copy this late
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._controller: Controller | None = None

    def up(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self.release.set()
            self._controller.stop()
            self._controller = None

    async def _hold(self) -> None:
        self.stalled.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall_rcpt_after is not None and len(self.messages) >= self.stall_rcpt_after:
            self.stall_rcpt_after = None
            await self._hold()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.tempfail:
            self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        message = email.message_from_bytes(envelope.content)
        first_copy = message["Message-ID"] not in {m["Message-ID"] for m in self.messages}
        self.messages.append(message)
        if self.slow_first_copy and first_copy:
            await asyncio.sleep(self.slow_first_copy)
        if self.stall_reply_after is not None and len(self.messages) > self.stall_reply_after:
            self.stall_reply_after = None
            await self._hold()  # stored: the sender is killed before it hears so, and before its row says sent
        return "250 Message accepted for delivery"

    def reminders(self) -> list[email.message.Message]:
        return [m for m in self.messages if m["To"] != DESK]

    def copies(self) -> list[str]:
        return [m["Message-ID"] for m in self.reminders()]

    def rows_received(self) -> collections.Counter:
        """How many copies of each reminder row arrived, whichever emails listed it."""
        return collections.Counter(int(pk) for m in self.reminders() for pk in m["X-Dealdesk-Reminders"].split())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mail_server():
    server = MailServer(free_port())
    yield server
    server.down()


# The desk's processes -------------------------------------------------------------------

# A worker whose clock jumps to each instant in turn, the first when it is ready, the next
# `step` seconds later, and runs on from there (time-machine; beat keeps the real time).
TRAVELLING_WORKER = """
import datetime, sys, threading, time
import time_machine
from celery.signals import worker_ready

instants = [datetime.datetime.fromisoformat(when) for when in sys.argv[1].split(",")]
step = float(sys.argv[2])

def travel(**kwargs):
    coordinates = time_machine.travel(instants[0], tick=True).start()
    def onwards():
        for instant in instants[1:]:
            time.sleep(step)
            coordinates.move_to(instant)
    threading.Thread(target=onwards, daemon=True).start()

worker_ready.connect(travel, weak=False)
sys.argv = ["celery", *sys.argv[3:]]
from celery.__main__ import main
main()
"""


class Desk:
    def __init__(self, tmp_path: Path, mail_port: int) -> None:
        self.tmp_path = tmp_path
        self.queue = f"dealdesk-faults-{uuid.uuid4().hex[:8]}"
        self.broker_url = REDIS_URL
        self.processes: list[subprocess.Popen] = []
        db = connection.settings_dict
        self.settings = {
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "EMAIL_URL": f"smtp://127.0.0.1:{mail_port}",
            "EMAIL_TIMEOUT": "1",
            "EMAIL_DATA_TIMEOUT": "0.5",
            "REMINDER_DAYS_BEFORE": "7",
            "REMINDER_RETRY_BASE_SECONDS": "0.05",
            "REMINDER_RETRY_MAX_SECONDS": "0.5",
            "REMINDER_MAX_ATTEMPTS": "32",
            "REMINDER_CLAIM_TIMEOUT_SECONDS": "2",
            "REMINDER_SWEEP_EVERY_MINUTES": "1",
            "REMINDER_ALERT_TO": DESK,
            "TIME_ZONE": "America/New_York",
        }

    def env(self) -> dict[str, str]:
        return {**os.environ, **self.settings, "CELERY_BROKER_URL": self.broker_url}

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.tmp_path / f"{len(self.processes):02d}-{name}.log", "w")
        process = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def start_worker(self, *, travel: list[str] | None = None, step: float = 0) -> subprocess.Popen:
        name = f"w{len(self.processes)}-{self.queue}@%h"
        celery = ["-A", "dealdesk", "worker", "--pool=solo", "--loglevel=INFO", "-n", name,
                  "--without-gossip", "--without-mingle", "--without-heartbeat"]
        if travel:
            return self._start("worker", [sys.executable, "-c", TRAVELLING_WORKER, ",".join(travel), str(step),
                                          *celery])
        return self._start("worker", [sys.executable, "-m", "celery", *celery])

    def start_beat(self) -> subprocess.Popen:
        return self._start("beat", [sys.executable, "-m", "celery", "-A", "dealdesk", "beat", "--loglevel=INFO"])

    def sweep_every_second(self) -> None:
        """Beat's schedule, as install_schedule makes it, at the pace of a test."""
        every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.create(name="Send due reminders", task="obligations.send_due_reminders", interval=every)

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.tmp_path.glob("*.log")))

    def worker_logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.tmp_path.glob("*-worker.log")))

    def sweeps(self) -> int:
        return self.worker_logs().count("event=reminder_sweep ")

    def wait_until_ready(self, worker: subprocess.Popen) -> None:
        index = self.processes.index(worker)
        log = self.tmp_path / f"{index:02d}-worker.log"
        wait_for(lambda: " ready." in log.read_text(), what=f"worker {index} to be ready")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def desk(mail_server, tmp_path):
    desk = Desk(tmp_path, mail_server.port)
    yield desk
    desk.stop()
    if desk.broker_url == REDIS_URL:  # a private broker goes with its test
        with app.connection_for_write(desk.broker_url) as conn:
            conn.default_channel.queue_delete(desk.queue)


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own, which it may stop and start again; always stopped at the end."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (apt-get install redis-server)"
    port = free_port()

    class Redis:
        url = f"redis://127.0.0.1:{port}/0"
        process: subprocess.Popen | None = None

        def start(self) -> None:
            self.process = subprocess.Popen(
                [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                 "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_for(lambda: _answers(port), timeout=10, what="redis-server to answer")

        def stop(self) -> None:
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)

    redis = Redis()
    redis.start()
    yield redis
    redis.stop()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# Helpers ------------------------------------------------------------------------------


def wait_for(condition, *, timeout: float = 60, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def deadlines(due_dates: list[datetime.date], *, titled: str = "Deliverable", per_company: int = 2) -> None:
    """One open occurrence per date, owed `per_company` at a time by companies whose finance desks receive reminders."""
    deal = Deal.objects.filter(title="Reminded deal").first() or DealFactory(title="Reminded deal")
    for n, due in enumerate(due_dates):
        company, _ = Party.objects.get_or_create(legal_name=f"Reminded Co. {n // per_company}")
        Person.objects.get_or_create(party=company, name="Finance Desk",
                                     email=f"finance@reminded-{n // per_company}.example.com", receives_reminders=True)
        obligation = ObligationFactory(deal=deal, obligor=company, title=f"{titled} {n}", section=f"4({n})")
        DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
                            offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=due, roll="none")


def due_in_a_week(count: int) -> None:
    deadlines([timezone.localdate() + datetime.timedelta(days=7)] * count)


def sent() -> int:
    return Reminder.objects.filter(status=Reminder.Status.SENT).count()


def figures(fault: str, server: MailServer, *, due: int) -> dict[str, int]:
    """What arrived, counted from the server's side against the outbox rows; printed and kept for the summary."""
    rows = list(Reminder.objects.all())
    copies = server.rows_received()
    delivered = sum(1 for reminder in rows if copies[reminder.pk])
    resent = [reminder.pk for reminder in rows if reminder.unknown_outcomes >= 1]
    second_copies = sum(1 for pk in resent if copies[pk] >= 2)
    counts = {
        "due": due,
        "delivered": delivered,
        "duplicates": sum(n - 1 for n in copies.values()) - second_copies,
        "lost": due - delivered,
        "resent": len(resent),
        "second_copies": second_copies,
    }
    line = f"{fault}: " + " ".join(f"{key}={value}" for key, value in counts.items())
    FIGURES.append(line)
    print(line)  # shown with -s, or when the test fails; the summary at the end shows them all
    return counts


# The faults ---------------------------------------------------------------------------


def test_a_rerun_on_the_same_day_by_beat_and_by_hand_sends_nothing_more(desk, mail_server):
    due_in_a_week(8)
    mail_server.up()
    desk.sweep_every_second()
    desk.start_worker()
    desk.start_beat()
    wait_for(lambda: sent() == 8, what="8 sent")
    after_first = desk.sweeps()
    wait_for(lambda: desk.sweeps() >= after_first + 3, what="three more sweeps on the same day")

    by_hand = subprocess.run([sys.executable, "manage.py", "send_reminders"], cwd=ROOT, env=desk.env(),
                             capture_output=True, text=True, timeout=60)

    assert by_hand.stdout.splitlines() == [f"0 sent, 0 not sent, on {timezone.localdate()}."], by_hand.stderr
    assert figures("same-day rerun", mail_server, due=8) == {
        "due": 8, "delivered": 8, "duplicates": 0, "lost": 0, "resent": 0, "second_copies": 0}
    assert Reminder.objects.count() == 8


def test_two_workers_and_two_beats_for_a_sweep_interval_send_each_reminder_once(desk, mail_server):
    due_in_a_week(12)
    mail_server.up()
    desk.sweep_every_second()
    for _ in range(2):
        desk.start_worker()
        desk.start_beat()
    wait_for(lambda: sent() == 12, what="12 sent")
    after_first = desk.sweeps()
    wait_for(lambda: desk.sweeps() >= after_first + 4, what="four more sweeps from the two beats")

    assert figures("two workers, two beats", mail_server, due=12) == {
        "due": 12, "delivered": 12, "duplicates": 0, "lost": 0, "resent": 0, "second_copies": 0}
    assert desk.worker_logs().count(" ready.") == 2  # both workers took part in the race


def test_a_mail_server_refusing_connections_then_answering_4xx_then_back_gets_each_reminder_once(
        desk, mail_server):
    due_in_a_week(8)
    desk.sweep_every_second()
    desk.start_worker()
    desk.start_beat()
    # Down: nothing listens on its port.
    wait_for(lambda: Reminder.objects.filter(attempts__gte=3).count() == 8, what="three refused attempts each")
    assert sent() == 0
    # Up, but "451 try again later" to every message.
    mail_server.tempfail = True
    mail_server.up()
    wait_for(lambda: mail_server.refused >= 8, what="a 451 for each reminder")
    # Back.
    mail_server.tempfail = False
    wait_for(lambda: sent() == 8, what="8 sent once the server is back")
    time.sleep(1)  # room for a duplicate to show up

    assert figures("smtp down, 4xx, back", mail_server, due=8) == {
        "due": 8, "delivered": 8, "duplicates": 0, "lost": 0, "resent": 0, "second_copies": 0}
    rows = list(Reminder.objects.values_list("status", "last_error", "unknown_outcomes"))
    assert rows == [(Reminder.Status.SENT, "", 0)] * 8
    assert all(attempts >= 5 for attempts in Reminder.objects.values_list("attempts", flat=True))


def test_workers_killed_mid_batch_and_after_the_server_stored_the_email_resend_it_with_the_same_message_id(
        desk, mail_server):
    desk.settings.update(EMAIL_TIMEOUT="3", REMINDER_CLAIM_TIMEOUT_SECONDS="5")  # room to catch a stalled worker
    desk.settings["REMINDER_BATCH_EMAILS"] = "1"  # each email recorded as soon as it is sent
    due_in_a_week(10)
    # Five emails of two reminders each.
    mail_server.stall_rcpt_after = 1  # the 2nd email: its worker is killed before the server has it
    mail_server.stall_reply_after = 2  # the 3rd: stored, its worker killed before the 250 and the row's "sent"
    mail_server.up()
    desk.sweep_every_second()
    desk.start_beat()
    for _ in range(2):
        worker = desk.start_worker()
        wait_for(mail_server.stalled.is_set, what="a worker to stall talking to the mail server")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        mail_server.stalled.clear()
        mail_server.release.set()
        time.sleep(0.2)
        mail_server.release.clear()
    killed_after_store = mail_server.messages[-1]["Message-ID"]
    desk.start_worker()
    wait_for(lambda: sent() == 10, what="10 sent, the four dead workers held taken up after their claims ran out")
    time.sleep(1)

    assert figures("worker killed", mail_server, due=10) == {
        "due": 10, "delivered": 10, "duplicates": 0, "lost": 0, "resent": 4, "second_copies": 2}
    twice = [message_id for message_id, n in collections.Counter(mail_server.copies()).items() if n == 2]
    assert twice == [killed_after_store]
    resent = Reminder.objects.filter(unknown_outcomes=1)
    assert sorted(resent.values_list("status", "attempts")) == [(Reminder.Status.SENT, 2)] * 4
    assert killed_after_store in {reminder.message_id for reminder in resent}
    # Each resend carried the same rows as the email it repeats.
    assert {tuple(m["X-Dealdesk-Reminders"].split()) for m in mail_server.reminders()
            if m["Message-ID"] == killed_after_store} == {tuple(str(r.pk) for r in resent.filter(
                message_id=killed_after_store).order_by("scheduled_for", "id"))}


def test_a_worker_killed_mid_batch_sends_the_emails_it_had_sent_once_more_with_their_message_ids(
        desk, mail_server):
    desk.settings.update(EMAIL_TIMEOUT="3", REMINDER_CLAIM_TIMEOUT_SECONDS="5", REMINDER_BATCH_EMAILS="20")
    due_in_a_week(10)  # five emails of two, claimed as one batch
    mail_server.stall_rcpt_after = 2  # two emails stored, their outcomes not yet written: then killed
    mail_server.up()
    desk.sweep_every_second()
    desk.start_beat()
    worker = desk.start_worker()
    wait_for(mail_server.stalled.is_set, what="the worker to stall on its third email")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    mail_server.release.set()
    stored_before_the_kill = [m["Message-ID"] for m in mail_server.messages]
    desk.start_worker()
    wait_for(lambda: sent() == 10, what="10 sent once the dead worker's claim ran out")
    time.sleep(1)

    assert figures("worker killed mid-batch", mail_server, due=10) == {
        "due": 10, "delivered": 10, "duplicates": 0, "lost": 0, "resent": 10, "second_copies": 4}
    twice = sorted(message_id for message_id, n in collections.Counter(mail_server.copies()).items() if n == 2)
    assert twice == sorted(stored_before_the_kill)


def test_a_broker_restart_while_retries_wait_leaves_the_worker_running_and_every_reminder_sent_once(
        desk, mail_server, private_redis):
    desk.broker_url = private_redis.url
    # A retry waits five seconds on a countdown the worker holds when the broker goes away.
    desk.settings.update(REMINDER_RETRY_BASE_SECONDS="5", REMINDER_RETRY_MAX_SECONDS="5")
    due_in_a_week(6)
    mail_server.tempfail = True
    mail_server.up()
    desk.sweep_every_second()
    worker = desk.start_worker()
    beat = desk.start_beat()
    wait_for(lambda: mail_server.refused >= 6, what="the first pass refused")
    waiting = re.compile(r"Task obligations\.send_pending_reminders\[[-0-9a-f]+\] received")
    wait_for(lambda: waiting.search(desk.worker_logs()), what="the worker to hold a retry waiting on its countdown")

    private_redis.stop()
    time.sleep(3)  # long enough for the worker to find it gone
    private_redis.start()
    mail_server.tempfail = False
    wait_for(lambda: sent() == 6 or worker.poll() is not None, what="6 sent after the restart")
    time.sleep(1)

    assert (worker.poll(), beat.poll()) == (None, None), desk.worker_logs()[-2000:]
    assert "Unrecoverable error" not in desk.logs()
    assert "Connection to broker lost" in desk.worker_logs()
    assert figures("broker restarted", mail_server, due=6) == {
        "due": 6, "delivered": 6, "duplicates": 0, "lost": 0, "resent": 0, "second_copies": 0}


def test_a_mail_server_that_stores_a_message_but_answers_late_gets_one_resend_with_the_same_message_id(
        desk, mail_server):
    due_in_a_week(4)
    mail_server.slow_first_copy = 1.0  # EMAIL_DATA_TIMEOUT is half a second
    mail_server.up()
    desk.sweep_every_second()
    desk.start_worker()
    desk.start_beat()
    wait_for(lambda: sent() == 4, what="4 sent")
    time.sleep(1)

    assert figures("slow smtp reply", mail_server, due=4) == {
        "due": 4, "delivered": 4, "duplicates": 0, "lost": 0, "resent": 4, "second_copies": 4}
    assert list(Reminder.objects.values_list("status", "attempts", "unknown_outcomes")) == [
        (Reminder.Status.SENT, 2, 1)] * 4


def test_sweeps_across_midnight_on_the_days_the_clocks_change_send_each_days_reminders_once(desk, mail_server):
    # Seven days before each due date: due on 7 and 8 November 2026 (clocks go back on the 1st),
    # and on 20 and 21 March 2027 (clocks go forward on the 14th).
    deadlines([datetime.date(2026, 11, 7), datetime.date(2026, 11, 8),
               datetime.date(2027, 3, 20), datetime.date(2027, 3, 21)])
    desk.settings["REMINDER_OVERDUE_FIRST_DAY"] = "3650"  # the autumn ones are long past by spring
    mail_server.up()
    desk.sweep_every_second()
    desk.start_beat()
    # The worker's clock: 3 s before midnight, then 3 s before 2 a.m., on each of the two days.
    worker = desk.start_worker(step=6, travel=[
        "2026-10-31T23:59:57-04:00",  # EDT
        "2026-11-01T01:59:57-04:00",  # EDT; 2 a.m. EDT is 1 a.m. EST
        "2027-03-13T23:59:57-05:00",  # EST
        "2027-03-14T01:59:57-05:00",  # EST; 2 a.m. EST is 3 a.m. EDT
    ])
    desk.wait_until_ready(worker)
    # Sweeps in the hour that comes twice (01:00 EST after 01:59 EDT), and after the hour that never comes.
    repeated_hour = re.compile(r"time=2026-11-01T01:00:0\d-0500 level=INFO logger=obligations.reminders "
                               r"event=reminder_sweep today=2026-11-01 created=0 sent=0 ")
    skipped_hour = re.compile(r"time=2027-03-14T03:00:0\d-0400 level=INFO logger=obligations.reminders "
                              r"event=reminder_sweep today=2027-03-14 created=0 sent=0 ")
    wait_for(lambda: skipped_hour.search(desk.worker_logs()), what="a sweep at 3 a.m. EDT on 14 March 2027")

    assert figures("across the clock changes", mail_server, due=4) == {
        "due": 4, "delivered": 4, "duplicates": 0, "lost": 0, "resent": 0, "second_copies": 0}
    sent_on = sorted((timezone.localtime(reminder.sent_at, NEW_YORK).date().isoformat(), reminder.due_date.isoformat())
                     for reminder in Reminder.objects.all())
    # Each reminder went out on its own day in New York, on either side of midnight.
    assert sent_on == [("2026-10-31", "2026-11-07"), ("2026-11-01", "2026-11-08"),
                       ("2027-03-13", "2027-03-20"), ("2027-03-14", "2027-03-21")]
    assert sorted(m["Subject"].split(": ", 1)[0] for m in mail_server.reminders()) == ["Due in 7 days"] * 4
    assert repeated_hour.search(desk.worker_logs())
