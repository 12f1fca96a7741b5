"""Report pages a person can read: counts, totals in dollars, percentages, readable dates, pages, one date input.

The CSV stays the auditors' plain file (ISO dates, plain decimals); only the page is dressed.
"""
import csv
import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.forms import DateField

from deals.reporting import all_reports, money, percent
from instruments.models import Draw
from tests.factories import (
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealFactory,
    EquityLineFactory,
    ObligationFactory,
    PartyFactory,
)
from tests.test_reports_pages import screen

pytestmark = pytest.mark.django_db

SEPT_20_2005 = datetime.datetime(2005, 9, 20, 12, tzinfo=datetime.UTC)


@pytest.fixture
def auditor(client, django_user_model):
    user = django_user_model.objects.create_user("auditor", is_staff=True)
    user.groups.add(Group.objects.get(name="Auditors"))
    client.force_login(user)
    return client


@pytest.fixture
def draws():
    """PAA s.10 style: a placement fee on each draw, on two equity lines of two deals."""
    agent = PartyFactory(legal_name="Park Capital Securities, LLC")
    cal_bay = EquityLineFactory(deal=DealFactory(title="Cal-Bay equity line"), placement_agent=agent,
                                placement_fee_rate=Decimal("0.01"))
    second = EquityLineFactory(deal=DealFactory(title="Second equity line"), placement_agent=agent,
                               placement_fee_rate=Decimal("0.015"))
    Draw.objects.create(equity_line=cal_bay, date=datetime.date(2005, 7, 1), amount=Decimal("250000.00"))
    Draw.objects.create(equity_line=cal_bay, date=datetime.date(2005, 8, 1), amount=Decimal("550000.00"))
    Draw.objects.create(equity_line=second, date=datetime.date(2005, 8, 15), amount=Decimal("1000000.00"))
    return cal_bay.deal


@pytest.fixture
def monthly_list():
    # SPA s.4(h): five business days after each month end from the 2005-05-23 closing.
    with time_machine.travel(SEPT_20_2005, tick=False):
        obligation = ObligationFactory(deal=DealFactory(title="CalbaTech 2005 notes"), section="4(h)",
                                       obligor=PartyFactory(legal_name="CalbaTech, Inc."),
                                       title="Monthly share reserve list")
        DeadlineRuleFactory(obligation=obligation)


@pytest.fixture
def many_notes():
    deal = DealFactory(title="Many notes")
    company = PartyFactory(legal_name="Many Notes, Inc.")
    for number in range(60):
        ConvertibleNoteFactory(deal=deal, issuer=company, name=f"Notes {number:02d}", principal=Decimal(number))


def page_text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def count_line(response) -> str:
    return re.search(r'id="report-count">([^<]*)<', page_text(response)).group(1)


