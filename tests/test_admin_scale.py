"""The admin runs the same queries on a small desk and on one three times bigger (bench/bench_admin.py
measures the time on 10,000 deals), and its lists stay usable at that size: filters found by typing,
counts bounded, each rule form offering only its deal's events."""
import datetime
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from dealdesk.load_generator import load_generate
from deals import admin as deals_admin
from deals.models import Deal, DealEvent
from obligations.models import DeadlineRule, Obligation, Occurrence
from tests.factories import (
    AddressFactory,
    DealEventFactory,
    DealFactory,
    DealPartyFactory,
    DeadlineRuleFactory,
    ObligationFactory,
)
from tests.test_admin_bad_input import form_data

DESK_DATE = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def desk_date(settings):
    settings.DESK_DATE = DESK_DATE


def changelist(app: str, model: str, query: str = "") -> str:
    return reverse(f"admin:{app}_{model}_changelist") + (f"?{query}" if query else "")


def pages_of(deal: Deal, obligation: Obligation, occurrence: Occurrence) -> dict[str, str]:
    """Every list, the main change pages (of the same rows at both sizes), the front page and the calendar."""
    return {
        "deals": changelist("dealdesk", "deal"),
        "deal events": changelist("dealdesk", "dealevent"),
        "obligations": changelist("obligations", "obligation"),
        "obligations of a deal": changelist("obligations", "obligation", f"deal__id__exact={deal.pk}"),
        "occurrences": changelist("obligations", "occurrence"),
        "occurrences overdue": changelist("obligations", "occurrence", "standing=overdue"),
        "occurrences of a deal": changelist("obligations", "occurrence",
                                            f"rule__obligation__deal__id__exact={deal.pk}"),
        "occurrences searched": changelist("obligations", "occurrence", f"q={obligation.title.split()[0]}"),
        "deadline rules": changelist("obligations", "deadlinerule"),
        "reminders": changelist("obligations", "reminder"),
        "parties": changelist("parties", "party"),
        "deal parties": changelist("parties", "dealparty"),
        "share classes": changelist("instruments", "shareclass"),
        "convertible notes": changelist("instruments", "convertiblenote"),
        "warrants": changelist("instruments", "warrant"),
        "equity lines": changelist("instruments", "equityline"),
        "draws": changelist("instruments", "draw"),
        "closings": changelist("closings", "closing"),
        "closing items": changelist("closings", "closingitem"),
        "deal page": reverse("admin:dealdesk_deal_change", args=[deal.pk]),
        "obligation page": reverse("admin:obligations_obligation_change", args=[obligation.pk]),
        "occurrence page": reverse("admin:obligations_occurrence_change", args=[occurrence.pk]),
        "front page": reverse("admin:index"),
        "calendar month": reverse("feeds:month"),
        "calendar week": reverse("feeds:week"),
    }


def queries_of(client, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in pages.items():
        client.get(url)  # the first request of a page may fill caches (content types, permissions)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(queries)
    return counts


def test_every_admin_page_runs_the_same_queries_on_a_desk_three_times_bigger(admin_client):
    load_generate(deals=4, seed=1)
    # The rows whose pages are measured: the busiest obligation and its deal, its first due date.
    obligation = max(Obligation.objects.all(), key=lambda o: (Occurrence.objects.filter(rule__obligation=o).count(),
                                                              -o.pk))
    occurrence = Occurrence.objects.filter(rule__obligation=obligation).order_by("due_date", "pk").first()
    pages = pages_of(obligation.deal, obligation, occurrence)
    small = queries_of(admin_client, pages)
    occurrences_small = Occurrence.objects.count()

    load_generate(deals=8, seed=2, force=True)

    assert Deal.objects.count() == 12
    assert Occurrence.objects.count() > 2 * occurrences_small
    assert queries_of(admin_client, pages) == small


# Filters found by typing --------------------------------------------------------------------------


def test_the_deal_filter_lists_no_deals_and_names_the_one_picked(admin_client):
    picked, other = DealFactory(title="CalbaTech notes"), DealFactory(title="Cal-Bay equity line")
    for deal in (picked, other):
        DeadlineRuleFactory(obligation__deal=deal, obligation__title=f"Statement of {deal.title}")

    everything = admin_client.get(changelist("obligations", "obligation")).content.decode()
    filtered = admin_client.get(changelist("obligations", "obligation", f"deal__id__exact={picked.pk}"))

    sidebar = re.search(r'<div id="changelist-filter".*?</nav>|<nav id="changelist-filter".*?</nav>', everything,
                        re.S).group(0)
    assert "Cal-Bay equity line" not in sidebar and "CalbaTech notes" not in sidebar
    assert 'data-ajax--url="/admin/autocomplete/"' in sidebar
    assert [row.title for row in filtered.context["cl"].result_list] == ["Statement of CalbaTech notes"]
    box = re.search(r'<select name="filter-deal".*?</select>', filtered.content.decode(), re.S).group(0)
    assert re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', box) == [("", ""), (str(picked.pk),
                                                                                          "CalbaTech notes")]
    assert f'data-filter-pick="?deal__id__exact={deals_admin.PICKED}"' in box


