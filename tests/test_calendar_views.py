"""The deadline calendar inside the desk (month, week) and each deal's timeline."""
import datetime
import re
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from closings.models import Closing
from dealdesk.roles import AUDITORS
from obligations.feeds import feed_occurrences
from obligations.models import DeadlineRule, Obligation, Occurrence
from obligations.services import occurrences_mark_done, occurrences_waive
from parties.models import DealParty
from tests.factories import (
    DealEventFactory,
    DealFactory,
    DealPartyFactory,
    DeadlineRuleFactory,
    ObligationFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
TODAY = datetime.date(2005, 6, 3)  # a Friday
MONTH = "/calendar/month/"
WEEK = "/calendar/week/"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime.datetime(2005, 6, 3, 9, 0, tzinfo=NEW_YORK), tick=False)


# A small desk: two deals, five deadlines in June 2005, one of each standing on 3 June. -------------


@pytest.fixture
def calbatech():
    return PartyFactory(legal_name="CalbaTech, Inc.", short_name="CalbaTech")


@pytest.fixture
def calbay():
    return PartyFactory(legal_name="Cal-Bay International, Inc.", short_name="Cal-Bay")


@pytest.fixture
def buyer():
    return PartyFactory(legal_name="AJW Partners, LLC", form="llc")


@pytest.fixture
def spa(calbatech, buyer):
    deal = DealFactory(title="CalbaTech 10% secured convertible notes", agreement_name="Securities Purchase Agreement",
                       dated_as_of=datetime.date(2005, 5, 23), closing_date=datetime.date(2005, 5, 23))
    DealPartyFactory(deal=deal, party=buyer, role=DealParty.Role.INVESTOR)
    return deal


@pytest.fixture
def paa():
    return DealFactory(title="Cal-Bay equity line", agreement_name="Placement Agent Agreement",
                       dated_as_of=datetime.date(2005, 5, 2), closing_date=datetime.date(2005, 5, 2))


def fixed(deal, obligor, section: str, title: str, due: datetime.date) -> DeadlineRule:
    obligation = ObligationFactory(deal=deal, obligor=obligor, section=section, title=title)
    return DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", fixed_date=due)


@pytest.fixture
def share_list(spa, calbatech) -> DeadlineRule:
    """SPA s.4(h): five business days after each month end, May to July 2005: 7 Jun, 8 Jul, 5 Aug."""
    obligation = ObligationFactory(deal=spa, obligor=calbatech, section="4(h)", title="Reserved share list")
    return DeadlineRuleFactory(obligation=obligation, window_end=datetime.date(2005, 7, 31))


@pytest.fixture
def registration(spa, calbatech) -> DeadlineRule:
    """SPA s.2(a): 30 days after the 23 May closing, 22 June 2005."""
    obligation = ObligationFactory(deal=spa, obligor=calbatech, section="2(a)", title="File the registration statement")
    return DeadlineRuleFactory(
        obligation=obligation, kind=DeadlineRule.Kind.AFTER_ANCHOR, frequency="",
        anchor=DeadlineRule.Anchor.CLOSING_DATE, offset=30, offset_unit=DeadlineRule.Unit.CALENDAR_DAYS,
    )


@pytest.fixture
def desk(share_list, registration, paa, calbay):
    """June 2005 as seen on Friday 3 June: overdue 1st, due soon 7th, done 9th, waived 15th, open 22nd."""
    certificate = fixed(paa, calbay, "8(A)", "Closing certificate", datetime.date(2005, 6, 1))
    fee = fixed(paa, calbay, "10", "Placement fee paid", datetime.date(2005, 6, 9))
    notice = fixed(paa, calbay, "5(C)", "Notice of effectiveness", datetime.date(2005, 6, 15))
    occurrences_mark_done(occurrences=fee.occurrences.all(), on=datetime.date(2005, 6, 2), by=None,
                          evidence="Wire confirmation 0602")
    occurrences_waive(occurrences=notice.occurrences.all(), on=datetime.date(2005, 6, 2), by=None,
                      evidence="Waived by the Investor's letter of 2 June")
    return {"share_list": share_list, "registration": registration, "certificate": certificate, "fee": fee,
            "notice": notice}


def the(rule: DeadlineRule, due: datetime.date | None = None) -> Occurrence:
    occurrences = rule.occurrences.all()
    return occurrences.get(due_date=due) if due else occurrences.get()


def change_url(occurrence: Occurrence) -> str:
    return f"/admin/obligations/occurrence/{occurrence.pk}/change/"


