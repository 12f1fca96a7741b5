"""A deal administrator enters a deal from nothing, through the admin's own forms and inlines."""
import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from dealdesk.roles import DEAL_ADMINISTRATORS
from deals.models import Deal
from instruments.models import ConvertibleNote
from parties.models import DealParty
from tests.browser.admin_ui import add_inline_row, pick, table_cells

pytestmark = pytest.mark.django_db(transaction=True)

PARTY = "Orbital Ceramics, Inc."
DEAL = "Orbital Ceramics – Securities Purchase Agreement (8% convertible notes)"
KIND = "10-Q filed with the SEC"

# SPA s.4(h): a list within 5 business days after each month end, June to December 2025, on the
# US banking (Federal Reserve) calendar. Counted by hand, the month end itself never counted:
MONTHLY_DUE = [
    "2025-07-08",  # 30 Jun (Mon): 1, 2, 3 Jul, Fri 4 Jul skipped (Independence Day), 7, 8 Jul
    "2025-08-07",  # 31 Jul (Thu): Fri 1, Mon 4, 5, 6, 7 Aug
    "2025-09-08",  # 31 Aug (Sun): Mon 1 Sep skipped (Labor Day), 2, 3, 4, 5, Mon 8 Sep
    "2025-10-07",  # 30 Sep (Tue): 1, 2, 3, Mon 6, 7 Oct (Columbus Day is 13 Oct, after)
    "2025-11-07",  # 31 Oct (Fri): Mon 3 to Fri 7 Nov (Veterans Day is 11 Nov, after)
    "2025-12-05",  # 30 Nov (Sun): Mon 1 to Fri 5 Dec
    "2026-01-08",  # 31 Dec (Wed): Thu 1 Jan skipped (New Year's Day), Fri 2, Mon 5, 6, 7, 8 Jan
]
# SPA s.4(g)(i): a copy of each 10-Q within 10 calendar days after it is filed; a Sunday rolls to Monday.
EACH_FILING_DUE = [
    "2025-08-25",  # filed Thu 14 Aug + 10 days = Sun 24 Aug, rolled to Mon 25 Aug
    "2025-11-24",  # filed Thu 13 Nov + 10 days = Sun 23 Nov, rolled to Mon 24 Nov
]


def save_and_continue(page) -> None:
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator(".errornote")).to_have_count(0)


def add_obligation(page, *, section: str, title: str, rule: dict[str, str]) -> str:
    """Enter an obligation and its one deadline rule (the form's first rule row); its page's address."""
    page.goto("/admin/obligations/obligation/add/")
    pick(page, "id_deal", "Orbital", DEAL)
    page.fill("#id_section", section)
    page.select_option("#id_kind", "reporting")
    page.fill("#id_title", title)
    pick(page, "id_obligor", "Orbital", PARTY)
    for field, value in rule.items():
        locator = page.locator(f"#id_rules-0-{field}")
        if locator.evaluate("element => element.tagName") == "SELECT":
            locator.select_option(label=value) if field == "event_kind" else locator.select_option(value)
        else:
            locator.fill(value)
    save_and_continue(page)
    return page.url


def due_dates_shown(page, url: str) -> list[str]:
    page.goto(url)
    if not page.locator(".field-due_dates table").count():
        return []
    return [row[0] for row in table_cells(page, ".field-due_dates table")]


