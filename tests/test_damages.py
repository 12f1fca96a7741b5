"""Liquidated damages as the SPA words them, worked by hand here and compared with the fees reports.

SPA s.2(f): "three percent (3%) of the outstanding amount of the Notes per month plus accrued and unpaid
interest on the Notes, prorated for partial months", owed "until the list is delivered" (s.4(h)) or
"until such breach is cured" (s.4(o)): a covenant in breach accrues once a day, however many of its
due dates are missed at once.
"""
import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from dateutil.relativedelta import relativedelta

from deals.models import Deal
from deals.reporting import get_report
from dealdesk.sample_deals import sample_deals_load
from obligations.models import Obligation, Occurrence
from obligations.services import occurrences_mark_done
from tests.factories import (
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealFactory,
    ObligationFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
CLOSING = D(2005, 5, 23)  # the Closing Notes, $800,000 at 10%, issued on the Closing Date


def three_percent_a_month_by_hand(first_day: D, end: D, *, principal=800_000, issued=CLOSING) -> Decimal:
    """Day by day from the first breach day up to `end`: 3% of that day's principal plus simple 10%
    interest since issue, over the length of the month (counted from the first breach day) it falls in."""
    total, month = Fraction(0), 0
    while (month_start := first_day + relativedelta(months=month)) < end:
        month_end = first_day + relativedelta(months=month + 1)
        length = (month_end - month_start).days
        day = month_start
        while day < min(month_end, end):
            base = principal + Fraction(principal) * Fraction(1, 10) * (day - issued).days / 365
            total += Fraction(3, 100) * base / length
            day += datetime.timedelta(days=1)
        month += 1
    return (Decimal(total.numerator) / Decimal(total.denominator)).quantize(Decimal("0.01"))


def report_rows(name: str, **filters) -> list[dict]:
    report = get_report(name)
    filterset = report.filterset(filters)
    assert filterset.is_valid(), filterset.errors
    return list(report.rows(filterset))


def test_the_sample_spa_owes_what_the_agreement_words_give_at_the_end_of_2005():
    with time_machine.travel(datetime.datetime(2006, 1, 1, 17, tzinfo=datetime.UTC), tick=False):
        sample_deals_load()
        spa = Deal.objects.get(title__startswith="CalbaTech")
        rows = report_rows("fees", deal=spa.pk)
        totals = report_rows("fee-totals", deal=spa.pk)

    # Nothing is marked done, and three covenants with damages had due dates in 2005:
    # s.4(b) blue sky evidence by the Closing Date (23 May), s.4(c) the press release two business days
    # after it (25 May), and s.4(h) the monthly lists, the first due 7 June: one breach each, to 31 Dec.
    blue_sky = three_percent_a_month_by_hand(D(2005, 5, 23), D(2006, 1, 1))
    press_release = three_percent_a_month_by_hand(D(2005, 5, 25), D(2006, 1, 1))
    monthly_lists = three_percent_a_month_by_hand(D(2005, 6, 7), D(2006, 1, 1))
    assert [(row["item"], row["days"], row["amount"]) for row in rows] == [
        ("s.4(b) Blue sky qualification and evidence of it", 223, blue_sky),
        ("s.4(c) Press release on the transaction", 221, press_release),
        ("s.4(h) Monthly list of shares authorized, reserved and issuable", 208, monthly_lists),
    ]
    assert (blue_sky, press_release, monthly_lists) == (
        Decimal("180298.97"), Decimal("178751.64"), Decimal("168653.61"))
    buyers = ("AJW Offshore, Ltd., AJW Partners, LLC, AJW Qualified Partners, LLC, "
              "New Millennium Capital Partners II, LLC")
    assert {row["payee"] for row in rows} == {buyers}
    assert rows[2]["how"] == (
        "In breach 2005-06-07 to 2005-12-31 (208 days). Base on 2006-01-01: 800,000.00 principal + "
        "48,876.71 accrued interest. On notes held by the beneficiaries together."
    )
    total = blue_sky + press_release + monthly_lists
    assert [(t["totals_for"], t["name"], t["penalties"], t["amount"]) for t in totals] == [
        ("Deal", spa.title, total, total),
        ("Payee", buyers, total, total),
    ]


@pytest.fixture
def monthly_list():
    # SPA s.4(h): a list five business days after each month end; 3% a month while it is missing.
    deal = DealFactory(title="CalbaTech 2005 notes", closing_date=CLOSING)
    company = PartyFactory(legal_name="CalbaTech, Inc.")
    obligation = ObligationFactory(deal=deal, obligor=company, section="4(h)", title="Monthly share reserve list",
                                   penalty=Obligation.Penalty.MONTHLY_ON_NOTES, penalty_rate=Decimal("0.03"))
    DeadlineRuleFactory(obligation=obligation, window_start=CLOSING)
    return obligation


def test_lists_missed_at_the_same_time_are_one_breach_not_one_each(monthly_list):
    with time_machine.travel(datetime.datetime(2005, 8, 10, 17, tzinfo=datetime.UTC), tick=False):
        ConvertibleNoteFactory(deal=monthly_list.deal, principal=Decimal("800000.00"), issue_date=CLOSING)
        rows = report_rows("fees")

    # The May list (due 7 Jun), the June list (due 8 Jul) and the July list (due 5 Aug) are all missing:
    # one breach from 7 June to 9 August, not three stacked ones.
    assert [(row["date"], row["days"], row["amount"]) for row in rows] == [
        (D(2005, 6, 7), 64, three_percent_a_month_by_hand(D(2005, 6, 7), D(2005, 8, 10))),
    ]


def test_a_breach_ends_the_day_the_list_is_delivered_and_a_gap_accrues_nothing(monthly_list):
    with time_machine.travel(datetime.datetime(2005, 8, 10, 17, tzinfo=datetime.UTC), tick=False):
        ConvertibleNoteFactory(deal=monthly_list.deal, principal=Decimal("800000.00"), issue_date=CLOSING)
        may, june, july = Occurrence.objects.order_by("due_date")[:3]
        occurrences_mark_done(occurrences=Occurrence.objects.filter(pk__in=[may.pk, june.pk]),
                              on=D(2005, 6, 17), by=None, evidence="Both lists emailed to each Buyer")
        rows = report_rows("fees")

    # The May and June lists were both delivered on 17 June (the June list early): in breach
    # 7 to 16 June, then again from 5 August when the July list fell due.
    assert rows[0]["days"] == 10 + 5
    assert rows[0]["amount"] == (three_percent_a_month_by_hand(D(2005, 6, 7), D(2005, 6, 17))
                                 + three_percent_a_month_by_hand(D(2005, 8, 5), D(2005, 8, 10)))
    assert rows[0]["how"].startswith(
        "In breach 2005-06-07 to 2005-06-16 (10 days); 2005-08-05 to 2005-08-09 (5 days).")


def test_each_buyer_is_owed_damages_on_its_own_notes(monthly_list):
    partners = PartyFactory(legal_name="AJW Partners, LLC")
    offshore = PartyFactory(legal_name="AJW Offshore, Ltd.")
    with time_machine.travel(datetime.datetime(2005, 7, 7, 17, tzinfo=datetime.UTC), tick=False):
        ConvertibleNoteFactory(deal=monthly_list.deal, name="Notes of AJW Partners", holder=partners,
                               principal=Decimal("300000.00"), issue_date=CLOSING)
        ConvertibleNoteFactory(deal=monthly_list.deal, name="Notes of AJW Offshore", holder=offshore,
                               principal=Decimal("500000.00"), issue_date=CLOSING)
        rows = report_rows("fees")
        only_offshore = report_rows("fees", party=offshore.pk)

    # One whole month from 7 June on each holder's own principal and interest.
    assert [(row["payee"], row["amount"]) for row in rows] == [
        ("AJW Offshore, Ltd.", three_percent_a_month_by_hand(D(2005, 6, 7), D(2005, 7, 7), principal=500_000)),
        ("AJW Partners, LLC", three_percent_a_month_by_hand(D(2005, 6, 7), D(2005, 7, 7), principal=300_000)),
    ]
    assert [row["payee"] for row in only_offshore] == ["AJW Offshore, Ltd."]