@pytest.fixture
def auditor(django_user_model):
    user = django_user_model.objects.create_user("auditor", "auditor@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=AUDITORS))
    return user


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client


# Reading the pages --------------------------------------------------------------------------------


class CalendarPage(HTMLParser):
    """The days of a month or week page, each with its entries; and every link by id."""

    def __init__(self, html: str):
        super().__init__()
        self.days: dict[str, dict] = {}
        self.links: dict[str, str] = {}
        self.hidden: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self._day = None
        self._entry = None
        self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "calendar-day" in classes and "data-date" in attrs:
            self._day = self.days.setdefault(attrs["data-date"], {"classes": classes, "entries": []})
        if tag == "a" and "calendar-entry" in classes and self._day is not None:
            self._entry = {"class": [c for c in classes if c.startswith("standing-")][0], "href": attrs["href"],
                           "title": attrs["title"], "text": ""}
            self._day["entries"].append(self._entry)
        if tag == "a" and "id" in attrs:
            self.links[attrs["id"]] = attrs["href"]
        if tag == "input" and attrs.get("type") == "hidden" and attrs["name"] != "csrfmiddlewaretoken":
            self.hidden[attrs["name"]] = attrs["value"]
        if tag == "select":
            self._select = self.options.setdefault(attrs["name"], [])
        if tag == "option" and self._select is not None:
            self._select.append("")

    def handle_endtag(self, tag):
        if tag == "a":
            self._entry = None
        if tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._entry is not None:
            self._entry["text"] = " ".join((self._entry["text"] + " " + data).split())
        if self._select is not None and self._select:
            self._select[-1] += data.strip()

    def entries(self) -> dict[str, list[tuple[str, str]]]:
        """Each day that has entries: (standing class, text) of each, in order."""
        return {day: [(e["class"], e["text"]) for e in cell["entries"]] for day, cell in self.days.items()
                if cell["entries"]}


def page(response) -> CalendarPage:
    assert response.status_code == 200
    return CalendarPage(response.content.decode())


def errors(response) -> list[str]:
    html = response.content.decode()
    return [part.split("</p>")[0] for part in html.split('<p class="errornote">')[1:]]


JUNE_2005 = {
    "2005-06-01": [("standing-overdue", "s.8(A) Closing certificate Cal-Bay equity line (overdue)")],
    "2005-06-07": [("standing-due-soon", "s.4(h) Reserved share list CalbaTech 10% secured convertible notes (due soon)")],
    "2005-06-09": [("standing-done", "s.10 Placement fee paid Cal-Bay equity line (done)")],
    "2005-06-15": [("standing-waived", "s.5(C) Notice of effectiveness Cal-Bay equity line (waived)")],
    "2005-06-22": [("standing-open",
                    "s.2(a) File the registration statement CalbaTech 10% secured convertible notes (open)")],
}


# The month ---------------------------------------------------------------------------------------


def test_the_month_shows_each_deadline_on_its_day_coloured_by_its_standing(auditor_client, desk):
    calendar = page(auditor_client.get(MONTH, {"year": 2005, "month": 6}))

    assert calendar.entries() == JUNE_2005


def test_the_month_runs_monday_to_sunday_across_the_weeks_it_shares(auditor_client, desk):
    response = auditor_client.get(MONTH, {"year": 2005, "month": 6})
    calendar = page(response)

    # 1 June 2005 is a Wednesday: the grid opens on Monday 30 May and closes on Sunday 3 July.
    assert list(calendar.days)[0] == "2005-05-30"
    assert list(calendar.days)[-1] == "2005-07-03"
    assert len(calendar.days) == 35
    assert [d for d, cell in calendar.days.items() if "other-month" in cell["classes"]] == [
        "2005-05-30", "2005-05-31", "2005-07-01", "2005-07-02", "2005-07-03"]
    assert "<th scope=\"col\">Mon</th><th scope=\"col\">Tue</th>" in response.content.decode()
    assert "<th scope=\"col\">Sun</th></tr>" in response.content.decode()


def test_today_is_highlighted(auditor_client, desk):
    calendar = page(auditor_client.get(MONTH, {"year": 2005, "month": 6}))

    assert [day for day, cell in calendar.days.items() if "today" in cell["classes"]] == ["2005-06-03"]


def test_without_a_period_the_month_is_this_month(auditor_client, desk):
    response = auditor_client.get(MONTH)

    assert page(response).entries() == JUNE_2005
    assert response.context["title"] == "Deadlines: June 2005"


def test_each_entry_opens_its_occurrence_and_says_its_standing(auditor_client, desk):
    calendar = page(auditor_client.get(MONTH, {"year": 2005, "month": 6}))

    overdue = calendar.days["2005-06-01"]["entries"][0]
    assert overdue["href"] == change_url(the(desk["certificate"]))
    assert overdue["title"] == "s.8(A) Closing certificate – Cal-Bay equity line: overdue, due 2005-06-01"
    assert calendar.days["2005-06-07"]["entries"][0]["href"] == change_url(
        the(desk["share_list"], datetime.date(2005, 6, 7)))


def test_overdue_is_reckoned_from_today_as_everywhere_else(auditor_client, desk, time_machine):
    time_machine.move_to(datetime.datetime(2005, 6, 8, 9, 0, tzinfo=NEW_YORK), tick=False)

    calendar = page(auditor_client.get(MONTH, {"year": 2005, "month": 6}))

    # The share list was due yesterday; the registration statement is now within 14 days.
    assert {day: [c for c, _ in entries] for day, entries in calendar.entries().items()} == {
        "2005-06-01": ["standing-overdue"],
        "2005-06-07": ["standing-overdue"],
        "2005-06-09": ["standing-done"],
        "2005-06-15": ["standing-waived"],
        "2005-06-22": ["standing-due-soon"],
    }


def test_the_legend_counts_what_the_page_shows(auditor_client, desk):
    response = auditor_client.get(MONTH, {"year": 2005, "month": 6})

    assert [(item["standing"].label, item["css_class"], item["count"]) for item in response.context["legend"]] == [
        ("overdue", "standing-overdue", 1), ("due soon", "standing-due-soon", 1), ("open", "standing-open", 1),
        ("done", "standing-done", 1), ("waived", "standing-waived", 1),
    ]
    assert "5 deadlines shown" in response.content.decode()


def test_a_busy_day_folds_away_all_but_five_entries(auditor_client, paa, calbay):
    for n in range(7):
        fixed(paa, calbay, f"9({n})", f"Deliverable {n}", datetime.date(2005, 6, 20))

    response = auditor_client.get(MONTH, {"year": 2005, "month": 6})

    assert len(page(response).days["2005-06-20"]["entries"]) == 7
    assert '<details class="calendar-more"><summary>2 more</summary>' in response.content.decode()


def test_a_day_busier_than_the_month_shows_counts_the_rest_and_leads_to_its_week(auditor_client, paa, calbay):
    for n in range(12):
        fixed(paa, calbay, f"9({n})", f"Deliverable {n}", datetime.date(2005, 6, 20))

    response = auditor_client.get(MONTH, {"year": 2005, "month": 6})

    # Ten on the page (five, and five folded away), the other two counted: a month end on a desk of
    # 10,000 deals holds thousands.
    assert len(page(response).days["2005-06-20"]["entries"]) == 10
    assert '<a class="calendar-more-link" href="/calendar/week/?date=2005-06-20">2 more in the week</a>' in \
        response.content.decode()
    assert response.context["count"] == 12


def test_a_busy_day_shows_the_first_of_its_due_date_list_sorted_by_deal_and_section(auditor_client, paa, calbay):
    # Made in this order, so the due date list (by date, then id) has 9(0) ... 9(11).
    for n in range(12):
        fixed(paa, calbay, f"9({n})", f"Deliverable {n}", datetime.date(2005, 6, 20))

    response = auditor_client.get(MONTH, {"year": 2005, "month": 6})

    # The ten kept are the day's first ten in the due date list, where its "more" link leads; they are
    # shown by deal, section and title ("9(10)" would sort before "9(2)", but it is not among the ten).
    shown = [text for _, text in page(response).entries()["2005-06-20"]]
    assert shown == [f"s.9({n}) Deliverable {n} Cal-Bay equity line (open)" for n in range(10)]


def test_a_day_busier_than_the_week_shows_leads_to_the_due_date_list(auditor_client, paa, calbay):
    for n in range(27):
        fixed(paa, calbay, f"9({n})", f"Deliverable {n}", datetime.date(2005, 6, 20))

    response = auditor_client.get(WEEK, {"date": "2005-06-20"})

    html = response.content.decode()
    assert html.count('class="calendar-computation"') == 25
    assert ('<a href="/admin/obligations/occurrence/?due_date__gte=2005-06-20&amp;due_date__lte=2005-06-20">'
            "2 more due this day, in the due date list</a>") in html
    assert response.context["count"] == 27


def test_a_title_too_long_for_a_cell_is_cut_short_and_given_whole_in_its_tooltip(auditor_client, paa, calbay):
    title = "Notes and Warrants delivered against the Purchase Price at the Closing"
    fixed(paa, calbay, "1(b)", title, datetime.date(2005, 6, 20))

    (entry,) = page(auditor_client.get(MONTH, {"year": 2005, "month": 6})).days["2005-06-20"]["entries"]

    assert entry["text"] == "s.1(b) Notes and Warrants delivered against the Purcha… Cal-Bay equity line (open)"
    assert entry["title"].startswith(f"s.1(b) {title} – Cal-Bay equity line")


# The week ----------------------------------------------------------------------------------------


def test_the_week_lists_each_deadline_in_full_with_how_it_was_dated(auditor_client, desk):
    response = auditor_client.get(WEEK, {"date": "2005-06-08"})
    calendar = page(response)
    html = response.content.decode()

    assert list(calendar.days) == [f"2005-06-{d:02d}" for d in range(6, 13)]
    assert response.context["period_label"] == "6 June 2005 to 12 June 2005"
    share_list = the(desk["share_list"], datetime.date(2005, 6, 7))
    assert share_list.computation == "Month ended 31 May 2005 + 5 business days = Tue 7 Jun 2005"
    assert [(day.date, [(e.occurrence, e.css_class) for e in day.entries]) for day in response.context["days"]] == [
        (datetime.date(2005, 6, 6), []),
        (datetime.date(2005, 6, 7), [(share_list, "standing-due-soon")]),
        (datetime.date(2005, 6, 8), []),
        (datetime.date(2005, 6, 9), [(the(desk["fee"]), "standing-done")]),
        (datetime.date(2005, 6, 10), []),
        (datetime.date(2005, 6, 11), []),
        (datetime.date(2005, 6, 12), []),
    ]
    assert (f'<td><a href="{change_url(share_list)}"><strong>s.4(h)</strong> Reserved share list</a></td>\n'
            "      <td>CalbaTech 10% secured convertible notes</td>\n"
            "      <td>CalbaTech, Inc.</td>\n"
            '      <td class="calendar-computation">Month ended 31 May 2005 + 5 business days = Tue 7 Jun 2005</td>'
            ) in html
    assert '<span class="calendar-entry standing-due-soon">due soon</span>' in html
    assert '<span class="calendar-entry standing-done">done</span>' in html


def test_without_a_date_the_week_is_this_week_with_today_highlighted(auditor_client, desk):
    calendar = page(auditor_client.get(WEEK))

    assert list(calendar.days)[0] == "2005-05-30"
    assert [day for day, cell in calendar.days.items() if "today" in cell["classes"]] == ["2005-06-03"]


# Filters -----------------------------------------------------------------------------------------


def test_filter_by_deal(auditor_client, desk, spa):
    calendar = page(auditor_client.get(MONTH, {"year": 2005, "month": 6, "deal": spa.pk}))

    assert list(calendar.entries()) == ["2005-06-07", "2005-06-22"]


def test_filter_by_obligor(auditor_client, desk, calbay):
    calendar = page(auditor_client.get(MONTH, {"year": 2005, "month": 6, "obligor": calbay.pk}))

    assert list(calendar.entries()) == ["2005-06-01", "2005-06-09", "2005-06-15"]


def test_filter_by_party_takes_every_deal_the_party_is_in(auditor_client, desk, buyer, calbay):
    # The buyer owes nothing, but is a party of the SPA: its deal's deadlines are the buyer's to follow.
    as_party = page(auditor_client.get(MONTH, {"year": 2005, "month": 6, "party": buyer.pk}))
    # Cal-Bay owes the PAA's deadlines and is in no other deal.
    calbay_as_party = page(auditor_client.get(MONTH, {"year": 2005, "month": 6, "party": calbay.pk}))

    assert list(as_party.entries()) == ["2005-06-07", "2005-06-22"]
    assert list(calbay_as_party.entries()) == ["2005-06-01", "2005-06-09", "2005-06-15"]


def test_a_party_that_owes_nothing_is_no_obligor_to_filter_by(auditor_client, desk, buyer):
    response = auditor_client.get(MONTH, {"year": 2005, "month": 6, "obligor": buyer.pk})

    assert errors(response) == [f"There is no obligor “{buyer.pk}” to show; showing every obligor."]
    assert page(response).entries() == JUNE_2005


def test_a_party_in_a_deal_is_not_counted_twice_for_its_several_roles(auditor_client, desk, spa, buyer):
    DealPartyFactory(deal=spa, party=buyer, role=DealParty.Role.PLACEMENT_AGENT)

    calendar = page(auditor_client.get(MONTH, {"year": 2005, "month": 6, "party": buyer.pk}))

    assert [len(entries) for entries in calendar.entries().values()] == [1, 1]


def test_the_filters_offer_the_deals_and_parties_there_are(client, django_user_model, desk, spa, paa):
    # Someone who sees only some deadlines is offered the names among them, listed.
    staff = django_user_model.objects.create_user("dora", is_staff=True)
    for obligation in Obligation.objects.all():
        obligation.responsible_staff.add(staff)
    client.force_login(staff)

    calendar = page(client.get(MONTH, {"year": 2005, "month": 6}))

    assert calendar.options["deal"] == ["All deals", "Cal-Bay equity line", "CalbaTech 10% secured convertible notes"]
    assert calendar.options["party"] == ["All parties", "AJW Partners, LLC", "Cal-Bay International, Inc.",
                                         "CalbaTech, Inc."]
    assert calendar.options["obligor"] == ["All obligors", "Cal-Bay International, Inc.", "CalbaTech, Inc."]


def test_whoever_sees_every_deadline_finds_deals_and_parties_by_typing_not_in_a_list(auditor_client, desk, spa):
    response = auditor_client.get(MONTH, {"year": 2005, "month": 6, "deal": spa.pk})
    html = response.content.decode()

    # A desk of 10,000 deals lists none of them: each box asks the admin's autocomplete, and names the one picked.
    assert page(response).options == {"deal": ["", spa.title], "party": [""], "obligor": [""]}
    for name, field in [("deal", "deal"), ("party", "obligor"), ("obligor", "obligor")]:
        box = re.search(rf'<select name="{name}"[^>]*>', html).group(0)
        assert 'data-ajax--url="/admin/autocomplete/"' in box and f'data-field-name="{field}"' in box
    found = auditor_client.get("/admin/autocomplete/", {"app_label": "obligations", "model_name": "obligation",
                                                        "field_name": "deal", "term": "Cal-Bay"})
    assert [result["text"] for result in found.json()["results"]] == ["Cal-Bay equity line"]


# Navigation --------------------------------------------------------------------------------------


def test_month_navigation_keeps_the_filters(auditor_client, desk, spa, buyer):
    calendar = page(auditor_client.get(MONTH, {"year": 2005, "month": 6, "deal": spa.pk, "party": buyer.pk}))

    kept = f"deal={spa.pk}&party={buyer.pk}"
    assert calendar.links["calendar-previous"] == f"/calendar/month/?{kept}&year=2005&month=5"
    assert calendar.links["calendar-next"] == f"/calendar/month/?{kept}&year=2005&month=7"
    assert calendar.links["calendar-today"] == f"/calendar/month/?{kept}"
    assert calendar.links["calendar-week-view"] == f"/calendar/week/?{kept}&date=2005-06-03"
    assert calendar.links["calendar-clear"] == "/calendar/month/?year=2005&month=6"
    # Changing a filter keeps the month on screen.
    assert calendar.hidden == {"year": "2005", "month": "6"}


def test_month_navigation_crosses_the_year(auditor_client, desk):
    december = page(auditor_client.get(MONTH, {"year": 2005, "month": 12}))
    january = page(auditor_client.get(MONTH, {"year": 2006, "month": 1}))

    assert december.links["calendar-next"] == "/calendar/month/?year=2006&month=1"
    assert january.links["calendar-previous"] == "/calendar/month/?year=2005&month=12"
    # Away from this month, the week view opens on the month's first day.
    assert december.links["calendar-week-view"] == "/calendar/week/?date=2005-12-01"


def test_week_navigation_keeps_the_filters(auditor_client, desk, calbay):
    calendar = page(auditor_client.get(WEEK, {"date": "2005-06-08", "obligor": calbay.pk}))

    kept = f"obligor={calbay.pk}"
    assert calendar.links["calendar-previous"] == f"/calendar/week/?{kept}&date=2005-05-30"
    assert calendar.links["calendar-next"] == f"/calendar/week/?{kept}&date=2005-06-13"
    assert calendar.links["calendar-today"] == f"/calendar/week/?{kept}"
    assert calendar.links["calendar-month-view"] == f"/calendar/month/?{kept}&year=2005&month=6"
    assert calendar.hidden == {"date": "2005-06-06"}


def test_the_admin_links_to_the_calendar_beside_my_calendar(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()

    assert '<a href="/calendar/month/">Deadline calendar</a> /\n<a href="/calendar/">My calendar</a> /' in html


# Who sees what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [MONTH, WEEK, "/calendar/deal/1/timeline/"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"


def test_a_user_without_view_permission_sees_no_deadline_and_no_deal(client, django_user_model, desk):
    client.force_login(django_user_model.objects.create_user("stranger", is_staff=True))

    response = client.get(MONTH, {"year": 2005, "month": 6})
    calendar = page(response)

    assert calendar.entries() == {}
    assert calendar.options == {"deal": ["All deals"], "party": ["All parties"], "obligor": ["All obligors"]}
    assert "You see the deadlines of the obligations you are responsible staff of." in response.content.decode()


def test_responsible_staff_see_their_obligations_as_their_feed_does(client, django_user_model, desk):
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    desk["registration"].obligation.responsible_staff.add(clerk)
    client.force_login(clerk)

    calendar = page(client.get(MONTH, {"year": 2005, "month": 6}))

    assert list(calendar.entries()) == ["2005-06-22"]
    assert calendar.options["deal"] == ["All deals", "CalbaTech 10% secured convertible notes"]
    # One rule for who sees what: the open deadlines shown are exactly those of the clerk's feed.
    feed = {o.pk for o in feed_occurrences(user=clerk, today=TODAY) if o.due_date.month == 6}
    assert {e["href"] for cell in calendar.days.values() for e in cell["entries"]} == {
        change_url(o) for o in Occurrence.objects.filter(pk__in=feed)}


def test_a_user_without_permission_to_view_deals_is_refused_the_timeline(client, django_user_model, spa):
    client.force_login(django_user_model.objects.create_user("stranger", is_staff=True))

    assert client.get(f"/calendar/deal/{spa.pk}/timeline/").status_code == 403


# Bad addresses -----------------------------------------------------------------------------------


def test_a_month_out_of_range_falls_back_to_this_month_and_says_so(auditor_client, desk):
    response = auditor_client.get(MONTH, {"year": 2005, "month": 13})

    assert errors(response) == ["The month must be a number from 1 to 12. Showing June 2005 instead."]
    assert page(response).entries() == JUNE_2005


def test_a_year_that_is_not_a_number_falls_back_and_says_so(auditor_client, desk):
    response = auditor_client.get(MONTH, {"year": "abc", "month": "7"})

    assert errors(response) == ["The year must be a number such as 2005. Showing July 2005 instead."]
    assert response.context["title"] == "Deadlines: July 2005"


def test_an_unknown_deal_is_named_and_every_deal_shown(auditor_client, desk):
    response = auditor_client.get(MONTH, {"year": 2005, "month": 6, "deal": "xyz"})

    assert errors(response) == ["There is no deal “xyz” to show; showing every deal."]
    assert page(response).entries() == JUNE_2005
    assert "deal=" not in page(response).links["calendar-next"]


def test_a_week_date_that_is_no_date_falls_back_to_this_week(auditor_client, desk):
    response = auditor_client.get(WEEK, {"date": "2005-02-30"})

    assert errors(response) == [
        "The date must be written YYYY-MM-DD, e.g. 2005-06-07. Showing 30 May 2005 to 5 June 2005 instead."]


@pytest.mark.parametrize("query", [
    {"month": "0"}, {"month": "-1"}, {"month": "6.5"}, {"year": "1800"}, {"year": "99999999999999999999999"},
    {"year": "3000", "month": "12"}, {"deal": "99999999999999999999999"}, {"deal": "-1"}, {"party": "abc"},
    {"obligor": "1 OR 1=1"}, {"deal": "\x00"}, {"date": "yesterday"}, {"date": "0001-01-01"}, {"date": "9999-12-31"},
    {"year": ""}, {"deal": ""}, {"deal": ["1", "2"]},
])
@pytest.mark.parametrize("url", [MONTH, WEEK])
def test_no_query_string_breaks_the_calendar(auditor_client, desk, url, query):
    response = auditor_client.get(url, query)

    assert response.status_code == 200


def test_the_last_month_there_is_has_no_next(auditor_client):
    calendar = page(auditor_client.get(MONTH, {"year": 2999, "month": 12}))

    assert "calendar-next" not in calendar.links
    assert calendar.links["calendar-previous"] == "/calendar/month/?year=2999&month=11"


# Queries -----------------------------------------------------------------------------------------


def test_a_month_costs_the_same_few_queries_however_many_deadlines_it_holds(
    auditor_client, desk, paa, calbay, django_assert_max_num_queries
):
    url = f"{MONTH}?year=2005&month=6"
    with CaptureQueriesContext(connection) as few:
        assert auditor_client.get(url).status_code == 200
    for n in range(40):
        fixed(paa, calbay, f"11({n})", f"Monthly deliverable {n}", datetime.date(2005, 6, 1 + n % 30))

    # The request's savepoint and its release, the session, the user, the user's and the groups'
    # permissions; the ids of at most ten a day, then those occurrences with their deals and obligors; their
    # counts by day and standing. The deals and parties are found by typing, not listed.
    with django_assert_max_num_queries(9):
        response = auditor_client.get(url)

    assert response.context["count"] == 45
    assert len(few) == 9


def test_a_week_reads_its_deadlines_in_one_query(auditor_client, desk, paa, calbay):
    url = f"{WEEK}?date=2005-06-06"
    auditor_client.get(url)
    with CaptureQueriesContext(connection) as few:
        auditor_client.get(url)
    for n in range(20):
        fixed(paa, calbay, f"11({n})", f"Deliverable {n}", datetime.date(2005, 6, 6 + n % 7))

    with CaptureQueriesContext(connection) as many:
        auditor_client.get(url)

    assert len(many) == len(few)


# A deal's timeline -------------------------------------------------------------------------------


@pytest.fixture
def milestones(spa):
    DealEventFactory(deal=spa, name="Filing Date", date=datetime.date(2005, 6, 20), description="Form SB-2 filed")
    DealEventFactory(deal=spa, name="Effective Date", date=None)
    Closing.objects.create(deal=spa, name="Initial closing", section="1(c)", scheduled_for=datetime.date(2005, 5, 23),
                           closed_on=datetime.date(2005, 5, 23))
    Closing.objects.create(deal=spa, name="Filing tranche closing", section="4(l)",
                           scheduled_for=datetime.date(2005, 6, 27))


def timeline(client, deal, **query):
    response = client.get(f"/calendar/deal/{deal.pk}/timeline/", query)
    assert response.status_code == 200
    return response


def rows(response) -> list[tuple]:
    return [(str(item.date), item.kind, item.label, item.status)
            for month in response.context["months"] for item in month["items"]]


def test_the_timeline_runs_from_the_agreement_through_events_closings_and_deadlines_in_date_order(
    auditor_client, desk, spa, milestones
):
    response = timeline(auditor_client, spa)

    assert rows(response) == [
        ("2005-05-23", "agreement", "Securities Purchase Agreement dated as of this day", ""),
        ("2005-05-23", "closing", "Closing date of the deal", ""),
        ("2005-05-23", "closing", "Initial closing (s.1(c)) scheduled", "completed on 2005-05-23"),
        ("2005-05-23", "closing", "Initial closing (s.1(c)) completed", ""),
        ("2005-06-03", "today", "Today", ""),
        ("2005-06-07", "deadline", "s.4(h) Reserved share list", "due soon"),
        ("2005-06-20", "event", "Filing Date", ""),
        ("2005-06-22", "deadline", "s.2(a) File the registration statement", "open"),
        ("2005-06-27", "closing", "Filing tranche closing (s.4(l)) scheduled", "not yet completed"),
        ("2005-07-08", "deadline", "s.4(h) Reserved share list", "open"),
        ("2005-08-05", "deadline", "s.4(h) Reserved share list", "open"),
    ]
    assert [(month["label"], month["deadlines"]) for month in response.context["months"]] == [
        ("May 2005", 0), ("June 2005", 2), ("July 2005", 1), ("August 2005", 1)]
    assert [event.name for event in response.context["waiting"]] == ["Effective Date"]


def test_each_timeline_deadline_says_who_owes_it_how_it_was_dated_and_links_to_it(auditor_client, desk, spa):
    response = timeline(auditor_client, spa)
    html = response.content.decode()

    june = the(desk["share_list"], datetime.date(2005, 6, 7))
    registration = the(desk["registration"])
    assert registration.computation == "Closing date 23 May 2005 + 30 calendar days = Wed 22 Jun 2005"
    assert (f'<a href="{change_url(registration)}">s.2(a) File the registration statement</a>\n'
            '          <div class="timeline-detail">Owed by CalbaTech, Inc. &middot; '
            "Closing date 23 May 2005 + 30 calendar days = Wed 22 Jun 2005</div>") in html
    assert f'<a href="{change_url(june)}">s.4(h) Reserved share list</a>' in html
    assert '<span class="calendar-entry standing-due-soon">due soon</span>' in html
    assert f'<a href="/admin/dealdesk/deal/{spa.pk}/change/">Securities Purchase Agreement dated as of this day</a>' in html


def test_a_deadline_done_shows_the_day_it_was_done(auditor_client, desk, paa):
    response = timeline(auditor_client, paa)

    assert ("2005-06-09", "deadline", "s.10 Placement fee paid", "done on 2005-06-02") in rows(response)
    assert ("2005-06-15", "deadline", "s.5(C) Notice of effectiveness", "waived on 2005-06-02") in rows(response)
    assert ("2005-06-01", "deadline", "s.8(A) Closing certificate", "overdue") in rows(response)


def test_a_deal_with_years_of_monthly_deadlines_is_shown_a_year_at_a_time(client, auditor, spa, calbatech,
                                                                          time_machine):
    # Late enough that the horizon (DEADLINE_HORIZON_DAYS) reaches past the rule's last period.
    time_machine.move_to(datetime.datetime(2007, 6, 1, 9, 0, tzinfo=NEW_YORK), tick=False)
    client.force_login(auditor)
    auditor_client = client
    obligation = ObligationFactory(deal=spa, obligor=calbatech, section="4(h)", title="Reserved share list")
    DeadlineRuleFactory(obligation=obligation, window_end=datetime.date(2007, 12, 31))

    this_year = timeline(auditor_client, spa)
    earlier = timeline(auditor_client, spa, year=2006)

    # The agreement, the closing date, and the May to November 2005 lists; each year's twelve lists
    # are due from January (for December) to December (for November); the last in January 2008.
    assert this_year.context["years"] == [
        {"year": 2005, "count": 9, "overdue": 7},
        {"year": 2006, "count": 12, "overdue": 12},
        {"year": 2007, "count": 12, "overdue": 5},
        {"year": 2008, "count": 1, "overdue": 0},
    ]
    assert this_year.context["year"] == 2007
    assert len(rows(this_year)) == 13  # and today
    assert {row[0][:4] for row in rows(earlier)} == {"2006"}
    assert [(row[0], row[3]) for row in rows(earlier)][:2] == [("2006-01-09", "overdue"), ("2006-02-07", "overdue")]
    assert [month["label"] for month in earlier.context["months"]] == [
        f"{month} 2006" for month in ["January", "February", "March", "April", "May", "June", "July", "August",
                                      "September", "October", "November", "December"]]
    html = this_year.content.decode()
    assert '<a href="?year=2006">2006</a>' in html
    assert '<span class="timeline-overdue">12 overdue</span>' in html


def test_the_timeline_counts_the_overdue_deadlines_of_each_year(auditor_client, desk, paa):
    response = timeline(auditor_client, paa)

    assert response.context["years"] == [{"year": 2005, "count": 5, "overdue": 1}]


def test_the_timeline_shows_only_the_deadlines_the_user_may_see(client, django_user_model, desk, spa):
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(content_type__app_label="dealdesk", codename="view_deal"))
    desk["registration"].obligation.responsible_staff.add(clerk)
    client.force_login(clerk)

    response = timeline(client, spa)

    assert [row[2] for row in rows(response) if row[1] == "deadline"] == ["s.2(a) File the registration statement"]


def test_a_timeline_year_that_is_not_a_number_falls_back_and_says_so(auditor_client, desk, spa):
    response = timeline(auditor_client, spa, year="abc")

    assert errors(response) == ["The year must be a number such as 2005. Showing 2005 instead."]
    assert response.context["year"] == 2005


def test_a_timeline_year_with_nothing_in_it_says_so(auditor_client, desk, spa):
    response = timeline(auditor_client, spa, year=1999)

    assert rows(response) == []
    assert "Nothing of this deal is dated in 1999." in response.content.decode()


def test_the_timeline_of_a_deal_that_does_not_exist_is_not_found(auditor_client):
    assert auditor_client.get("/calendar/deal/999/timeline/").status_code == 404


def test_a_timeline_reads_a_fixed_number_of_queries(auditor_client, spa, calbatech, milestones):
    obligation = ObligationFactory(deal=spa, obligor=calbatech, section="4(h)", title="Reserved share list")
    rule = DeadlineRuleFactory(obligation=obligation, window_end=datetime.date(2005, 7, 31))
    url = f"/calendar/deal/{spa.pk}/timeline/"
    auditor_client.get(url)
    with CaptureQueriesContext(connection) as few:
        auditor_client.get(url)
    rule.window_end = datetime.date(2005, 12, 31)
    rule.save()

    with CaptureQueriesContext(connection) as many:
        response = auditor_client.get(url)

    assert len(rows(response)) > 10
    assert len(many) == len(few)


def test_the_deal_page_links_to_its_timeline(admin_client, spa):
    page = admin_client.get(reverse("admin:dealdesk_deal_change", args=[spa.pk])).content.decode()

    assert f'<li><a href="{reverse("feeds:timeline", args=[spa.pk])}">Timeline</a></li>' in page
    assert "Timeline</a>" not in admin_client.get(reverse("admin:dealdesk_deal_add")).content.decode()
