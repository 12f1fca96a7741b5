"""The rule shapes real agreements use, as the desk stores and dates them.

Each event of a kind gets its own due date (SPA s.4(g)(i)); "the later of" two dates
(SPA s.4(e)); a duty dormant until a request (PAA s.5(D)); repeating duties that end
with an event or when the last Note is repaid; limbs that carry no dates of their own.
"""
import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from deals.models import DealEvent, EventKind
from instruments.models import DRAW_EVENT_KIND, Draw
from obligations.models import DeadlineRule, Occurrence
from obligations.services import occurrences_mark_done
from tests.factories import (
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealEventFactory,
    EquityLineFactory,
    ObligationFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def late_2006():
    with time_machine.travel(datetime.datetime(2006, 11, 1, 12, tzinfo=timezone.get_default_timezone()), tick=False):
        yield


def due(rule: DeadlineRule) -> list[tuple[str, datetime.date]]:
    return list(rule.occurrences.order_by("due_date", "key").values_list("key", "due_date"))


# Each event of a kind ---------------------------------------------------------


@pytest.fixture
def copies_of_filings():
    # SPA s.4(g)(i): "within ten (10) days after the filing with the SEC, a copy of its ... 10-QSB".
    obligation = ObligationFactory(section="4(g)(i)", title="Copies of SEC reports to each Buyer")
    filed = EventKind.objects.create(deal=obligation.deal, name="SEC report filed")
    rule = DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.EACH_EVENT, event_kind=filed,
                               frequency="", offset=10, offset_unit=DeadlineRule.Unit.CALENDAR_DAYS)
    return rule


def record(rule: DeadlineRule, name: str, day: datetime.date) -> DealEvent:
    return DealEvent.objects.create(deal=rule.obligation.deal, name=name, date=day, kind=rule.event_kind)


def test_each_filing_gets_its_own_due_date_ten_days_after_it(copies_of_filings):
    rule = copies_of_filings
    assert due(rule) == []

    first = record(rule, "10-QSB for the quarter ended 30 Jun 2005", D(2005, 8, 15))
    second = record(rule, "10-QSB for the quarter ended 30 Sep 2005", D(2005, 11, 14))
    third = record(rule, "8-K of 2 Dec 2005", D(2005, 12, 5))

    assert due(rule) == [
        (f"event-{first.pk}", D(2005, 8, 25)),
        (f"event-{second.pk}", D(2005, 11, 25)),  # 24 Nov 2005 is Thanksgiving: rolled to the Friday
        (f"event-{third.pk}", D(2005, 12, 15)),
    ]
    second_due = rule.occurrences.get(key=f"event-{second.pk}")
    assert second_due.computation == (
        "10-QSB for the quarter ended 30 Sep 2005 14 Nov 2005 + 10 calendar days = Thu 24 Nov 2005, "
        "rolled forward to Fri 25 Nov 2005 (not a business day; US banking (Federal Reserve) holidays: "
        "Thu 24 Nov 2005 Thanksgiving Day)"
    )


def test_an_event_of_another_kind_dates_nothing(copies_of_filings):
    DealEvent.objects.create(deal=copies_of_filings.obligation.deal, name="Effective Date", date=D(2005, 9, 1))

    assert due(copies_of_filings) == []


def test_a_moved_or_deleted_filing_moves_or_drops_its_open_due_date_but_keeps_a_completed_one(copies_of_filings):
    rule = copies_of_filings
    first = record(rule, "10-KSB for 2005", D(2006, 3, 31))
    second = record(rule, "8-K of 3 Apr 2006", D(2006, 4, 3))
    occurrences_mark_done(occurrences=rule.occurrences.filter(key=f"event-{first.pk}"), on=D(2006, 4, 5), by=None,
                          evidence="Sent by email to each Buyer on 5 Apr 2006")

    second.date = D(2006, 4, 4)
    second.save()
    assert due(rule) == [(f"event-{first.pk}", D(2006, 4, 10)), (f"event-{second.pk}", D(2006, 4, 14))]

    second.delete()
    first_key = f"event-{first.pk}"
    assert due(rule) == [(first_key, D(2006, 4, 10))]
    first.delete()
    kept = rule.occurrences.get(key=first_key)
    assert (kept.status, kept.evidence) == (Occurrence.Status.DONE, "Sent by email to each Buyer on 5 Apr 2006")


def test_recording_a_filing_in_the_admin_creates_its_due_date_at_once(admin_client, copies_of_filings):
    rule = copies_of_filings
    response = admin_client.post(reverse("admin:dealdesk_dealevent_add"), {
        "deal": rule.obligation.deal.pk, "name": "10-QSB for the quarter ended 31 Mar 2006",
        "date": "2006-05-15", "kind": rule.event_kind.pk, "description": "",
    })

    assert response.status_code == 302
    event = DealEvent.objects.get(name="10-QSB for the quarter ended 31 Mar 2006")
    assert due(rule) == [(f"event-{event.pk}", D(2006, 5, 25))]


