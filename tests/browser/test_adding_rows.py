"""Adding rows on the deal page and an obligation's page, whose blank rows come from the desk when
"Add another" first asks (deals.admin.BlankRowsOnDemandMixin, deals/static/deals/blank_rows.js)."""
import datetime

import pytest
from playwright.sync_api import expect

from dealdesk.roles import DEAL_ADMINISTRATORS
from obligations.models import DeadlineRule
from tests.browser.admin_ui import add_inline_row
from tests.factories import DealFactory, ObligationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_first_add_asks_the_desk_once_and_the_rows_work_as_djangos_own(page, log_in, staff_user):
    log_in(staff_user("dora", DEAL_ADMINISTRATORS))
    deal = DealFactory(title="CalbaTech 2005 notes")
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "blank_row=" in request.url else None)
    page.goto(f"/admin/dealdesk/deal/{deal.pk}/change/")
    # The "Add another" cell spans the table's columns, as over Django's own blank row.
    columns = page.locator("#events-group thead th").count()
    expect(page.locator("#events-group tr.add-row > td")).to_have_attribute("colspan", str(columns))

    first, second = add_inline_row(page, "events"), add_inline_row(page, "events")

    assert (first, second) == (0, 1)
    assert [url.split("?", 1)[1] for url in asked] == ["blank_row=events"]
    for row in (first, second):
        expect(page.locator(f"#events-{row} .datetimeshortcuts a")).to_have_count(2)  # "Today" and the calendar
    page.locator(f"#events-{second} .datetimeshortcuts a").first.click()  # "Today"
    expect(page.locator(f"#id_events-{second}-date")).not_to_have_value("")
    expect(page.locator(f"#id_events-{first}-date")).to_have_value("")
    page.locator(f"#events-{second} .inline-deletelink").click()
    expect(page.locator("#id_events-TOTAL_FORMS")).to_have_value("1")


@pytest.mark.parametrize(("answer", "why"), [
    (lambda route: route.fulfill(status=503, body="down"), "the desk answered 503"),
    (lambda route: route.abort(), "the desk could not be reached"),
])
def test_a_blank_row_the_desk_cannot_send_is_said_beside_the_link_and_nothing_is_added(page, log_in, staff_user,
                                                                                       answer, why):
    log_in(staff_user("dora", DEAL_ADMINISTRATORS))
    deal = DealFactory(title="CalbaTech 2005 notes")
    page.route("**/*blank_row=*", answer)
    page.goto(f"/admin/dealdesk/deal/{deal.pk}/change/")

    page.locator("#warrants-group .add-row a").click()

    expect(page.locator("#warrants-group .blank-row-error")).to_have_text(
        f"No row was added: the blank row could not be loaded ({why}). Save the page, then try again.")
    expect(page.locator("#id_warrants-TOTAL_FORMS")).to_have_value("0")
    page.unroute("**/*blank_row=*")
    assert add_inline_row(page, "warrants") == 0  # once the desk answers, the same link adds the row
    expect(page.locator("#id_warrants-0-name")).to_be_visible()
    expect(page.locator("#warrants-group .blank-row-error")).to_have_count(0)


def test_a_blank_row_asked_for_after_the_session_ended_says_to_sign_in_again_not_to_save(page, log_in, staff_user):
    log_in(staff_user("dora", DEAL_ADMINISTRATORS))
    deal = DealFactory(title="CalbaTech 2005 notes")
    page.goto(f"/admin/dealdesk/deal/{deal.pk}/change/")
    page.context.clear_cookies()  # signed out elsewhere, or the session expired

    page.locator("#tranches-group .add-row a").click()

    expect(page.locator("#tranches-group .blank-row-error")).to_have_text(
        "No row was added: you are no longer signed in. Sign in again in another tab, then click again; "
        "saving this page now would lose what you typed.")
    expect(page.locator("#id_tranches-TOTAL_FORMS")).to_have_value("0")


def test_a_rule_added_on_an_obligation_page_shows_the_fields_of_its_kind_and_is_saved(page, log_in, staff_user):
    log_in(staff_user("dora", DEAL_ADMINISTRATORS))
    obligation = ObligationFactory(deal=DealFactory(title="CalbaTech 2005 notes"))
    before = obligation.rules.count()
    page.goto(f"/admin/obligations/obligation/{obligation.pk}/change/")

    row = add_inline_row(page, "rules")
    page.select_option(f"#id_rules-{row}-kind", "fixed_date")

    # rule_kinds.js, on the row copied from the one fetched: the kind's fieldsets and those of every kind.
    assert page.locator(f"#rules-{row} fieldset:visible h4").all_inner_texts() == [
        "On a fixed date", "Part of a later of / earlier of", "Starts and ends", "Weekends and holidays"]
    page.fill(f"#id_rules-{row}-fixed_date", "2005-07-08")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert obligation.rules.count() == before + 1
    assert obligation.rules.filter(kind=DeadlineRule.Kind.FIXED_DATE, fixed_date=datetime.date(2005, 7, 8)).exists()
