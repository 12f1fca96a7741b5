"""The whole agreement on the desk: the sample deals, once the events they wait on happen.

What the desk must show, read off the two agreements in the seeds folder (the Placement
Agent Agreement of 16 Jun 2003, "PAA", and the Securities Purchase Agreement of 23 May 2005,
"SPA"): every filing after the closing with its own copy to the Buyers (SPA s.4(g)(i)), the
Lock-up Period ending on the later of its two limbs (SPA s.4(e)), nothing due on a request
nobody has made and nothing repeating past the end the agreement gives it (PAA s.5(C), s.5(D);
SPA s.4(g), s.4(h)), and each draw's closing documents (PAA s.8). Every due date was counted by
hand on a calendar with the Federal Reserve holidays (Thanksgiving Thu 24 Nov 2005). The
section maps have their own tests (tests/test_section_map.py).
"""
import csv
import datetime
import html
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from deals.models import Deal, DealEvent
from instruments.models import Draw
from obligations.models import DeadlineRule, Occurrence
from obligations.services import occurrences_mark_done, occurrences_sync_all

PAA = "Cal-Bay International – Placement Agent Agreement (equity line)"
SPA = "CalbaTech – Securities Purchase Agreement (10% secured convertible notes)"
D = datetime.date

# PAA s.5(D) "during the registration period ... upon the Placement Agent's request"; s.5(C) "Upon written request".
REQUEST_5D = "Placement Agent's request for financial statements (s.5(D))"
REQUEST_5C = "Written request for copies (s.5(C))"
REGISTRATION_ENDS = "End of the registration period of the Equity Line"
ATTESTATIONS_BEGIN = "Compliance attestations begin"
LOCK_UP = "Lock-up Period: no discounted or variable equity financing"

pytestmark = pytest.mark.django_db


def load() -> None:
    call_command("load_sample_deals", stdout=StringIO())


def date_event(deal, name, day):
    event = deal.events.get(name=name)
    event.date = day
    event.save()
    return event


def record(deal, kind, name, day):
    """Record one event of a kind, as the desk does when a filing, a mailing or a report happens."""
    return DealEvent.objects.create(deal=deal, kind=deal.event_kinds.get(name=kind), name=name, date=day)


def occurrences(deal, section, title=None):
    found = Occurrence.objects.filter(rule__obligation__deal=deal, rule__obligation__section=section)
    if title:
        found = found.filter(rule__obligation__title=title)
    return list(found.order_by("due_date", "key"))


def top_rules(deal):
    return DeadlineRule.objects.filter(obligation__deal=deal, part_of=None).select_related(
        "obligation", "starts_with", "ends_with", "event_kind")


# --- SPA s.4(g)(i): a copy of each filing, within ten days after it -----------------------------


def test_each_sec_report_filed_after_the_closing_gets_its_own_copy_to_the_buyers(spa):
    obligation = spa.obligations.get(section="4(g)(i)")
    assert obligation.title == "Copies of SEC reports to each Buyer"
    assert obligation.rules.get().describe() == (
        "10 calendar days after each SEC report filed; until Buyers hold none of the Securities"
    )
    assert occurrences(spa, "4(g)(i)") == []
    assert obligation.rules.get().waiting_reason() == "Waiting on the first SEC report filed"

    june = record(spa, "SEC report filed", "10-QSB (quarter ended 30 Jun 2005) filed", D(2005, 8, 15))
    september = record(spa, "SEC report filed", "10-QSB (quarter ended 30 Sep 2005) filed", D(2005, 11, 14))
    current = record(spa, "SEC report filed", "8-K of 5 Dec 2005 filed", D(2005, 12, 5))

    found = occurrences(spa, "4(g)(i)")
    assert [(o.key, o.due_date, o.status) for o in found] == [
        (f"event-{june.pk}", D(2005, 8, 25), "open"),  # Thu
        (f"event-{september.pk}", D(2005, 11, 25), "open"),  # Thu 24 Nov is Thanksgiving
        (f"event-{current.pk}", D(2005, 12, 15), "open"),  # Thu
    ]
    assert found[1].computation == (
        "10-QSB (quarter ended 30 Sep 2005) filed 14 Nov 2005 + 10 calendar days = Thu 24 Nov 2005, "
        "rolled forward to Fri 25 Nov 2005 (not a business day; US banking (Federal Reserve) holidays: "
        "Thu 24 Nov 2005 Thanksgiving Day)"
    )