def test_an_event_kind_of_another_deal_is_refused_on_the_event(admin_client, copies_of_filings):
    other = ObligationFactory().deal
    response = admin_client.post(reverse("admin:dealdesk_dealevent_add"), {
        "deal": other.pk, "name": "10-QSB", "date": "2006-05-15", "kind": copies_of_filings.event_kind.pk,
        "description": "",
    })

    assert response.status_code == 200
    assert (f"SEC report filed is a kind of event of {copies_of_filings.obligation.deal}, not of {other}."
            in response.content.decode())
    assert not DealEvent.objects.filter(name="10-QSB").exists()


def test_a_notice_before_each_future_offering_counts_back_and_rolls_to_the_preceding_business_day():
    # SPA s.4(e): notice "at least twenty (20) business days prior to the closing of such Future Offering".
    obligation = ObligationFactory(section="4(e)", title="Notice of a Future Offering")
    offerings = EventKind.objects.create(deal=obligation.deal, name="Future Offering closing")
    rule = DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.EACH_EVENT, event_kind=offerings,
                               frequency="", offset=20, offset_unit=DeadlineRule.Unit.BUSINESS_DAYS,
                               direction=DeadlineRule.Direction.BEFORE, roll=DeadlineRule.Roll.PRECEDING)
    offering = DealEvent.objects.create(deal=obligation.deal, name="Series B closing", date=D(2006, 3, 15),
                                        kind=offerings)

    # 20 business days back from Wed 15 Mar 2006 skip Presidents' Day (Mon 20 Feb): Tue 14 Feb 2006.
    assert due(rule) == [(f"event-{offering.pk}", D(2006, 2, 14))]


# The later of two dates ----------------------------------------------------------------


@pytest.fixture
def lock_up():
    # SPA s.4(e): the Lock-up Period ends "on the later of (i) two hundred seventy (270) days from the
    # Closing Date and (ii) one hundred eighty (180) days from the date the Registration Statement ...
    # is declared effective".
    obligation = ObligationFactory(section="4(e)", title="Lock-up Period",
                                   kind="negative_covenant")
    effective = DealEventFactory(deal=obligation.deal, name="Effective Date", date=None)
    later = DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.LATER_OF, frequency="", offset=0)
    DeadlineRuleFactory(obligation=obligation, part_of=later, kind=DeadlineRule.Kind.PERIOD, frequency="",
                        anchor=DeadlineRule.Anchor.CLOSING_DATE, offset=270, roll=DeadlineRule.Roll.NONE,
                        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS)
    DeadlineRuleFactory(obligation=obligation, part_of=later, kind=DeadlineRule.Kind.PERIOD, frequency="",
                        anchor=DeadlineRule.Anchor.EVENT, anchor_event=effective, offset=180,
                        roll=DeadlineRule.Roll.NONE, offset_unit=DeadlineRule.Unit.CALENDAR_DAYS)
    later.refresh_from_db()
    return later, effective


def test_the_lock_up_waits_on_the_effective_date_and_then_ends_on_the_later_limb(lock_up):
    later, effective = lock_up
    assert due(later) == []
    assert later.waiting_reason() == "Waiting on: Effective Date; at least Fri 17 Feb 2006 (limb (i))"
    assert [limb.occurrences.count() for limb in later.limbs.all()] == [0, 0]

    effective.date = D(2005, 12, 1)  # + 180 days = 30 May 2006, later than 17 Feb 2006
    effective.save()
    assert due(later) == [("once", D(2006, 5, 30))]
    occurrence = later.occurrences.get()
    assert (occurrence.period_start, occurrence.period_end) == (D(2005, 5, 23), D(2006, 5, 30))
    assert occurrence.computation.endswith(": (ii) Tue 30 May 2006")

    effective.date = D(2005, 7, 1)  # + 180 days = 28 Dec 2005: now the 270 days from closing are later
    effective.save()
    assert due(later) == [("once", D(2006, 2, 17))]
    assert later.waiting_reason() == ""


def test_deleting_a_limb_leaves_the_rule_waiting_for_its_limbs(lock_up):
    later, effective = lock_up
    effective.date = D(2005, 12, 1)
    effective.save()

    later.limbs.last().delete()

    assert due(later) == []
    assert later.waiting_reason() == "Waiting on its limbs: add at least two rules that are part of it."


def test_a_limb_of_a_rule_of_another_obligation_is_refused(lock_up):
    later, _ = lock_up
    stranger = DeadlineRuleFactory.build(obligation=ObligationFactory(deal=later.obligation.deal),
                                         part_of=later, kind=DeadlineRule.Kind.FIXED_DATE, frequency="",
                                         fixed_date=D(2006, 1, 3))

    with pytest.raises(Exception) as error:
        stranger.full_clean()
    assert error.value.message_dict["part_of"] == ["A limb must belong to a rule of the same obligation."]


# Dormant until a request; ending with an event or with the Notes ------------------------------


