"""What a miss costs: figures worked by hand from the agreement's words (SPA s.2(f), s.4(f), s.4(h), s.4(o))."""
import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from obligations.models import Obligation
from reckoning.penalties import (
    Base,
    NotesBase,
    NoteTerms,
    PenaltyKind,
    Spell,
    accrued,
    breach_spell,
    breach_spells,
    notes_base,
)
from tests.factories import ConvertibleNoteFactory, ObligationFactory

D = datetime.date
FLAT_800K = lambda day: Base(Fraction(800_000))  # noqa: E731  (a base with no interest, to check the proration alone)


def three_percent_a_month(*spells, base_on=FLAT_800K):
    return accrued(kind=PenaltyKind.MONTHLY_ON_NOTES, spells=spells, rate=Decimal("0.03"), base_on=base_on)


# Proration ------------------------------------------------------------------------------


def test_three_percent_a_month_on_800000_for_one_whole_month():
    # SPA s.2(f): the Standard Liquidated Damages Amount, 3% of the outstanding Notes per month.
    assert three_percent_a_month(Spell(D(2005, 6, 7), D(2005, 7, 7))) == Decimal("24000.00")


def test_half_of_a_thirty_day_month_is_half_the_monthly_rate():
    assert three_percent_a_month(Spell(D(2005, 6, 1), D(2005, 6, 16))) == Decimal("12000.00")


def test_a_part_month_is_measured_against_its_own_length_and_rounded_to_the_cent():
    # 10 days of a 31-day month: 800,000 x 3% x 10/31 = 7,741.935... -> 7,741.94
    assert three_percent_a_month(Spell(D(2005, 7, 1), D(2005, 7, 11))) == Decimal("7741.94")


@pytest.mark.parametrize(
    ("spell", "expected"),
    [
        (Spell(D(2024, 1, 31), D(2024, 2, 29)), Decimal("24000.00")),  # 31 Jan + a month is 29 Feb: whole month
        (Spell(D(2023, 1, 31), D(2023, 2, 28)), Decimal("24000.00")),
        (Spell(D(2005, 6, 7), D(2005, 9, 7)), Decimal("72000.00")),
        # A month to 29 Feb, then 15 days of the 31 days from 29 Feb to 31 Mar.
        (Spell(D(2024, 1, 31), D(2024, 3, 15)), Decimal("24000") + Decimal("24000") * 15 / 31),
    ],
)
def test_months_are_counted_from_the_first_day_of_the_breach(spell, expected):
    assert three_percent_a_month(spell) == expected.quantize(Decimal("0.01"))


def test_fifteen_percent_a_year_on_10000_for_73_days():
    # SPA s.4(f): 15% per annum on late expense reimbursement: 10,000 x 15% x 73/365 = 300.
    amount = accrued(kind=PenaltyKind.ANNUAL_ON_AMOUNT, spells=[Spell(D(2005, 6, 1), D(2005, 8, 13))],
                     rate=Decimal("0.15"), base_on=lambda day: Base(Fraction(10_000)))
    assert amount == Decimal("300.00")


def test_no_number_in_the_agreement_means_no_amount():
    assert accrued(kind=PenaltyKind.NONE, spells=[Spell(D(2005, 6, 1), D(2005, 8, 13))], rate=Decimal("0.15"),
                   base_on=FLAT_800K) is None


# One breach, not one per due date -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "done_on", "expected"),
    [
        ("open", None, Spell(D(2005, 6, 7), D(2005, 7, 20))),
        ("done", D(2005, 6, 20), Spell(D(2005, 6, 7), D(2005, 6, 20))),
        ("done", D(2005, 6, 7), None),  # on its date: no breach
        ("done", D(2005, 8, 1), Spell(D(2005, 6, 7), D(2005, 7, 20))),  # done after the as-of day
        ("waived", None, None),
    ],
)
def test_a_due_date_is_in_breach_from_its_date_until_done(status, done_on, expected):
    assert breach_spell(status=status, due_date=D(2005, 6, 7), done_on=done_on, as_of=D(2005, 7, 20)) == expected


def test_a_due_date_not_yet_past_is_no_breach():
    assert breach_spell(status="open", due_date=D(2005, 6, 7), done_on=None, as_of=D(2005, 6, 7)) is None


def test_breaches_that_overlap_or_touch_are_one_breach():
    spells = [Spell(D(2005, 7, 8), D(2005, 7, 20)), Spell(D(2005, 6, 7), D(2005, 7, 20)),
              Spell(D(2005, 7, 20), D(2005, 7, 25)), Spell(D(2005, 9, 1), D(2005, 9, 3)), None]

    assert breach_spells(spells) == [Spell(D(2005, 6, 7), D(2005, 7, 25)), Spell(D(2005, 9, 1), D(2005, 9, 3))]


def test_two_missed_monthly_lists_accrue_once_a_day_not_twice():
    # SPA s.4(h): the May list (due 7 Jun) and the June list (due 8 Jul) both still missing on 7 Aug:
    # one breach from 7 Jun, two whole months, never 3% a month twice over.
    may, june = Spell(D(2005, 6, 7), D(2005, 8, 7)), Spell(D(2005, 7, 8), D(2005, 8, 7))

    assert three_percent_a_month(may, june) == Decimal("48000.00")


