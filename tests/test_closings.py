"""A closing completes only when nothing on its checklist is open; its screens say so in plain words."""
import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from closings.models import Closing, ClosingItem
from closings.services import closing_complete, closing_reopen
from instruments.models import Draw, Tranche
from parties.models import DealParty
from tests.factories import DealEventFactory, DealFactory, DealPartyFactory, EquityLineFactory, PartyFactory

pytestmark = pytest.mark.django_db

D = datetime.date
OPINION = "7(h) Opinion of the Company's counsel"
CERTIFICATE = "7(i) Officer's certificate updating the capitalization (s.3(c))"


@pytest.fixture
def spa():
    """The SPA's Filing tranche closing (s.4(l)), cut down to two of its s.7 items."""
    deal = DealFactory(title="CalbaTech 10% secured convertible notes")
    company = PartyFactory(legal_name="CalbaTech, Inc.")
    buyer = PartyFactory(legal_name="AJW Partners, LLC", form="llc")
    DealPartyFactory(deal=deal, party=company, role=DealParty.Role.COMPANY)
    DealPartyFactory(deal=deal, party=buyer, role=DealParty.Role.INVESTOR)
    filing = DealEventFactory(deal=deal, name="Filing Date", date=None)
    tranche = Tranche.objects.create(deal=deal, name="Filing tranche", amount=Decimal("600000"), event=filing,
                                     days_to_close=5, section="4(l)")
    closing = Closing.objects.create(deal=deal, name="Filing tranche closing", section="4(l)", tranche=tranche)
    opinion = ClosingItem.objects.create(
        closing=closing, section="7(h)", title="Opinion of the Company's counsel",
        kind=ClosingItem.Kind.DELIVERABLE, condition_of=ClosingItem.ConditionOf.INVESTOR, satisfied_by=company,
        text="The Buyer shall have received an opinion of the Company's counsel, dated as of the Closing Date ...",
    )
    certificate = ClosingItem.objects.create(
        closing=closing, section="7(i)", title="Officer's certificate updating the capitalization (s.3(c))",
        kind=ClosingItem.Kind.DELIVERABLE, condition_of=ClosingItem.ConditionOf.INVESTOR, satisfied_by=company,
        text="The Buyer shall have received an officer's certificate described in Section 3(c) above ...",
    )
    return SimpleNamespace(deal=deal, company=company, buyer=buyer, tranche=tranche, closing=closing,
                           opinion=opinion, certificate=certificate)


def record(item: ClosingItem, status: str, on: datetime.date = D(2005, 6, 27), evidence: str = "On file") -> None:
    item.status, item.done_on, item.evidence = status, on, evidence
    item.full_clean()
    item.save()


def messages_of(error: pytest.ExceptionInfo) -> list[str]:
    return error.value.messages


# --- The rule: no completion while an item is open ----------------------------------------


def test_completing_a_closing_with_an_open_item_is_refused_naming_it_and_nothing_changes(spa, admin_user):
    record(spa.opinion, ClosingItem.Status.SATISFIED, evidence="Opinion of Sichenzia Ross dated 27 June 2005")
    versions = spa.closing.history.count()

    with pytest.raises(ValidationError) as error:
        closing_complete(closing=spa.closing, on=D(2005, 6, 27), by=admin_user)

    assert messages_of(error) == [
        f"Filing tranche closing cannot be completed while 1 item is open: {CERTIFICATE}. "
        "Mark each one satisfied or waived, with its evidence, first."
    ]
    spa.closing.refresh_from_db()
    assert (spa.closing.closed_on, spa.closing.closed_by) == (None, None)
    assert spa.closing.history.count() == versions


def test_the_refusal_names_every_open_item_in_section_order(spa):
    with pytest.raises(ValidationError) as error:
        closing_complete(closing=spa.closing, on=D(2005, 6, 27), by=None)

    assert messages_of(error) == [
        f"Filing tranche closing cannot be completed while 2 items are open: {OPINION}; {CERTIFICATE}. "
        "Mark each one satisfied or waived, with its evidence, first."
    ]


