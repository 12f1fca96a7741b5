import csv
import datetime
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from deals.csvsafe import csv_cell, spreadsheet_safe
from obligations.models import Occurrence
from obligations.reports import DeadlinesReport
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory, PartyFactory
from tests.test_rundesk import database  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

HEADER = ["deal", "section", "obligation", "obligor", "due_date", "status", "done_on", "period_end", "computation"]


def export(*args: str) -> list[dict[str, str]]:
    out = StringIO()
    call_command("export_report", *args, stdout=out)
    out.seek(0)
    reader = csv.DictReader(out)
    rows = list(reader)
    assert reader.fieldnames == HEADER
    return rows


def summary(rows: list[dict[str, str]]) -> list[tuple[str, ...]]:
    return [(r["deal"], r["section"], r["obligation"], r["obligor"], r["due_date"], r["status"]) for r in rows]


@pytest.fixture
def calbatech():
    # SPA s.4(h): the reserve list, five business days after each month end from the 2005-05-23 closing.
    deal = DealFactory(title="CalbaTech 2005 notes")
    company = PartyFactory(legal_name="CalbaTech, Inc.")
    obligation = ObligationFactory(deal=deal, obligor=company, section="4(h)", title="Monthly share reserve list")
    DeadlineRuleFactory(obligation=obligation)
    return deal


@pytest.fixture
def calbay():
    # PAA s.5: a one-off delivery 30 days after the agreement date, 2003-06-16.
    deal = DealFactory(title="Cal-Bay equity line", agreement_name="Placement Agent Agreement",
                       dated_as_of=datetime.date(2003, 6, 16), closing_date=datetime.date(2003, 6, 16))
    company = PartyFactory(legal_name="Cal-Bay International, Inc.")
    obligation = ObligationFactory(deal=deal, obligor=company, section="5", title="Deliver the prospectus")
    DeadlineRuleFactory(obligation=obligation, kind="after_anchor", anchor="closing_date", frequency="",
                        offset=30, offset_unit="calendar_days")
    return deal


def test_it_lists_each_deadline_in_the_range_with_the_exact_columns(calbatech):
    rows = export("deadlines", "--from", "2005-06-01", "--to", "2005-08-31")

    assert summary(rows) == [
        ("CalbaTech 2005 notes", "4(h)", "Monthly share reserve list", "CalbaTech, Inc.", "2005-06-07", "Open"),
        ("CalbaTech 2005 notes", "4(h)", "Monthly share reserve list", "CalbaTech, Inc.", "2005-07-08", "Open"),
        ("CalbaTech 2005 notes", "4(h)", "Monthly share reserve list", "CalbaTech, Inc.", "2005-08-05", "Open"),
    ]
    assert [(r["done_on"], r["period_end"]) for r in rows] == [
        ("", "2005-05-31"), ("", "2005-06-30"), ("", "2005-07-31"),
    ]
    assert rows[1]["computation"] == (
        "Month ended 30 Jun 2005 + 5 business days (US banking (Federal Reserve) holidays; "
        "skipped Mon 4 Jul 2005 Independence Day) = Fri 8 Jul 2005"
    )


def test_it_includes_both_ends_of_the_range(calbatech):
    rows = export("deadlines", "--from", "2005-06-07", "--to", "2005-07-08")

    assert [r["due_date"] for r in rows] == ["2005-06-07", "2005-07-08"]


def test_it_shows_the_done_date_of_a_completed_deadline(calbatech):
    Occurrence.objects.filter(due_date=datetime.date(2005, 6, 7)).update(
        status="done", done_on=datetime.date(2005, 6, 6), evidence="List emailed to the buyers"
    )

    rows = export("deadlines", "--from", "2005-06-01", "--to", "2005-06-30")

    assert [(r["due_date"], r["status"], r["done_on"]) for r in rows] == [("2005-06-07", "Done", "2005-06-06")]


def test_it_orders_rows_by_due_date_then_deal_then_section(calbatech, calbay):
    company = calbatech.obligations.get().obligor
    earlier_section = ObligationFactory(deal=calbatech, obligor=company, section="4(g)", title="Quarterly report")
    DeadlineRuleFactory(obligation=earlier_section, kind="fixed_date", frequency="",
                        fixed_date=datetime.date(2005, 6, 7))
    other_deal = DealFactory(title="Alpha deal")
    DeadlineRuleFactory(obligation=ObligationFactory(deal=other_deal, section="1", title="Other"),
                        kind="fixed_date", frequency="", fixed_date=datetime.date(2005, 6, 7))

    rows = export("deadlines", "--from", "2003-07-01", "--to", "2005-06-30")

    assert [(r["due_date"], r["deal"], r["section"]) for r in rows] == [
        ("2003-07-16", "Cal-Bay equity line", "5"),
        ("2005-06-07", "Alpha deal", "1"),
        ("2005-06-07", "CalbaTech 2005 notes", "4(g)"),
        ("2005-06-07", "CalbaTech 2005 notes", "4(h)"),
    ]


def test_it_keeps_to_one_deal_when_asked(calbatech, calbay):
    everything = export("deadlines", "--from", "2003-01-01", "--to", "2005-06-30")
    only_calbay = export("deadlines", "--from", "2003-01-01", "--to", "2005-06-30", "--deal", str(calbay.pk))

    assert [r["deal"] for r in everything] == ["Cal-Bay equity line", "CalbaTech 2005 notes"]
    assert summary(only_calbay) == [
        ("Cal-Bay equity line", "5", "Deliver the prospectus", "Cal-Bay International, Inc.", "2003-07-16", "Open"),
    ]


