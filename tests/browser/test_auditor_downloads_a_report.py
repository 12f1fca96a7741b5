"""An auditor filters a report and downloads it: the CSV holds exactly the rows on the screen."""
import csv
import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealdesk.roles import AUDITORS
from obligations.models import Occurrence
from obligations.services import occurrences_mark_done
from tests.browser.admin_ui import pick, table_cells
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory, PartyFactory

pytestmark = pytest.mark.django_db(transaction=True)

CALBAY = "Cal-Bay International equity line"
CALBATECH = "CalbaTech 10% secured convertible notes"
# The CSV's columns and the screen's headers over them; the screen's "Standing" is not exported.
CSV_COLUMNS = {"deal": "Deal", "section": "Section", "obligation": "Obligation", "obligor": "Obligor",
               "due_date": "Due date", "status": "Status", "done_on": "Done on", "period_end": "Period end",
               "computation": "How the date was computed"}


@pytest.fixture
def two_deals(transactional_db):
    """Each deal: SPA s.4(h), 5 business days after each month end from May to December 2005 (8 due dates).

    The first three of Cal-Bay's are done, so it has 5 open ones; CalbaTech's 8 are all open.
    """
    for title in (CALBAY, CALBATECH):
        deal = DealFactory(title=title, dated_as_of=datetime.date(2005, 5, 23), closing_date=datetime.date(2005, 5, 23))
        obligation = ObligationFactory(deal=deal, obligor=PartyFactory(legal_name=f"{title.split()[0]} Inc."),
                                       title="List of shares reserved for conversion", section="4(h)")
        DeadlineRuleFactory(obligation=obligation, window_end=datetime.date(2005, 12, 31))
    first_three = Occurrence.objects.filter(rule__obligation__deal__title=CALBAY).order_by("due_date")[:3]
    occurrences_mark_done(occurrences=Occurrence.objects.filter(pk__in=[o.pk for o in first_three]),
                          on=datetime.date(2005, 9, 1), by=None, evidence="Delivered by email.")


def test_an_auditor_downloads_the_filtered_deadlines_and_the_csv_rows_are_the_rows_on_the_screen(
        page, log_in, staff_user, two_deals):
    log_in(staff_user("audrey", AUDITORS))
    page.goto("/reports/")
    page.get_by_role("link", name="Deadlines", exact=True).click()

    pick(page, "id_deal", "Cal-Bay", CALBAY)  # an autocomplete box: a desk has thousands of deals
    page.select_option("#id_status", "open")
    page.locator("#report-filters input[type=submit]").click()
    expect(page.locator("#report-count")).to_have_text("5 due dates")

    headers = page.locator("#result_list thead th").evaluate_all("cells => cells.map(c => c.textContent.trim())")
    assert headers == ["Deal", "Section", "Obligation", "Obligor", "Due date", "Standing", "Status", "Done on",
                       "Period end", "How the date was computed"]
    # The screen reads dates as the admin does ("Sept. 8, 2005"); each carries its ISO date, as in the CSV.
    iso_dates = page.locator("#result_list tbody time").evaluate_all(
        "times => Object.fromEntries(times.map(t => [t.textContent.trim(), t.getAttribute('datetime')]))")
    on_screen = []
    for cells in table_cells(page, "#result_list"):
        cells = [iso_dates.get(cell, cell) for cell in cells]
        row = dict(zip(headers, cells, strict=True))
        on_screen.append(["" if row[header] == "—" else row[header] for header in CSV_COLUMNS.values()])

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == f"dealdesk-deadlines-{timezone.localdate().isoformat()}.csv"
    with open(download.path(), newline="", encoding="utf-8") as exported:
        header, *rows = list(csv.reader(exported))

    assert header == list(CSV_COLUMNS)
    assert [[" ".join(cell.split()) for cell in row] for row in rows] == on_screen
    # And they are the right rows: Cal-Bay's five open due dates, in due-date order, counted by hand
    # (5 business days after each month end; US banking holidays skipped).
    assert [(row[0], row[4], row[5]) for row in rows] == [
        (CALBAY, "2005-09-08", "Open"),  # 31 Aug (Wed): 1, 2, Mon 5 Sep skipped (Labor Day), 6, 7, 8 Sep
        (CALBAY, "2005-10-07", "Open"),  # 30 Sep (Fri): Mon 3 to Fri 7 Oct
        (CALBAY, "2005-11-07", "Open"),  # 31 Oct (Mon): 1, 2, 3, 4, Mon 7 Nov
        (CALBAY, "2005-12-07", "Open"),  # 30 Nov (Wed): 1, 2, 5, 6, 7 Dec
        (CALBAY, "2006-01-09", "Open"),  # 31 Dec (Sat): Mon 2 Jan skipped (New Year's Day observed), 3-6, 9 Jan
    ]