def test_a_closing_completes_once_every_item_is_satisfied_or_waived(spa, admin_user):
    record(spa.opinion, ClosingItem.Status.SATISFIED, evidence="Opinion of Sichenzia Ross dated 27 June 2005")
    record(spa.certificate, ClosingItem.Status.WAIVED, evidence="Waived by each Buyer in writing, 27 June 2005")

    closing_complete(closing=spa.closing, on=D(2005, 6, 27), by=admin_user)

    spa.closing.refresh_from_db()
    assert spa.closing.closed_on == D(2005, 6, 27)
    assert spa.closing.closed_by == admin_user
    assert spa.closing.status == Closing.Status.COMPLETE
    assert spa.closing.history.first().history_user == admin_user


def test_marking_a_closing_complete_by_hand_is_refused_by_its_own_check(spa):
    spa.closing.closed_on = D(2005, 6, 27)

    with pytest.raises(ValidationError) as error:
        spa.closing.full_clean()

    assert messages_of(error) == [
        f"Filing tranche closing cannot be completed while 2 items are open: {OPINION}; {CERTIFICATE}. "
        "Mark each one satisfied or waived, with its evidence, first."
    ]


def test_a_closing_without_items_can_be_completed(spa):
    empty = Closing.objects.create(deal=spa.deal, name="Initial closing", section="1(c)")

    closing_complete(closing=empty, on=D(2005, 5, 23), by=None)

    assert Closing.objects.get(pk=empty.pk).closed_on == D(2005, 5, 23)


def test_a_completed_closing_cannot_be_completed_again(spa):
    for item in (spa.opinion, spa.certificate):
        record(item, ClosingItem.Status.SATISFIED)
    closing_complete(closing=spa.closing, on=D(2005, 6, 27), by=None)

    with pytest.raises(ValidationError) as error:
        closing_complete(closing=spa.closing, on=D(2005, 6, 30), by=None)

    assert messages_of(error) == ["Filing tranche closing was already completed on 2005-06-27."]
    assert Closing.objects.get(pk=spa.closing.pk).closed_on == D(2005, 6, 27)


def test_a_closing_cannot_be_completed_on_a_day_still_to_come(spa):
    for item in (spa.opinion, spa.certificate):
        record(item, ClosingItem.Status.SATISFIED)

    with pytest.raises(ValidationError) as error:
        closing_complete(closing=spa.closing, on=datetime.date.today() + datetime.timedelta(days=2), by=None)

    assert messages_of(error) == ["A closing cannot be completed on a day still to come."]
    assert Closing.objects.get(pk=spa.closing.pk).closed_on is None


def test_an_item_of_a_completed_closing_cannot_be_reopened(spa):
    for item in (spa.opinion, spa.certificate):
        record(item, ClosingItem.Status.SATISFIED)
    closing_complete(closing=spa.closing, on=D(2005, 6, 27), by=None)
    spa.opinion.refresh_from_db()
    spa.opinion.status, spa.opinion.done_on, spa.opinion.evidence = ClosingItem.Status.OPEN, None, ""

    with pytest.raises(ValidationError) as error:
        spa.opinion.full_clean()

    assert error.value.message_dict == {"status": [
        "Filing tranche closing was completed on 2005-06-27: none of its items can be open. Reopen the closing first."
    ]}


def test_reopening_a_closing_clears_its_completion_and_the_audit_trail_keeps_it(spa, admin_user):
    for item in (spa.opinion, spa.certificate):
        record(item, ClosingItem.Status.SATISFIED)
    closing_complete(closing=spa.closing, on=D(2005, 6, 27), by=admin_user)

    closing_reopen(closing=spa.closing, by=admin_user)

    spa.closing.refresh_from_db()
    assert (spa.closing.closed_on, spa.closing.closed_by) == (None, None)
    assert [h.closed_on for h in spa.closing.history.order_by("history_date")] == [None, D(2005, 6, 27), None]


# --- Each item's own rules ---------------------------------------------------------------


def test_an_item_marked_satisfied_without_evidence_is_refused(spa):
    spa.opinion.status, spa.opinion.done_on = ClosingItem.Status.SATISFIED, D(2005, 6, 27)

    with pytest.raises(ValidationError) as error:
        spa.opinion.full_clean()

    assert error.value.message_dict == {
        "evidence": ["Say what shows it was delivered or is true (e.g. the signed certificate on file)."],
    }


