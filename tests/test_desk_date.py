"""DESK_DATE: the day the whole desk reckons "today" from, while timestamps keep real time.

Each check runs twice on Tuesday 31 May 2005: once with DESK_DATE set while the real clock says
2 March 2026, once with DESK_DATE unset and the real clock on that day. The answers must be the same.
"""
import datetime
import os
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from deals import clock
from obligations.models import Occurrence, Reminder
from obligations.services import occurrences_mark_done
from obligations.tasks import send_due_reminders
from tests.factories import DealFactory, PartyFactory, PersonFactory
from tests.test_dashboard import Page, due, front_page
from tests.test_rundesk import database, start_desk  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
DESK_DAY = datetime.date(2005, 5, 31)  # a Tuesday, a week after the SPA's closing of 23 May 2005
REAL_NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK)
HEADER = "Desk date: Tue 31 May 2005 (DESK_DATE)"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def desk_defaults(settings):
    settings.DUE_SOON_DAYS = 14
    settings.REMINDER_DAYS_BEFORE = [30, 14, 7, 3, 1, 0]
    settings.REMINDER_OVERDUE_FIRST_DAY = 1
    settings.REMINDER_OVERDUE_EVERY_DAYS = 7
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://desk.example.com"


@pytest.fixture(params=["desk date", "real date"])
def on_31_may_2005(request, settings, time_machine):
    """31 May 2005 at the desk: by DESK_DATE (the real clock in 2026), or by the real clock itself."""
    if request.param == "desk date":
        settings.DESK_DATE = DESK_DAY
        time_machine.move_to(REAL_NOW, tick=False)
    else:
        settings.DESK_DATE = None
        time_machine.move_to(datetime.datetime(2005, 5, 31, 9, 0, tzinfo=NEW_YORK), tick=False)
    return request.param


@pytest.fixture
def desk():
    """Five open due dates around the closing: two missed, one due today, two ahead."""
    deal = DealFactory(title="CalbaTech notes")
    for section, title, day in [
        ("1(b)", "Notes delivered at the closing", datetime.date(2005, 5, 23)),
        ("4(c)", "Press release", datetime.date(2005, 5, 25)),
        ("4(m)", "Key man insurance", datetime.date(2005, 5, 31)),
        ("4(h)", "Reserved share list", datetime.date(2005, 6, 7)),
        ("4(k)", "Board observer named", datetime.date(2005, 6, 20)),
    ]:
        due(deal, section, title, day)
    return deal


def test_clock_today_is_the_desk_date_when_set_else_the_real_local_date(settings, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 23, 30, tzinfo=NEW_YORK), tick=False)  # 3 Mar in UTC
    settings.DESK_DATE = None
    assert clock.today() == datetime.date(2026, 3, 2)
    settings.DESK_DATE = DESK_DAY
    assert clock.today() == DESK_DAY
    assert timezone.now() == datetime.datetime(2026, 3, 3, 4, 30, tzinfo=datetime.UTC)  # real time untouched


def test_the_dashboard_counts_from_the_desk_date(on_31_may_2005, desk, admin_client):
    page = front_page(admin_client)

    tiles = {key: text for key, (text, _) in page.tiles().items()}
    assert tiles["overdue"] == "2 Overdue due dates open, due before 31 May"
    assert tiles["within_7"] == "2 Due within 7 days 31 May to 7 Jun"
    assert tiles["within_30"] == "3 Due within 30 days 31 May to 30 Jun"
    assert tiles["damages"] == "$0.00 Damages accrued as of 31 May, 0 deals"
    assert page.text("desk-date") == (HEADER if on_31_may_2005 == "desk date" else "")


def test_the_dashboard_on_the_real_date_when_desk_date_is_unset(settings, time_machine, desk, admin_client):
    settings.DESK_DATE = None
    time_machine.move_to(REAL_NOW, tick=False)

    page = front_page(admin_client)

    tiles = {key: text for key, (text, _) in page.tiles().items()}
    assert tiles["overdue"] == "5 Overdue due dates open, due before 2 Mar"
    assert tiles["within_7"] == "0 Due within 7 days 2 Mar to 9 Mar"
    assert "Desk date" not in admin_client.get("/admin/").content.decode()


def test_every_admin_page_names_the_desk_date(settings, time_machine, admin_client):
    settings.DESK_DATE = DESK_DAY
    time_machine.move_to(REAL_NOW, tick=False)

    for page in ("/admin/obligations/occurrence/", "/reports/", "/reports/deadlines/", "/calendar/"):
        assert Page(admin_client.get(page).content.decode()).text("desk-date") == HEADER, page
    assert Page(Client().get("/admin/login/").content.decode()).text("desk-date") == HEADER


