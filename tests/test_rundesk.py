"""`manage.py rundesk`, as `make run` ends with: a real web server, Celery worker and beat.

Each test starts it on a free port, with a SQLite database, a file broker and a mail folder of its
own, reads the summary it prints, and stops it as a person or a supervisor would.
"""
from __future__ import annotations

import http.cookiejar
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60
STOP_TIMEOUT = 20  # rundesk gives the worker and beat 10 seconds, then kills them
QUIT = "Quit the server with CONTROL-C."
# Settings the test chooses; whatever this process inherited for them (CI's PostgreSQL and
# Redis, a SITE_URL) is dropped.
CHOSEN = {"DATABASE_URL", "EMAIL_URL", "DEBUG", "SITE_URL", "CELERY_BROKER_URL", "CELERY_BROKER_DIR", "PORT"}


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'desk.sqlite3'}"
    for command in (["migrate", "--noinput", "-v0"], ["create_demo_admin"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True, capture_output=True,
                       env={**os.environ, "DATABASE_URL": url, "DEBUG": "true"}, timeout=120)
    return url


class Desk:
    """A running `manage.py rundesk` and the lines it has printed."""

    def __init__(self, tmp_path: Path, database: str, **environment: str):
        self.port = free_port()
        self.mail = tmp_path / "mail"
        self.logs = tmp_path / "log"
        env = {name: value for name, value in os.environ.items() if name not in CHOSEN}
        env.update(DATABASE_URL=database, EMAIL_URL=f"filemail:///{self.mail}", DEBUG="true",
                   CELERY_BROKER_DIR=str(tmp_path / "broker"), **environment)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "rundesk", f"127.0.0.1:{self.port}", "--log-dir", str(self.logs)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def summary(self) -> list[str]:
        """The lines from the summary's heading up to the server's own "Quit" line."""
        deadline = time.monotonic() + START_TIMEOUT
        while QUIT not in self.lines:
            assert self.process.poll() is None, "\n".join(self.lines)
            assert time.monotonic() < deadline, "\n".join(self.lines)
            time.sleep(0.1)
        end = self.lines.index(QUIT)
        start = next(i for i in range(end, -1, -1) if self.lines[i].startswith("dealdesk is running"))
        return self.lines[start:end]

    def children(self) -> dict[str, int]:
        """The worker's and beat's process ids, by role."""
        found = {}
        for pid in child_pids(self.process.pid):
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            role = next(part.decode() for part in (b"worker", b"beat") if part in command)
            found[role] = pid
        return found

    def stop(self, signum: int) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signum)
            self.process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def start_desk(tmp_path, database):
    desks = []

    def start(**environment: str) -> Desk:
        desks.append(Desk(tmp_path, database, **environment))
        return desks[-1]

    yield start
    for desk in desks:  # a failed test leaves nothing running either
        for pid in desk.children().values() if desk.process.poll() is None else ():
            os.kill(pid, signal.SIGKILL)
        if desk.process.poll() is None:
            desk.process.kill()
            desk.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_pids(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue  # a thread that ended between the listing and the read: it started no process
    return children


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_until_gone(pids, timeout: float = STOP_TIMEOUT) -> list[int]:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [pid for pid in pids if alive(pid)]


def environment_of(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)


def calendar_address(base: str, username: str, password: str) -> str:
    """Log in through the login form, as a browser does, and read "My calendar"'s address."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(f"{base}/admin/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username,
                                   "password": password, "next": "/calendar/"}).encode()
    request = urllib.request.Request(f"{base}/admin/login/", data=data,
                                     headers={"Referer": f"{base}/admin/login/"})
    page = opener.open(request, timeout=10).read().decode()
    return re.search(r'id="feed-url" class="vTextField" value="([^"]+)"', page).group(1)


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")


def test_it_prints_the_summary_serves_on_its_port_and_sigterm_stops_worker_and_beat(start_desk):
    desk = start_desk()
    address = f"http://127.0.0.1:{desk.port}"

    assert desk.summary() == [
        "dealdesk is running: the web app, one Celery worker and beat (a local run, not for production).",
        f"  Open    {address}/admin/",
        "  Log in  admin / dealdesk",
        f"  Emails  {desk.mail}/ (0 so far; the worker adds the ones due now)",
        f"  Logs    {desk.logs}/worker.log, {desk.logs}/beat.log (requests below)",
        "  Stop    Ctrl-C stops the web app, the worker and beat",
    ]
    assert urllib.request.urlopen(f"{address}/admin/login/", timeout=10).status == 200
    # The login the summary prints works, and the web app's links follow the port ...
    assert calendar_address(address, "admin", "dealdesk").startswith(f"{address}/calendar/")
    children = desk.children()
    assert sorted(children) == ["beat", "worker"]
    # ... and so do the worker's, which renders the links in emails.
    assert {role: environment_of(pid)["SITE_URL"] for role, pid in children.items()} == {
        "worker": address, "beat": address,
    }
    assert (desk.logs / "worker.log").exists() and (desk.logs / "beat.log").exists()

    desk.stop(signal.SIGTERM)

    assert desk.process.returncode == 128 + signal.SIGTERM
    assert wait_until_gone(children.values()) == []


def test_site_url_from_the_environment_wins_over_the_port_and_ctrl_c_stops_everything(start_desk):
    desk = start_desk(SITE_URL="http://desk.example.test:9000")

    assert "  Links   in emails point to http://desk.example.test:9000 (SITE_URL)" in desk.summary()
    children = desk.children()
    assert {role: environment_of(pid)["SITE_URL"] for role, pid in children.items()} == {
        "worker": "http://desk.example.test:9000", "beat": "http://desk.example.test:9000",
    }

    desk.stop(signal.SIGINT)

    assert desk.process.returncode == 0
    assert wait_until_gone(children.values()) == []


def test_worker_and_beat_stop_when_rundesk_dies_without_cleaning_up(start_desk):
    desk = start_desk()
    desk.summary()
    children = desk.children()

    desk.stop(signal.SIGKILL)

    assert wait_until_gone(children.values()) == []


def test_the_worker_and_beat_share_one_stop_deadline(monkeypatch):
    # Two children that ignore SIGTERM: both are killed once the one deadline has passed, not after
    # a deadline each (the supervisor's wait would run out first).
    from dealdesk.management.commands import rundesk

    monkeypatch.setattr(rundesk, "STOP_TIMEOUT_SECONDS", 2)
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(flush=True); time.sleep(60)"
    command = rundesk.Command(stdout=io.StringIO())
    command.children = [subprocess.Popen([sys.executable, "-c", stubborn], stdout=subprocess.PIPE) for _ in range(2)]
    for child in command.children:  # each has set its SIGTERM aside
        child.stdout.readline()

    started = time.monotonic()
    command.stop_children()
    took = time.monotonic() - started

    assert [child.returncode for child in command.children] == [-signal.SIGKILL] * 2
    assert 2 <= took < 3.5