def test_an_item_waived_without_evidence_asks_who_waived_it(spa):
    spa.opinion.status, spa.opinion.done_on, spa.opinion.evidence = ClosingItem.Status.WAIVED, D(2005, 6, 27), "  "

    with pytest.raises(ValidationError) as error:
        spa.opinion.full_clean()

    assert error.value.message_dict == {
        "evidence": ["Say who waived it and how (e.g. the Buyers' written waiver of 4 June 2005)."],
    }


def test_an_item_marked_satisfied_without_a_date_is_refused(spa):
    spa.opinion.status, spa.opinion.evidence = ClosingItem.Status.SATISFIED, "Opinion on file"

    with pytest.raises(ValidationError) as error:
        spa.opinion.full_clean()

    assert error.value.message_dict == {"done_on": ["Say on which day it was satisfied or waived."]}


@pytest.mark.parametrize(("status", "done_on", "evidence"), [
    ("satisfied", D(2005, 6, 27), ""),
    ("waived", None, "Waived in writing"),
    ("open", D(2005, 6, 27), ""),
    ("delivered", D(2005, 6, 27), "On file"),
])
def test_the_database_refuses_an_outcome_that_does_not_hold_together(spa, status, done_on, evidence):
    with pytest.raises(IntegrityError), transaction.atomic():
        ClosingItem.objects.filter(pk=spa.opinion.pk).update(status=status, done_on=done_on, evidence=evidence)


def test_the_database_refuses_a_closing_of_both_a_tranche_and_a_draw(spa):
    line = EquityLineFactory(deal=spa.deal, issuer=spa.company, investor=spa.buyer, commitment=Decimal("1000000"))
    draw = Draw.objects.create(equity_line=line, date=D(2005, 8, 1), amount=Decimal("100000"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Closing.objects.filter(pk=spa.closing.pk).update(draw=draw)


def test_a_closing_of_a_draw_cannot_also_close_a_tranche(spa):
    line = EquityLineFactory(deal=spa.deal, issuer=spa.company, investor=spa.buyer, commitment=Decimal("1000000"))
    spa.closing.draw = Draw.objects.create(equity_line=line, date=D(2005, 8, 1), amount=Decimal("100000"))

    with pytest.raises(ValidationError) as error:
        spa.closing.full_clean()

    assert error.value.message_dict == {"tranche": ["A closing closes one tranche or one draw, not both."]}


def test_a_closing_cannot_close_a_tranche_of_another_deal(spa):
    other = DealFactory(title="Cal-Bay equity line")
    closing = Closing(deal=other, name="Filing tranche closing", tranche=spa.tranche)

    with pytest.raises(ValidationError) as error:
        closing.full_clean()

    assert error.value.message_dict == {"tranche": [
        "Filing tranche is a tranche of CalbaTech 10% secured convertible notes, not of Cal-Bay equity line."
    ]}


def test_an_item_cannot_be_delivered_by_a_party_outside_the_deal(spa):
    spa.opinion.satisfied_by = PartyFactory(legal_name="Oftring & Company, Inc.")

    with pytest.raises(ValidationError) as error:
        spa.opinion.full_clean()

    assert error.value.message_dict == {"satisfied_by": [
        "Oftring & Company, Inc. is not a party to CalbaTech 10% secured convertible notes."
    ]}


def test_an_item_cannot_condition_the_obligation_of_a_role_nobody_plays_in_the_deal(spa):
    spa.opinion.condition_of = ClosingItem.ConditionOf.PLACEMENT_AGENT

    with pytest.raises(ValidationError) as error:
        spa.opinion.full_clean()

    assert error.value.message_dict == {"condition_of": [
        'No party plays the role "Placement agent" in CalbaTech 10% secured convertible notes.'
    ]}


# --- The screens ---------------------------------------------------------------------------


def change_url(closing: Closing) -> str:
    return reverse("admin:closings_closing_change", args=[closing.pk])


def closing_form(closing: Closing, item_changes: dict) -> dict:
    """The closing's change form as the browser posts it, with `item_changes` {item pk: {field: value}}."""
    items = list(closing.items.order_by("section", "id"))
    data = {
        "deal": closing.deal_id, "name": closing.name, "section": closing.section,
        "tranche": closing.tranche_id or "", "draw": closing.draw_id or "",
        "scheduled_for": closing.scheduled_for or "", "notes": closing.notes,
        "items-TOTAL_FORMS": len(items), "items-INITIAL_FORMS": len(items),
        "items-MIN_NUM_FORMS": 0, "items-MAX_NUM_FORMS": 1000,
    }
    for index, item in enumerate(items):
        fields = {
            "id": item.pk, "closing": closing.pk, "section": item.section, "title": item.title, "kind": item.kind,
            "condition_of": item.condition_of, "satisfied_by": item.satisfied_by_id or "", "text": item.text,
            "status": item.status, "done_on": item.done_on or "", "evidence": item.evidence,
            **item_changes.get(item.pk, {}),
        }
        data.update({f"items-{index}-{name}": value for name, value in fields.items()})
    return data


def test_the_closing_page_shows_its_checklist_and_the_button_to_complete_it(admin_client, spa):
    page = admin_client.get(change_url(spa.closing)).content.decode()

    assert "Opinion of the Company&#x27;s counsel" in page
    assert "Officer&#x27;s certificate updating the capitalization (s.3(c))" in page
    assert (f'<a href="/admin/closings/closing/{spa.closing.pk}/complete/" id="complete-closing">'
            "Complete this closing</a>") in page


def test_the_complete_button_refuses_while_an_item_is_open_and_lists_it(admin_client, spa):
    record(spa.opinion, ClosingItem.Status.SATISFIED)
    url = reverse("admin:closings_closing_complete", args=[spa.closing.pk])

    asked = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"on": "2005-06-27"})

    assert "Still open (1)" in asked
    assert response.status_code == 200
    assert ("Filing tranche closing cannot be completed while 1 item is open: 7(i) Officer&#x27;s certificate "
            "updating the capitalization (s.3(c)). Mark each one satisfied or waived, with its evidence, first."
            ) in response.content.decode()
    assert Closing.objects.get(pk=spa.closing.pk).closed_on is None