def test_a_deal_administrator_enters_a_deal_from_nothing_and_its_obligations_fall_due_on_the_right_days(
        page, staff_user):
    staff_user("dora", DEAL_ADMINISTRATORS, password="a long enough desk password")

    # She logs in through the login form.
    page.goto("/admin/")
    page.fill("#id_username", "dora")
    page.fill("#id_password", "a long enough desk password")
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_contain_text("dora")

    # The company, with its notice address and the "with a copy to" address of its counsel.
    page.goto("/admin/parties/party/add/")
    page.fill("#id_legal_name", PARTY)
    page.fill("#id_short_name", "Orbital")
    page.fill("#id_jurisdiction", "Delaware")
    for label, attention, street, city, region, postal_code in [
        ("Notices", "Chief Financial Officer", "400 Harbor Drive", "Boston", "MA", "02210"),
        ("Copy to", "Roe & Partners LLP, Attention: Jane Roe, Esq.", "60 Wall Street", "New York", "NY", "10005"),
    ]:
        row = add_inline_row(page, "addresses")
        page.fill(f"#id_addresses-{row}-label", label)
        page.fill(f"#id_addresses-{row}-attention", attention)
        page.fill(f"#id_addresses-{row}-street_line_1", street)
        page.fill(f"#id_addresses-{row}-city", city)
        page.fill(f"#id_addresses-{row}-region", region)
        page.fill(f"#id_addresses-{row}-postal_code", postal_code)
    save_and_continue(page)

    # The deal: its kind of recurring event, the company's role and addresses, the notes.
    page.goto("/admin/dealdesk/deal/add/")
    page.fill("#id_title", DEAL)
    page.fill("#id_agreement_name", "Securities Purchase Agreement")
    page.select_option("#id_kind", "convertible_notes")
    page.fill("#id_dated_as_of", "2025-06-02")
    page.fill("#id_closing_date", "2025-06-02")
    row = add_inline_row(page, "event_kinds")
    page.fill(f"#id_event_kinds-{row}-name", KIND)
    row = add_inline_row(page, "deal_parties")
    pick(page, f"id_deal_parties-{row}-party", "Orbital", PARTY)
    page.select_option(f"#id_deal_parties-{row}-role", "company")
    pick(page, f"id_deal_parties-{row}-notice_address", "Orbital", "Notices (Boston)")
    pick(page, f"id_deal_parties-{row}-copy_to", "Orbital", "Copy to (New York)")
    row = add_inline_row(page, "convertible_notes")
    page.fill(f"#id_convertible_notes-{row}-name", "Closing notes")
    pick(page, f"id_convertible_notes-{row}-issuer", "Orbital", PARTY)
    page.fill(f"#id_convertible_notes-{row}-principal", "1500000.00")
    page.fill(f"#id_convertible_notes-{row}-interest_rate", "0.08")
    page.fill(f"#id_convertible_notes-{row}-issue_date", "2025-06-02")
    page.fill(f"#id_convertible_notes-{row}-maturity_date", "2026-06-02")
    save_and_continue(page)
    deal_url = page.url

    # Its obligations: one after each month end, one after each 10-Q filed.
    monthly = add_obligation(page, section="4(h)", title="List of shares reserved for conversion", rule={
        "kind": "recurring", "offset": "5", "offset_unit": "business_days", "frequency": "monthly",
        "window_end": "2025-12-31",
    })
    each_filing = add_obligation(page, section="4(g)(i)", title="Copy of each 10-Q to the Buyers", rule={
        "kind": "each_event", "offset": "10", "offset_unit": "calendar_days", "event_kind": f"{DEAL}: {KIND}",
    })
    assert due_dates_shown(page, each_filing) == []  # no filing recorded yet, and the page says so
    expect(page.locator(".field-due_dates")).to_contain_text("None yet. Waiting on the first 10-Q filed with the SEC")

    # Two filings, recorded as events of that kind on the deal's page.
    page.goto(deal_url)
    for name, day in [("10-Q for the quarter ended 30 June 2025", "2025-08-14"),
                      ("10-Q for the quarter ended 30 September 2025", "2025-11-13")]:
        row = add_inline_row(page, "events")
        page.fill(f"#id_events-{row}-name", name)
        page.fill(f"#id_events-{row}-date", day)
        page.select_option(f"#id_events-{row}-kind", label=KIND)
    save_and_continue(page)

    assert due_dates_shown(page, monthly) == MONTHLY_DUE
    expect(page.locator(".field-due_dates tbody tr").first).to_contain_text(
        "Month ended 30 Jun 2025 + 5 business days (US banking (Federal Reserve) holidays; "
        "skipped Fri 4 Jul 2025 Independence Day) = Tue 8 Jul 2025")
    assert due_dates_shown(page, each_filing) == EACH_FILING_DUE

    # What was typed is what was saved.
    deal = Deal.objects.get(title=DEAL)
    role = DealParty.objects.get(deal=deal)
    assert (role.party.legal_name, role.role, role.notice_address.label) == (PARTY, "company", "Notices")
    assert [address.label for address in role.copy_to.all()] == ["Copy to"]
    note = ConvertibleNote.objects.get(deal=deal)
    assert (note.principal, note.interest_rate, note.issue_date) == (
        Decimal("1500000.00"), Decimal("0.08"), datetime.date(2025, 6, 2))
