import datetime
from decimal import Decimal

import pytest

from obligations.models import Obligation
from reckoning.penalties import annual_simple, monthly_prorated, months_elapsed
from tests.factories import ConvertibleNoteFactory, ObligationFactory

D = datetime.date


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2005, 6, 7), D(2005, 7, 7), Decimal("1")),
        (D(2005, 6, 1), D(2005, 6, 16), Decimal("0.5")),
        (D(2024, 1, 31), D(2024, 2, 29), Decimal("1")),  # Feb 29 is the month's end: a whole month
        (D(2023, 1, 31), D(2023, 2, 28), Decimal("1")),
        (D(2005, 6, 7), D(2005, 9, 7), Decimal("3")),
        (D(2005, 6, 7), D(2005, 6, 7), Decimal("0")),
        (D(2005, 6, 7), D(2005, 6, 1), Decimal("0")),  # paid before it was due: nothing
    ],
)
def test_months_elapsed_counts_whole_months_and_the_part_month_by_its_days(start, end, months):
    assert months_elapsed(start, end) == months


def test_months_elapsed_measures_the_part_month_against_its_own_length():
    # 31 Jan + 1 month = 29 Feb; the next part-month runs 29 Feb to 31 Mar (31 days).
    assert months_elapsed(D(2024, 1, 31), D(2024, 3, 15)) == 1 + Decimal(15) / Decimal(31)


def test_three_percent_a_month_on_800000_for_one_whole_month():
    # SPA s.2(f): the Standard Liquidated Damages Amount, 3% of the outstanding Notes per month.
    assert monthly_prorated(
        base=Decimal("800000.00"), monthly_rate=Decimal("0.03"), start=D(2005, 6, 7), end=D(2005, 7, 7)
    ) == Decimal("24000.00")


def test_three_percent_a_month_is_prorated_for_half_a_thirty_day_month():
    assert monthly_prorated(
        base=Decimal("800000.00"), monthly_rate=Decimal("0.03"), start=D(2005, 6, 1), end=D(2005, 6, 16)
    ) == Decimal("12000.00")


def test_a_prorated_amount_is_rounded_to_the_cent():
    # 10 days of a 30-day month: 800,000 x 3% x 1/3 = 8,000.00; of a 31-day month: 7,741.935... -> 7,741.94
    assert monthly_prorated(
        base=Decimal("800000.00"), monthly_rate=Decimal("0.03"), start=D(2005, 7, 1), end=D(2005, 7, 11)
    ) == Decimal("7741.94")


def test_fifteen_percent_a_year_on_10000_for_73_days():
    # SPA s.4(f): 15% per annum on late expense reimbursement.
    assert annual_simple(
        base=Decimal("10000.00"), annual_rate=Decimal("0.15"), start=D(2005, 6, 1), end=D(2005, 8, 13)
    ) == Decimal("300.00")


def test_yearly_interest_is_zero_when_paid_on_time():
    assert annual_simple(
        base=Decimal("10000.00"), annual_rate=Decimal("0.15"), start=D(2005, 6, 1), end=D(2005, 5, 1)
    ) == Decimal("0.00")


@pytest.mark.django_db
def test_penalty_accrued_runs_three_percent_a_month_on_the_issued_notes_only():
    obligation = ObligationFactory(penalty=Obligation.Penalty.MONTHLY_ON_NOTES, penalty_rate=Decimal("0.03"))
    ConvertibleNoteFactory(deal=obligation.deal, name="Closing Notes", principal=Decimal("800000.00"))
    # The Filing Notes are not issued yet, so nothing is outstanding on them.
    ConvertibleNoteFactory(deal=obligation.deal, name="Filing Notes", principal=Decimal("600000.00"), issue_date=None)

    assert obligation.penalty_base() == Decimal("800000.00")
    assert obligation.penalty_accrued(due_date=D(2005, 6, 7), as_of=D(2005, 7, 7)) == Decimal("24000.00")


@pytest.mark.django_db
def test_penalty_accrued_runs_a_yearly_rate_on_the_stated_amount():
    obligation = ObligationFactory(penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT, penalty_rate=Decimal("0.15"),
                                   penalty_base_amount=Decimal("10000.00"))

    assert obligation.penalty_accrued(due_date=D(2005, 6, 1), as_of=D(2005, 8, 13)) == Decimal("300.00")


@pytest.mark.django_db
def test_penalty_accrued_is_none_when_the_agreement_states_no_number():
    obligation = ObligationFactory()

    assert obligation.penalty_accrued(due_date=D(2005, 6, 1), as_of=D(2005, 8, 13)) is None


@pytest.mark.django_db
def test_penalty_accrued_is_none_when_a_yearly_rate_has_no_amount_to_run_on():
    obligation = ObligationFactory(penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT, penalty_rate=Decimal("0.15"))

    assert obligation.penalty_accrued(due_date=D(2005, 6, 1), as_of=D(2005, 8, 13)) is None