def test_a_filing_recorded_on_the_admin_add_page_has_its_copy_due_at_once(admin_client, spa):
    kind = spa.event_kinds.get(name="SEC report filed")
    response = admin_client.post(reverse("admin:dealdesk_dealevent_add"), {
        "deal": spa.pk, "name": "10-KSB for 2005 filed", "date": "2006-03-31", "kind": kind.pk, "description": "",
    })

    assert response.status_code == 302
    event = DealEvent.objects.get(deal=spa, name="10-KSB for 2005 filed")
    [occurrence] = occurrences(spa, "4(g)(i)")
    assert (occurrence.key, occurrence.due_date, occurrence.computation) == (
        f"event-{event.pk}", D(2006, 4, 10),
        "10-KSB for 2005 filed 31 Mar 2006 + 10 calendar days = Mon 10 Apr 2006",
    )
    page = admin_client.get(reverse("admin:obligations_occurrence_change", args=[occurrence.pk]))
    assert page.status_code == 200
    assert html.escape(occurrence.computation) in page.content.decode()


# --- SPA s.4(e): the Lock-up Period ends on the later of its two limbs --------------------------

LIMB_I = "(i) Closing date 23 May 2005 + 270 calendar days = Fri 17 Feb 2006 (end of the period)"


def test_the_lock_up_has_no_end_until_the_effective_date_is_entered(spa):
    obligation = spa.obligations.get(section="4(e)", title=LOCK_UP)
    rule = obligation.rules.get(part_of=None)
    assert [(limb.kind, limb.describe()) for limb in rule.limbs.all()] == [
        ("period", "270 calendar days from Closing date"),
        ("period", "180 calendar days from Effective Date"),
    ]
    assert occurrences(spa, "4(e)", LOCK_UP) == []
    assert rule.waiting_reason() == "Waiting on: Effective Date; at least Fri 17 Feb 2006 (limb (i))"


@pytest.mark.parametrize(("effective", "end", "computation"), [
    # Declared effective early: 1 Jun 2005 + 180 = 28 Nov 2005, before limb (i).
    (D(2005, 6, 1), D(2006, 2, 17),
     f"Later of {LIMB_I}; (ii) Effective Date 1 Jun 2005 + 180 calendar days = Mon 28 Nov 2005 (end of the period): "
     "(i) Fri 17 Feb 2006"),
    # Declared effective late: 15 Sep 2005 + 180 = 14 Mar 2006, after limb (i).
    (D(2005, 9, 15), D(2006, 3, 14),
     f"Later of {LIMB_I}; (ii) Effective Date 15 Sep 2005 + 180 calendar days = Tue 14 Mar 2006 (end of the period): "
     "(ii) Tue 14 Mar 2006"),
    # Both limbs on the same day: the text names both.
    (D(2005, 8, 21), D(2006, 2, 17),
     f"Later of {LIMB_I}; (ii) Effective Date 21 Aug 2005 + 180 calendar days = Fri 17 Feb 2006 (end of the period): "
     "(i) and (ii) Fri 17 Feb 2006"),
])
def test_the_lock_up_ends_on_the_later_of_its_limbs_once_the_effective_date_is_entered(
        spa, effective, end, computation):
    date_event(spa, "Effective Date", effective)

    [occurrence] = occurrences(spa, "4(e)", LOCK_UP)
    # "beginning on the Closing Date and ending on the later of": not rolled off a weekend (it is no deadline).
    assert (occurrence.period_start, occurrence.period_end, occurrence.due_date) == (D(2005, 5, 23), end, end)
    assert occurrence.computation == computation
    assert DeadlineRule.objects.get(obligation=occurrence.obligation, part_of=None).waiting_reason() == ""


