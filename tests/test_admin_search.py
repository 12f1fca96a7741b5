"""Searching the due dates finds exactly what Django's own admin search finds (every word in the obligation's
title or section, its deal or its obligor), whichever way obligations.admin.rules_with_every_word takes."""
import datetime

import pytest
from django.contrib import admin
from django.db.models import Q
from django.test import RequestFactory
from django.urls import reverse

from obligations import admin as obligations_admin
from obligations.models import DeadlineRule, Occurrence
from tests.factories import DealFactory, DeadlineRuleFactory, ObligationFactory, PartyFactory

SEARCHES = [
    "Monthly",                                   # a word of titles
    "calbatech monthly",                         # the deal's and the title's
    "monthly international",                     # the title's and the obligor's
    "4(h) report",                               # the section's and the title's
    "CalbaTech Securities Purchase Agreement of 23 May 2005 (no. 1-5)",  # a deal's whole name
    "Agreement of (no. 1-5)",
    "Agreement of (no. 1-50)",                   # the name of another deal, "(no. 1-5)" inside it
    "(no. 1-5) nothing-like-it",                 # a word matching nothing
    "nothing-like-it",
    "s.4(a), 4(a)",                              # punctuation
    "'share list' monthly",                      # a quoted phrase is one word
    '"Cal-Bay International" report',
    '"Monthly',                                  # an unclosed quote stays in the word
    '"',                                         # a lone quote: Django reads it as an empty word
    "''",
    "100% 10_000",                               # LIKE's wildcards are characters here
    "back\\slash",
    "MONTHLY monthly",                           # case, and a word twice
    "Société",
    "of",
    "of of of Inc.",
    "1-5)",                                      # words without letters: a deal's number, a year, punctuation
    "2005 (no. 1-5)",
    "2005 1-50) 23",
    "1-5) 2003",                                 # the number of one deal, the year of another
    "-",
    "(",
    "%",
    "_",
    "\\",
    "7",                                         # in a section, a deal's name and an obligor's
    "2019 7",
    "1-5) –",                                    # a dash that is not ASCII is matched as Django matches it
]


@pytest.fixture
def desk(settings):
    settings.DESK_DATE = datetime.date(2005, 6, 1)
    calbatech = PartyFactory(legal_name="CalbaTech, Inc.")
    calbay = PartyFactory(legal_name="Cal-Bay International, Inc.")
    societe = PartyFactory(legal_name="Société Générale (Canada)")
    spa = DealFactory(title="CalbaTech Securities Purchase Agreement of 23 May 2005 (no. 1-5)")
    paa = DealFactory(title="Cal-Bay Placement Agent Agreement of 1 May 2003 (no. 1-50)")
    other = DealFactory(title="Warrant Agreement, 100% of 10_000 shares")
    investors = PartyFactory(legal_name="Investors 2019 (no. 7) – LP")
    rows = [
        (spa, calbatech, "Monthly share list", "4(h)"),
        (spa, calbatech, "Registration statement of the shares", "s.4(a), 4(a)"),
        (spa, societe, "Back\\slash report", "2.1"),
        (paa, calbay, "Monthly report", "4(h)"),
        (paa, calbay, "Report on (no. 1-5) notes", "7"),
        (paa, calbatech, '"Monthly" notice, quoted', "8"),
        (other, societe, "Annual report of 100% of the shares", "10_000"),
        (other, calbay, "Nothing to report", ""),
        (other, investors, "Investor's notice", "7"),
    ]
    day = datetime.date(2005, 6, 7)
    for number, (deal, obligor, title, section) in enumerate(rows):
        obligation = ObligationFactory(deal=deal, obligor=obligor, title=title, section=section)
        DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="",
                            fixed_date=day + datetime.timedelta(days=number))
    assert Occurrence.objects.count() == len(rows)


def found_by(term: str, *, as_django: bool) -> set[int]:
    model_admin = admin.site._registry[Occurrence]
    request = RequestFactory().get("/", {"q": term})
    search = super(obligations_admin.OccurrenceAdmin, model_admin).get_search_results if as_django else \
        model_admin.get_search_results
    queryset, _ = search(request, Occurrence.objects.all(), term)
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("narrow_bound", [1_000, 2, 0])
def test_a_due_date_search_finds_what_djangos_own_search_finds(desk, monkeypatch, narrow_bound):
    # 0: no word is narrow, every one is tested row by row; 2: some are; 1,000: all of them on this desk.
    monkeypatch.setattr(obligations_admin, "SEARCH_NARROW_BOUND", narrow_bound)
    for term in SEARCHES:
        assert found_by(term, as_django=False) == found_by(term, as_django=True), term


@pytest.mark.django_db
def test_searching_a_deals_name_lists_the_due_dates_of_its_obligations_and_of_those_naming_it(desk, admin_client):
    term = "Agreement of (no. 1-5)"
    response = admin_client.get(reverse("admin:obligations_occurrence_changelist"), {"q": term})

    titles = sorted(occurrence.rule.obligation.title for occurrence in response.context["cl"].result_list)
    assert titles == ["Back\\slash report", "Monthly share list", "Registration statement of the shares",
                      "Report on (no. 1-5) notes"]


@pytest.mark.django_db
def test_the_words_of_a_search_are_split_as_djangos_admin_splits_them():
    assert obligations_admin.search_words('a "b c" \'d\' "e') == ["a", "b c", "d", '"e']
    assert obligations_admin.search_words('" x\x00y') == ["", "xy"]


def test_a_word_without_letters_is_matched_in_names_as_it_is_and_any_other_in_any_case():
    # Upper-casing a name changes none of its digits or punctuation: LIKE alone finds the same names.
    assert obligations_admin.name_has_word("title", "1-809)") == Q(title__contains="1-809)")
    assert obligations_admin.name_has_word("deal__title", "2021") == Q(deal__title__contains="2021")
    assert obligations_admin.name_has_word("title", "of") == Q(title__icontains="of")
    assert obligations_admin.name_has_word("title", "4(h)") == Q(title__icontains="4(h)")
    assert obligations_admin.name_has_word("legal_name", "–") == Q(legal_name__icontains="–")

