"""The admin's front page: counts, the next deadlines and the charts, per role; "All records"; the deal list's next due date."""
import datetime
import re
import zoneinfo
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse

from closings.models import Closing, ClosingItem
from dealdesk.dashboard import figures
from dealdesk.dashboard.figures import reserve_shortfalls
from dealdesk.roles import AUDITORS, DEAL_ADMINISTRATORS, FINANCE
from instruments.models import ReserveCovenant, ShareReservation
from instruments.services import reserve_test
from obligations.models import DeadlineRule, Obligation, Occurrence, Reminder
from tests.factories import (
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealFactory,
    PartyFactory,
    ShareClassFactory,
    WarrantFactory,
)

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
TODAY = datetime.date(2026, 3, 2)  # a Monday
OCCURRENCES = "/admin/obligations/occurrence/"


@pytest.fixture(autouse=True)
def frozen(time_machine, settings):
    settings.DUE_SOON_DAYS = 14
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK), tick=False)


# Reading the page ------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """What a user reads: the text and links inside each element with an id, the rows of each table
    (by the id of the nearest element around it that has one), and the <text> of each SVG chart."""

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: dict[str, list[str]] = defaultdict(list)
        self.links: dict[str, list[str]] = defaultdict(list)
        self.rows: dict[str, list[list[str]]] = defaultdict(list)
        self.row_links: dict[str, list[list[str]]] = defaultdict(list)
        self.svg_texts: dict[str, list[str]] = defaultdict(list)
        self._row = self._cell = self._svg_text = None
        self.feed(html)

    def _ids(self):
        return [element_id for _, element_id in self.stack if element_id]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            for element_id in self._ids():
                self.links[element_id].append(attrs["href"])
            if self._row is not None:
                self._row_links.append(attrs["href"])
        if tag in VOID:
            return
        self.stack.append((tag, attrs.get("id")))
        if tag == "tr":
            self._row, self._row_links = [], []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "text":
            self._svg_text = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            owner = self._ids()[-1] if self._ids() else ""
            self.rows[owner].append(self._row)
            self.row_links[owner].append(self._row_links)
            self._row = None
        elif tag == "text" and self._svg_text is not None:
            svg = next(element_id for t, element_id in reversed(self.stack) if t == "svg")
            self.svg_texts[svg].append("".join(self._svg_text).strip())
            self._svg_text = None
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        for element_id in self._ids():
            self.texts[element_id].append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._svg_text is not None:
            self._svg_text.append(data)

    def text(self, element_id: str) -> str:
        return " ".join("".join(self.texts[element_id]).split())

    def tiles(self) -> dict[str, tuple[str, list[str]]]:
        return {element_id.removeprefix("tile-"): (self.text(element_id), self.links[element_id])
                for element_id in self.texts if element_id.startswith("tile-")}


def front_page(client) -> Page:
    """The front page as a browser shows it: its script asks for the damages and puts them in place."""
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    if 'id="dash-damages"' in html:
        part = client.get("/admin/", {"part": "damages"})
        assert part.status_code == 200
        tile, panel = part.content.decode().split("<section", 1)
        html = re.sub(r'<div class="dash-tile[^"]*" id="tile-damages">.*?</div>', tile.strip(), html, flags=re.S)
        shortfalls = '<section class="module dash-panel" id="reserve-shortfalls"'
        html = html.replace(shortfalls, f"<section{panel}{shortfalls}", 1) if shortfalls in html else \
            html.replace('<div id="dash-damages"', f'<section{panel}<div id="dash-damages"', 1)
    return Page(html)


def login(client, django_user_model, name: str, *, group: str | None = None, permissions: tuple[str, ...] = ()):
    user = django_user_model.objects.create_user(name, password="pw", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client.force_login(user)
    return client


# A small desk on Monday 2 March 2026 -----------------------------------------------------------------


def due(deal, section: str, title: str, day: datetime.date, *, status: str = "open", done_on=None, evidence="",
        **obligation) -> Occurrence:
    """An obligation of `deal` due once, on `day`, and what became of it."""
    rule = DeadlineRuleFactory(obligation__deal=deal, obligation__section=section, obligation__title=title,
                               **{f"obligation__{name}": value for name, value in obligation.items()},
                               kind=DeadlineRule.Kind.FIXED_DATE, frequency="", fixed_date=day, roll="none")
    Occurrence.objects.filter(rule=rule).update(status=status, done_on=done_on, evidence=evidence)
    return Occurrence.objects.get(rule=rule)


@pytest.fixture
def desk():
    alpha = DealFactory(title="Alpha notes")
    beta = DealFactory(title="Beta notes")
    # What became of the past ones: one on time, one late, one waived, two missed (and still open).
    due(alpha, "4(h)", "January statement", datetime.date(2026, 1, 15), status="done",
        done_on=datetime.date(2026, 1, 14), evidence="Filed")
    due(beta, "4(h)", "November statement", datetime.date(2025, 12, 1), status="done",
        done_on=datetime.date(2025, 12, 5), evidence="Filed late")
    due(beta, "4(c)", "Press release", datetime.date(2025, 10, 10), status="waived", evidence="Buyers' waiver")
    # Missed, each with damages in numbers: 100 a day on each (730,000 x 5% / 365; 365,000 x 10% / 365).
    missed = due(alpha, "4(i)", "Listing maintained", datetime.date(2026, 2, 20),
                 penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT, penalty_rate=Decimal("0.05"),
                 penalty_base_amount=Decimal("730000"))
    due(beta, "4(f)", "Expenses reimbursed", datetime.date(2025, 11, 10),
        penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT, penalty_rate=Decimal("0.10"),
        penalty_base_amount=Decimal("365000"))
    # Open from today on: twelve, two of them on the same day.
    for deal, section, title, day in [
        (alpha, "4(a)", "Due today", TODAY),
        (alpha, "4(b)", "Weekly report A", datetime.date(2026, 3, 9)),
        (beta, "2(a)", "Weekly report B", datetime.date(2026, 3, 9)),
        (alpha, "4(c)", "Due in two weeks", datetime.date(2026, 3, 16)),
        (beta, "2(b)", "Due in fifteen days", datetime.date(2026, 3, 17)),
        (alpha, "4(d)", "Due in thirty days", datetime.date(2026, 4, 1)),
        (beta, "2(c)", "Due in thirty-one days", datetime.date(2026, 4, 2)),
        (alpha, "4(e)", "Last of twelve weeks", datetime.date(2026, 5, 24)),
        (alpha, "4(f)", "After twelve weeks", datetime.date(2026, 5, 25)),
        (beta, "2(d)", "June report", datetime.date(2026, 6, 1)),
        (alpha, "4(g)", "July report", datetime.date(2026, 7, 1)),
        (beta, "2(e)", "August report", datetime.date(2026, 8, 3)),
    ]:
        due(deal, section, title, day)
    # The outbox: two failed, one uncertain, one sent.
    for days, status in [(-7, "failed"), (-3, "failed"), (-1, "uncertain"), (0, "sent")]:
        Reminder.objects.create(occurrence=missed, due_date=missed.due_date, days_from_due=days,
                                scheduled_for=missed.due_date + datetime.timedelta(days=days), status=status)
    # Two closings with three open items between them, and one satisfied.
    initial = Closing.objects.create(deal=alpha, name="Initial closing")
    tranche = Closing.objects.create(deal=beta, name="Tranche closing")
    for closing, section, status in [(initial, "7(a)", "open"), (initial, "7(b)", "open"), (tranche, "7(a)", "open"),
                                     (tranche, "7(b)", "satisfied")]:
        ClosingItem.objects.create(
            closing=closing, section=section, title=f"Item {section}", text="Delivered at the closing.",
            kind=ClosingItem.Kind.DELIVERABLE, condition_of=ClosingItem.ConditionOf.INVESTOR, status=status,
            done_on=datetime.date(2026, 2, 1) if status != "open" else None,
            evidence="On file" if status != "open" else "")
    # SPA s.4(h) on Alpha: 2 x (8,000,000 conversion shares + 4,857,316 warrant shares) against 20,000,000.
    company = PartyFactory(legal_name="Alpha, Inc.")
    common = ShareClassFactory(deal=alpha, issuer=company)
    ShareReservation.objects.create(share_class=common, purpose=ShareReservation.Purpose.DEAL_SECURITIES,
                                    shares=20_000_000)
    ConvertibleNoteFactory(deal=alpha, issuer=company, principal=Decimal("800000"), conversion_price=Decimal("0.10"))
    WarrantFactory(deal=alpha, issuer=company, shares=4_857_316)
    ReserveCovenant.objects.create(deal=alpha, share_class=common, section="4(h)")
    return {"alpha": alpha, "beta": beta}


def occurrence_url(title: str) -> str:
    return reverse("admin:obligations_occurrence_change", args=[Occurrence.objects.get(rule__obligation__title=title).pk])


def deal_url(deal) -> str:
    return reverse("admin:dealdesk_deal_change", args=[deal.pk])


# Counts ------------------------------------------------------------------------------------------------

EVERY_TILE = {
    "overdue": ("2 Overdue due dates open, due before 2 Mar", [f"{OCCURRENCES}?standing=overdue"]),
    "within_7": ("3 Due within 7 days 2 Mar to 9 Mar",
                 [f"{OCCURRENCES}?status__exact=open&due_date__gte=2026-03-02&due_date__lte=2026-03-09"]),
    "within_30": ("6 Due within 30 days 2 Mar to 1 Apr",
                  [f"{OCCURRENCES}?status__exact=open&due_date__gte=2026-03-02&due_date__lte=2026-04-01"]),
    "reminders_failed": ("2 Reminders failed gave up sending: retry them",
                         ["/admin/obligations/reminder/?status__exact=failed"]),
    "reminders_uncertain": ("1 Reminders uncertain may have arrived: check with the recipient",
                            ["/admin/obligations/reminder/?status__exact=uncertain"]),
    "reserve_shortfalls": ("1 Reserve shortfalls deals with fewer shares reserved than their covenant requires",
                           ["/reports/instruments/"]),
    # 10 days of Alpha's (20 Feb to 1 Mar) and 112 of Beta's (10 Nov to 1 Mar), at 100 a day each.
    "damages": ("$12,200.00 Damages accrued as of 2 Mar, 2 deals", ["/reports/fee-totals/"]),
    "closing_items": ("3 Open closing items conditions and deliverables, 2 closings",
                      ["/admin/closings/closingitem/?status__exact=open"]),
}


@pytest.mark.parametrize("role", [FINANCE, AUDITORS, DEAL_ADMINISTRATORS])
def test_each_role_sees_every_count_each_a_link(client, django_user_model, desk, role):
    page = front_page(login(client, django_user_model, "someone", group=role))

    assert page.tiles() == EVERY_TILE


def test_each_count_links_to_a_list_of_exactly_that_many_rows(client, django_user_model, desk):
    finance = login(client, django_user_model, "finance", group=FINANCE)
    tiles = front_page(finance).tiles()

    for key in ["overdue", "within_7", "within_30", "reminders_failed", "reminders_uncertain", "closing_items"]:
        text, [url] = tiles[key]
        response = finance.get(url)
        assert response.status_code == 200, url
        assert response.context["cl"].result_count == int(text.split()[0]), key


def test_the_counts_follow_the_standing_rule(client, django_user_model, desk, settings):
    settings.DUE_SOON_DAYS = 7  # what "overdue" means does not move; the week chart's "due soon" does

    page = front_page(login(client, django_user_model, "finance", group=FINANCE))

    assert page.tiles()["overdue"][0] == "2 Overdue due dates open, due before 2 Mar"
    assert "2 Mar to 8 Mar: 1 due (1 due soon); 9 Mar to 15 Mar: 2 due (2 due soon); " \
           "16 Mar to 22 Mar: 2 due (2 open);" in page.text("chart-weeks-desc")


def test_with_nothing_open_the_deadline_counts_are_nought_and_raise_no_alert(client, django_user_model):
    deal = DealFactory(title="Gamma notes")
    due(deal, "4(h)", "Done on time", datetime.date(2026, 2, 2), status="done", done_on=datetime.date(2026, 2, 2),
        evidence="Filed")
    finance = login(client, django_user_model, "finance", group=FINANCE)

    html = finance.get("/admin/").content.decode()
    page = Page(html)

    assert {key: page.tiles()[key][0] for key in ("overdue", "within_7", "within_30")} == {
        "overdue": "0 Overdue due dates open, due before 2 Mar",
        "within_7": "0 Due within 7 days 2 Mar to 9 Mar",
        "within_30": "0 Due within 30 days 2 Mar to 1 Apr",
    }
    assert '<div class="dash-tile" id="tile-overdue">' in html  # no alert
    assert page.text("chart-weeks-panel").endswith("18 May due soonopen Nothing in this span.")


def test_the_due_within_counts_take_the_days_of_the_window_and_the_overdue_count_every_day_before_today(
        client, django_user_model):
    deal = DealFactory(title="Gamma notes")
    for title, day in [("Missed in 2005", datetime.date(2005, 5, 23)), ("Due yesterday", datetime.date(2026, 3, 1)),
                       ("Due today", TODAY), ("Seventh day", datetime.date(2026, 3, 9)),
                       ("Eighth day", datetime.date(2026, 3, 10)), ("Thirtieth day", datetime.date(2026, 4, 1)),
                       ("Thirty-first day", datetime.date(2026, 4, 2))]:
        due(deal, "4(h)", title, day)
    due(deal, "4(i)", "Done before it was due", datetime.date(2026, 3, 3), status="done",
        done_on=datetime.date(2026, 2, 27), evidence="Filed")

    tiles = front_page(login(client, django_user_model, "finance", group=FINANCE)).tiles()

    assert [tiles[key][0].split()[0] for key in ("overdue", "within_7", "within_30")] == ["2", "2", "4"]


def test_a_user_without_permission_on_a_model_gets_no_count_or_link_for_it(client, django_user_model, desk):
    page = front_page(login(client, django_user_model, "clerk", permissions=("obligations.view_occurrence",)))

    assert set(page.tiles()) == {"overdue", "within_7", "within_30"}
    links = set(page.links["content-main"])
    assert not [url for url in links if url.startswith(("/admin/obligations/reminder/", "/admin/closings/",
                                                        "/admin/dealdesk/deal/", "/reports/"))]
    assert "reports-module" not in page.texts
    assert "chart-damages" not in page.svg_texts
    assert "reserve-shortfalls" not in page.texts
    # The deadlines are there, each linking to its due date but not to its deal.
    assert page.row_links["next-deadlines"][1] == [occurrence_url("Due today")]


def test_staff_without_a_role_see_no_figures(client, django_user_model, desk):
    page = front_page(login(client, django_user_model, "clerk"))

    assert page.tiles() == {}
    assert page.text("content-main") == ("You may not view any of the desk's records yet. A deal administrator can "
                                         "put you in a role group: Deal administrators, Finance or Auditors.")


def test_the_front_page_keeps_its_title_and_lists_no_models(admin_client, desk):
    response = admin_client.get("/admin/")

    page = response.content.decode()
    assert "<title>Deals, parties, instruments and obligations | dealdesk</title>" in page
    assert "As of Monday 2 March 2026. “Due soon” means due within 14 days." in page
    for infrastructure in ["/admin/axes/", "/admin/django_celery_beat/", "Solar events", "Crontabs"]:
        assert infrastructure not in page
    assert '<a href="/admin/records/">All records</a>' in page


# Lists ---------------------------------------------------------------------------------------------------


def test_the_next_ten_deadlines_are_the_open_ones_from_today_soonest_first(client, django_user_model, desk):
    page = front_page(login(client, django_user_model, "finance", group=FINANCE))

    assert page.rows["next-deadlines"] == [
        ["Due", "Deal", "Section", "Obligation", "Standing"],
        ["Mon 2 Mar 2026", "Alpha notes", "4(a)", "Due today", "due soon"],
        ["Mon 9 Mar 2026", "Alpha notes", "4(b)", "Weekly report A", "due soon"],
        ["Mon 9 Mar 2026", "Beta notes", "2(a)", "Weekly report B", "due soon"],
        ["Mon 16 Mar 2026", "Alpha notes", "4(c)", "Due in two weeks", "due soon"],
        ["Tue 17 Mar 2026", "Beta notes", "2(b)", "Due in fifteen days", "open"],
        ["Wed 1 Apr 2026", "Alpha notes", "4(d)", "Due in thirty days", "open"],
        ["Thu 2 Apr 2026", "Beta notes", "2(c)", "Due in thirty-one days", "open"],
        ["Sun 24 May 2026", "Alpha notes", "4(e)", "Last of twelve weeks", "open"],
        ["Mon 25 May 2026", "Alpha notes", "4(f)", "After twelve weeks", "open"],
        ["Mon 1 Jun 2026", "Beta notes", "2(d)", "June report", "open"],
    ]
    assert page.row_links["next-deadlines"][1] == [deal_url(desk["alpha"]), occurrence_url("Due today")]
    assert page.row_links["next-deadlines"][3] == [deal_url(desk["beta"]), occurrence_url("Weekly report B")]


def test_reserve_shortfalls_are_the_deal_pages_own_words(client, django_user_model, desk):
    page = front_page(login(client, django_user_model, "finance", group=FINANCE))

    assert page.text("reserve-shortfalls") == (
        "Share reserve Alpha notes: 2 x 12,857,316 issuable = 25,714,632 required; 20,000,000 reserved: "
        "SHORT by 5,714,632.")
    assert page.links["reserve-shortfalls"] == [deal_url(desk["alpha"])]


def test_the_shortfalls_counted_in_the_database_are_those_the_deal_page_finds():
    company = PartyFactory(legal_name="Issuer, Inc.")

    def covenant(title, *, reserved, notes=(), warrant_shares=0, multiple="2"):
        deal = DealFactory(title=title)
        shares = ShareClassFactory(deal=deal, issuer=company)
        if reserved is not None:
            ShareReservation.objects.create(share_class=shares, purpose=ShareReservation.Purpose.DEAL_SECURITIES,
                                            shares=reserved)
        for principal, price in notes:
            ConvertibleNoteFactory(deal=deal, issuer=company, principal=Decimal(principal),
                                   conversion_price=None if price is None else Decimal(price))
        if warrant_shares:
            WarrantFactory(deal=deal, issuer=company, shares=warrant_shares)
        ReserveCovenant.objects.create(deal=deal, share_class=shares, multiple=Decimal(multiple))
        return deal

    # Each note converts into whole shares: 1,000 / 0.30 is 3,333 shares, twice that for two notes.
    deals = [
        covenant("A met exactly", reserved=2 * (3_333 + 3_333 + 100), notes=[("1000", "0.30")] * 2, warrant_shares=100),
        covenant("B short by two", reserved=2 * (3_333 + 3_333 + 100) - 2, notes=[("1000", "0.30")] * 2,
                 warrant_shares=100),
        covenant("C a note without a price", reserved=0, notes=[("1000", None)], warrant_shares=100),
        covenant("C a note priced at nought", reserved=0, notes=[("1000", "0.30"), ("1000", "0")], warrant_shares=100),
        covenant("D nothing reserved", reserved=None, warrant_shares=10),
        covenant("E one and a half times, rounded up", reserved=4, warrant_shares=3, multiple="1.5"),
        covenant("F warrants only, met", reserved=20, warrant_shares=10),
    ]

    count, shortfalls = reserve_shortfalls(can_view_deals=False)

    assert count == 3
    assert [(s.deal, s.summary) for s in shortfalls] == [
        ("B short by two", "2 x 6,766 issuable = 13,532 required; 13,530 reserved: SHORT by 2."),
        ("D nothing reserved", "2 x 10 issuable = 20 required; 0 reserved: SHORT by 20."),
        ("E one and a half times, rounded up", "1.5 x 3 issuable = 5 required; 4 reserved: SHORT by 1."),
    ]
    # The deal page's own test agrees, deal by deal.
    assert [s.deal for s in shortfalls] == [deal.title for deal in deals
                                            if (test := reserve_test(deal=deal)) and test.shortfall]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the order of joins is PostgreSQL's setting")
def test_a_note_priced_at_nought_leaves_its_deal_untested_whatever_order_postgresql_joins_in():
    # On a desk of 10,000 deals PostgreSQL worked out the shares issuable before leaving out the deals it cannot
    # test (and divided by the nought); join_collapse_limit = 1 makes it join in that order on a small desk too.
    company = PartyFactory(legal_name="Issuer, Inc.")
    deal = DealFactory(title="A note priced at nought")
    shares = ShareClassFactory(deal=deal, issuer=company)
    ConvertibleNoteFactory(deal=deal, issuer=company, principal=Decimal("1000"), conversion_price=Decimal("0"))
    WarrantFactory(deal=deal, issuer=company, shares=10)
    ReserveCovenant.objects.create(deal=deal, share_class=shares)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL join_collapse_limit = 1")  # until the test's transaction ends

    assert reserve_shortfalls(can_view_deals=False) == (0, [])
    assert reserve_test(deal=deal).shortfall is None  # the deal page cannot test it either


# Charts ---------------------------------------------------------------------------------------------------


def test_the_week_chart_writes_each_week_s_deadlines(client, django_user_model, desk):
    page = front_page(login(client, django_user_model, "finance", group=FINANCE))

    # The scale (0 to 2), then each week: its segments' values when it has two, its total, its first day.
    assert page.svg_texts["chart-weeks"] == [
        "0", "1", "2",
        "1", "2 Mar", "2", "9 Mar", "1", "1", "2", "16 Mar", "23 Mar", "2", "30 Mar", "6 Apr", "13 Apr", "20 Apr",
        "27 Apr", "4 May", "11 May", "1", "18 May",
    ]
    assert page.text("chart-weeks-title") == "Deadlines per week, next 12 weeks"
    assert page.text("chart-weeks-desc") == (
        "Open due dates in each week from 2 Mar 2026 to 24 May 2026, due soon (within 14 days) or later. "
        "2 Mar to 8 Mar: 1 due (1 due soon); 9 Mar to 15 Mar: 2 due (2 due soon); "
        "16 Mar to 22 Mar: 2 due (1 due soon, 1 open); 23 Mar to 29 Mar: none; 30 Mar to 5 Apr: 2 due (2 open); "
        "6 Apr to 12 Apr: none; 13 Apr to 19 Apr: none; 20 Apr to 26 Apr: none; 27 Apr to 3 May: none; "
        "4 May to 10 May: none; 11 May to 17 May: none; 18 May to 24 May: 1 due (1 open).")
    # Each week leads to its open due dates.
    assert f"{OCCURRENCES}?status__exact=open&due_date__gte=2026-03-16&due_date__lte=2026-03-22" in \
        page.links["chart-weeks"]


def test_the_compliance_chart_counts_each_quarter_s_outcomes(client, django_user_model, desk):
    finance = login(client, django_user_model, "finance", group=FINANCE)
    page = front_page(finance)

    assert page.svg_texts["chart-compliance"] == [
        "0", "1", "2", "3",
        "Q2 2024", "Q3 2024", "Q4 2024", "Q1 2025", "Q2 2025", "Q3 2025",
        "1", "1", "1", "3", "Q4 2025",
        "1", "1", "2", "Q1 2026",
    ]
    assert page.text("chart-compliance-desc").endswith(
        "Q3 2025: none; Q4 2025: 3 due dates (1 done late, 1 waived, 1 missed); "
        "Q1 2026: 2 due dates (1 done on time, 1 missed).")
    # The same numbers in a table, each leading to the compliance report's rows.
    rows = dict(zip([row[0] for row in page.rows["chart-compliance-panel"]], page.rows["chart-compliance-panel"]))
    assert rows["Quarter"] == ["Quarter", "Done on time", "Done late", "Waived", "Missed"]
    assert rows["Q4 2025"] == ["Q4 2025", "0", "1", "1", "1"]
    assert rows["Q1 2026"] == ["Q1 2026", "1", "0", "0", "1"]
    missed = "/reports/compliance/?start=2025-10-01&end=2025-12-31&status=missed"
    assert missed in page.links["chart-compliance-panel"]
    report = Page(finance.get(missed).content.decode())
    assert [row[2] for row in report.rows["result_list"][1:]] == ["Expenses reimbursed"]


def test_the_front_page_shows_at_once_and_asks_for_the_damages_after(client, django_user_model, desk):
    finance = login(client, django_user_model, "finance", group=FINANCE)

    # The damages are the fee-totals report, seconds on a desk of 10,000 deals: the page comes without them.
    page = Page(finance.get("/admin/").content.decode())

    assert page.tiles()["damages"] == ("… Damages accrued being worked out", ["/reports/fee-totals/"])
    assert "chart-damages" not in page.svg_texts
    part = Page(finance.get("/admin/", {"part": "damages"}).content.decode())
    assert part.tiles()["damages"] == EVERY_TILE["damages"]


def test_only_who_may_view_reports_is_given_the_damages(client, django_user_model, desk):
    clerk = login(client, django_user_model, "clerk", permissions=("obligations.view_occurrence",))

    assert 'id="dash-damages"' not in clerk.get("/admin/").content.decode()
    assert clerk.get("/admin/", {"part": "damages"}).status_code == 403


def test_the_damages_chart_is_the_fee_totals_report_per_deal(client, django_user_model, desk):
    page = front_page(login(client, django_user_model, "finance", group=FINANCE))

    assert page.svg_texts["chart-damages"] == ["Beta notes", "$11,200.00", "Alpha notes", "$1,000.00"]
    assert page.text("chart-damages-desc") == (
        "Liquidated damages and penalties accrued as of 2 Mar 2026, per deal. "
        "Beta notes: $11,200.00; Alpha notes: $1,000.00.")
    assert page.links["chart-damages"] == [f"/reports/fees/?deal={desk['beta'].pk}",
                                           f"/reports/fees/?deal={desk['alpha'].pk}"]


def test_the_damages_chart_draws_the_largest_and_leads_to_every_deal_s(client, django_user_model, desk,
                                                                       monkeypatch):
    # On a desk of thousands of deals a bar each was a chart nobody could read: the largest are drawn,
    # and the fee-totals page has every deal's figures.
    monkeypatch.setattr(figures, "DAMAGES_CHARTED", 1)
    page = front_page(login(client, django_user_model, "finance", group=FINANCE))

    assert page.svg_texts["chart-damages"] == ["Beta notes", "$11,200.00"]
    assert page.text("chart-damages-desc") == (
        "Liquidated damages and penalties accrued as of 2 Mar 2026, per deal: the 1 largest of 2 deals. "
        "Beta notes: $11,200.00.")
    assert page.text("chart-damages-panel").endswith(
        "Every deal's damages (2 deals): Fees and penalties: totals")
    assert page.links["chart-damages-panel"] == [f"/reports/fees/?deal={desk['beta'].pk}", "/reports/fee-totals/"]
    assert page.tiles()["damages"] == EVERY_TILE["damages"]  # the total is still every deal's


# All records ------------------------------------------------------------------------------------------------


def test_all_records_lists_the_desk_s_models_and_the_system_s_only_to_those_who_may_see_them(
        client, django_user_model):
    finance = login(client, django_user_model, "finance", group=FINANCE)
    page = Page(finance.get("/admin/records/").content.decode())
    assert "Deals" in page.text("desk-records")
    assert "/admin/obligations/occurrence/" in page.links["desk-records"]
    assert "system-records" not in page.texts

    client.logout()
    administrator = login(client, django_user_model, "administrator", group=DEAL_ADMINISTRATORS)
    page = Page(administrator.get("/admin/records/").content.decode())
    assert page.text("system-records").startswith("System Users and groups, login lockouts and the beat schedule.")
    assert "/admin/django_celery_beat/periodictask/" in page.links["system-records"]
    assert "/admin/axes/accessattempt/" in page.links["system-records"]
    assert not [url for url in page.links["desk-records"] if url.startswith(("/admin/axes/", "/admin/django_celery"))]


def test_all_records_needs_a_login(client):
    response = client.get("/admin/records/")

    assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/records/")


# The deal list's next due date ----------------------------------------------------------------------------


def test_the_deal_list_s_next_due_date_is_the_next_one_ahead_and_overdue_ones_are_counted_apart(admin_client):
    deal = DealFactory(title="CalbaTech notes")
    due(deal, "4(h)", "Statement missed in 2005", datetime.date(2005, 5, 23))
    due(deal, "4(h)", "Statement due in December", datetime.date(2026, 12, 7))
    due(deal, "4(h)", "Statement done", datetime.date(2026, 2, 27), status="done", done_on=datetime.date(2026, 2, 27),
        evidence="Filed")
    nothing_ahead = DealFactory(title="Old deal")
    due(nothing_ahead, "4(h)", "Statement missed in 2006", datetime.date(2006, 1, 9))

    page = Page(admin_client.get("/admin/dealdesk/deal/").content.decode())

    rows = {row[1]: row[-2:] for row in page.rows["result_list"][1:]}
    assert rows == {"CalbaTech notes": ["Dec. 7, 2026", "1"], "Old deal": ["none ahead", "1"]}
