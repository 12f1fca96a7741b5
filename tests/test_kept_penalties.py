"""Kept penalties (obligations.accruals): the fees reports read each covenant's damages as kept each
night, and compute on the spot any covenant changed since, or all of them once the day has moved on.

The kept rows are "poisoned" here (their amounts set to one cent behind the desk's back): a row that
shows a cent was read from what was kept; one that shows the true amount was computed.
"""
import datetime
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, connections, transaction

from deals import reporting
from deals.models import Deal
from deals.reporting import GROUPS_LISTED, ListReport, csv_lines, get_report
from dealdesk.sample_deals import sample_deals_load
from instruments.models import ConvertibleNote, Draw
from obligations import accruals, tasks
from obligations.models import DeadlineRule, KeptPenalty, Obligation, Occurrence
from obligations.services import occurrences_mark_done, occurrences_waive
from tests.conftest import SAMPLE_SPA
from tests.factories import DeadlineRuleFactory, DealFactory, EquityLineFactory, ObligationFactory, PartyFactory

pytestmark = pytest.mark.django_db

D = datetime.date
NEW_YEAR = datetime.datetime(2006, 1, 1, 17, tzinfo=datetime.UTC)
CENT = Decimal("0.01")


@pytest.fixture
def desk():
    """The two sample deals on 1 January 2006, and a deal of their own whose one covenant is in breach
    (a yearly rate on an unpaid amount): whatever changes in the samples, its kept row stays kept."""
    with time_machine.travel(NEW_YEAR, tick=False):
        sample_deals_load()
        other = DealFactory(title="Zeta Holdings bridge loan")
        lender = PartyFactory(legal_name="Zeta Lender LLC")
        covenant = ObligationFactory(deal=other, obligor=PartyFactory(legal_name="Zeta Borrower Inc."),
                                     section="7", title="Repay the bridge", penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT,
                                     penalty_rate=Decimal("0.15"), penalty_base_amount=Decimal("100000.00"))
        covenant.beneficiaries.add(lender)
        fixed_date(covenant, D(2005, 12, 1))
        yield


def fixed_date(obligation: Obligation, day: datetime.date) -> DeadlineRule:
    return DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, fixed_date=day,
                               frequency="", offset=0)


def bridge() -> Obligation:
    return Obligation.objects.get(title="Repay the bridge")


def fees(**filters) -> list[dict]:
    report = get_report("fees")
    filterset = report.filterset(filters)
    assert filterset.is_valid(), filterset.errors
    return [row for row in report.rows(filterset) if row["kind"] == "Penalty accrued"]


def computed(**filters) -> list[dict]:
    """The penalty rows computed from scratch, nothing kept."""
    with transaction.atomic():
        KeptPenalty.objects.all().delete()
        rows = fees(**filters)
        transaction.set_rollback(True)
    return rows


def keep_and_poison() -> int:
    kept = accruals.penalties_keep(today=NEW_YEAR.date())
    for penalty in KeptPenalty.objects.exclude(rows=[]):
        penalty.rows = [{**row, "amount": str(CENT)} for row in penalty.rows]
        penalty.amounts = [{**row, "amount": str(CENT)} for row in penalty.amounts]
        penalty.save(update_fields=["rows", "amounts"])
    return kept


def amounts(rows) -> dict[tuple[str, str, str], Decimal]:
    return {(row["deal"], row["item"], row["payee"]): row["amount"] for row in rows}


def spa_item(rows, section: str) -> list[dict]:
    return [row for row in rows if row["deal"] == SAMPLE_SPA and row["item"].startswith(f"s.{section} ")]


def test_kept_rows_are_the_computed_rows_and_the_reports_read_them(desk):
    with time_machine.travel(NEW_YEAR, tick=False):
        before = computed()
        assert accruals.penalties_keep(today=NEW_YEAR.date()) == Obligation.objects.exclude(
            penalty=Obligation.Penalty.NONE).count()
        assert fees() == before
        assert fees(deal=bridge().deal_id) == computed(deal=bridge().deal_id)
        # Kept and current: nothing to do again.
        assert accruals.penalties_keep(today=NEW_YEAR.date()) == 0

        keep_and_poison()
        rows = fees()
        totals, report = get_report("fee-totals"), get_report("fees")
        filterset = totals.filterset({})
        assert filterset.is_valid()
        total_rows = totals.unsorted_rows(filterset)
        csv = "".join(csv_lines(report, filterset))

    assert len(before) == 4  # s.4(b), 4(c) and 4(h) of the sample SPA; the bridge loan
    assert [row["amount"] for row in rows] == [CENT] * 4
    assert [{**row, "amount": None} for row in rows] == [{**row, "amount": None} for row in before]
    assert {row["name"]: row["penalties"] for row in total_rows if row["totals_for"] == "Deal"}[SAMPLE_SPA] == 3 * CENT
    assert csv.count(",0.01,") == 4


