import datetime

import pytest
from django.core.exceptions import ValidationError

from parties.models import NoticeMethod
from parties.services import notice_effective_on
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db

Method = NoticeMethod.Method
SENT = datetime.date(2005, 6, 1)


@pytest.fixture
def spa():
    # SPA s.8(f): "effective five days after being placed in the mail, if mailed by regular United States
    # mail, or upon receipt, if delivered personally or by courier ... or by facsimile".
    deal = DealFactory(title="CalbaTech 2005 notes")
    NoticeMethod.objects.create(deal=deal, method=Method.MAIL, effective_when="days_after_sending",
                                days_after_sending=5, section="8(f)")
    for method in (Method.HAND, Method.COURIER, Method.FAX):
        NoticeMethod.objects.create(deal=deal, method=method, effective_when="on_receipt", section="8(f)")
    return deal


@pytest.fixture
def placement_agent_agreement():
    # PAA s.11(B): "effective when deposited in the United States mail ... or when received if
    # personally delivered or faxed".
    deal = DealFactory(title="Cal-Bay equity line", agreement_name="Placement Agent Agreement",
                       dated_as_of=datetime.date(2003, 6, 16), closing_date=None)
    NoticeMethod.objects.create(deal=deal, method=Method.MAIL, effective_when="days_after_sending",
                                days_after_sending=0, section="11(B)")
    for method in (Method.HAND, Method.FAX):
        NoticeMethod.objects.create(deal=deal, method=method, effective_when="on_receipt", section="11(B)")
    return deal


def test_spa_regular_mail_is_effective_five_days_after_mailing(spa):
    effect = notice_effective_on(deal=spa, method="mail", sent_on=SENT)

    assert effect.effective_on == datetime.date(2005, 6, 6)
    assert effect.explanation == "Regular mail: sent 01 Jun 2005 + 5 days = 06 Jun 2005."


def test_spa_mail_counts_from_mailing_even_when_it_arrives_sooner(spa):
    effect = notice_effective_on(deal=spa, method="mail", sent_on=SENT, received_on=datetime.date(2005, 6, 2))

    assert effect.effective_on == datetime.date(2005, 6, 6)


@pytest.mark.parametrize(
    ("method", "label"),
    [("fax", "Facsimile"), ("courier", "Courier / overnight delivery"), ("hand", "Personal delivery")],
)
def test_spa_fax_courier_and_hand_delivery_are_effective_on_receipt(spa, method, label):
    effect = notice_effective_on(deal=spa, method=method, sent_on=SENT, received_on=datetime.date(2005, 6, 3))

    assert effect.effective_on == datetime.date(2005, 6, 3)
    assert effect.explanation == f"{label}: effective on receipt, 03 Jun 2005."


def test_a_notice_effective_on_receipt_without_a_receipt_date_is_not_yet_effective(spa):
    effect = notice_effective_on(deal=spa, method="courier", sent_on=SENT)

    assert effect.effective_on is None
    assert effect.explanation == "Courier / overnight delivery: effective on receipt, which is not yet recorded."


def test_a_method_the_deal_does_not_allow_is_refused_naming_the_allowed_ones(spa):
    with pytest.raises(ValidationError) as excinfo:
        notice_effective_on(deal=spa, method="email", sent_on=SENT)

    assert excinfo.value.messages == [
        "CalbaTech 2005 notes does not allow notices by email. "
        "Allowed: courier / overnight delivery, facsimile, personal delivery, regular mail."
    ]


def test_a_deal_with_no_notice_clause_recorded_says_so():
    deal = DealFactory(title="Bare deal")

    with pytest.raises(ValidationError) as excinfo:
        notice_effective_on(deal=deal, method="fax", sent_on=SENT)

    assert excinfo.value.messages == ["Bare deal does not allow notices by facsimile. Allowed: none recorded."]


def test_a_notice_received_before_it_was_sent_is_refused(spa):
    with pytest.raises(ValidationError) as excinfo:
        notice_effective_on(deal=spa, method="fax", sent_on=SENT, received_on=datetime.date(2005, 5, 31))

    assert excinfo.value.messages == ["A notice cannot be received before it is sent."]


def test_placement_agent_agreement_mail_is_effective_when_deposited(placement_agent_agreement):
    effect = notice_effective_on(deal=placement_agent_agreement, method="mail", sent_on=datetime.date(2003, 7, 1))

    assert effect.effective_on == datetime.date(2003, 7, 1)
    assert effect.explanation == "Regular mail: effective when sent, 01 Jul 2003."


def test_placement_agent_agreement_fax_is_effective_on_receipt(placement_agent_agreement):
    effect = notice_effective_on(deal=placement_agent_agreement, method="fax", sent_on=datetime.date(2003, 7, 1),
                                 received_on=datetime.date(2003, 7, 2))

    assert effect.effective_on == datetime.date(2003, 7, 2)


def test_placement_agent_agreement_does_not_provide_for_courier(placement_agent_agreement):
    with pytest.raises(ValidationError) as excinfo:
        notice_effective_on(deal=placement_agent_agreement, method="courier", sent_on=datetime.date(2003, 7, 1))

    assert excinfo.value.messages == [
        "Cal-Bay equity line does not allow notices by courier / overnight delivery. "
        "Allowed: facsimile, personal delivery, regular mail."
    ]
