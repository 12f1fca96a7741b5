"""A bad input is refused with its message next to the field it is about, and nothing is saved."""
import pytest
from playwright.sync_api import expect

from dealdesk.roles import DEAL_ADMINISTRATORS
from instruments.models import ConvertibleNote
from obligations.models import DeadlineRule, Occurrence
from tests.browser.admin_ui import pick
from tests.factories import DealFactory, ObligationFactory, PartyFactory

pytestmark = pytest.mark.django_db(transaction=True)

CALBATECH = "CalbaTech 10% secured convertible notes"


def expect_refused(page, field: str, message: str) -> None:
    """The page says so at the top, and the message stands in the field's own row, tied to its input."""
    expect(page.locator(".errornote")).to_have_text("Please correct the error below.")
    row = page.locator(f".form-row.field-{field}")
    expect(row.locator(f"#id_{field}_error")).to_have_text(message)
    expect(page.locator(".errorlist")).to_have_count(1)  # and nowhere else
    expect(page.locator(f"#id_{field}")).to_have_attribute("aria-invalid", "true")


def test_a_negative_principal_is_refused_next_to_the_principal_and_no_note_is_saved(page, log_in, staff_user):
    log_in(staff_user("dora", DEAL_ADMINISTRATORS))
    DealFactory(title=CALBATECH)
    PartyFactory(legal_name="CalbaTech, Inc.")

    page.goto("/admin/instruments/convertiblenote/add/")
    pick(page, "id_deal", "CalbaTech", CALBATECH)
    page.fill("#id_name", "Closing notes")
    pick(page, "id_issuer", "CalbaTech", "CalbaTech, Inc.")
    page.fill("#id_principal", "-800000.00")
    page.fill("#id_interest_rate", "0.10")
    page.locator("input[name=_save]").click()

    expect_refused(page, "principal", "Ensure this value is greater than or equal to 0.")
    expect(page.locator("#id_principal")).to_have_value("-800000.00")  # shown again as typed, to correct
    assert ConvertibleNote.objects.count() == 0
    assert ConvertibleNote.history.count() == 0


def test_a_recurring_rule_without_a_period_is_refused_next_to_the_period_and_no_rule_is_saved(
        page, log_in, staff_user):
    log_in(staff_user("dora", DEAL_ADMINISTRATORS))
    obligation = ObligationFactory(deal=DealFactory(title=CALBATECH),
                                   obligor=PartyFactory(legal_name="CalbaTech, Inc."),
                                   title="List of shares reserved for conversion", section="4(h)")

    page.goto("/admin/obligations/deadlinerule/add/")
    pick(page, "id_obligation", "reserved", str(obligation))
    page.select_option("#id_kind", "recurring")
    page.fill("#id_offset", "5")
    page.select_option("#id_offset_unit", "business_days")
    page.locator("input[name=_save]").click()

    expect_refused(page, "frequency",
                   "A recurring rule needs a period: monthly, quarterly or each fiscal year.")
    assert DeadlineRule.objects.count() == 0
    assert Occurrence.objects.count() == 0