def test_the_complete_button_completes_a_closing_with_nothing_open(admin_client, superuser, spa):
    for item in (spa.opinion, spa.certificate):
        record(item, ClosingItem.Status.SATISFIED)

    response = admin_client.post(reverse("admin:closings_closing_complete", args=[spa.closing.pk]),
                                 {"on": "2005-06-27"}, follow=True)

    assert response.redirect_chain == [(change_url(spa.closing), 302)]
    assert "Filing tranche closing completed on 2005-06-27." in response.content.decode()
    assert 'id="reopen-closing">Reopen this closing</a>' in response.content.decode()
    closing = Closing.objects.get(pk=spa.closing.pk)
    assert (closing.closed_on, closing.closed_by) == (D(2005, 6, 27), superuser)


def test_the_reopen_button_opens_a_completed_closing_again(admin_client, spa):
    for item in (spa.opinion, spa.certificate):
        record(item, ClosingItem.Status.SATISFIED)
    closing_complete(closing=spa.closing, on=D(2005, 6, 27), by=None)

    response = admin_client.post(reverse("admin:closings_closing_reopen", args=[spa.closing.pk]), follow=True)

    assert "Filing tranche closing is open again." in response.content.decode()
    assert Closing.objects.get(pk=spa.closing.pk).closed_on is None


def test_marking_an_item_satisfied_without_evidence_on_the_closing_page_saves_nothing(admin_client, spa):
    data = closing_form(spa.closing, {spa.opinion.pk: {"status": "satisfied", "done_on": "2005-06-27"}})

    response = admin_client.post(change_url(spa.closing), data)

    assert response.status_code == 200
    assert "Say what shows it was delivered or is true (e.g. the signed certificate on file)." in (
        response.content.decode())
    spa.opinion.refresh_from_db()
    assert (spa.opinion.status, spa.opinion.done_on) == ("open", None)


def test_marking_an_item_satisfied_on_the_closing_page_records_who_did_it(admin_client, superuser, spa):
    data = closing_form(spa.closing, {spa.opinion.pk: {
        "status": "satisfied", "done_on": "2005-06-27", "evidence": "Opinion of Sichenzia Ross dated 27 June 2005",
    }})

    response = admin_client.post(change_url(spa.closing), data)

    assert response.status_code == 302
    spa.opinion.refresh_from_db()
    assert (spa.opinion.status, spa.opinion.done_on, spa.opinion.recorded_by) == (
        "satisfied", D(2005, 6, 27), superuser)
    assert spa.opinion.history.first().history_user == superuser
    spa.certificate.refresh_from_db()
    assert spa.certificate.recorded_by is None


