"""Every report as it stood at the end of a past day (in the desk's time zone), read from the audit trail."""
import csv
import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from instruments.models import ReserveCovenant, ShareReservation
from instruments.services import reserve_test
from obligations.models import Obligation, Occurrence, Reminder
from obligations.services import occurrences_mark_done
from parties.models import DealParty
from tests.desk_clock import at
from tests.factories import (
    AddressFactory,
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealFactory,
    ObligationFactory,
    PartyFactory,
    ShareClassFactory,
    WarrantFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(client, django_user_model):
    user = django_user_model.objects.create_user("auditor", is_staff=True)
    user.groups.add(Group.objects.get(name="Auditors"))
    client.force_login(user)
    return client


def rows(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(StringIO(b"".join(response.streaming_content).decode())))


def exported(*args: str) -> list[dict[str, str]]:
    out = StringIO()
    call_command("export_report", *args, stdout=out)
    return list(csv.DictReader(StringIO(out.getvalue())))


@pytest.fixture
def list_done_late_last_night():
    """The 2005-06-07 reserve list (SPA s.4(h)) was marked done at 23:30 on 2005-06-09, New York time."""
    with at("2005-06-01"):
        obligation = ObligationFactory(deal=DealFactory(title="CalbaTech 2005 notes"), section="4(h)",
                                       title="Monthly share reserve list")
        DeadlineRuleFactory(obligation=obligation)
    with at("2005-06-09", 23, 30):  # 03:30 on 2005-06-10 in UTC: still the 9th at the desk
        occurrences_mark_done(occurrences=Occurrence.objects.filter(due_date=datetime.date(2005, 6, 7)),
                              on=datetime.date(2005, 6, 9), by=None, evidence="List emailed")


def test_a_deadline_done_yesterday_was_open_the_day_before(auditor, list_done_late_last_night):
    url = "/reports/deadlines/csv/?start=2005-06-07&end=2005-06-07"
    with at("2005-06-10"):
        day_before_yesterday = rows(auditor, url + "&as_of=2005-06-08")
        yesterday = rows(auditor, url + "&as_of=2005-06-09")
        now = rows(auditor, url)
        before_it_existed = rows(auditor, url + "&as_of=2005-05-31")
        from_the_command = exported("deadlines", "--from", "2005-06-07", "--to", "2005-06-07",
                                    "--as-of", "2005-06-08")

    assert [(r["status"], r["done_on"]) for r in day_before_yesterday] == [("Open", "")]
    assert [(r["status"], r["done_on"]) for r in yesterday] == [("Done", "2005-06-09")]
    assert [(r["status"], r["done_on"]) for r in now] == [("Done", "2005-06-09")]
    assert before_it_existed == []
    assert from_the_command == day_before_yesterday


def test_the_compliance_history_as_of_a_day_judges_by_that_day(auditor, list_done_late_last_night):
    url = "/reports/compliance/csv/?start=2005-06-01&end=2005-07-31"
    with at("2005-06-10"):
        as_of_8th = rows(auditor, url + "&as_of=2005-06-08")
        as_of_9th = rows(auditor, url + "&as_of=2005-06-09")
        missed_then = rows(auditor, url + "&as_of=2005-06-08&status=missed")

    assert [(r["due_date"], r["outcome"]) for r in as_of_8th] == [("2005-06-07", "missed"), ("2005-07-08", "open")]
    assert [(r["due_date"], r["outcome"]) for r in as_of_9th] == [
        ("2005-06-07", "done late by 2 days"), ("2005-07-08", "open"),
    ]
    assert [r["due_date"] for r in missed_then] == ["2005-06-07"]


@pytest.fixture
def notes_cut_on_1_july():
    """$800,000 of notes at $0.10 issued on 2005-05-23; the principal was corrected to $650,000 on 2005-07-01."""
    with at("2005-05-23"):
        deal = DealFactory(title="CalbaTech 2005 notes")
        company = PartyFactory(legal_name="CalbaTech, Inc.")
        common = ShareClassFactory(deal=deal, issuer=company)
        ShareReservation.objects.create(share_class=common, purpose=ShareReservation.Purpose.DEAL_SECURITIES,
                                        shares=20_000_000)
        ReserveCovenant.objects.create(deal=deal, share_class=common, multiple=Decimal("2"), section="4(h)")
        note = ConvertibleNoteFactory(deal=deal, issuer=company, name="Closing Notes",
                                      principal=Decimal("800000.00"), conversion_price=Decimal("0.10"))
        WarrantFactory(deal=deal, issuer=company, name="Closing Warrants", shares=1_000_000)
    with at("2005-07-01"):
        note.principal = Decimal("650000.00")
        note.save()
    return deal


def test_a_note_shows_its_old_principal_as_of_before_the_change(auditor, notes_cut_on_1_july):
    url = "/reports/instruments/csv/"
    with at("2005-08-01"):
        before = rows(auditor, url + "?as_of=2005-06-30")
        after = rows(auditor, url + "?as_of=2005-07-01")
        now = rows(auditor, url)
        from_the_command = exported("instruments", "--as-of", "2005-06-30")
        live_test = reserve_test(deal=notes_cut_on_1_july)

    def principal(report):
        return [(r["principal"], r["shares"]) for r in report if r["kind"] == "Convertible note"]

    def reserve(report):
        return [r["summary"] for r in report if r["kind"] == "Reserve test"]

    assert principal(before) == [("800000.00", "8000000")]
    assert principal(after) == principal(now) == [("650000.00", "6500000")]
    assert reserve(before) == ["2 x 9,000,000 issuable = 18,000,000 required; 20,000,000 reserved: met."]
    assert reserve(now) == reserve(after) == [live_test.summary()]
    assert live_test.summary() == "2 x 7,500,000 issuable = 15,000,000 required; 20,000,000 reserved: met."
    assert from_the_command == before


def test_the_notice_directory_as_of_a_day_has_the_names_and_copies_of_that_day(auditor):
    with at("2005-06-01"):
        deal = DealFactory(title="CalbaTech 2005 notes")
        company = PartyFactory(legal_name="CalbaTech Inc")
        counsel = PartyFactory(legal_name="Sichenzia Ross Friedman Ference LLP")
        counsel_address = AddressFactory(party=counsel, street_line_1="1065 Avenue of the Americas",
                                         city="New York", region="NY", postal_code="10018")
        role = DealParty.objects.create(deal=deal, party=company, role=DealParty.Role.COMPANY)
    with at("2005-07-01"):
        company.legal_name = "CalbaTech, Inc."
        company.save()
        role.copy_to.add(counsel_address)

    with at("2005-08-01"):
        before = rows(auditor, "/reports/parties/csv/?as_of=2005-06-30")
        after = rows(auditor, "/reports/parties/csv/?as_of=2005-07-01")
        now = rows(auditor, "/reports/parties/csv/")

    assert [(r["party"], r["copy_to"]) for r in before] == [("CalbaTech Inc", "")]
    assert [(r["party"], r["copy_to"]) for r in after] == [(
        "CalbaTech, Inc.", "Sichenzia Ross Friedman Ference LLP, 1065 Avenue of the Americas, New York, NY 10018",
    )]
    assert after == now


def test_penalties_accrue_to_the_as_of_day_and_stop_once_done(auditor):
    # SPA s.4(f) style: 15% a year on an unpaid $365,000 due 2005-08-26, paid on 2005-09-10.
    with at("2005-08-01"):
        obligation = ObligationFactory(title="Reimburse expenses", section="4(f)",
                                       penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT, penalty_rate=Decimal("0.15"),
                                       penalty_base_amount=Decimal("365000.00"))
        DeadlineRuleFactory(obligation=obligation, kind="fixed_date", frequency="",
                            fixed_date=datetime.date(2005, 8, 26))
    with at("2005-09-10"):
        occurrences_mark_done(occurrences=Occurrence.objects.all(), on=datetime.date(2005, 9, 10), by=None,
                              evidence="Lists emailed")

    with at("2005-09-20"):
        on_31_august = rows(auditor, "/reports/fees/csv/?as_of=2005-08-31")
        on_5_september = rows(auditor, "/reports/fees/csv/?as_of=2005-09-05")
        now = rows(auditor, "/reports/fees/csv/")

    assert [(r["days"], r["amount"]) for r in on_31_august] == [("5", "750.00")]
    assert [(r["days"], r["amount"]) for r in on_5_september] == [("10", "1500.00")]
    # Paid on 10 September: 15 days at 15% a year on $365,000, and no more.
    assert [(r["days"], r["amount"]) for r in now] == [("15", "2250.00")]


def test_reminders_as_of_a_day_are_those_created_by_then_and_not_yet_sent_if_sent_later(auditor):
    with at("2005-05-30"):
        obligation = ObligationFactory(title="Monthly share reserve list")
        DeadlineRuleFactory(obligation=obligation, kind="fixed_date", frequency="",
                            fixed_date=datetime.date(2005, 6, 7))
        occurrence = Occurrence.objects.get()
    with at("2005-05-31"):
        reminder = Reminder.objects.create(occurrence=occurrence, due_date=occurrence.due_date, days_from_due=-7,
                                           scheduled_for=datetime.date(2005, 5, 31))
    with at("2005-06-02", 9):
        Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.SENT, sent_at=timezone.now(),
                                                       attempts=1, recipient="finance@calbatech.example.com")

    with at("2005-06-10"):
        before_created = rows(auditor, "/reports/reminders/csv/?as_of=2005-05-30")
        before_sent = rows(auditor, "/reports/reminders/csv/?as_of=2005-06-01")
        sent = rows(auditor, "/reports/reminders/csv/?as_of=2005-06-02")
        pending_then = rows(auditor, "/reports/reminders/csv/?as_of=2005-06-01&status=pending")

    assert before_created == []
    assert [(r["status"], r["sent_at"]) for r in before_sent] == [("Pending", "")]
    assert [(r["status"], r["sent_at"]) for r in sent] == [("Sent", "2005-06-02 09:00:00-04:00")]
    assert len(pending_then) == 1