def totals_table(response) -> list[list[str]]:
    """The totals under the count line: one list of cell texts per row, the header row first."""
    table = re.search(r'<table class="report-totals".*?</table>', page_text(response), re.S).group(0)
    return [[" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def downloaded(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(StringIO(b"".join(response.streaming_content).decode())))


# Counts ------------------------------------------------------------------------------------------


@time_machine.travel(SEPT_20_2005, tick=False)
def test_each_report_says_how_many_rows_match_in_its_own_words(auditor, monthly_list, draws):
    assert count_line(auditor.get("/reports/deadlines/?start=2005-06-01&end=2005-08-31")) == "3 due dates"
    assert count_line(auditor.get("/reports/deadlines/?start=2005-06-01&end=2005-06-30")) == "1 due date"
    assert count_line(auditor.get("/reports/compliance/?start=2005-06-01&end=2005-08-31")) == "3 due dates"
    assert count_line(auditor.get("/reports/fees/")) == "3 fees and penalties"
    assert count_line(auditor.get("/reports/fee-totals/")) == "3 totals"


def test_the_count_is_of_every_page_and_says_which_rows_are_shown(auditor, many_notes):
    response = auditor.get("/reports/instruments/?page=2")

    assert count_line(response) == "60 entries"
    assert "showing 51–60" in page_text(response)


# Totals ------------------------------------------------------------------------------------------


def test_the_fees_report_totals_each_deal_and_overall_in_dollars(auditor, draws):
    response = auditor.get("/reports/fees/")

    assert totals_table(response) == [
        ["Deal", "Amount"],
        ["Cal-Bay equity line", "$8,000.00"],
        ["Second equity line", "$15,000.00"],
        ["Overall", "$23,000.00"],
    ]
    assert "<caption>Totals of all 3 fees and penalties, by deal, in US dollars (USD)</caption>" in page_text(response)


def test_the_totals_add_up_every_page_of_the_filtered_rows_as_the_csv_has_them(auditor, draws):
    first_page = auditor.get("/reports/fees/?per_page=2")
    one_deal = auditor.get(f"/reports/fees/?deal={draws.pk}")
    exported = downloaded(auditor, "/reports/fees/csv/")

    assert len(screen(first_page)[1]) == 2
    assert totals_table(first_page)[-1] == ["Overall", "$23,000.00"]
    assert sum(Decimal(row["amount"]) for row in exported) == Decimal("23000.00")
    assert totals_table(one_deal)[1:] == [["Cal-Bay equity line", "$8,000.00"], ["Overall", "$8,000.00"]]


def test_the_fee_totals_report_adds_up_its_deals_once_not_its_payees_again(auditor, draws):
    response = auditor.get("/reports/fee-totals/")

    assert "<caption>The deals added up, in US dollars (USD)</caption>" in page_text(response)
    assert totals_table(response) == [
        ["", "Placement fees", "Penalties accrued", "Total"],
        ["Overall", "$23,000.00", "$0.00", "$23,000.00"],
    ]
    _, rows = screen(response)
    assert [(r["Totals for"], r["Deal or payee"], r["Total (USD)"]) for r in rows] == [
        ("Deal", "Cal-Bay equity line", "$8,000.00"),
        ("Payee", "Park Capital Securities, LLC", "$23,000.00"),
        ("Deal", "Second equity line", "$15,000.00"),
    ]


def test_reports_without_money_show_no_totals(auditor, monthly_list):
    assert 'id="report-totals"' not in page_text(auditor.get("/reports/deadlines/"))


# Rates, amounts and dates on the page; plain in the CSV -----------------------------------------


def test_the_page_shows_rates_as_percentages_amounts_in_dollars_and_readable_dates(auditor, draws):
    headers, rows = screen(auditor.get("/reports/fees/?sort=date"))

    assert headers[6:10] == ["On (USD)", "Rate", "Days in breach", "Amount (USD)"]
    assert [(r["Draw date or first breach day"], r["On (USD)"], r["Rate"], r["Amount (USD)"],
             r["How it was computed"]) for r in rows] == [
        ("July 1, 2005", "$250,000.00", "1%", "$2,500.00", "1% of the draw."),
        ("Aug. 1, 2005", "$550,000.00", "1%", "$5,500.00", "1% of the draw."),
        ("Aug. 15, 2005", "$1,000,000.00", "1.5%", "$15,000.00", "1.5% of the draw."),
    ]


def test_the_csv_keeps_iso_dates_and_plain_decimals(auditor, draws):
    first = downloaded(auditor, "/reports/fees/csv/?sort=date")[0]

    assert (first["date"], first["base"], first["rate"], first["amount"]) == (
        "2005-07-01", "250000.00", "0.010000", "2500.00")


def test_the_instruments_register_gathers_each_row_s_terms_in_one_readable_cell(auditor):
    company = PartyFactory(legal_name="CalbaTech, Inc.")
    ConvertibleNoteFactory(deal=DealFactory(title="CalbaTech 2005 notes"), issuer=company, name="Closing Notes",
                           principal=Decimal("800000.00"), interest_rate=Decimal("0.10"), secured=True,
                           issue_date=datetime.date(2005, 5, 23), maturity_date=datetime.date(2007, 5, 23),
                           conversion_price=Decimal("0.0725"))

    headers, rows = screen(auditor.get("/reports/instruments/"))
    exported = downloaded(auditor, "/reports/instruments/csv/")

    assert headers == ["Deal", "Kind", "Name", "Issuer", "Holder", "Section", "Principal (USD)", "Shares", "Terms"]
    assert rows[0]["Principal (USD)"] == "$800,000.00"
    assert rows[0]["Terms"] == "10% interest, secured Converts at $0.0725 Issued May 23, 2005; matures May 23, 2007"
    assert (exported[0]["principal"], exported[0]["interest_rate"], exported[0]["conversion_price"],
            exported[0]["maturity_date"]) == ("800000.00", "0.100000", "0.072500", "2007-05-23")


def test_money_and_percent_read_as_a_person_writes_them():
    assert money(Decimal("800000.00")) == "$800,000.00"
    assert money(Decimal("-2500.00")) == "-$2,500.00"
    assert money(Decimal("0.100000")) == "$0.10"
    assert percent(Decimal("0.030000")) == "3%"
    assert percent(Decimal("0.100000")) == "10%"
    assert percent(Decimal("0.012500")) == "1.25%"


# Pages ------------------------------------------------------------------------------------------


def test_long_reports_say_which_page_this_is_and_link_to_the_others(auditor, many_notes):
    first = page_text(auditor.get("/reports/instruments/?sort=name"))
    second = page_text(auditor.get("/reports/instruments/?sort=name&page=2"))
    smaller = page_text(auditor.get("/reports/instruments/?sort=name&per_page=25&page=2"))

    assert "Page 1 of 2" in first
    assert '<a href="?sort=name&amp;page=2" rel="next">Next &rsaquo;</a>' in first
    assert "Previous" not in first
    assert "Page 2 of 2" in second
    assert '<a href="?sort=name&amp;page=1" rel="prev">&lsaquo; Previous</a>' in second
    assert "Page 2 of 3" in smaller
    # The page size: the one in use is marked, the others start again at page 1.
    assert "Rows per page:" in first
    assert '<span class="this-page">50</span>' in first
    assert '<a href="?sort=name&amp;per_page=100">100</a>' in first
    assert '<span class="this-page">25</span>' in smaller


def test_a_report_on_one_page_shows_no_page_links(auditor, monthly_list):
    text = page_text(auditor.get("/reports/deadlines/"))

    assert "Page 1 of" not in text
    assert "Rows per page:" not in text


# One date input ---------------------------------------------------------------------------------


def test_every_date_filter_of_every_report_is_the_browser_s_date_input(auditor):
    for report in all_reports():
        dates = [name for name, field in report.filterset({}).form.fields.items() if isinstance(field, DateField)]
        text = page_text(auditor.get(f"/reports/{report.name}/?as_of=2005-06-30"))

        assert dates, report.name  # every report can be run as of a day
        for name in dates:
            assert f'<input type="date" name="{name}"' in text, (report.name, name)
            assert f'<label for="id_{name}">' in text, (report.name, name)
        assert re.findall(r'<input type="(?!date)[^"]*" name="(?:as_of|start|end)"', text) == [], report.name
        assert '<input type="date" name="as_of" value="2005-06-30"' in text, report.name
        assert "As it stood at the end of June 30, 2005." in text, report.name


def test_a_date_that_is_not_one_is_refused_next_to_its_field(auditor):
    response = auditor.get("/reports/deadlines/?start=31/06/2005")
    text = page_text(response)

    assert '<p class="errornote">Enter a valid date.</p>' in text
    assert 'id="result_list"' not in text