def test_a_covenant_changed_since_it_was_kept_is_computed_again(desk):
    with time_machine.travel(NEW_YEAR, tick=False):
        keep_and_poison()
        lists = Obligation.objects.get(deal__title=SAMPLE_SPA, title__startswith="Monthly list of shares")
        may = Occurrence.objects.filter(rule__obligation=lists).order_by("due_date").first()
        occurrences_mark_done(occurrences=Occurrence.objects.filter(pk=may.pk),
                              on=D(2005, 7, 1), by=None, evidence="The May list, emailed")
        rows, expected = fees(), computed()

    assert spa_item(rows, "4(h)") == spa_item(expected, "4(h)")
    assert spa_item(rows, "4(h)")[0]["amount"] != CENT
    # The others were not touched: still read as kept.
    assert [row["amount"] for row in rows if not row["item"].startswith("s.4(h)")] == [CENT] * 3


CHANGES = {
    "a due date waived": lambda: occurrences_waive(
        occurrences=Occurrence.objects.filter(rule__obligation=bridge()), on=D(2005, 12, 20), by=None,
        evidence="The lender's letter of 20 December"),
    "a due date deleted": lambda: Occurrence.objects.filter(rule__obligation=bridge()).delete(),
    "the covenant's rate": lambda: _with(bridge(), penalty_rate=Decimal("0.18")).save(),
    "the amount it runs on": lambda: _with(bridge(), penalty_base_amount=Decimal("50000.00")).save(),
    "a beneficiary added": lambda: bridge().beneficiaries.add(PartyFactory(legal_name="Another Lender LP")),
    "the beneficiaries cleared": lambda: bridge().beneficiaries.clear(),
    "a beneficiary leaves from its side": lambda: bridge().beneficiaries.get().obligations_benefiting.clear(),
    "a beneficiary renamed": lambda: _with(bridge().beneficiaries.get(), legal_name="Zeta Lending LLC").save(),
    "a beneficiary deleted from the desk": lambda: bridge().beneficiaries.get().delete(),
    "the payer renamed": lambda: _with(bridge().obligor, legal_name="Zeta Borrowing Inc.").save(),
    "the deal renamed": lambda: _with(bridge().deal, title="Zeta Holdings bridge facility").save(),
    "a due date added in the past": lambda: fixed_date(bridge(), D(2005, 11, 1)),
}