def test_the_filter_box_finds_deals_through_the_admin_autocomplete(admin_client):
    DealFactory(title="CalbaTech notes")
    DealFactory(title="Cal-Bay equity line")

    response = admin_client.get(reverse("admin:autocomplete"), {
        "app_label": "obligations", "model_name": "obligation", "field_name": "deal", "term": "bay"})

    assert [result["text"] for result in response.json()["results"]] == ["Cal-Bay equity line"]


def test_a_filter_value_that_is_no_id_shows_the_whole_list_with_a_message_not_an_error(admin_client):
    response = admin_client.get(changelist("obligations", "obligation", "deal__id__exact=abc"))

    assert response.status_code == 302
    assert response.url.endswith("?e=1")


# Counts bounded ---------------------------------------------------------------------------------


def test_a_list_longer_than_the_bound_says_more_than(admin_client, monkeypatch):
    monkeypatch.setattr(deals_admin.BoundedCountPaginator, "bound", 5)
    DeadlineRuleFactory(kind=DeadlineRule.Kind.RECURRING, frequency="monthly", window_end=datetime.date(2005, 12, 31))
    assert Occurrence.objects.count() > 5

    page = admin_client.get(changelist("obligations", "occurrence")).content.decode()

    assert re.search(r"More than 5 occurrences", page)


def test_a_list_within_the_bound_gives_its_exact_count(admin_client):
    DeadlineRuleFactory(kind=DeadlineRule.Kind.RECURRING, frequency="monthly", window_end=datetime.date(2005, 12, 31))
    count = Occurrence.objects.count()

    page = admin_client.get(changelist("obligations", "occurrence")).content.decode()

    assert f"{count} occurrences" in page and "More than" not in page


# The obligation page offers its deal's own events ------------------------------------------------


def options_of(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return [label for value, label in re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select) if value]


def test_each_rule_form_offers_only_the_events_of_the_obligation_s_deal(admin_client):
    obligation = ObligationFactory(deal__title="CalbaTech notes")
    filing = DealEventFactory(deal=obligation.deal, name="Filing Date")
    DealEventFactory(deal=DealFactory(title="Cal-Bay equity line"), name="Effective Date")
    DeadlineRuleFactory(obligation=obligation)

    page = admin_client.get(reverse("admin:obligations_obligation_change", args=[obligation.pk])).content.decode()

    for field in ("anchor_event", "starts_with", "ends_with"):
        assert options_of(page, f"rules-0-{field}") == [escape(f"CalbaTech notes: {filing}")]


def test_a_new_obligation_for_a_deal_offers_that_deal_s_events(admin_client):
    deal = DealFactory(title="CalbaTech notes")
    DealPartyFactory(deal=deal)
    filing = DealEventFactory(deal=deal, name="Filing Date")
    DealEventFactory(deal=DealFactory(title="Cal-Bay equity line"), name="Effective Date")

    page = admin_client.get(reverse("admin:obligations_obligation_add") + f"?deal={deal.pk}").content.decode()

    assert options_of(page, "rules-0-anchor_event") == [escape(f"CalbaTech notes: {filing}")]


def test_a_rule_s_own_page_offers_only_its_deal_s_events(admin_client):
    rule = DeadlineRuleFactory(obligation__deal__title="CalbaTech notes")
    filing = DealEventFactory(deal=rule.obligation.deal, name="Filing Date")
    DealEventFactory(deal=DealFactory(title="Cal-Bay equity line"), name="Effective Date")

    page = admin_client.get(reverse("admin:obligations_deadlinerule_change", args=[rule.pk])).content.decode()

    assert options_of(page, "anchor_event") == [escape(f"CalbaTech notes: {filing}")]


# Searching due dates ----------------------------------------------------------------------------


