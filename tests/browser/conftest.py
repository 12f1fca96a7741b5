"""A real browser on the desk: Playwright drives Debian's Chromium against pytest-django's live_server.

- Chromium is Debian's, at /usr/bin/chromium; no browser is ever downloaded (`playwright install`
  is not used). When it is missing, the run installs it with apt, and fails, saying why, when it
  cannot: a browser test never skips, in CI or anywhere else.
- Every test gets a fresh browser context at 1366 x 900 (the desk's smallest supported screen),
  keeps a screenshot of its last screen in var/browser-screenshots/<test name>.png, and the run
  ends by printing that folder.
- The tests run against the app the test run serves, on the test database (PostgreSQL in CI,
  SQLite locally), so they need transactional_db: the server answers from another thread.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "browser-screenshots"
VIEWPORT = {"width": 1366, "height": 900}
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

_screenshots_taken: list[Path] = []


def _apt(*args: str) -> subprocess.CompletedProcess:
    command = ["apt-get", *args]
    if os.geteuid() != 0:
        command = ["sudo", "-n", *command]  # -n: never wait for a password (CI has no stdin)
    return subprocess.run(command, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium, installed with apt on first use if it is not there."""
    if not CHROMIUM.exists():
        if os.geteuid() != 0 and shutil.which("sudo") is None:
            pytest.fail(f"The browser tests need Chromium at {CHROMIUM}, and this user can neither install it "
                        "(not root, no sudo). Install it: apt-get install chromium", pytrace=False)
        result = _apt("install", "-y", "-q", "chromium")
        if result.returncode != 0:  # a fresh machine may have no package lists yet
            _apt("update", "-q")
            result = _apt("install", "-y", "-q", "chromium")
        if result.returncode != 0 or not CHROMIUM.exists():
            pytest.fail(f"The browser tests need Chromium at {CHROMIUM}, and `apt-get install -y chromium` did not "
                        f"put it there (exit {result.returncode}):\n{(result.stdout + result.stderr)[-2000:]}",
                        pytrace=False)
    return str(CHROMIUM)


@pytest.fixture(scope="package")
def browser(chromium_executable):
    """One Chromium for the whole package; each test gets its own context (cookies, downloads)."""
    from playwright.sync_api import sync_playwright

    # Sync Playwright runs its asyncio event loop in a greenlet on this very thread, so while the
    # browser is open asyncio.get_running_loop() answers here too. Django's async_unsafe guard
    # (every ORM query, and pytest-django's flush between tests) takes that for "called from async
    # code" and raises SynchronousOnlyOperation, though every query here is plain sync code run
    # between two Playwright calls, never inside the loop. So the guard is off exactly while the
    # browser is open, and back on for the rest of the suite.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=chromium_executable)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


class OneRequestAtATime:
    """A WSGI app that lets one request in at a time, until its response is sent whole (streams too)."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        self.lock.acquire()
        try:
            response = self.app(environ, start_response)
        except BaseException:
            self.lock.release()
            raise
        return _ReleasedOnClose(response, self.lock)


class _ReleasedOnClose:
    def __init__(self, response, lock):
        self.response, self.lock = response, lock

    def __iter__(self):
        return iter(self.response)

    def close(self):  # the server calls it once the response is sent, or abandoned
        try:
            if hasattr(self.response, "close"):
                self.response.close()
        finally:
            self.lock.release()


@pytest.fixture(scope="session")
def desk_server(django_db_setup, live_server):
    """pytest-django's live_server, taking one request at a time when the test database is SQLite in memory.

    Its threaded server then hands every request thread the one connection the test's thread has
    (the in-memory database exists only in it), and two requests at once on one SQLite connection
    (the browser asks for several things at a time: an autocomplete while a page loads) fail with
    "database table is locked". On PostgreSQL each request thread has its own connection, and
    requests run side by side as in production.
    """
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        httpd = live_server.thread.httpd
        httpd.set_app(OneRequestAtATime(httpd.get_app()))
    return live_server


@pytest.fixture
def page(browser, desk_server, transactional_db, request):
    """A tab on the live server; its last screen is kept as var/browser-screenshots/<test name>.png."""
    context = browser.new_context(viewport=VIEWPORT, base_url=desk_server.url, accept_downloads=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.name)}.png"
        try:
            tab.screenshot(path=path, full_page=True)
            _screenshots_taken.append(path)
        finally:
            context.close()


@pytest.fixture
def staff_user(django_user_model, transactional_db):
    """make(username, group): a staff user in one of the desk's role groups (dealdesk/roles.py)."""

    def make(username: str, group: str, *, password: str | None = None):
        user = django_user_model.objects.create_user(username, f"{username}@desk.example.com", password,
                                                     is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def log_in(page, desk_server):
    """log_in(user): the browser holds that user's session, as after the login form (which one test uses)."""

    def log_in(user) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value,
                                   "url": desk_server.url}])

    return log_in


def pytest_terminal_summary(terminalreporter):
    if _screenshots_taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(_screenshots_taken)} screenshots of the last screen of each browser "
                                    f"test in {SCREENSHOTS}")
    # A test that measures pages records the ones wider than the screen (record_property "too_wide_pages"),
    # so the list shows in the run's output even while that test is an expected failure.
    for reports in terminalreporter.stats.values():
        for report in reports:
            too_wide = dict(getattr(report, "user_properties", ())).get("too_wide_pages")
            if too_wide and getattr(report, "when", "call") == "call":
                terminalreporter.write_sep("-", f"pages wider than {VIEWPORT['width']} px")
                for path, width in sorted(too_wide.items(), key=lambda item: -item[1]):
                    terminalreporter.write_line(f"{width:6} px  {path}")
