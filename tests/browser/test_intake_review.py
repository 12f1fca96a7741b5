"""A deal administrator reads the Cal-Bay agreement into the desk: upload, review, accept all, confirm.

The deal the reader proposes, accepted as proposed, must fall due on the same days as the
Cal-Bay sample deal (dealdesk/sample_deals/2003-calbay-placement-agent.json), which people
read from the same agreement by hand.
"""
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from dealdesk.intake.models import AgreementIntake
from dealdesk.roles import DEAL_ADMINISTRATORS
from deals.models import Deal
from obligations.models import Occurrence
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.django_db(transaction=True)

AGREEMENT = Path(__file__).resolve().parent.parent / "data" / "agreements" / "calbay-2003.txt"
SAMPLE_PAA = "Cal-Bay International – Placement Agent Agreement (equity line)"  # dealdesk/sample_deals/
TITLE = "Cal-Bay International – Placement Agent Agreement (read from the agreement)"
SCREEN_WIDTH = 1366


def due_dates(deal: Deal) -> list[tuple[str, str]]:
    """(obligation section, due date) of every due date of the deal, sorted."""
    rows = Occurrence.objects.filter(rule__obligation__deal=deal).values_list("rule__obligation__section", "due_date")
    return sorted((section, due.isoformat()) for section, due in rows)


def test_the_cal_bay_agreement_read_and_accepted_falls_due_on_the_sample_deals_days(page, log_in, staff_user):
    log_in(staff_user("ada", DEAL_ADMINISTRATORS))
    page.goto(reverse("admin:index"))
    page.get_by_role("link", name="Read an agreement").click()

    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN_WIDTH
    page.set_input_files("#id_file", str(AGREEMENT))
    page.get_by_role("button", name="Read the agreement").click()

    expect(page.locator("h1")).to_contain_text("Review:")
    intake = AgreementIntake.objects.get()
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN_WIDTH

    # Clicking a proposal marks exactly the words it came from, and scrolls them into the text's view.
    first = intake.proposals.filter(kind="obligation").order_by("order").first()
    card = page.locator(f"#p-{first.pk}")
    card.locator(".intake-headline").click()
    marked = page.evaluate(
        "[...document.querySelectorAll('#intake-text .intake-mark')].map(node => node.textContent).join('')")
    assert marked == intake.text[first.span_start:first.span_end]
    visible = page.evaluate("""() => {
        const pane = document.getElementById('intake-text-pane').getBoundingClientRect();
        const mark = document.querySelector('#intake-text .intake-mark').getBoundingClientRect();
        return mark.top >= pane.top && mark.top < pane.bottom;
    }""")
    assert visible
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "intake_review_one_proposal_marked.png"))
    # Every section the reader could not place is listed (or the list says there is none).
    expect(page.locator("#intake-unplaced")).to_contain_text("Not placed")

    page.get_by_role("button", name="Accept all remaining").click()
    expect(page.locator(".messagelist .success")).to_contain_text("not yet decided")
    page.fill("#id_title", TITLE)
    page.get_by_role("button", name="Confirm: create the deal").click()

    # The deal's page says so once the confirm has been answered; only then is the deal looked up.
    expect(page.locator(".messagelist .success")).to_contain_text("is on the desk")
    deal = Deal.objects.get(title=TITLE)
    expect(page).to_have_url(f"{page.url.split('/admin/')[0]}{reverse('admin:dealdesk_deal_change', args=[deal.pk])}")
    read = due_dates(deal)

    call_command("load_sample_deals", stdout=StringIO())
    sample = due_dates(Deal.objects.get(title=SAMPLE_PAA))

    missing = [row for row in sample if row not in read]
    extra = [row for row in read if row not in sample]
    assert read == sample, f"{len(read)} due dates read, {len(sample)} in the sample; missing {missing}; extra {extra}"
