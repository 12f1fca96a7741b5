"""The deal cockpit: a deal's obligations on its page, the obligation page, the rule form, errors and titles."""
import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from instruments.models import ConvertibleNote
from obligations.models import DeadlineRule, Obligation, Occurrence
from tests.factories import (
    ConvertibleNoteFactory,
    DealFactory,
    DeadlineRuleFactory,
    ObligationFactory,
    PartyFactory,
)
from tests.test_admin_bad_input import form_data

pytestmark = pytest.mark.django_db

CALBATECH = "CalbaTech 10% secured convertible notes"


@pytest.fixture
def deal():
    return DealFactory(title=CALBATECH, dated_as_of=datetime.date(2005, 5, 23),
                       closing_date=datetime.date(2005, 5, 23))


def monthly_statement(deal, *, last_month_end: datetime.date) -> Obligation:
    """SPA s.4(h): a list within five business days after each month end, from the 2005 closing."""
    obligation = ObligationFactory(deal=deal, obligor=PartyFactory(legal_name="CalbaTech, Inc."),
                                   title="Monthly shareholder statement", section="4(h)")
    DeadlineRuleFactory(obligation=obligation, window_end=last_month_end)
    return obligation


def section(page: str, element_id: str) -> str:
    """The HTML of the element with that id, up to the next element of the page's top level of groups."""
    start = page.index(f'id="{element_id}"')
    return page[start:page.index("</fieldset>", start)]


def cells(html: str) -> list[list[str]]:
    """The body rows of the (first) table in html, each cell's text with whitespace run together."""
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [[" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


# The deal's page lists its obligations -------------------------------------------


def test_the_deal_page_lists_each_obligation_with_its_next_due_date_and_overdue_count(admin_client, deal):
    obligation = monthly_statement(deal, last_month_end=datetime.date(2006, 4, 30))

    page = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk])).content.decode()

    obligations = section(page, "obligations-group")
    # Twelve month ends, May 2005 to April 2006, all long past: twelve overdue, none ahead.
    assert cells(obligations) == [["4(h)", "Monthly shareholder statement", "CalbaTech, Inc.",
                                   "Reporting / delivery of information", "none ahead", "12", "overdue"]]
    change = reverse("admin:obligations_obligation_change", args=[obligation.pk])
    assert f'<a href="{change}">Monthly shareholder statement</a>' in obligations


def test_the_deal_page_links_to_a_new_obligation_of_this_deal(admin_client, deal):
    page = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk])).content.decode()

    add = reverse("admin:obligations_obligation_add")
    assert f'<a class="addlink" href="{add}?deal={deal.pk}">Add an obligation</a>' in section(page,
                                                                                            "obligations-group")
    assert "No obligation recorded yet." in section(page, "obligations-group")


def test_the_new_obligation_form_opens_with_the_deal_filled_in(admin_client, deal):
    DealFactory(title="Cal-Bay International equity line")

    response = admin_client.get(reverse("admin:obligations_obligation_add") + f"?deal={deal.pk}")

    assert response.status_code == 200
    deal_select = re.search(r'<select name="deal".*?</select>', response.content.decode(), re.S).group(0)
    assert re.findall(r'<option value="(\d+)" selected>([^<]*)</option>', deal_select) == [(str(deal.pk), CALBATECH)]


def test_saving_the_deal_page_leaves_its_obligations_as_they_were(admin_client, deal):
    obligation = monthly_statement(deal, last_month_end=datetime.date(2006, 4, 30))
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])

    response = admin_client.post(url, {**form_data(admin_client.get(url)), "_continue": "Save"})

    assert response.status_code == 302
    obligation.refresh_from_db()
    assert (obligation.title, obligation.deal_id) == ("Monthly shareholder statement", deal.pk)


# The obligation's page: its rules, then a page of its due dates --------------------


def test_the_obligation_page_shows_the_rules_before_the_due_dates(admin_client, deal):
    obligation = monthly_statement(deal, last_month_end=datetime.date(2006, 4, 30))

    page = admin_client.get(reverse("admin:obligations_obligation_change", args=[obligation.pk])).content.decode()

    assert page.index('id="rules-group"') < page.index('id="due-dates"')


def test_the_obligation_page_shows_twelve_due_dates_and_links_to_the_others(admin_client, deal):
    # 30 month ends, May 2005 to October 2007, none done.
    obligation = monthly_statement(deal, last_month_end=datetime.date(2007, 10, 31))
    url = reverse("admin:obligations_obligation_change", args=[obligation.pk])

    due_dates = section(admin_client.get(url).content.decode(), "due-dates")

    rows = cells(due_dates)
    assert [row[0] for row in rows] == ["2005-06-07", "2005-07-08", "2005-08-05", "2005-09-08", "2005-10-07",
                                        "2005-11-07", "2005-12-07", "2006-01-09", "2006-02-07", "2006-03-07",
                                        "2006-04-07", "2006-05-05"]
    assert rows[0][1:] == ["overdue", "Month ended 31 May 2005 + 5 business days = Tue 7 Jun 2005"]
    assert "1 to 12 of 30 due dates" in due_dates
    assert '<a href="?due_dates_page=2">Later</a>' in due_dates
    listed = reverse("admin:obligations_occurrence_changelist") + f"?rule__obligation__id__exact={obligation.pk}"
    assert f'<a href="{listed}">All 30 in the due date list</a>' in due_dates
    assert f'<a href="{listed}&amp;standing=overdue">The 30 overdue</a>' in due_dates