def test_an_occurrence_stands_as_on_the_desk_date(on_31_may_2005, desk, admin_client):
    page = Page(admin_client.get("/admin/obligations/occurrence/?o=4").content.decode())  # by due date

    # deal, section, obligation, due date, status, standing, done on, done by (after the checkbox)
    assert [row[2:7] for row in page.rows["result_list"][1:]] == [
        ["1(b)", "Notes delivered at the closing", "May 23, 2005", "Open", "overdue"],
        ["4(c)", "Press release", "May 25, 2005", "Open", "overdue"],
        ["4(m)", "Key man insurance", "May 31, 2005", "Open", "due soon"],
        ["4(h)", "Reserved share list", "June 7, 2005", "Open", "due soon"],
        ["4(k)", "Board observer named", "June 20, 2005", "Open", "open"],
    ]


def test_the_deadlines_report_defaults_to_the_desk_date(on_31_may_2005, desk, admin_client):
    page = Page(admin_client.get("/reports/deadlines/?status=overdue").content.decode())
    response = admin_client.get("/reports/deadlines/csv/")

    assert page.text("report-count") == "2 due dates"
    assert page.text("report-desk-date") == (
        "As of May 31, 2005, the desk date (DESK_DATE)." if on_31_may_2005 == "desk date" else "")
    assert response["Content-Disposition"] == 'attachment; filename="dealdesk-deadlines-2005-05-31.csv"'


def test_the_reminder_sweep_plans_on_the_desk_date_and_stamps_real_time(on_31_may_2005, desk):
    issuer = PartyFactory(legal_name="CalbaTech, Inc.")
    PersonFactory(party=issuer, name="Alice", email="alice@issuer.example", receives_reminders=True)
    Occurrence.objects.exclude(rule__obligation__section="4(h)").delete()
    obligation = Occurrence.objects.get().rule.obligation
    obligation.obligor = issuer
    obligation.save()

    assert send_due_reminders() == 1

    (reminder,) = Reminder.objects.all()
    assert (reminder.days_from_due, reminder.scheduled_for, reminder.status) == (-7, DESK_DAY, "sent")
    assert reminder.sent_at == timezone.now()  # the real clock, whatever the desk date
    (message,) = mail.outbox
    assert message.subject == "Due in 7 days: s.4(h) Reserved share list - CalbaTech, Inc. (Tue 7 Jun 2005)"
    assert message.body.startswith("Reserved share list is due in 7 days, on Tuesday 7 June 2005.")
    note = "As of Tuesday 31 May 2005: the desk date (DESK_DATE), not the real date."
    assert (note in message.body) == (on_31_may_2005 == "desk date")


def test_send_reminders_without_today_sweeps_on_the_desk_date(on_31_may_2005, desk, capsys):
    call_command("send_reminders", "--dry-run")

    assert capsys.readouterr().out.splitlines()[-1] == "5 reminder(s) due on 2005-05-31; nothing sent (dry run)."


def test_a_done_date_after_the_desk_date_is_in_the_future(on_31_may_2005, desk):
    occurrences = Occurrence.objects.filter(rule__obligation__section="4(c)")

    with pytest.raises(ValidationError) as refused:
        occurrences_mark_done(occurrences=occurrences, on=datetime.date(2005, 6, 1), by=None, evidence="Issued")
    assert refused.value.messages == ["The date cannot be in the future."]
    assert occurrences_mark_done(occurrences=occurrences, on=DESK_DAY, by=None, evidence="Issued") == 1


# Start-up ------------------------------------------------------------------------------------------


def settings_desk_date(value: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DESK_DATE": value, "DJANGO_SETTINGS_MODULE": "dealdesk.settings"}
    probe = "import django; django.setup(); from django.conf import settings; print(settings.DESK_DATE)"
    return subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("value", ["31/05/2005", "20050531", "2005-02-30", "tomorrow"])
def test_a_bad_desk_date_stops_start_up_naming_the_variable_and_the_form(value):
    result = settings_desk_date(value)

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: DESK_DATE must be a date in the form YYYY-MM-DD "
        f"(e.g. 2005-06-15), or empty for the real date; it is {value!r}.")


@pytest.mark.parametrize(("value", "seen"), [("2005-05-31", "2005-05-31"), ("", "None")])
def test_a_desk_date_is_read_from_the_environment_and_empty_means_the_real_date(value, seen):
    result = settings_desk_date(value)

    assert (result.returncode, result.stdout.strip()) == (0, seen), result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")
def test_rundesk_says_the_desk_date_and_hands_it_to_the_worker_and_beat(start_desk):  # noqa: F811
    from tests.test_rundesk import environment_of

    desk = start_desk(DESK_DATE="2005-05-31")

    assert "  Today   Tue 31 May 2005, the desk date (DESK_DATE; empty: the real date)" in desk.summary()
    assert {role: environment_of(pid)["DESK_DATE"] for role, pid in desk.children().items()} == {
        "worker": "2005-05-31", "beat": "2005-05-31",
    }
