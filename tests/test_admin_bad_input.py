"""Bad input through the admin forms shows the rule in words and leaves the database as it was."""
import datetime
from decimal import Decimal

import pytest
from django.forms import CheckboxInput
from django.urls import reverse
from django.utils.html import escape

from deals.models import Deal, DealEvent
from instruments.models import ConvertibleNote, Draw
from obligations.models import DeadlineRule, Occurrence
from parties.models import DealParty, Party, Person
from tests.factories import (
    DealEventFactory,
    DealFactory,
    DealPartyFactory,
    DeadlineRuleFactory,
    EquityLineFactory,
    ObligationFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db


# Helpers: post an admin form the way the browser would ---------------------


def _post_value(bound_field):
    value = bound_field.value()
    if isinstance(bound_field.field.widget, CheckboxInput):
        return "on" if value else None
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def form_data(response) -> dict:
    """The POST data of an admin add/change page as rendered: main form, every inline and its management form."""
    assert response.status_code == 200
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management[name].html_name: management[name].value() for name in management.fields})
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = _post_value(form[name])
            if value is not None:
                data[form[name].html_name] = value
    return data


def add_inline_row(data: dict, prefix: str, **fields) -> dict:
    """Fill one more row of the inline whose formset prefix is given (as "Add another" does)."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})
    return data


def post_page(client, url: str, **changes):
    """GET the page, change some fields of the main form, POST it back."""
    data = form_data(client.get(url))
    data.update(changes)
    return data


def assert_shows(response, message: str) -> None:
    assert response.status_code == 200, "the form should have been shown again with errors"
    assert escape(message) in response.content.decode()


# Deals ------------------------------------------------------------------------


def test_closing_date_before_agreement_date_is_refused(admin_client):
    url = reverse("admin:dealdesk_deal_add")
    data = post_page(admin_client, url, title="Cal-Bay equity line", agreement_name="Placement Agent Agreement",
                     kind="equity_line", status="active", dated_as_of="2003-06-16", closing_date="2003-06-01")

    response = admin_client.post(url, data)

    assert_shows(response, "The closing date cannot be before the date of the agreement.")
    assert Deal.objects.count() == 0


def test_impossible_date_is_a_form_error(admin_client):
    url = reverse("admin:dealdesk_deal_add")
    data = post_page(admin_client, url, title="Cal-Bay equity line", agreement_name="Placement Agent Agreement",
                     kind="equity_line", status="active", dated_as_of="2005-13-45")

    response = admin_client.post(url, data)

    assert_shows(response, "Enter a valid date.")
    assert Deal.objects.count() == 0


def test_two_events_with_one_name_leave_the_deal_unsaved(admin_client):
    deal = DealFactory(title="CalbaTech notes")
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    data = post_page(admin_client, url, title="Renamed while adding events")
    add_inline_row(data, "events", name="Filing Date", date="2005-06-22")
    add_inline_row(data, "events", name="Filing Date", date="2005-06-23")

    response = admin_client.post(url, data)

    assert_shows(response, "This deal already has an event with that name.")
    deal.refresh_from_db()
    assert deal.title == "CalbaTech notes"
    assert DealEvent.objects.count() == 0


def test_event_named_like_a_saved_one_is_refused(admin_client):
    deal = DealFactory()
    DealEventFactory(deal=deal, name="Filing Date")
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    data = add_inline_row(post_page(admin_client, url), "events", name="Filing Date")

    response = admin_client.post(url, data)

    assert_shows(response, "This deal already has an event with that name.")
    assert DealEvent.objects.count() == 1


def test_deal_party_without_a_party_is_a_form_error_not_a_crash(admin_client):
    deal = DealFactory()
    signatory = Person.objects.create(party=PartyFactory(), name="Edward Deese")
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    data = add_inline_row(post_page(admin_client, url), "deal_parties", role="company", signatory=signatory.pk)

    response = admin_client.post(url, data)

    assert_shows(response, "This field is required.")
    assert DealParty.objects.count() == 0


def test_signatory_of_another_party_is_refused(admin_client):
    deal = DealFactory()
    company = PartyFactory(legal_name="CalbaTech, Inc.")
    outsider = Person.objects.create(party=PartyFactory(), name="Douglas Leighton")
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    data = add_inline_row(post_page(admin_client, url), "deal_parties", party=company.pk, role="company",
                          signatory=outsider.pk)

    response = admin_client.post(url, data)

    assert_shows(response, "Douglas Leighton does not work for CalbaTech, Inc..")
    assert DealParty.objects.count() == 0


def test_note_with_negative_principal_added_on_the_deal_page_saves_nothing(admin_client):
    deal = DealFactory(title="CalbaTech notes")
    issuer = PartyFactory()
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    data = post_page(admin_client, url, notes="Edited with the notes")
    add_inline_row(data, "convertible_notes", name="Closing notes", issuer=issuer.pk, principal="-800000",
                   interest_rate="0.10")

    response = admin_client.post(url, data)

    assert_shows(response, "Ensure this value is greater than or equal to 0.")
    deal.refresh_from_db()
    assert deal.notes == ""
    assert ConvertibleNote.objects.count() == 0


# Instruments --------------------------------------------------------------------


def note_data(client, **changes) -> dict:
    deal, issuer = DealFactory(), PartyFactory()
    fields = {"deal": deal.pk, "issuer": issuer.pk, "name": "Closing notes", "principal": "800000",
              "interest_rate": "0.10", **changes}
    return post_page(client, reverse("admin:instruments_convertiblenote_add"), **fields)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("principal", "-1", "Ensure this value is greater than or equal to 0."),
        ("principal", "abc", "Enter a number."),
        # The rate is a fraction: 1.5 would be 150%.
        ("interest_rate", "1.5", "Ensure this value is less than or equal to 1."),
        ("issue_date", "2005-13-45", "Enter a valid date."),
        ("maturity_date", "2005-05-01", "The maturity date must be after the issue date."),
    ],
)
def test_bad_note_terms_are_refused(admin_client, field, value, message):
    data = note_data(admin_client, **{"issue_date": "2005-05-23", field: value})

    response = admin_client.post(reverse("admin:instruments_convertiblenote_add"), data)

    assert_shows(response, message)
    assert ConvertibleNote.objects.count() == 0


def test_draws_together_over_the_commitment_are_refused(admin_client):
    line = EquityLineFactory(commitment=Decimal("1000000"))
    url = reverse("admin:instruments_equityline_change", args=[line.pk])
    data = post_page(admin_client, url)
    add_inline_row(data, "draws", date="2005-08-01", amount="600000")
    add_inline_row(data, "draws", date="2005-09-01", amount="600000")

    response = admin_client.post(url, data)

    assert_shows(response, "These draws add up to $1,200,000.00, more than the $1,000,000.00 committed.")
    assert Draw.objects.count() == 0


# Parties ------------------------------------------------------------------------


def test_fiscal_year_ending_on_february_30_is_refused(admin_client):
    url = reverse("admin:parties_party_add")
    data = post_page(admin_client, url, legal_name="CalbaTech, Inc.", fiscal_year_end_month="2",
                     fiscal_year_end_day="30")

    response = admin_client.post(url, data)

    assert_shows(response, "February has no day 30.")
    assert Party.objects.count() == 0


def test_person_with_a_malformed_email_is_refused(admin_client):
    party = PartyFactory()
    url = reverse("admin:parties_person_add")
    data = post_page(admin_client, url, party=party.pk, name="Edward Deese", email="edward.deese@")

    response = admin_client.post(url, data)

    assert_shows(response, "Enter a valid email address.")
    assert Person.objects.count() == 0


def test_party_saved_with_a_bad_person_inline_is_not_saved_at_all(admin_client):
    party = PartyFactory(legal_name="CalbaTech, Inc.")
    url = reverse("admin:parties_party_change", args=[party.pk])
    data = post_page(admin_client, url, short_name="CalbaTech")
    add_inline_row(data, "people", name="Edward Deese", receives_reminders="on")

    response = admin_client.post(url, data)

    assert_shows(response, "A person who receives reminders needs an email address.")
    party.refresh_from_db()
    assert party.short_name == ""
    assert Person.objects.count() == 0


# Deadline rules -----------------------------------------------------------------


@pytest.fixture
def obligation():
    return ObligationFactory(title="Monthly shareholder statement", section="4(h)")


def rule_row(**fields) -> dict:
    return {"kind": "recurring", "offset": "5", "offset_unit": "business_days", "holiday_calendar": "us_banking",
            "roll": "following", **fields}


def post_rule(client, obligation, **fields):
    url = reverse("admin:obligations_obligation_change", args=[obligation.pk])
    data = add_inline_row(post_page(client, url), "rules", **rule_row(**fields))
    return client.post(url, data)


def test_recurring_rule_without_a_period_is_refused(admin_client, obligation):
    response = post_rule(admin_client, obligation, frequency="")

    assert_shows(response, "A recurring rule needs a period: monthly, quarterly or each fiscal year.")
    assert DeadlineRule.objects.count() == 0


def test_window_ending_before_it_starts_is_refused(admin_client, obligation):
    response = post_rule(admin_client, obligation, frequency="monthly", window_start="2006-01-01",
                         window_end="2005-12-31")

    assert_shows(response, "The active window ends before it starts.")
    assert DeadlineRule.objects.count() == 0


def test_rule_without_a_kind_is_a_form_error_not_a_crash(admin_client, obligation):
    response = post_rule(admin_client, obligation, kind="", frequency="monthly")

    assert_shows(response, "This field is required.")
    assert DeadlineRule.objects.count() == 0


def test_rule_counted_from_another_deal_s_event_is_refused(admin_client, obligation):
    other = DealEventFactory(deal=DealFactory(title="Cal-Bay equity line"), name="Effective Date")

    response = post_rule(admin_client, obligation, kind="after_anchor", anchor="event", anchor_event=other.pk)

    assert_shows(response, f"Effective Date is an event of Cal-Bay equity line, not of {obligation.deal}. "
                           "Add it to this deal first.")
    assert DeadlineRule.objects.count() == 0


def test_new_obligation_with_another_deal_s_event_is_refused_before_anything_is_saved(admin_client):
    deal = DealFactory(title="CalbaTech notes")
    company = DealPartyFactory(deal=deal).party
    other = DealEventFactory(deal=DealFactory(title="Cal-Bay equity line"), name="Effective Date")
    url = reverse("admin:obligations_obligation_add")
    data = post_page(admin_client, url, deal=deal.pk, obligor=company.pk, title="Registration statement",
                     section="4(l)", kind="filing", penalty="none")
    data = {k: v for k, v in data.items() if not k.startswith("rules-0-")}
    data["rules-TOTAL_FORMS"] = "0"
    add_inline_row(data, "rules", **rule_row(kind="after_anchor", anchor="event", anchor_event=other.pk))

    response = admin_client.post(url, data)

    assert_shows(response, "Effective Date is an event of Cal-Bay equity line, not of CalbaTech notes. "
                           "Add it to this deal first.")
    assert DeadlineRule.objects.count() == 0
    assert not deal.obligations.exists()


def test_new_obligation_with_a_period_of_no_length_is_refused(admin_client):
    deal = DealFactory(title="CalbaTech notes")
    company = DealPartyFactory(deal=deal).party
    url = reverse("admin:obligations_obligation_add")
    data = post_page(admin_client, url, deal=deal.pk, obligor=company.pk, title="Lock-up", section="4(e)",
                     kind="negative_covenant", penalty="none")
    data.update({f"rules-0-{k}": v for k, v in rule_row(kind="period", anchor="closing_date", offset="0").items()})

    response = admin_client.post(url, data)

    assert_shows(response, "A period needs a length.")
    assert not deal.obligations.exists()


def test_obligor_who_is_not_a_party_to_the_deal_is_refused(admin_client):
    deal = DealFactory(title="CalbaTech notes")
    stranger = PartyFactory(legal_name="Oftring & Company, Inc.")
    url = reverse("admin:obligations_obligation_add")
    data = post_page(admin_client, url, deal=deal.pk, obligor=stranger.pk, title="Statement", section="4(h)",
                     kind="reporting", penalty="none")
    data["rules-TOTAL_FORMS"] = "0"

    response = admin_client.post(url, data)

    assert_shows(response, "Oftring & Company, Inc. is not a party to CalbaTech notes.")
    assert not deal.obligations.exists()


# Occurrences --------------------------------------------------------------------


def test_waiving_an_occurrence_by_hand_needs_the_reason(admin_client, obligation):
    DeadlineRuleFactory(obligation=obligation, window_end=datetime.date(2005, 6, 30))
    occurrence = Occurrence.objects.order_by("due_date").first()
    url = reverse("admin:obligations_occurrence_change", args=[occurrence.pk])
    data = post_page(admin_client, url, status="waived", done_on="2005-06-08", evidence="")

    response = admin_client.post(url, data)

    assert_shows(response, "Say who waived it and how (e.g. the buyers' written waiver).")
    occurrence.refresh_from_db()
    assert occurrence.status == "open"


def test_occurrence_due_date_cannot_be_edited(admin_client, obligation):
    DeadlineRuleFactory(obligation=obligation, window_end=datetime.date(2005, 6, 30))
    occurrence = Occurrence.objects.order_by("due_date").first()
    url = reverse("admin:obligations_occurrence_change", args=[occurrence.pk])
    data = post_page(admin_client, url, status="done", done_on="2005-06-06", due_date="2099-01-01",
                     evidence="List emailed 6 Jun 2005")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert (occurrence.due_date, occurrence.status, occurrence.done_on, occurrence.done_by.username) == (
        datetime.date(2005, 6, 7), "done", datetime.date(2005, 6, 6), "root")