def test_it_writes_only_the_header_when_nothing_is_due(calbatech):
    assert export("deadlines", "--from", "2004-01-01", "--to", "2004-12-31") == []


def test_it_neutralises_a_title_a_spreadsheet_would_run_as_a_formula(calbatech):
    calbatech.obligations.update(title='=HYPERLINK("http://evil.example","Click")')

    rows = export("deadlines", "--from", "2005-06-01", "--to", "2005-06-30")

    assert rows[0]["obligation"] == '\'=HYPERLINK("http://evil.example","Click")'


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Monthly list = 5 days", "Monthly list = 5 days"),
        ("", ""),
    ],
)
def test_spreadsheet_safe_only_touches_cells_that_start_like_a_formula(text, shown):
    assert spreadsheet_safe(text) == shown


def deadline_rows(**filters) -> list[dict]:
    report = DeadlinesReport()
    filterset = report.filterset(filters)
    assert filterset.is_valid(), filterset.errors
    return list(report.rows(filterset))


def test_a_moment_is_written_in_the_time_zone_in_force_each_time_it_is_written():
    # Each moment's text is worked out once per zone: the same moment asked again in another zone is
    # that zone's text, not the first one's.
    from django.utils import timezone

    moment = datetime.datetime(2005, 9, 20, 12, 0, tzinfo=datetime.UTC)
    with timezone.override("America/New_York"):
        assert [csv_cell(moment), csv_cell(moment)] == ["2005-09-20 08:00:00-04:00"] * 2
    with timezone.override("Europe/London"):
        assert csv_cell(moment) == "2005-09-20 13:00:00+01:00"
    with timezone.override("America/New_York"):
        assert csv_cell(moment.astimezone(datetime.timezone(datetime.timedelta(hours=2)))) == \
            "2005-09-20 08:00:00-04:00"


def test_the_deadlines_report_gives_each_due_date_in_the_range_with_its_standing(calbatech, calbay):
    rows = deadline_rows(start="2003-01-01", end="2005-06-30", deal=calbay.pk)

    assert rows == [
        {
            "deal": "Cal-Bay equity line",
            "section": "5",
            "obligation": "Deliver the prospectus",
            "obligor": "Cal-Bay International, Inc.",
            "due_date": datetime.date(2003, 7, 16),
            "standing": "overdue",
            "status": "Open",
            "done_on": None,
            "period_end": None,
            "computation": "Closing date 16 Jun 2003 + 30 calendar days = Wed 16 Jul 2003",
        }
    ]


def test_it_reads_the_rows_in_a_fixed_number_of_queries(calbatech, calbay, django_assert_num_queries):
    # One query whatever the number of rows (no query per row for deal or obligor).
    with django_assert_num_queries(1):
        rows = deadline_rows(start="2003-01-01", end="2005-12-31")
    assert len(rows) == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2005-13-45", "--to", "2005-08-31"], "--from must be a date like 2005-06-30, not '2005-13-45'"),
        (["--from", "2005-06-01", "--to", "June"], "--to must be a date like 2005-06-30, not 'June'"),
        (["--from", "2005-08-31", "--to", "2005-06-01"], "--to (2005-06-01) is before --from (2005-08-31)"),
    ],
)
def test_it_refuses_bad_dates_with_a_clear_message(args, message):
    with pytest.raises(CommandError) as excinfo:
        call_command("export_report", "deadlines", *args, stdout=StringIO())
    assert str(excinfo.value) == message


def test_it_names_the_deals_there_are_when_the_deal_id_is_unknown(calbatech, calbay):
    with pytest.raises(CommandError) as excinfo:
        call_command("export_report", "deadlines", "--from", "2005-06-01", "--to", "2005-06-30",
                     "--deal", "999", stdout=StringIO())
    assert str(excinfo.value) == (
        f"No deal with id 999. Deals: {calbatech.pk} CalbaTech 2005 notes, {calbay.pk} Cal-Bay equity line."
    )


def test_it_says_there_are_no_deals_when_the_desk_is_empty():
    with pytest.raises(CommandError) as excinfo:
        call_command("export_report", "deadlines", "--from", "2005-06-01", "--to", "2005-06-30",
                     "--deal", "999", stdout=StringIO())
    assert str(excinfo.value) == "No deal with id 999. There are no deals yet."


def test_it_only_knows_the_reports_it_has():
    with pytest.raises(CommandError) as excinfo:
        call_command("export_report", "invoices", "--from", "2005-06-01", "--to", "2005-06-30", stdout=StringIO())
    # argparse's wording varies between Python releases; the point is that it names both.
    assert "invalid choice: 'invoices'" in str(excinfo.value)
    assert "deadlines" in str(excinfo.value)


def test_a_reader_that_stops_reading_ends_the_export_without_a_traceback(database):  # noqa: F811
    # `export_report history | head`: the pipe closes under the command, which stops as other Unix
    # tools stop, with nothing on its error output.
    process = subprocess.Popen(
        [sys.executable, "manage.py", "export_report", "history"], cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DATABASE_URL": database, "DEBUG": "true"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # gone before the first line is written
    errors = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert errors == ""