def test_correcting_the_effective_date_moves_the_lock_up_end_in_place(spa):
    effective = date_event(spa, "Effective Date", D(2005, 9, 15))
    [late] = occurrences(spa, "4(e)", LOCK_UP)

    effective.date = D(2005, 6, 1)
    effective.save()

    [early] = occurrences(spa, "4(e)", LOCK_UP)
    assert (early.pk, early.period_end, early.computation.endswith(": (i) Fri 17 Feb 2006")) == (
        late.pk, D(2006, 2, 17), True)


def test_clearing_a_mistaken_event_date_takes_the_short_sale_end_away():
    with time_machine.travel(datetime.datetime(2006, 3, 1, 12, 0), tick=False):  # horizon 5 Apr 2007
        load()
        spa = Deal.objects.get(title=SPA)
        repaid = date_event(spa, "No Note outstanding", D(2006, 3, 1))
        assert [o.period_end for o in occurrences(spa, "4(n)")] == [D(2007, 5, 23)] * 4

        repaid.date = None  # entered by mistake: the Notes are still outstanding
        repaid.save()

        assert occurrences(spa, "4(n)") == []


# --- Nothing on a request nobody made, nothing past the end ------------------------------------


def past_the_end(rule: DeadlineRule) -> list[Occurrence]:
    """The occurrences of a rule ending with a dated event that are about a period or an event after it."""
    end = rule.ends_with.date
    late = []
    for occurrence in rule.occurrences.all():
        if rule.kind == DeadlineRule.Kind.EACH_EVENT:
            day = DealEvent.objects.get(pk=int(occurrence.key.removeprefix("event-"))).date
        else:
            day = occurrence.period_end
        if day > end:
            late.append(occurrence)
    return late


def dormant_rules_have_nothing() -> Counter:
    """Every rule waiting on an undated start has no occurrence; how many wait, per deal and event."""
    waiting = Counter()
    for rule in DeadlineRule.objects.filter(starts_with__isnull=False, starts_with__date=None).select_related(
            "obligation__deal", "starts_with"):
        assert not rule.occurrences.exists(), rule
        assert rule.waiting_reason() == f"Waiting on: {rule.starts_with.name}", rule
        waiting[(rule.obligation.deal.title, rule.starts_with.name)] += 1
    return waiting


def mark_done(queryset, on, evidence):
    assert occurrences_mark_done(occurrences=queryset, on=on, by=None, evidence=evidence) == 1


@pytest.fixture
def desk_on_25_nov_2026():
    # The horizon is 400 days on: 30 Dec 2027.
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 0), tick=False):
        load()
        yield Deal.objects.get(title=PAA), Deal.objects.get(title=SPA)


