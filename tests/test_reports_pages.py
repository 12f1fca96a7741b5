import datetime
from decimal import Decimal
from html.parser import HTMLParser
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command

from deals.models import Deal
from obligations.models import Occurrence
from tests.factories import ConvertibleNoteFactory, DeadlineRuleFactory, DealFactory, ObligationFactory, PartyFactory

pytestmark = pytest.mark.django_db

REPORTS = ["deadlines", "compliance", "attestations", "reminders", "instruments", "parties", "fees", "fee-totals", "history"]
CALBATECH = "CalbaTech – Securities Purchase Agreement (10% secured convertible notes)"


class _TableReader(HTMLParser):
    """The report table as the user sees it: header texts and one list of cell texts per row."""

    def __init__(self):
        super().__init__()
        self.headers, self.rows = [], []
        self._in_table = self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "result_list") in attrs:
            self._in_table = True
        elif self._in_table and tag == "tr":
            self._row = []
        elif self._in_table and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif self._in_table and tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif self._in_table and tag == "tr":
            if self.headers or not self._row:
                self.rows.append(self._row)
            else:
                self.headers = self._row

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def screen(response) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200
    reader = _TableReader()
    reader.feed(response.content.decode())
    rows = [dict(zip(reader.headers, row)) for row in reader.rows if len(row) == len(reader.headers)]
    return reader.headers, rows