@pytest.fixture
def quarterly_statements():
    # PAA s.5(D)(i): "during the registration period ... upon the Placement Agent's request, within
    # forty five (45) days, a statement of its income for each such quarterly period".
    obligation = ObligationFactory(section="5(D)(i)", title="Quarterly financial statements")
    request = DealEventFactory(deal=obligation.deal, name="Placement Agent's request", date=None)
    period_end = DealEventFactory(deal=obligation.deal, name="End of the registration period", date=None)
    rule = DeadlineRuleFactory(obligation=obligation, frequency=DeadlineRule.Frequency.QUARTERLY, offset=45,
                               offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, starts_with=request,
                               ends_with=period_end)
    return rule, request, period_end


def test_nothing_is_due_until_the_request_is_made(quarterly_statements):
    rule, request, _ = quarterly_statements

    assert due(rule) == []
    assert rule.waiting_reason() == "Waiting on: Placement Agent's request"


def test_after_the_request_each_quarter_from_it_is_due_until_the_registration_period_ends(quarterly_statements):
    rule, request, period_end = quarterly_statements
    request.date = D(2006, 2, 10)
    request.save()
    assert [key for key, _ in due(rule)][:3] == ["2006-03-31", "2006-06-30", "2006-09-30"]
    occurrences_mark_done(occurrences=rule.occurrences.filter(key="2006-03-31"), on=D(2006, 5, 10), by=None,
                          evidence="Statements sent to the Placement Agent")

    period_end.date = D(2006, 6, 30)
    period_end.save()

    assert due(rule) == [("2006-03-31", D(2006, 5, 15)), ("2006-06-30", D(2006, 8, 14))]
    assert rule.occurrences.get(key="2006-03-31").status == Occurrence.Status.DONE


def test_a_duty_while_any_note_is_outstanding_ends_when_the_last_note_is_repaid():
    # SPA s.4(n): "so long as any of the Notes remain outstanding".
    rule = DeadlineRuleFactory(ends_when_notes_repaid=True)
    deal = rule.obligation.deal
    first = ConvertibleNoteFactory(deal=deal, name="Closing Notes", issue_date=D(2005, 5, 23))
    second = ConvertibleNoteFactory(deal=deal, name="Filing Notes", issue_date=D(2005, 8, 1))
    months = len(due(rule))
    assert months > 12  # runs to the horizon while both are outstanding

    first.repaid_or_converted_on = D(2005, 9, 30)
    first.save()
    assert len(due(rule)) == months

    second.repaid_or_converted_on = D(2005, 8, 31)
    second.save()
    assert [key for key, _ in due(rule)] == ["2005-05-31", "2005-06-30", "2005-07-31", "2005-08-31", "2005-09-30"]
    assert rule.describe() == "5 business days after each month end; while any Note is outstanding"


def test_only_some_quarters_and_their_explanation():
    # "each of the first three fiscal quarters": the annual report covers the fourth.
    rule = DeadlineRuleFactory(frequency=DeadlineRule.Frequency.QUARTERLY, only_periods="1, 2, 3", offset=45,
                               offset_unit=DeadlineRule.Unit.CALENDAR_DAYS)

    assert [key for key, _ in due(rule)][:4] == ["2005-06-30", "2005-09-30", "2006-03-31", "2006-06-30"]
    assert rule.describe() == "45 calendar days after each fiscal quarter end (periods 1, 2, 3 only)"


def test_period_numbers_that_are_not_numbers_are_refused_in_words():
    rule = DeadlineRuleFactory.build(obligation=ObligationFactory(), frequency=DeadlineRule.Frequency.QUARTERLY,
                                     only_periods="first, second")

    with pytest.raises(Exception) as error:
        rule.full_clean()
    assert error.value.message_dict["only_periods"] == ["Enter period numbers separated by commas, e.g. 1, 2, 3."]


# Each draw on an equity line ------------------------------------------------------------


def test_each_draw_is_an_event_and_the_placement_fee_rule_dates_each_one():
    # PAA s.10: "1% of the Put Amount on each draw as a fee".
    line = EquityLineFactory()
    obligation = ObligationFactory(deal=line.deal, section="10", title="Placement agent fee on each draw",
                                   kind="payment")
    first = Draw.objects.create(equity_line=line, date=D(2003, 9, 2), amount=Decimal("50000.00"))
    kind = EventKind.objects.get(deal=line.deal, name=DRAW_EVENT_KIND)
    rule = DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.EACH_EVENT, event_kind=kind,
                               frequency="", offset=0, offset_unit=DeadlineRule.Unit.CALENDAR_DAYS)
    second = Draw.objects.create(equity_line=line, date=D(2003, 10, 1), amount=Decimal("75000.00"))

    assert due(rule) == [(f"event-{first.event_id}", D(2003, 9, 2)), (f"event-{second.event_id}", D(2003, 10, 1))]
    assert second.event.name == f"Draw #{second.pk}"
    assert second.event.description == "Draw of $75,000.00 on 2003-10-01 (recorded on the equity line)"

    second.date = D(2003, 10, 3)
    second.save()
    assert due(rule)[1] == (f"event-{second.event_id}", D(2003, 10, 3))

    second.delete()
    assert due(rule) == [(f"event-{first.event_id}", D(2003, 9, 2))]
    assert not DealEvent.objects.filter(name=f"Draw #{second.pk}").exists()