def test_nothing_is_due_on_a_request_nobody_made_nor_past_the_end_the_agreement_gives(desk_on_25_nov_2026):
    paa, spa = desk_on_25_nov_2026
    # Only the ends of the 5(D) request's duties and of the SPA's are looked at below: all of them repeat.
    assert {r.kind for r in DeadlineRule.objects.filter(ends_with__isnull=False)} == {"recurring", "each_event"}

    assert dormant_rules_have_nothing() == {
        (PAA, REQUEST_5D): 3, (PAA, REQUEST_5C): 2, (PAA, ATTESTATIONS_BEGIN): 12, (SPA, ATTESTATIONS_BEGIN): 15,
    }
    on_request = [
        (r.obligation.section, r.waiting_reason())
        for r in top_rules(paa).filter(starts_with__name__icontains="request").order_by("obligation__section", "pk")
    ]
    assert on_request == [
        ("5(C)", f"Waiting on: {REQUEST_5C}"),
        ("5(C)", f"Waiting on: {REQUEST_5C}"),
        ("5(D)(i)", f"Waiting on: {REQUEST_5D}"),
        ("5(D)(ii)", f"Waiting on: {REQUEST_5D}"),
        ("5(D)(iii)", f"Waiting on: {REQUEST_5D}"),
    ]
    assert not top_rules(spa).filter(starts_with__name__icontains="request").exists()

    # Reports prepared and materials furnished to stockholders: still nothing, nobody asked for copies.
    record(paa, "Financial statements or public-disclosure report prepared", "10-QSB for Q1 2005 prepared",
           D(2005, 5, 10))
    proxy = record(paa, "Stockholder materials furnished", "Proxy statement mailed", D(2005, 5, 2))
    for section in ("5(C)", "5(D)(i)", "5(D)(ii)", "5(D)(iii)"):
        assert occurrences(paa, section) == [], section

    # PAA: the Placement Agent asks on 15 Jan 2004; the registration period ends 30 Jun 2005.
    date_event(paa, REQUEST_5D, D(2004, 1, 15))
    annual_report = record(paa, "Stockholder materials furnished", "Annual report mailed", D(2005, 10, 10))
    quarterly = occurrences(paa, "5(D)(i)")
    assert (quarterly[0].period_end, quarterly[0].due_date) == (D(2004, 3, 31), D(2004, 5, 17))
    assert quarterly[-1].period_end == D(2027, 9, 30)  # the last quarter end within the horizon
    assert [o.key for o in occurrences(paa, "5(D)(iii)")] == [f"event-{proxy.pk}", f"event-{annual_report.pk}"]
    assert occurrences(paa, "5(C)") == []  # s.5(C)'s own written request is still not made
    mark_done(Occurrence.objects.filter(pk=quarterly[0].pk), D(2004, 5, 14),
              "Certified Q1 2004 statements emailed to Robert J. Oftring on 14 May 2004")
    mark_done(Occurrence.objects.filter(rule__obligation__deal=paa, key=f"event-{proxy.pk}"), D(2005, 5, 2),
              "Proxy statement sent to Oftring with the mailing")
    date_event(paa, REGISTRATION_ENDS, D(2005, 6, 30))

    assert [(o.period_end, o.due_date, o.status) for o in occurrences(paa, "5(D)(i)")] == [
        (D(2004, 3, 31), D(2004, 5, 17), "done"),
        (D(2004, 6, 30), D(2004, 8, 16), "open"),
        (D(2004, 9, 30), D(2004, 11, 15), "open"),
        (D(2004, 12, 31), D(2005, 2, 14), "open"),
        (D(2005, 3, 31), D(2005, 5, 16), "open"),
        (D(2005, 6, 30), D(2005, 8, 15), "open"),
    ]
    assert occurrences(paa, "5(D)(i)")[0].evidence == (
        "Certified Q1 2004 statements emailed to Robert J. Oftring on 14 May 2004")
    assert [(o.period_end, o.due_date) for o in occurrences(paa, "5(D)(ii)")] == [(D(2004, 12, 31), D(2005, 3, 31))]
    assert [(o.key, o.due_date, o.status) for o in occurrences(paa, "5(D)(iii)")] == [
        (f"event-{proxy.pk}", D(2005, 5, 2), "done"),  # the annual report of 10 Oct 2005 came after the end
    ]

    # SPA: attestations from 1 Jul 2005; the last Note and Warrant gone 15 Mar 2007, the Securities 31 Mar 2007.
    date_event(spa, ATTESTATIONS_BEGIN, D(2005, 7, 1))
    filed = record(spa, "SEC report filed", "10-QSB (quarter ended 30 Jun 2005) filed", D(2005, 8, 15))
    record(spa, "SEC report filed", "10-QSB (quarter ended 31 Mar 2007) filed", D(2007, 4, 16))
    monthly = "Monthly list of shares authorized, reserved and issuable"
    reserve = "Shares authorized and reserved: at least twice the shares issuable"
    mark_done(Occurrence.objects.filter(rule__obligation__deal=spa, rule__obligation__title=monthly, key="2005-05-31"),
              D(2005, 6, 6), "List emailed to each Buyer on 6 Jun 2005")
    mark_done(Occurrence.objects.filter(rule__obligation__deal=spa, rule__obligation__title=reserve, key="2005-09-30"),
              D(2005, 10, 3), "CFO's attestation of 3 Oct 2005")
    date_event(spa, "No Notes or Warrants outstanding", D(2007, 3, 15))
    date_event(spa, "Buyers hold none of the Securities", D(2007, 3, 31))

    lists = occurrences(spa, "4(h)", monthly)
    assert len(lists) == 22  # May 2005 to Feb 2007: the March 2007 list is not owed
    assert [(o.period_end, o.due_date, o.status) for o in (lists[0], lists[-1])] == [
        (D(2005, 5, 31), D(2005, 6, 7), "done"),
        (D(2007, 2, 28), D(2007, 3, 7), "open"),
    ]
    assert [(o.period_end, o.status) for o in occurrences(spa, "4(h)", reserve)] == [
        (D(2005, 9, 30), "done"), (D(2005, 12, 31), "open"), (D(2006, 3, 31), "open"), (D(2006, 6, 30), "open"),
        (D(2006, 9, 30), "open"), (D(2006, 12, 31), "open"),
    ]
    assert [o.key for o in occurrences(spa, "4(g)(i)")] == [f"event-{filed.pk}"]

    # Every rule of both deals that ends with a dated event, now and as the horizon moves on.
    ended = DeadlineRule.objects.filter(ends_with__date__isnull=False).select_related("ends_with")
    assert Counter(r.ends_with.name for r in ended) == {
        REGISTRATION_ENDS: 3, "No Notes or Warrants outstanding": 2, "Buyers hold none of the Securities": 6,
    }
    occurrences_sync_all(horizon=D(2031, 1, 1))
    checked = 0
    for rule in ended:
        assert past_the_end(rule) == [], rule
        checked += rule.occurrences.count()
    assert checked == 6 + 1 + 1 + 22 + 6 + 1 + 3 * 7  # 3(f), 4(c) and 4(i): 7 quarters, to 31 Mar 2007
    assert len(occurrences(paa, "5(D)(i)")) == 6
    assert dormant_rules_have_nothing() == {
        (PAA, REQUEST_5C): 2, (PAA, ATTESTATIONS_BEGIN): 12,
    }