def test_the_next_page_of_due_dates_and_the_full_list(admin_client, deal):
    obligation = monthly_statement(deal, last_month_end=datetime.date(2007, 10, 31))
    url = reverse("admin:obligations_obligation_change", args=[obligation.pk])

    due_dates = section(admin_client.get(url + "?due_dates_page=3").content.decode(), "due-dates")

    assert "25 to 30 of 30 due dates" in due_dates
    assert [row[0] for row in cells(due_dates)][0] == "2007-06-07"
    assert '<a href="?due_dates_page=2">Earlier</a>' in due_dates
    listed = admin_client.get(reverse("admin:obligations_occurrence_changelist")
                              + f"?rule__obligation__id__exact={obligation.pk}")
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 30


def test_the_obligation_page_opens_on_the_page_of_its_first_open_due_date(admin_client, deal):
    obligation = monthly_statement(deal, last_month_end=datetime.date(2007, 10, 31))
    done = Occurrence.objects.filter(rule__obligation=obligation).order_by("due_date")[:13]
    Occurrence.objects.filter(pk__in=[o.pk for o in done]).update(
        status=Occurrence.Status.DONE, done_on=datetime.date(2005, 6, 1), evidence="Delivered by email")

    page = admin_client.get(reverse("admin:obligations_obligation_change", args=[obligation.pk])).content.decode()

    due_dates = section(page, "due-dates")
    assert "13 to 24 of 30 due dates" in due_dates
    # The 13th done (31 May 2006), then 30 Jun 2006 + 5 business days, Tue 4 Jul skipped.
    assert [row[:2] for row in cells(due_dates)][:2] == [["2006-06-07", "done"], ["2006-07-10", "overdue"]]


# The rule form shows the fields of its kind (deals/static/deals/rule_kinds.js) ----


@pytest.mark.parametrize("page", ["rule", "obligation", "new rule"])
def test_the_rule_form_carries_the_script_that_shows_the_fields_of_its_kind(admin_client, deal, page):
    obligation = monthly_statement(deal, last_month_end=datetime.date(2006, 4, 30))
    url = {"rule": reverse("admin:obligations_deadlinerule_change", args=[obligation.rules.get().pk]),
           "obligation": reverse("admin:obligations_obligation_change", args=[obligation.pk]),
           "new rule": reverse("admin:obligations_deadlinerule_add")}[page]

    html = admin_client.get(url).content.decode()

    assert '<script src="/static/deals/rule_kinds.js"></script>' in html
    assert re.search(r'<select name="(rules-0-)?kind"[^>]*data-rule-kind', html)
    # Each fieldset names the kinds it serves; without the script every one shows.
    assert 'class="module aligned rule-kinds rule-kind-fixed_date"' in html
    assert 'class="module aligned rule-kinds rule-kind-recurring"' in html
    assert ('class="module aligned rule-kinds rule-kind-after_anchor rule-kind-period rule-kind-recurring '
            'rule-kind-each_event"') in html
    assert 'class="module aligned rule-kinds' in html and "<fieldset hidden" not in html


def test_every_kind_of_rule_has_its_fieldsets():
    from obligations.admin import RULE_FIELDSETS

    kinds_served = {cls.removeprefix("rule-kind-") for _, options in RULE_FIELDSETS
                    for cls in options.get("classes", ()) if cls.startswith("rule-kind-")}
    assert kinds_served == {kind.value for kind in DeadlineRule.Kind} - {"later_of", "earlier_of"}


# A refused value stays out of the title, and the top message leads to the error -----


def test_a_refused_principal_never_reaches_the_title_which_names_the_saved_note(admin_client, deal):
    note = ConvertibleNoteFactory(deal=deal, issuer=PartyFactory(legal_name="CalbaTech, Inc."),
                                  name="Closing notes", principal=Decimal("800000"))
    url = reverse("admin:instruments_convertiblenote_change", args=[note.pk])

    response = admin_client.post(url, {**form_data(admin_client.get(url)), "principal": "-250000"})

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<title>(.*?)</title>", page, re.S).group(1).split() == (
        "Error: Closing notes ($800,000.00) | Change convertible note | dealdesk".split())
    assert "-250,000" not in page.split('<div id="content-main">')[0]
    assert ('<p class="error-summary" id="error-summary">1 error to correct: '
            '<a href="#id_principal">go to the first (Principal)</a>.</p>') in page
    assert ConvertibleNote.objects.get().principal == Decimal("800000")


def test_a_refused_new_note_is_titled_by_its_kind(admin_client, deal):
    issuer = PartyFactory(legal_name="CalbaTech, Inc.")
    url = reverse("admin:instruments_convertiblenote_add")
    data = {**form_data(admin_client.get(url)), "deal": deal.pk, "issuer": issuer.pk, "name": "Closing notes",
            "principal": "-250000", "interest_rate": "0.10"}

    page = admin_client.post(url, data).content.decode()

    assert re.search(r"<title>(.*?)</title>", page, re.S).group(1).split() == (
        "Error: Add convertible note | dealdesk".split())
    assert "1 error to correct" in page


def test_the_top_message_counts_the_errors_of_the_inlines_and_leads_to_the_first(admin_client, deal):
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    data = form_data(admin_client.get(url))
    data.update({"convertible_notes-TOTAL_FORMS": "1", "convertible_notes-0-name": "Closing notes",
                 "convertible_notes-0-principal": "-250000", "convertible_notes-0-interest_rate": "0.10"})

    page = admin_client.post(url, data).content.decode()

    # No issuer, and a negative principal: two errors, the first in the note's row.
    summary = re.search(r'<p class="error-summary" id="error-summary">(.*?)</p>', page, re.S).group(1)
    assert summary == ('2 errors to correct: <a href="#id_convertible_notes-0-issuer">go to the first '
                       '(convertible notes, row 1: Issuer)</a>.')
    assert f"<title>Error: {CALBATECH} | Change deal | dealdesk</title>" in " ".join(page.split())
