"""A finance user follows the link in a reminder email, marks the due date done, and cannot edit the deal."""
import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealdesk.roles import FINANCE
from deals.models import Deal
from obligations.models import DeadlineRule, Occurrence
from obligations.reminders import reminders_create_due, reminders_send_pending
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory, PartyFactory

pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE = "List of reserved shares emailed to the Buyers by the CFO; copy filed in the deal folder."


def test_a_finance_user_marks_a_due_date_done_from_the_reminder_link_and_cannot_edit_the_deal(
        page, log_in, staff_user, desk_server, settings, mailoutbox):
    settings.SITE_URL = desk_server.url  # the links in emails point at the desk the test serves
    finance = staff_user("fiona", FINANCE)
    today = timezone.localdate()
    deal = DealFactory(title="CalbaTech 10% secured convertible notes")
    obligation = ObligationFactory(deal=deal, obligor=PartyFactory(legal_name="CalbaTech, Inc."),
                                   title="List of shares reserved for conversion", section="4(h)")
    obligation.responsible_staff.add(finance)
    DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
                        fixed_date=today + datetime.timedelta(days=3), roll=DeadlineRule.Roll.NONE)
    occurrence = Occurrence.objects.get(rule__obligation=obligation)

    # The sweep sends her the 3-days-before reminder; she opens its link.
    reminders_create_due(today=today)
    reminders_send_pending(today=today)
    (email,) = mailoutbox
    assert email.to == ["fiona@desk.example.com"]
    (link,) = re.findall(r"^http\S+$", email.body, flags=re.MULTILINE)
    assert link == f"{desk_server.url}/admin/obligations/occurrence/{occurrence.pk}/change/"
    log_in(finance)
    page.goto(link)

    expect(page.locator("h1")).to_have_text("Change occurrence")
    page.select_option("#id_status", "done")
    page.fill("#id_done_on", today.isoformat())
    page.fill("#id_evidence", EVIDENCE)
    page.locator("input[name=_save]").click()

    # Saved, listed as done, and on its page now a record she can no longer change.
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    expect(page.locator("#result_list tbody tr").first.locator(".field-status")).to_have_text("Done")
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Change occurrence")
    expect(page.locator(".field-status .readonly")).to_have_text("Done")
    expect(page.locator(".field-done_by .readonly")).to_have_text("fiona")
    expect(page.locator(".field-evidence .readonly")).to_have_text(EVIDENCE)
    occurrence.refresh_from_db()
    assert (occurrence.status, occurrence.done_on, occurrence.done_by, occurrence.evidence) == (
        Occurrence.Status.DONE, today, finance, EVIDENCE)

    # The deal's page is read-only for Finance: no field to type in, no Save; a save posted anyway is refused.
    page.goto(f"/admin/dealdesk/deal/{deal.pk}/change/")
    expect(page.locator("h1")).to_have_text("View deal")
    expect(page.locator(".field-title .readonly")).to_have_text(deal.title)
    expect(page.locator("#id_title")).to_have_count(0)
    expect(page.locator("input[name=_save], input[name=_continue]")).to_have_count(0)
    answer = page.evaluate(
        """async () => {
            const form = new FormData();
            form.append("csrfmiddlewaretoken", document.querySelector("[name=csrfmiddlewaretoken]").value);
            form.append("title", "Renamed by finance");
            const response = await fetch(location.href, {method: "POST", body: form});
            return response.status;
        }"""
    )
    assert answer == 403
    assert Deal.objects.get(pk=deal.pk).title == "CalbaTech 10% secured convertible notes"