# The base: outstanding principal plus accrued and unpaid interest ---------------------------------


def test_the_base_is_the_issued_principal_plus_interest_accrued_since_issue():
    closing = NoteTerms(Decimal("800000"), Decimal("0.10"), D(2005, 5, 23))
    filing = NoteTerms(Decimal("600000"), Decimal("0.10"), None)  # not issued: not outstanding

    base = notes_base([closing, filing], D(2005, 6, 7))

    # 800,000 x 10% x 15/365 = 3,287.67...
    assert (base.principal, base.interest) == (Fraction(800_000), Fraction(800_000) * Fraction(1, 10) * 15 / 365)


def test_damages_follow_the_base_as_interest_accrues_day_by_day():
    # One whole month from 7 Jun 2005 on the 800,000 Closing Notes issued 23 May 2005 at 10%: each of the
    # 30 days accrues 3%/30 of that day's principal plus interest; the interest is 15 days old on the first.
    closing = NoteTerms(Decimal("800000"), Decimal("0.10"), D(2005, 5, 23))
    by_hand = sum((Fraction(3, 100) / 30) * (800_000 + Fraction(800_000) / 10 * (15 + n) / 365) for n in range(30))

    amount = three_percent_a_month(Spell(D(2005, 6, 7), D(2005, 7, 7)),
                                   base_on=lambda day: notes_base([closing], day))

    assert amount == (Decimal(by_hand.numerator) / Decimal(by_hand.denominator)).quantize(Decimal("0.01"))
    # Check: the interest averages 29.5 days' worth, 800,000 x 10% x 29.5/365 = 6,465.75; 3% of 806,465.75.
    assert amount == Decimal("24193.97")


# On the obligation ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_penalty_accrued_runs_on_the_issued_notes_and_their_interest_only():
    obligation = ObligationFactory(penalty=Obligation.Penalty.MONTHLY_ON_NOTES, penalty_rate=Decimal("0.03"))
    ConvertibleNoteFactory(deal=obligation.deal, name="Closing Notes", principal=Decimal("800000.00"),
                           interest_rate=Decimal("0.10"), issue_date=D(2005, 5, 23))
    # The Filing Notes are not issued yet, so nothing is outstanding on them.
    ConvertibleNoteFactory(deal=obligation.deal, name="Filing Notes", principal=Decimal("600000.00"), issue_date=None)

    assert obligation.penalty_accrued(spells=[Spell(D(2005, 6, 7), D(2005, 7, 7))]) == Decimal("24193.97")


@pytest.mark.django_db
def test_penalty_accrued_runs_a_yearly_rate_on_the_stated_amount():
    obligation = ObligationFactory(penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT, penalty_rate=Decimal("0.15"),
                                   penalty_base_amount=Decimal("10000.00"))

    assert obligation.penalty_accrued(spells=[Spell(D(2005, 6, 1), D(2005, 8, 13))]) == Decimal("300.00")


@pytest.mark.django_db
def test_penalty_accrued_is_none_when_the_agreement_states_no_number():
    obligation = ObligationFactory()

    assert obligation.penalty_accrued(spells=[Spell(D(2005, 6, 1), D(2005, 8, 13))]) is None


@pytest.mark.django_db
def test_penalty_accrued_is_none_when_a_yearly_rate_has_no_amount_to_run_on():
    obligation = ObligationFactory(penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT, penalty_rate=Decimal("0.15"))

    assert obligation.penalty_accrued(spells=[Spell(D(2005, 6, 1), D(2005, 8, 13))]) is None


# The closed form ------------------------------------------------------------------------------

NOTES = (
    NoteTerms(Decimal("800000.00"), Decimal("0.10"), D(2005, 5, 23)),
    NoteTerms(Decimal("600000.00"), Decimal("0.08"), D(2005, 7, 4)),  # issued within some of the runs below
    NoteTerms(Decimal("250000.00"), Decimal("0.12"), None),  # never issued
)


@pytest.mark.parametrize("start, end", [
    (D(2005, 5, 1), D(2005, 5, 23)),  # before any note: nothing
    (D(2005, 5, 1), D(2005, 6, 1)),  # the first note's issue day inside the run
    (D(2005, 6, 15), D(2005, 8, 31)),  # the second note issued inside the run
    (D(2005, 7, 4), D(2005, 7, 5)),  # one day, the second note's first
    (D(2006, 1, 1), D(2008, 3, 1)),  # years later, across a leap day
    (D(2005, 9, 1), D(2005, 9, 1)),  # an empty run
])
def test_the_sum_of_the_notes_base_over_a_run_of_days_equals_adding_each_day(start, end):
    day_by_day = sum((notes_base(NOTES, start + datetime.timedelta(days=n)).total for n in range((end - start).days)),
                     Fraction(0))

    assert NotesBase(NOTES).total_over(start, end) == day_by_day


def test_the_closed_form_gives_the_same_damages_as_the_day_by_day_sum():
    spells = [Spell(D(2005, 5, 24), D(2005, 12, 31)), Spell(D(2006, 2, 10), D(2006, 4, 2))]
    by_day = lambda day: notes_base(NOTES, day)  # noqa: E731  (a plain callable: summed a day at a time)

    assert three_percent_a_month(*spells, base_on=NotesBase(NOTES)) == three_percent_a_month(*spells, base_on=by_day)