def test_searching_due_dates_finds_them_by_deal_obligor_and_title_every_word_counting(admin_client):
    spa = DeadlineRuleFactory(obligation__deal__title="CalbaTech notes", obligation__title="Monthly share list",
                              obligation__obligor__legal_name="CalbaTech, Inc.", kind=DeadlineRule.Kind.FIXED_DATE,
                              frequency="", fixed_date=datetime.date(2005, 6, 7))
    DeadlineRuleFactory(obligation__deal__title="Cal-Bay equity line", obligation__title="Monthly report",
                        obligation__obligor__legal_name="Cal-Bay International, Inc.",
                        kind=DeadlineRule.Kind.FIXED_DATE, frequency="", fixed_date=datetime.date(2005, 6, 8))

    def found(term: str) -> list[str]:
        response = admin_client.get(changelist("obligations", "occurrence"), {"q": term})
        return sorted(o.rule.obligation.title for o in response.context["cl"].result_list)

    assert found("calbatech") == ["Monthly share list"]
    assert found("Monthly") == ["Monthly report", "Monthly share list"]
    assert found("monthly international") == ["Monthly report"]
    assert found("nothing-like-it") == []
    assert spa.occurrences.count() == 1


# The deal page shows its first events --------------------------------------------------------------


def deal_with_events(count: int, *, undated: int = 0) -> Deal:
    deal = DealFactory(title="CalbaTech notes")
    for n in range(1, count + 1):
        DealEventFactory(deal=deal, name=f"Filing {n:02}", date=datetime.date(2005, 1, 1) + datetime.timedelta(days=n))
    for n in range(1, undated + 1):
        DealEventFactory(deal=deal, name=f"Effective date {n}", date=None)
    return deal


def events_formset(response):
    return next(inline.formset for inline in response.context["inline_admin_formsets"]
                if inline.formset.model is DealEvent)


def test_a_deal_with_many_events_shows_those_not_yet_dated_then_the_latest_and_links_to_them_all(admin_client):
    deal = deal_with_events(30, undated=2)

    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk]))

    shown = [form.instance.name for form in events_formset(response).initial_forms]
    assert shown == ["Effective date 1", "Effective date 2", *(f"Filing {n:02}" for n in range(30, 22, -1))]
    assert deals_admin.EVENTS_SHOWN == 10
    page = re.sub(r"\s+", " ", response.content.decode())
    listed = changelist("dealdesk", "dealevent", f"deal__id__exact={deal.pk}")
    assert (f'10 of 32 deal events: those not yet dated, then the latest. <a href="{listed}">All 32 in the deal '
            f'event list</a>') in page


def test_a_deal_with_few_events_shows_them_all_and_no_link(admin_client):
    deal = deal_with_events(3)

    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk]))

    assert [form.instance.name for form in events_formset(response).initial_forms] == [
        "Filing 03", "Filing 02", "Filing 01"]
    assert "in the deal event list" not in response.content.decode()


def test_saving_the_deal_page_changes_the_events_shown_and_keeps_the_others(admin_client):
    deal = deal_with_events(deals_admin.EVENTS_SHOWN + 5)
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    response = admin_client.get(url)
    data = form_data(response)
    prefix = events_formset(response).prefix
    data[f"{prefix}-0-name"] = "Filing 15, amended"

    assert admin_client.post(url, data).status_code == 302

    names = list(DealEvent.objects.filter(deal=deal).order_by("date").values_list("name", flat=True))
    assert names == [*(f"Filing {n:02}" for n in range(1, 15)), "Filing 15, amended"]


def tables_read(queries) -> Counter:
    return Counter(re.search(r'FROM "(\w+)"', q["sql"]).group(1) for q in queries if q["sql"].startswith("SELECT"))


def test_the_deal_page_labels_its_party_boxes_from_the_rows_it_read(admin_client):
    deal = DealFactory()
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    def party_with_copies(copies: int):
        deal_party = DealPartyFactory(deal=deal)
        deal_party.copy_to.set(AddressFactory(label=f"Copy {n}") for n in range(copies))
        return deal_party

    party_with_copies(1)
    with CaptureQueriesContext(connection) as one_party:
        admin_client.get(url)
    parties = [party_with_copies(copies) for copies in (0, 1, 2)]

    with CaptureQueriesContext(connection) as four_parties:
        response = admin_client.get(url)

    # Each more party costs no query: its boxes, its copies (a list of addresses) too, are read with the rows.
    assert tables_read(four_parties.captured_queries) - tables_read(one_party.captured_queries) == Counter()
    page = response.content.decode()
    for deal_party in parties:
        assert f'<option value="{deal_party.party.pk}" selected>{escape(deal_party.party)}</option>' in page
        for address in deal_party.copy_to.all():
            assert f'<option value="{address.pk}" selected>{escape(address)}</option>' in page