# --- PAA s.8 and s.10: each draw ---------------------------------------------------------------


def test_each_draw_dates_its_closing_documents_and_certificate_and_owes_its_placement_fee(paa):
    kind = paa.event_kinds.get(name="Draw on the equity line")
    following = DeadlineRule.objects.filter(event_kind=kind).order_by("obligation__section")
    assert [r.obligation.section for r in following] == ["8(B)", "8(C), 8(D)"]
    line = paa.equity_lines.get()

    first = Draw.objects.create(equity_line=line, date=D(2004, 3, 1), amount=Decimal("250000"))
    second = Draw.objects.create(equity_line=line, date=D(2004, 4, 15), amount=Decimal("400000"))

    expected = [
        (f"event-{first.event_id}", D(2004, 3, 1), f"Draw #{first.pk} 1 Mar 2004 + 0 calendar days = Mon 1 Mar 2004"),
        (f"event-{second.event_id}", D(2004, 4, 15),
         f"Draw #{second.pk} 15 Apr 2004 + 0 calendar days = Thu 15 Apr 2004"),
    ]
    for section in ("8(B)", "8(C), 8(D)"):
        assert [(o.key, o.due_date, o.computation) for o in occurrences(paa, section)] == expected, section
    assert first.event.kind == second.event.kind == kind

    # s.10: "1% of the Put Amount on each draw", to Oftring; the agreement states no day to pay it.
    out = StringIO()
    call_command("export_report", "fees", "--deal", str(paa.pk), stdout=out)
    rows = [(r["kind"], r["item"], r["payer"], r["payee"], r["date"], r["base"], r["rate"], r["amount"], r["how"])
            for r in csv.DictReader(StringIO(out.getvalue()))]
    assert rows == [
        ("Placement fee", "Draw of 2004-03-01", "Cal-Bay International, Inc.", "Oftring & Company, Inc.",
         "2004-03-01", "250000.00", "0.010000", "2500.00", "1% of the draw."),
        ("Placement fee", "Draw of 2004-04-15", "Cal-Bay International, Inc.", "Oftring & Company, Inc.",
         "2004-04-15", "400000.00", "0.010000", "4000.00", "1% of the draw."),
    ]