def test_the_closings_list_filters_by_status(admin_client, spa):
    done = Closing.objects.create(deal=spa.deal, name="Initial closing", section="1(c)")
    closing_complete(closing=done, on=D(2005, 5, 23), by=None)
    url = reverse("admin:closings_closing_changelist")

    open_page = admin_client.get(url, {"status": "open"}).content.decode()
    complete_page = admin_client.get(url, {"status": "complete"}).content.decode()

    assert "Filing tranche closing" in open_page and "Initial closing" not in open_page
    assert "Initial closing" in complete_page and "Filing tranche closing" not in complete_page


def test_the_deal_page_lists_its_closings_with_their_open_items(admin_client, spa):
    record(spa.opinion, ClosingItem.Status.SATISFIED)

    page = admin_client.get(reverse("admin:dealdesk_deal_change", args=[spa.deal.pk])).content.decode()

    assert 'id="closings-group"' in page
    assert 'value="Filing tranche closing"' in page
    assert f'href="{change_url(spa.closing)}"' in page
    assert re.search(r'<td class="field-open_items">\s*<p>1</p>', page)


@pytest.mark.parametrize("page", ["changelist", "add"])
@pytest.mark.parametrize("model", ["closing", "closingitem"])
def test_each_closings_screen_opens(admin_client, spa, model, page):
    response = admin_client.get(reverse(f"admin:closings_{model}_{page}"))

    assert response.status_code == 200


def test_an_item_s_own_page_shows_its_words_and_outcome(admin_client, spa):
    page = admin_client.get(reverse("admin:closings_closingitem_change", args=[spa.opinion.pk])).content.decode()

    assert "The Buyer shall have received an opinion of the Company&#x27;s counsel" in page
    assert 'name="evidence"' in page


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", ["closing", "closingitem"])
def test_the_lists_run_as_many_queries_for_30_closings_as_for_3(admin_client, spa, model):
    def add_closings(start, stop):
        for n in range(start, stop):
            closing = Closing.objects.create(deal=spa.deal, name=f"Draw closing {n}", section="8")
            ClosingItem.objects.create(closing=closing, section="7(h)", title="Opinion", kind="deliverable",
                                       condition_of="investor", satisfied_by=spa.company, text="...")
    url = reverse(f"admin:closings_{model}_changelist")
    add_closings(0, 2)
    few = count_queries(admin_client, url)
    add_closings(2, 29)

    many = count_queries(admin_client, url)

    assert many == few


def test_the_deal_page_offers_only_the_deal_s_own_tranches_and_draws(admin_client, spa):
    line = EquityLineFactory(deal=spa.deal, issuer=spa.company, investor=spa.buyer, commitment=Decimal("1000000"))
    draw = Draw.objects.create(equity_line=line, date=D(2005, 8, 1), amount=Decimal("100000"))
    other = DealFactory(title="Cal-Bay equity line")
    other_line = EquityLineFactory(deal=other, issuer=spa.company, investor=spa.buyer)
    Draw.objects.create(equity_line=other_line, date=D(2003, 9, 1), amount=Decimal("50000"))

    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[spa.deal.pk]))

    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is Closing)
    assert list(formset.forms[0].fields["draw"].queryset) == [draw]
    assert list(formset.forms[0].fields["tranche"].queryset) == [spa.tranche]


def test_the_closings_list_counts_the_open_items_of_the_closings_it_shows_only(admin_client, spa):
    record(spa.opinion, ClosingItem.Status.SATISFIED)
    url = reverse("admin:closings_closing_changelist")

    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(url, {"o": "7"}).content.decode()  # sorted by open items, fewest first

    # Each closing's count is a subquery of its row: the closings are not joined to every item of the
    # desk and grouped (the subquery groups the items of the one closing it counts).
    listed = [query["sql"] for query in queries.captured_queries if 'FROM "closings_closing"' in query["sql"]]
    assert listed and not any('GROUP BY "closings_closing"' in sql for sql in listed)
    assert any('"open_item_count"' in sql and 'U0."closing_id" = ("closings_closing"."id")' in sql for sql in listed)
    counts = re.findall(r'<td class="field-open_items">([^<]*)</td>', page)
    expected = sorted(Closing.objects.annotate(n=Count("items", filter=Q(items__status="open")))
                      .values_list("n", flat=True))
    assert counts == [str(n) if n else "none" for n in expected]