def _with(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_every_change_the_damages_are_computed_from_makes_the_kept_rows_stale(desk, change):
    with time_machine.travel(NEW_YEAR, tick=False):
        keep_and_poison()
        CHANGES[change]()
        rows, expected = fees(), computed()

    bridge = [row for row in rows if row["item"] == "s.7 Repay the bridge"]
    assert bridge == [row for row in expected if row["item"] == "s.7 Repay the bridge"]
    assert all(row["amount"] != CENT for row in bridge)
    assert [row["amount"] for row in rows if row["deal"] == SAMPLE_SPA] == [CENT] * 3


NOTE_CHANGES = {
    "a note's principal": lambda note, holder: _with(note, principal=note.principal / 2).save(),
    "a note's holder": lambda note, holder: _with(note, holder=holder).save(),
    "a note repaid out of the desk": lambda note, holder: note.delete(),
    "a note moved to another deal": lambda note, holder: _with(note, deal=bridge().deal).save(),
    "a holder renamed": lambda note, holder: (_with(note, holder=holder).save(), keep_and_poison(),
                                              _with(holder, legal_name="AJW Partners II, LLC").save()),
}


@pytest.mark.parametrize("change", NOTE_CHANGES, ids=list(NOTE_CHANGES))
def test_the_notes_damages_run_on_are_part_of_what_they_are_computed_from(desk, change):
    # SPA s.2(f): 3% a month of the outstanding Notes plus accrued interest, each Buyer on its own.
    with time_machine.travel(NEW_YEAR, tick=False):
        keep_and_poison()
        note = ConvertibleNote.objects.filter(deal__title=SAMPLE_SPA).order_by("pk").first()
        NOTE_CHANGES[change](note, PartyFactory(legal_name="AJW Partners, LLC (noteholder)"))
        rows, expected = fees(), computed()

    assert [row for row in rows if row["deal"] == SAMPLE_SPA] == [row for row in expected if row["deal"] == SAMPLE_SPA]
    assert all(row["amount"] != CENT for row in rows if row["deal"] == SAMPLE_SPA)


def test_the_next_day_every_covenant_is_computed_until_kept_again(desk):
    with time_machine.travel(NEW_YEAR, tick=False):
        keep_and_poison()
    with time_machine.travel(NEW_YEAR + datetime.timedelta(days=1), tick=False):
        rows, expected = fees(), computed()
        assert all(row["amount"] != CENT for row in rows)
        assert rows == expected
        assert tasks.keep_penalties.apply().get() == Obligation.objects.exclude(penalty=Obligation.Penalty.NONE).count()
        assert fees() == expected


def test_a_change_made_while_the_penalties_are_kept_leaves_them_stale_not_wrong(desk, monkeypatch):
    computing = accruals.breaches_in_order

    def and_meanwhile(due_dates, *, today):
        covenants = computing(due_dates, today=today)
        # Read before the change is committed: the rows about to be kept are already out of date.
        Occurrence.objects.filter(rule__obligation=bridge()).delete()
        return covenants

    with time_machine.travel(NEW_YEAR, tick=False):
        monkeypatch.setattr(accruals, "breaches_in_order", and_meanwhile)
        keep_and_poison()
        monkeypatch.setattr(accruals, "breaches_in_order", computing)
        rows = fees()

    assert [row["deal"] for row in rows if row["amount"] != CENT] == []
    assert "Zeta Holdings bridge loan" not in {row["deal"] for row in rows}


@pytest.fixture
def draws(desk):
    """Seven draws on equity lines of three deals, two lines sharing one deal (PAA s.10 placement fees)."""
    agent = PartyFactory(legal_name="Park Capital Securities, LLC")
    lines = [EquityLineFactory(deal=DealFactory(title=f"Equity line {name}"), placement_agent=agent,
                               placement_fee_rate=Decimal(rate)) for name, rate in (("A", "0.01"), ("B", "0.015"))]
    lines.append(EquityLineFactory(deal=lines[0].deal, placement_agent=None, placement_fee_rate=Decimal("0.02")))
    for day, line, amount in ((3, 1, "1000000.00"), (1, 0, "250000.00"), (9, 2, "333333.33"), (1, 2, "10.25"),
                              (20, 0, "550000.00"), (9, 1, "0.50"), (28, 2, "75000.00")):
        Draw.objects.create(equity_line=lines[line], date=D(2005, 8, day), amount=Decimal(amount))


def test_each_page_count_and_total_of_the_fees_report_are_those_of_its_rows_built_whole(draws):
    # The page reads today's rows in the report's own order without building them all: every window
    # of them, the count and the totals are what the rows built whole (ListReport) give.
    report = get_report("fees")
    with time_machine.travel(NEW_YEAR, tick=False):
        accruals.penalties_keep(today=NEW_YEAR.date())
        bridge_loan = Obligation.objects.get(title="Repay the bridge")
        # The kept summaries are picked for a party as a payee or as the payer (on PostgreSQL, in SQL).
        for filters in ({}, {"party": str(bridge_loan.beneficiaries.get().pk)}, {"party": str(bridge_loan.obligor_id)},
                        {"deal": str(Deal.objects.get(title="Equity line A").pk)}):
            filterset = report.filterset(filters)
            assert filterset.is_valid()
            whole = report.unsorted_rows(filterset)
            assert report.count(filterset) == len(whole)
            for start, stop in ((0, 3), (3, 7), (5, 9), (7, 8), (0, 50), (9, 50)):
                assert report.page(_valid(report, filters), (), start, stop) == whole[start:stop], (filters, start)
            assert report.totals(_valid(report, filters)) == ListReport.totals(report, _valid(report, filters))
        assert len(report.unsorted_rows(_valid(report, {}))) == 7 + 4


def _valid(report, filters):
    filterset = report.filterset(filters)
    assert filterset.is_valid()
    return filterset


def test_the_totals_list_each_deal_up_to_fifty_and_then_point_to_the_totals_report(draws, admin_client,
                                                                                   monkeypatch):
    with time_machine.travel(NEW_YEAR, tick=False):
        few = admin_client.get("/reports/fees/").content.decode()
        for number in range(GROUPS_LISTED):
            Draw.objects.create(equity_line=EquityLineFactory(deal=DealFactory(title=f"Line {number:02}")),
                                date=D(2005, 12, 1), amount=Decimal("1000.00"))
        many = admin_client.get("/reports/fees/?party=").content.decode()
        monkeypatch.setattr(reporting, "COUNT_BOUND", 20)  # the pages show the first 20, the totals add up all
        bounded = admin_client.get("/reports/fees/").content.decode()

    assert "Totals of all 11 fees and penalties, by deal, in US dollars" in few
    assert few.count('<th scope="row">Equity line A</th>') == 1
    assert "<caption>Totals of all 61 fees and penalties, in US dollars (USD)</caption>" in many
    assert ('<p class="help" id="totals-not-listed">54 deals are too many to list here: each one\'s totals are in '
            '<a href="/reports/fee-totals/?party=">Fees and penalties: totals</a>.</p>') in many
    assert '<th scope="row">Equity line A</th>' not in many
    assert '<th scope="row">Overall</th>' in many
    assert "<caption>Totals of all the fees and penalties (more than 20), in US dollars (USD)</caption>" in bounded


def test_the_command_keeps_them_and_says_how_many(desk):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with time_machine.travel(NEW_YEAR, tick=False):
        call_command("keep_penalties", stdout=out)
        call_command("keep_penalties", stdout=out)
        penalised = Obligation.objects.exclude(penalty=Obligation.Penalty.NONE).count()

    assert out.getvalue().splitlines() == [
        f"Penalties kept as of 2006-01-01: {penalised} covenants brought up to the day.",
        "Penalties kept as of 2006-01-01: 0 covenants brought up to the day.",
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks the whole database, not rows")
@pytest.mark.django_db(transaction=True)
def test_keeping_skips_a_covenant_a_change_is_marking_stale_instead_of_waiting_for_it():
    bridge_loan = ObligationFactory(title="Repay the bridge", penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT,
                                    penalty_rate=Decimal("0.15"), penalty_base_amount=Decimal("100000.00"))
    fixed_date(bridge_loan, D(2005, 12, 1))
    other = ObligationFactory(penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT, penalty_rate=Decimal("0.10"),
                              penalty_base_amount=Decimal("5000.00"))
    fixed_date(other, D(2005, 11, 1))
    accruals.penalties_keep(today=D(2005, 12, 31))  # a row for each, to be locked
    holding, release = threading.Event(), threading.Event()

    def a_change_in_progress():
        with transaction.atomic():
            accruals.penalties_changed([bridge_loan.pk])
            holding.set()
            release.wait(10)
        connections.close_all()

    change = threading.Thread(target=a_change_in_progress)
    change.start()
    holding.wait(10)
    try:
        written = accruals.penalties_keep(today=D(2006, 1, 1))  # blocks until release if it waits
    finally:
        release.set()
        change.join()

    assert written == 1
    assert KeptPenalty.objects.get(obligation=other).kept_on == D(2006, 1, 1)
    assert KeptPenalty.objects.get(obligation=bridge_loan).kept_on == D(2005, 12, 31)


def test_with_more_covenants_stale_than_can_be_named_every_one_is_computed(desk, monkeypatch):
    with time_machine.travel(NEW_YEAR, tick=False):
        keep_and_poison()
        monkeypatch.setattr(accruals, "STALE_BY_ID_AT_MOST", 0)
        assert {row["amount"] for row in fees()} == {CENT}  # none stale: all still kept
        _with(bridge(), penalty_rate=Decimal("0.18")).save()  # one stale: past the bound, all computed
        rows, expected = fees(), computed()

    assert rows == expected
    assert all(row["amount"] != CENT for row in rows)
