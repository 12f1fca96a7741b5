"""Run the whole desk locally: the web app, one Celery worker and beat, until Ctrl-C.

1. Serve the web app with `runserver` (static files included, no autoreloader: a reload would
   start a second worker and beat).
2. Once the port is bound, and only then (a port in use ends the run before anything started),
   set SITE_URL to this address unless the environment sets it, start the worker and beat with
   that SITE_URL (the worker renders the links in emails), their logs in files, and sweep once.
3. Print a summary: where to open it, the login, where emails and logs go, how to stop.
4. On Ctrl-C, SIGTERM or a crash of the server, stop the worker and beat: terminate, then kill.
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from dealdesk.management.commands.create_demo_admin import demo_login
from deals import clock

# Celery's warm shutdown lets the task at hand finish; a sweep writing hundreds of emails to
# files takes about 20 seconds, and the rest is sent by the next sweep.
STOP_TIMEOUT_SECONDS = 10
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _exit_on_sigterm(signum, frame):
    # SystemExit unwinds the server's loop, so the `finally` in handle() stops the children.
    raise SystemExit(128 + signum)


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM when rundesk dies, even by SIGKILL (Linux)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (AttributeError, OSError):
        pass


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _count_emails(folder: Path) -> int:
    # Django's file backend writes each message followed by a line of 79 dashes, and may put
    # several messages of one connection in one file.
    separator = b"\n" + b"-" * 79 + b"\n"
    return sum(entry.read_bytes().count(separator) for entry in folder.glob("*") if entry.is_file())


class Command(RunserverCommand):
    help = "Start the web app, one Celery worker and Celery beat together (for a local run)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--log-dir", default=str(settings.BASE_DIR / "var" / "log"),
            help="Folder for worker.log and beat.log (default: var/log/).",
        )

    def handle(self, *args, **options):
        self.log_dir = Path(options["log_dir"])
        self.children: list[subprocess.Popen] = []
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        # Ctrl-C, even when started with SIGINT ignored (as a script's `make run &` is).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            super().handle(*args, **options)
        finally:
            self.stop_children()

    def run(self, **options):
        # Never the autoreloader: it runs the server in a second process, and each reload would
        # start another worker and beat.
        self.inner_run(None, **options)

    def on_bind(self, server_port):
        host = {"": "127.0.0.1", "0": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(self.addr)
        host = host or (f"[{self.addr}]" if self._raw_ipv6 else self.addr)
        address = f"{self.protocol}://{host}:{server_port}"
        if "SITE_URL" not in os.environ:  # .env is in os.environ by now (settings read it)
            os.environ["SITE_URL"] = settings.SITE_URL = address
        self.start_children()
        # Beat's first sweep comes one interval after it starts; sweep now so reminders show at once.
        from obligations.tasks import send_due_reminders

        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            # A folder has no host name, which kombu warns about on every connection.
            logging.getLogger("kombu.connection").setLevel(logging.ERROR)
        send_due_reminders.delay()
        self.stdout.write("\n".join(self.summary(address)))
        self.stdout.write("Quit the server with CONTROL-C.")

    def start_children(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        celery = [sys.executable, "-m", "celery", "-A", "dealdesk"]
        for name, command in (
            ("worker", [*celery, "worker", "--pool=solo", "--loglevel=INFO"]),
            ("beat", [*celery, "beat", "--loglevel=INFO"]),
        ):
            with open(self.log_dir / f"{name}.log", "ab") as log:
                self.children.append(subprocess.Popen(
                    command, env=os.environ.copy(), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT,
                    # Their own process group: Ctrl-C reaches rundesk alone, which stops them.
                    process_group=0, preexec_fn=_die_with_parent,
                ))

    def stop_children(self) -> None:
        running = [child for child in self.children if child.poll() is None]
        if running:
            self.stdout.write("Stopping the worker and beat...")
        for child in running:
            child.terminate()
        # One deadline for them all, each waited for with what is left of it: the worker and beat
        # slow to stop together took twice the time, longer than a supervisor may wait.
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in self.children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def summary(self, address: str) -> list[str]:
        logs = ", ".join(_shown(self.log_dir / f"{name}.log") for name in ("worker", "beat"))
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            folder = Path(settings.EMAIL_FILE_PATH)
            emails = f"{_shown(folder)}/ ({_count_emails(folder)} so far; the worker adds the ones due now)"
        elif settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
            emails = f"printed in {_shown(self.log_dir / 'worker.log')}"
        else:
            emails = f"sent through {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
        lines = [
            "",
            "dealdesk is running: the web app, one Celery worker and beat (a local run, not for production).",
            f"  Open    {address}/admin/",
            f"  Log in  {demo_login()}",
            f"  Emails  {emails}",
        ]
        if settings.SITE_URL.rstrip("/") != address:
            lines.append(f"  Links   in emails point to {settings.SITE_URL} (SITE_URL)")
        if desk_date := clock.desk_date():
            lines.append(f"  Today   {desk_date:%a %-d %b %Y}, the desk date (DESK_DATE; empty: the real date)")
        lines += [
            f"  Logs    {logs} (requests below)",
            "  Stop    Ctrl-C stops the web app, the worker and beat",
        ]
        return lines