def test_the_history_as_of_a_day_stops_at_the_end_of_that_day(auditor):
    with at("2005-06-01"):
        party = PartyFactory(legal_name="Old Name LLC")
    with at("2005-06-02", 23, 59):
        party.legal_name = "Middle Name LLC"
        party.save()
    with at("2005-06-03", 0, 1):
        party.legal_name = "New Name LLC"
        party.save()

    with at("2005-06-10"):
        changes = rows(auditor, "/reports/history/csv/?model=parties.party&as_of=2005-06-02")

    assert [(r["when"], r["change"], r["changes"]) for r in changes] == [
        ("2005-06-02 23:59:00-04:00", "changed (~)", "legal_name: Old Name LLC → Middle Name LLC"),
        ("2005-06-01 12:00:00-04:00", "created (+)", ""),
    ]


def test_a_row_saved_twice_in_one_moment_stands_once_as_it_was_saved_last(auditor):
    # A due date entered and done in the same moment (as a desk loaded in bulk writes them): two records
    # of one moment; a past day's report shows the row once, as the later record has it.
    with at("2005-06-01"):
        obligation = ObligationFactory(deal=DealFactory(title="CalbaTech 2005 notes"), section="4(h)",
                                       title="Monthly share reserve list")
        DeadlineRuleFactory(obligation=obligation)
    with at("2005-06-09", 15):
        occurrence = Occurrence.objects.get(due_date=datetime.date(2005, 6, 7))
        occurrence.status, occurrence.done_on, occurrence.evidence = (
            Occurrence.Status.DONE, datetime.date(2005, 6, 9), "List sent by email")
        occurrence.save()
        occurrence.evidence = "List sent by email and courier"
        occurrence.save()
    assert occurrence.history.filter(history_date=occurrence.history.latest().history_date).count() == 2

    with at("2005-06-20"):
        then = [row for row in rows(auditor, "/reports/compliance/csv/?as_of=2005-06-09")
                if row["due_date"] == "2005-06-07"]

    assert [(row["done_on"], row["evidence"]) for row in then] == [("2005-06-09", "List sent by email and courier")]
