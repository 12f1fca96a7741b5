import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from instruments.models import Draw, ReserveCovenant, ShareReservation
from instruments.services import reserve_test
from tests.factories import (
    ConvertibleNoteFactory,
    DealFactory,
    EquityLineFactory,
    PartyFactory,
    ShareClassFactory,
    WarrantFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal():
    return DealFactory(title="CalbaTech 2005 notes")


@pytest.fixture
def company():
    return PartyFactory(legal_name="CalbaTech, Inc.")


@pytest.fixture
def covenant(deal, company):
    # SPA s.4(h): keep reserved twice the shares issuable on conversion of the Notes and exercise of the Warrants.
    common = ShareClassFactory(deal=deal, issuer=company)
    ShareReservation.objects.create(share_class=common, purpose="deal_securities", shares=30_000_000)
    ShareReservation.objects.create(share_class=common, purpose="stock_options", shares=5_000_000)
    return ReserveCovenant.objects.create(deal=deal, share_class=common, multiple=Decimal("2"), section="4(h)")


@pytest.fixture
def notes_and_warrants(deal, company):
    ConvertibleNoteFactory(deal=deal, issuer=company, name="Closing Notes", principal=Decimal("800000.00"),
                           conversion_price=Decimal("0.10"))  # 8,000,000 shares
    ConvertibleNoteFactory(deal=deal, issuer=company, name="Filing Notes", principal=Decimal("600000.00"),
                           conversion_price=Decimal("0.07"))  # 8,571,428.57 -> 8,571,428 whole shares
    WarrantFactory(deal=deal, issuer=company, shares=4_857_316)


def test_it_computes_the_shares_issuable_required_and_the_shortfall(deal, covenant, notes_and_warrants):
    result = reserve_test(deal=deal)

    assert (result.conversion_shares, result.warrant_shares) == (16_571_428, 4_857_316)
    assert (result.issuable, result.required, result.reserved, result.shortfall) == (
        21_428_744, 42_857_488, 30_000_000, 12_857_488,
    )
    assert result.passes is False
    assert result.summary() == (
        "2 x 21,428,744 issuable = 42,857,488 required; 30,000,000 reserved: SHORT by 12,857,488."
    )


def test_it_passes_when_enough_shares_are_reserved(deal, covenant, notes_and_warrants):
    ShareReservation.objects.filter(purpose="deal_securities").update(shares=42_857_488)

    result = reserve_test(deal=deal)

    assert (result.shortfall, result.passes) == (0, True)
    assert result.summary() == "2 x 21,428,744 issuable = 42,857,488 required; 42,857,488 reserved: met."


def test_a_fractional_multiple_rounds_the_requirement_up(deal, covenant, company):
    ReserveCovenant.objects.filter(pk=covenant.pk).update(multiple=Decimal("1.50"))
    WarrantFactory(deal=deal, issuer=company, shares=3)

    result = reserve_test(deal=deal)

    assert (result.issuable, result.required) == (3, 5)
    assert result.summary() == "1.5 x 3 issuable = 5 required; 30,000,000 reserved: met."


def test_a_multiple_of_ten_reads_as_ten(deal, covenant, company):
    ReserveCovenant.objects.filter(pk=covenant.pk).update(multiple=Decimal("10"))
    WarrantFactory(deal=deal, issuer=company, shares=1_000)

    assert reserve_test(deal=deal).summary() == "10 x 1,000 issuable = 10,000 required; 30,000,000 reserved: met."


def test_a_note_without_a_conversion_price_means_it_cannot_be_computed(deal, covenant, company):
    ConvertibleNoteFactory(deal=deal, issuer=company, name="Closing Notes", conversion_price=Decimal("0.10"))
    ConvertibleNoteFactory(deal=deal, issuer=company, name="Effectiveness Notes", conversion_price=None)
    WarrantFactory(deal=deal, issuer=company)

    result = reserve_test(deal=deal)

    assert (result.issuable, result.required, result.shortfall, result.passes) == (None, None, None, None)
    assert result.summary() == "Cannot compute: Effectiveness Notes has no conversion price. Reserved 30,000,000."


def test_a_deal_without_a_reserve_covenant_has_no_test(deal, notes_and_warrants):
    assert reserve_test(deal=deal) is None


# Equity line draws (PAA s.10: 1% of the Put Amount on each draw)


def test_the_placement_fee_is_one_percent_of_the_draw():
    draw = Draw(equity_line=EquityLineFactory(), date=datetime.date(2003, 9, 1), amount=Decimal("250000.00"))

    assert draw.placement_fee == Decimal("2500.00")


def test_a_draw_beyond_the_commitment_is_refused():
    line = EquityLineFactory(commitment=Decimal("10000000.00"))
    Draw.objects.create(equity_line=line, date=datetime.date(2003, 9, 1), amount=Decimal("9900000.00"))
    draw = Draw(equity_line=line, date=datetime.date(2003, 10, 1), amount=Decimal("250000.00"))

    with pytest.raises(ValidationError) as excinfo:
        draw.full_clean()

    assert excinfo.value.message_dict == {
        "amount": ["This draw would exceed the commitment: only $100,000.00 is left to draw."]
    }


def test_a_draw_up_to_the_commitment_is_allowed():
    line = EquityLineFactory(commitment=Decimal("10000000.00"))
    Draw.objects.create(equity_line=line, date=datetime.date(2003, 9, 1), amount=Decimal("9900000.00"))
    last_draw = Draw(equity_line=line, date=datetime.date(2003, 10, 1), amount=Decimal("100000.00"))
    problems = {}

    try:
        last_draw.full_clean()  # exactly what is left: the commitment is drawn in full
    except ValidationError as error:
        problems = error.message_dict

    assert problems == {}