@pytest.fixture
def auditor(client, django_user_model):
    user = django_user_model.objects.create_user("auditor", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Auditors"))
    client.force_login(user)
    return client


@pytest.fixture
def sample_deals():
    call_command("load_sample_deals", stdout=StringIO())
    return {deal.title: deal for deal in Deal.objects.all()}


@pytest.mark.parametrize("name", REPORTS)
def test_each_report_shows_to_an_auditor_with_a_download_button(auditor, name):
    response = auditor.get(f"/reports/{name}/")

    assert response.status_code == 200
    assert b'id="download-csv"' in response.content
    assert f'href="/reports/{name}/csv/"'.encode() in response.content


@pytest.mark.parametrize("name", REPORTS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, name):
    for url in (f"/reports/{name}/", f"/reports/{name}/csv/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/admin/login/?next={url}"


@pytest.mark.parametrize("name", REPORTS)
def test_staff_without_the_report_permission_are_refused(client, django_user_model, name):
    client.force_login(django_user_model.objects.create_user("clerk", is_staff=True))

    assert client.get(f"/reports/{name}/").status_code == 403
    assert client.get(f"/reports/{name}/csv/").status_code == 403
    assert client.get("/reports/").status_code == 403


def test_the_admin_index_links_to_the_reports_for_auditors_only(auditor, client, django_user_model):
    page = auditor.get("/admin/").content.decode()
    assert 'id="reports-module"' in page
    assert 'href="/reports/deadlines/?status=open"' in page
    assert 'href="/reports/history/"' in page

    client.force_login(django_user_model.objects.create_user("clerk", is_staff=True))
    assert 'id="reports-module"' not in client.get("/admin/").content.decode()


def test_the_sample_deals_show_in_every_report(auditor, sample_deals):
    calbatech = sample_deals[CALBATECH]

    _, deadlines = screen(auditor.get(f"/reports/deadlines/?deal={calbatech.pk}&start=2005-06-07&end=2005-06-07"))
    reserve_list = [row for row in deadlines if row["Section"] == "4(h)"]
    assert reserve_list == [{
        "Deal": CALBATECH, "Section": "4(h)",
        "Obligation": "Monthly list of shares authorized, reserved and issuable",
        "Obligor": "CalbaTech, Inc.", "Due date": "June 7, 2005", "Standing": "overdue", "Status": "Open",
        "Done on": "—", "Period end": "May 31, 2005",
        "How the date was computed": "Month ended 31 May 2005 + 5 business days = Tue 7 Jun 2005",
    }]

    _, parties = screen(auditor.get(f"/reports/parties/?deal={calbatech.pk}"))
    company = next(row for row in parties if row["Role"] == "Company (issuer)")
    assert company["Party"] == "CalbaTech, Inc."
    assert company["Signatory"] == "James DeOlden, Chief Executive Officer"
    assert company["With a copy to"] == (
        "Sichenzia Ross Friedman Ference LLP, 1065 Avenue of the Americas, New York, NY 10018, "
        "Attention: Gregory Sichenzia, Esq."
    )
    assert company["Fax"] == "(949) 450-9954"

    _, instruments = screen(auditor.get(f"/reports/instruments/?deal={calbatech.pk}"))
    assert [(row["Kind"], row["Name"]) for row in instruments] == [
        ("Share class", "Common Stock"), ("Share class", "Preferred Stock"),
        ("Convertible note", "Closing Notes"), ("Convertible note", "Effectiveness Notes"),
        ("Convertible note", "Filing Notes"),
        ("Warrant", "Closing Warrants"), ("Warrant", "Effectiveness Warrants"), ("Warrant", "Filing Warrants"),
        ("Reserve test", "2 x shares issuable"),
    ]
    assert instruments[2]["Principal (USD)"] == "$800,000.00"
    assert instruments[0]["Terms"] == (
        "Authorized 200,000,000 Issued and outstanding 43,980,227 Reserved 91,333,246")
    assert instruments[-1]["Terms"] == (
        "Cannot compute: Closing Notes has no conversion price; Effectiveness Notes has no conversion price; "
        "Filing Notes has no conversion price. Reserved 90,953,246."
    )


@pytest.fixture
def monthly_list():
    # SPA s.4(h): five business days after each month end from the 2005-05-23 closing.
    with time_machine.travel(datetime.datetime(2005, 9, 20, 12, tzinfo=datetime.UTC), tick=False):
        deal = DealFactory(title="CalbaTech 2005 notes")
        obligation = ObligationFactory(deal=deal, obligor=PartyFactory(legal_name="CalbaTech, Inc."),
                                       section="4(h)", title="Monthly share reserve list")
        DeadlineRuleFactory(obligation=obligation)
    return deal


@time_machine.travel(datetime.datetime(2005, 9, 20, 12, tzinfo=datetime.UTC), tick=False)
def test_the_compliance_history_says_what_became_of_each_due_date(auditor, monthly_list):
    occurrences = {o.due_date.isoformat(): o for o in Occurrence.objects.all()}
    Occurrence.objects.filter(pk=occurrences["2005-06-07"].pk).update(status="done", done_on=datetime.date(2005, 6, 6))
    Occurrence.objects.filter(pk=occurrences["2005-07-08"].pk).update(status="done", done_on=datetime.date(2005, 7, 11))
    Occurrence.objects.filter(pk=occurrences["2005-08-05"].pk).update(status="waived", evidence="Buyers' waiver")

    _, rows = screen(auditor.get("/reports/compliance/?start=2005-06-01&end=2005-10-31"))

    assert [(row["Due date"], row["Outcome"], row["Days late"]) for row in rows] == [
        ("June 7, 2005", "done on time", "0"),
        ("July 8, 2005", "done late by 3 days", "3"),
        ("Aug. 5, 2005", "waived", "—"),
        ("Sept. 8, 2005", "missed", "—"),
        ("Oct. 7, 2005", "open", "—"),
    ]
    _, missed = screen(auditor.get("/reports/compliance/?status=missed"))
    assert [row["Due date"] for row in missed] == ["Sept. 8, 2005"]


@time_machine.travel(datetime.datetime(2005, 9, 20, 12, tzinfo=datetime.UTC), tick=False)
def test_filters_narrow_the_deadlines(auditor, monthly_list):
    other = ObligationFactory(title="Quarterly report", section="4(g)")
    DeadlineRuleFactory(obligation=other, kind="fixed_date", frequency="", fixed_date=datetime.date(2005, 9, 30))

    _, everything = screen(auditor.get("/reports/deadlines/?start=2005-09-01&end=2005-10-31"))
    _, one_deal = screen(auditor.get(f"/reports/deadlines/?start=2005-09-01&end=2005-10-31&deal={monthly_list.pk}"))
    _, one_obligor = screen(auditor.get(
        f"/reports/deadlines/?start=2005-09-01&end=2005-10-31&party={other.obligor_id}"))
    _, overdue = screen(auditor.get("/reports/deadlines/?status=overdue&start=2005-09-01"))
    _, due_soon = screen(auditor.get("/reports/deadlines/?status=due_soon"))

    assert [(r["Due date"], r["Standing"]) for r in everything] == [
        ("Sept. 8, 2005", "overdue"), ("Sept. 30, 2005", "due soon"), ("Oct. 7, 2005", "open"),
    ]
    assert [r["Due date"] for r in one_deal] == ["Sept. 8, 2005", "Oct. 7, 2005"]
    assert [r["Obligation"] for r in one_obligor] == ["Quarterly report"]
    assert [r["Due date"] for r in overdue] == ["Sept. 8, 2005"]
    assert [r["Due date"] for r in due_soon] == ["Sept. 30, 2005"]


@time_machine.travel(datetime.datetime(2005, 9, 20, 12, tzinfo=datetime.UTC), tick=False)
def test_a_column_header_sorts_the_rows(auditor, monthly_list):
    ascending = screen(auditor.get("/reports/deadlines/?start=2005-06-01&end=2005-08-31&sort=due_date"))[1]
    descending = screen(auditor.get("/reports/deadlines/?start=2005-06-01&end=2005-08-31&sort=-due_date"))[1]

    assert [r["Due date"] for r in ascending] == ["June 7, 2005", "July 8, 2005", "Aug. 5, 2005"]
    assert [r["Due date"] for r in descending] == ["Aug. 5, 2005", "July 8, 2005", "June 7, 2005"]
    page = auditor.get("/reports/deadlines/?sort=due_date").content.decode()
    assert 'href="?sort=-due_date"' in page


def test_long_reports_are_split_into_pages(auditor):
    company = PartyFactory(legal_name="Many Notes, Inc.")
    deal = DealFactory(title="Many notes")
    for number in range(60):
        ConvertibleNoteFactory(deal=deal, issuer=company, name=f"Notes {number:02d}", principal=Decimal(number))

    first = screen(auditor.get("/reports/instruments/?sort=name"))[1]
    second = screen(auditor.get("/reports/instruments/?sort=name&page=2"))[1]

    assert len(first) == 50
    assert [r["Name"] for r in second] == [f"Notes {n}" for n in range(50, 60)]
    assert first[0]["Name"] == "Notes 00"
    assert b"60 entries" in auditor.get("/reports/instruments/").content


def test_the_history_shows_who_changed_what_from_what_to_what(auditor, django_user_model):
    editor = django_user_model.objects.create_user("maria")
    with time_machine.travel(datetime.datetime(2024, 3, 1, 15, tzinfo=datetime.UTC), tick=False):
        party = PartyFactory(legal_name="Old Name LLC", jurisdiction="Nevada")
    with time_machine.travel(datetime.datetime(2024, 3, 2, 15, tzinfo=datetime.UTC), tick=False):
        party.legal_name, party.jurisdiction = "New Name LLC", "Delaware"
        party._history_user = editor
        party.save()

    _, rows = screen(auditor.get("/reports/history/?model=parties.party"))
    _, by_maria = screen(auditor.get(f"/reports/history/?user={editor.pk}"))
    _, first_day = screen(auditor.get("/reports/history/?start=2024-03-01&end=2024-03-01"))

    assert rows == [
        {"When": "March 2, 2024, 10 a.m.", "Who": "maria", "Model": "Party", "Object": "New Name LLC",
         "Change": "changed (~)", "Old → new": "jurisdiction: Nevada → Delaware; legal_name: Old Name LLC → New Name LLC"},
        {"When": "March 1, 2024, 10 a.m.", "Who": "—", "Model": "Party", "Object": "Old Name LLC",
         "Change": "created (+)", "Old → new": "—"},
    ]
    assert [r["Change"] for r in by_maria] == ["changed (~)"]
    assert [r["Change"] for r in first_day] == ["created (+)"]


def test_the_history_keeps_to_one_deal_when_asked(auditor):
    one = DealFactory(title="One")
    DealFactory(title="Other")
    PartyFactory()  # a party belongs to no deal, so it drops out

    _, rows = screen(auditor.get(f"/reports/history/?deal={one.pk}"))

    assert [(r["Model"], r["Object"]) for r in rows] == [("Deal", "One")]


def test_a_bad_filter_is_explained_and_shows_no_rows(auditor):
    response = auditor.get("/reports/deadlines/?start=2005-08-31&end=2005-06-01")

    assert response.status_code == 200
    assert "The end date (2005-06-01) is before the start date (2005-08-31)." in response.content.decode()
    assert b'id="result_list"' not in response.content


def test_report_pages_carry_the_desk_s_own_header_not_django_s(auditor):
    for path in ["/reports/", "/reports/deadlines/"]:
        page = auditor.get(path).content.decode()
        assert '<div id="site-name"><a href="/admin/">dealdesk</a></div>' in page
        assert "Django administration" not in page
