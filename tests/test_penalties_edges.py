"""What a miss costs at the edges: a one-day breach, a half cent, notes issued on the day, a done date not given."""
import datetime
from decimal import Decimal
from fractions import Fraction

from reckoning.penalties import Base, NoteTerms, PenaltyKind, Spell, accrued, breach_spell, notes_base

D = datetime.date


def fifteen_percent_a_year_on(amount: str, *spells: Spell) -> Decimal:
    # SPA s.4(f): 15% per annum, simple, actual/365, on an unpaid amount.
    return accrued(kind=PenaltyKind.ANNUAL_ON_AMOUNT, spells=spells, rate=Decimal("0.15"),
                   base_on=lambda day: Base(Fraction(amount)))


def test_it_charges_a_breach_of_a_single_day():
    # 36,500 x 15% x 1/365 = 15.00: paid the day after it was due.
    one_day = breach_spell(status="done", due_date=D(2005, 6, 1), done_on=D(2005, 6, 2), as_of=D(2005, 8, 1))

    assert fifteen_percent_a_year_on("36500.00", one_day) == Decimal("15.00")


def test_it_rounds_half_a_cent_up():
    # 10,001.50 x 15% x 73/365 = 300.045 exactly: the half cent goes up, not to the even cent.
    assert fifteen_percent_a_year_on("10001.50", Spell(D(2005, 6, 1), D(2005, 8, 13))) == Decimal("300.05")


def test_it_counts_a_due_date_marked_done_without_a_date_as_breached_up_to_the_day_asked():
    assert breach_spell(status="done", due_date=D(2005, 6, 7), done_on=None, as_of=D(2005, 7, 20)) == Spell(
        D(2005, 6, 7), D(2005, 7, 20)
    )


def test_it_adds_up_every_issued_note_including_one_issued_that_day():
    # SPA s.2(f) base on 7 Jul 2005: the Filing Notes are not issued yet; the Closing Notes (23 May 2005)
    # carry 45 days of 10% interest; a note issued that very day is outstanding with no interest yet.
    filing = NoteTerms(Decimal("600000"), Decimal("0.10"), None)
    closing = NoteTerms(Decimal("800000"), Decimal("0.10"), D(2005, 5, 23))
    bridge = NoteTerms(Decimal("200000"), Decimal("0.10"), D(2005, 7, 7))
    second_closing = NoteTerms(Decimal("100000"), Decimal("0.08"), D(2005, 6, 22))

    base = notes_base([filing, closing, second_closing, bridge], D(2005, 7, 7))

    assert (base.principal, base.interest) == (
        Fraction(1_100_000),
        Fraction(800_000) * Fraction(1, 10) * 45 / 365 + Fraction(100_000) * Fraction(8, 100) * 15 / 365,
    )
