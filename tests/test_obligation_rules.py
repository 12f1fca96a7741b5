import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from obligations.models import DeadlineRule, Obligation, Occurrence
from tests.factories import DeadlineRuleFactory, DealEventFactory, DealFactory, ObligationFactory, PartyFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def errors(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value.message_dict


def refused_by_database(save) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


@pytest.fixture
def obligation():
    return ObligationFactory(deal=DealFactory(title="CalbaTech 2005 notes"), section="4(h)",
                             title="Monthly share reserve list")


# DeadlineRule


def test_a_recurring_rule_needs_a_frequency(obligation):
    rule = DeadlineRule(obligation=obligation, kind="recurring", frequency="", offset=5, offset_unit="business_days")

    assert errors(rule) == {"frequency": ["A recurring rule needs a period: monthly, quarterly or each fiscal year."]}


def backwards_window(obligation) -> DeadlineRule:
    return DeadlineRule(obligation=obligation, kind="recurring", frequency="monthly", offset=5,
                        window_start=D(2005, 6, 1), window_end=D(2005, 5, 31))


def test_a_window_cannot_end_before_it_starts(obligation):
    with pytest.raises(ValidationError) as excinfo:
        backwards_window(obligation).clean()

    assert excinfo.value.messages == ["The active window ends before it starts."]


def test_a_window_ending_before_it_starts_is_reported_once(obligation):
    assert errors(backwards_window(obligation)) == {"window_end": ["The active window ends before it starts."]}


def test_an_event_anchor_needs_the_event(obligation):
    rule = DeadlineRule(obligation=obligation, kind="after_anchor", anchor="event", offset=5)

    assert errors(rule) == {"anchor_event": ["Pick the deal event the days are counted from."]}


def test_an_anchor_event_must_belong_to_the_same_deal(obligation):
    other_deal = DealFactory(title="Cal-Bay equity line")
    event = DealEventFactory(deal=other_deal, name="Effective Date")
    rule = DeadlineRule(obligation=obligation, kind="after_anchor", anchor="event", anchor_event=event, offset=5)

    assert errors(rule) == {
        "anchor_event": [
            "Effective Date is an event of Cal-Bay equity line, not of CalbaTech 2005 notes. Add it to this deal first."
        ]
    }


def test_an_event_is_only_picked_when_the_days_count_from_an_event(obligation):
    event = DealEventFactory(deal=obligation.deal, name="Filing Date")
    rule = DeadlineRule(obligation=obligation, kind="after_anchor", anchor="closing_date", anchor_event=event)

    assert errors(rule) == {"anchor_event": ["Only pick an event when the days count from a deal event."]}


def test_a_rule_after_an_anchor_says_what_it_counts_from(obligation):
    rule = DeadlineRule(obligation=obligation, kind="after_anchor", anchor="", offset=5)

    assert errors(rule) == {"anchor": ["Say what the days are counted from."]}


def test_a_fixed_date_rule_needs_its_date(obligation):
    rule = DeadlineRule(obligation=obligation, kind="fixed_date")

    assert errors(rule) == {"__all__": ["A fixed-date rule needs its date."]}


def test_a_good_rule_passes(obligation):
    rule = DeadlineRule(obligation=obligation, kind="recurring", frequency="monthly", offset=5,
                        offset_unit="business_days")
    problems = {}

    try:
        rule.full_clean()
    except ValidationError as error:
        problems = error.message_dict

    assert problems == {}


# Obligation


def test_the_obligor_must_be_a_party_to_the_deal(obligation):
    stranger = PartyFactory(legal_name="Oftring & Company, Inc.")
    obligation.obligor = stranger

    assert errors(obligation) == {"obligor": ["Oftring & Company, Inc. is not a party to CalbaTech 2005 notes."]}


def test_a_penalty_in_numbers_needs_its_rate(obligation):
    obligation.penalty = Obligation.Penalty.MONTHLY_ON_NOTES

    assert errors(obligation) == {"__all__": ["A penalty stated in numbers needs its rate."]}


def test_a_penalty_rate_cannot_exceed_one(obligation):
    obligation.penalty, obligation.penalty_rate = Obligation.Penalty.MONTHLY_ON_NOTES, Decimal("3")

    assert errors(obligation) == {"penalty_rate": ["Ensure this value is less than or equal to 1."]}


# Occurrence


@pytest.fixture
def occurrence(obligation):
    rule = DeadlineRuleFactory(obligation=obligation)
    return rule.occurrences.get(key="2005-05-31")


def test_done_needs_the_day_it_was_done(occurrence):
    occurrence.status = Occurrence.Status.DONE

    assert errors(occurrence) == {"done_on": ["Say on which day it was done."]}


@pytest.mark.parametrize("evidence", ["", "  "])
def test_a_waiver_needs_its_evidence(occurrence, evidence):
    occurrence.status, occurrence.done_on, occurrence.evidence = Occurrence.Status.WAIVED, D(2005, 6, 10), evidence

    assert errors(occurrence) == {"evidence": ["Say who waived it and how (e.g. the buyers' written waiver)."]}


def test_an_open_occurrence_has_no_done_date(occurrence):
    occurrence.done_on = D(2005, 6, 6)

    assert errors(occurrence) == {
        "done_on": ["An open occurrence has no done date; mark it done or clear the date."]
    }


def test_a_done_date_cannot_be_in_the_future(occurrence):
    occurrence.status, occurrence.done_on = Occurrence.Status.DONE, datetime.date.today() + datetime.timedelta(days=5)

    assert errors(occurrence) == {"done_on": ["The done date cannot be in the future."]}


# The database refuses the same when clean() is bypassed (bulk edits, scripts, a bug).


def test_the_database_refuses_a_window_ending_before_it_starts(obligation):
    refused_by_database(lambda: DeadlineRule.objects.create(
        obligation=obligation, kind="recurring", frequency="monthly", offset=5,
        window_start=D(2005, 6, 1), window_end=D(2005, 5, 31),
    ))


def test_the_database_refuses_an_event_anchor_without_an_event(obligation):
    refused_by_database(lambda: DeadlineRule.objects.create(
        obligation=obligation, kind="after_anchor", anchor="event", offset=5,
    ))


def test_the_database_refuses_a_recurring_rule_without_frequency(obligation):
    refused_by_database(lambda: DeadlineRule.objects.create(
        obligation=obligation, kind="recurring", frequency="", offset=5,
    ))


def test_the_database_refuses_a_penalty_without_a_rate(obligation):
    refused_by_database(lambda: Obligation.objects.filter(pk=obligation.pk).update(penalty="monthly_on_notes"))


def test_the_database_refuses_a_penalty_rate_over_one(obligation):
    refused_by_database(lambda: Obligation.objects.filter(pk=obligation.pk).update(
        penalty="monthly_on_notes", penalty_rate=Decimal("3"),
    ))


def test_the_database_refuses_done_without_a_done_date(occurrence):
    refused_by_database(lambda: Occurrence.objects.filter(pk=occurrence.pk).update(status="done"))


def test_the_database_refuses_an_open_occurrence_with_a_done_date(occurrence):
    refused_by_database(lambda: Occurrence.objects.filter(pk=occurrence.pk).update(done_on=D(2005, 6, 6)))


def test_the_database_refuses_a_waiver_without_evidence(occurrence):
    refused_by_database(lambda: Occurrence.objects.filter(pk=occurrence.pk).update(
        status="waived", done_on=D(2005, 6, 10), evidence="",
    ))


def test_the_database_refuses_a_second_occurrence_for_the_same_period(occurrence):
    refused_by_database(lambda: Occurrence.objects.create(
        rule=occurrence.rule, key="2005-05-31", due_date=D(2005, 6, 7), computation="copy",
    ))
