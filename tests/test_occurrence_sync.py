import datetime
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from obligations.models import DeadlineRule
from obligations.services import occurrences_mark_done, occurrences_sync, occurrences_waive
from tests.factories import DeadlineRuleFactory, DealEventFactory, ObligationFactory, PartyFactory

pytestmark = pytest.mark.django_db

# The desk is mid-June 2005; the default horizon (400 days) reaches 20 Jul 2006.
TODAY = datetime.date(2005, 6, 15)
MONTH_ENDS_TO_HORIZON = [
    "2005-05-31", "2005-06-30", "2005-07-31", "2005-08-31", "2005-09-30", "2005-10-31", "2005-11-30",
    "2005-12-31", "2006-01-31", "2006-02-28", "2006-03-31", "2006-04-30", "2006-05-31", "2006-06-30",
]


@pytest.fixture(autouse=True)
def mid_june_2005():
    with time_machine.travel(datetime.datetime(2005, 6, 15, 12, tzinfo=timezone.get_default_timezone()), tick=False):
        yield


@pytest.fixture
def reserve_list():
    # SPA s.4(h): the list is due within five business days of each month end, from the 2005-05-23 closing.
    return DeadlineRuleFactory()


def keys(rule: DeadlineRule) -> list[str]:
    return list(rule.occurrences.order_by("due_date").values_list("key", flat=True))


def due_dates(rule: DeadlineRule) -> list[datetime.date]:
    return list(rule.occurrences.order_by("due_date").values_list("due_date", flat=True))


def test_creating_a_rule_creates_its_occurrences_up_to_the_horizon(reserve_list):
    assert keys(reserve_list) == MONTH_ENDS_TO_HORIZON
    assert due_dates(reserve_list)[:3] == [
        datetime.date(2005, 6, 7), datetime.date(2005, 7, 8), datetime.date(2005, 8, 5),
    ]
    assert set(reserve_list.occurrences.values_list("status", flat=True)) == {"open"}


def test_a_later_horizon_adds_only_the_new_periods(reserve_list):
    result = occurrences_sync(rule=reserve_list, horizon=datetime.date(2006, 8, 31))

    assert (result.created, result.updated, result.removed) == (2, 0, 0)
    assert keys(reserve_list)[-3:] == ["2006-06-30", "2006-07-31", "2006-08-31"]


def test_running_sync_twice_creates_nothing_the_second_time(reserve_list):
    horizon = datetime.date(2006, 12, 31)
    first = occurrences_sync(rule=reserve_list, horizon=horizon)
    second = occurrences_sync(rule=reserve_list, horizon=horizon)

    assert (first.created, first.updated, first.removed) == (6, 0, 0)
    assert (second.created, second.updated, second.removed) == (0, 0, 0)
    assert reserve_list.occurrences.count() == 20


def test_changing_the_rules_offset_moves_the_open_due_dates(reserve_list):
    DeadlineRule.objects.filter(pk=reserve_list.pk).update(offset=10)  # as a bulk edit would, without signals
    reserve_list.refresh_from_db()

    result = occurrences_sync(rule=reserve_list)

    assert (result.created, result.updated, result.removed) == (0, 14, 0)
    june = reserve_list.occurrences.get(key="2005-05-31")
    assert june.due_date == datetime.date(2005, 6, 14)
    assert june.computation == "Month ended 31 May 2005 + 10 business days = Tue 14 Jun 2005"


def test_a_done_occurrence_keeps_its_dates_and_evidence_when_the_rule_changes(reserve_list, django_user_model):
    clerk = django_user_model.objects.create_user("clerk")
    first = reserve_list.occurrences.filter(key="2005-05-31")
    occurrences_mark_done(occurrences=first, on=datetime.date(2005, 6, 6), by=clerk, evidence="Emailed to AJW")

    reserve_list.offset = 10
    reserve_list.save()

    done = reserve_list.occurrences.get(key="2005-05-31")
    assert (done.due_date, done.status, done.done_on, done.done_by, done.evidence) == (
        datetime.date(2005, 6, 7), "done", datetime.date(2005, 6, 6), clerk, "Emailed to AJW",
    )
    assert done.computation == "Month ended 31 May 2005 + 5 business days = Tue 7 Jun 2005"
    assert reserve_list.occurrences.get(key="2005-06-30").due_date == datetime.date(2005, 7, 15)


@pytest.fixture
def filing_date():
    # SPA s.4(l): the Filing Notes close within five days of the Filing Date, which has not happened yet.
    return DealEventFactory(name="Filing Date", date=None)


@pytest.fixture
def filing_closing(filing_date):
    obligation = ObligationFactory(deal=filing_date.deal, section="4(l)", title="Close the Filing Notes")
    return DeadlineRuleFactory(obligation=obligation, kind="after_anchor", frequency="", anchor="event",
                               anchor_event=filing_date, offset=5, offset_unit="calendar_days")


def test_a_rule_on_an_event_without_a_date_has_no_occurrences(filing_closing):
    assert filing_closing.occurrences.count() == 0


def test_setting_the_event_date_creates_the_occurrence(filing_date, filing_closing):
    filing_date.date = datetime.date(2005, 7, 1)
    filing_date.save()

    occurrence = filing_closing.occurrences.get()
    assert (occurrence.key, occurrence.due_date, occurrence.status) == ("once", datetime.date(2005, 7, 6), "open")
    assert occurrence.computation == (
        "Filing Date 1 Jul 2005 + 5 calendar days = Wed 6 Jul 2005"
    )


def test_clearing_the_event_date_removes_the_open_occurrence_but_keeps_a_done_one(filing_date, filing_closing):
    other = ObligationFactory(deal=filing_date.deal, section="4(l)", title="Issue the Filing Warrants")
    warrants = DeadlineRuleFactory(obligation=other, kind="after_anchor", frequency="", anchor="event",
                                   anchor_event=filing_date, offset=5, offset_unit="calendar_days")
    filing_date.date = datetime.date(2005, 6, 1)
    filing_date.save()
    occurrences_mark_done(occurrences=warrants.occurrences.all(), on=datetime.date(2005, 6, 3), by=None,
                          evidence="Warrants delivered to each Buyer")

    filing_date.date = None
    filing_date.save()

    assert filing_closing.occurrences.count() == 0
    kept = warrants.occurrences.get()
    assert (kept.due_date, kept.status, kept.done_on) == (datetime.date(2005, 6, 6), "done", datetime.date(2005, 6, 3))


def test_changing_the_closing_date_moves_rules_anchored_on_it():
    # SPA s.4(c)-style: two business days after the Closing.
    rule = DeadlineRuleFactory(kind="after_anchor", frequency="", anchor="closing_date",
                               offset=2, offset_unit="business_days")
    assert due_dates(rule) == [datetime.date(2005, 5, 25)]
    deal = rule.obligation.deal

    deal.closing_date = datetime.date(2005, 5, 27)
    deal.save()

    occurrence = rule.occurrences.get()
    assert occurrence.due_date == datetime.date(2005, 6, 1)
    assert occurrence.computation == (
        "Closing date 27 May 2005 + 2 business days (US banking (Federal Reserve) holidays; "
        "skipped Mon 30 May 2005 Memorial Day) = Wed 1 Jun 2005"
    )


def test_changing_the_obligors_fiscal_year_end_moves_its_quarterly_deadlines():
    company = PartyFactory(legal_name="CalbaTech, Inc.")
    # SPA s.4(g): quarterly reports, here 45 days after each fiscal quarter end.
    rule = DeadlineRuleFactory(obligation=ObligationFactory(obligor=company), frequency="quarterly",
                               offset=45, offset_unit="calendar_days")
    assert keys(rule) == ["2005-06-30", "2005-09-30", "2005-12-31", "2006-03-31", "2006-06-30"]

    company.fiscal_year_end_month, company.fiscal_year_end_day = 1, 31
    company.save()

    assert keys(rule) == ["2005-07-31", "2005-10-31", "2006-01-31", "2006-04-30"]
    first = rule.occurrences.order_by("due_date").first()
    assert (first.due_date, first.period_start) == (datetime.date(2005, 9, 14), datetime.date(2005, 5, 1))


def test_the_sync_command_reports_what_it_changed(reserve_list):
    out = StringIO()
    call_command("sync_occurrences", "--horizon", "2006-08-31", stdout=out)
    call_command("sync_occurrences", "--horizon", "2006-08-31", stdout=out)

    assert out.getvalue() == (
        "Due dates up to 2006-08-31: 2 created, 0 updated, 0 removed.\n"
        "Due dates up to 2006-08-31: 0 created, 0 updated, 0 removed.\n"
    )


def test_the_sync_command_defaults_to_the_configured_horizon(reserve_list):
    out = StringIO()
    call_command("sync_occurrences", stdout=out)

    assert out.getvalue() == "Due dates up to 2006-07-20: 0 created, 0 updated, 0 removed.\n"


def test_the_sync_command_refuses_a_bad_horizon():
    with pytest.raises(CommandError) as excinfo:
        call_command("sync_occurrences", "--horizon", "next year", stdout=StringIO())
    assert str(excinfo.value) == "--horizon must be a date like 2005-06-30, not 'next year'"


# Marking done and waiving


def test_mark_done_changes_only_open_occurrences_and_returns_the_count(reserve_list, django_user_model):
    clerk = django_user_model.objects.create_user("clerk")
    first_three = reserve_list.occurrences.filter(key__in=MONTH_ENDS_TO_HORIZON[:3])
    occurrences_mark_done(occurrences=first_three.filter(key="2005-05-31"), on=datetime.date(2005, 6, 1), by=None,
                          evidence="List emailed")

    count = occurrences_mark_done(occurrences=first_three, on=TODAY, by=clerk, evidence="Emailed")

    assert count == 2
    assert list(first_three.order_by("key").values_list("key", "status", "done_on", "evidence")) == [
        ("2005-05-31", "done", datetime.date(2005, 6, 1), "List emailed"),
        ("2005-06-30", "done", TODAY, "Emailed"),
        ("2005-07-31", "done", TODAY, "Emailed"),
    ]
    assert reserve_list.occurrences.open().count() == 11


def test_waiving_records_the_reason(reserve_list):
    june = reserve_list.occurrences.filter(key="2005-05-31")

    count = occurrences_waive(occurrences=june, on=TODAY, by=None, evidence="Buyers' written waiver of 10 Jun 2005")

    assert count == 1
    assert list(june.values_list("status", "done_on", "evidence")) == [
        ("waived", TODAY, "Buyers' written waiver of 10 Jun 2005"),
    ]


@pytest.mark.parametrize("reason", ["", "   "])
def test_waiving_without_a_reason_is_refused(reserve_list, reason):
    with pytest.raises(ValidationError) as excinfo:
        occurrences_waive(occurrences=reserve_list.occurrences.all(), on=TODAY, by=None, evidence=reason)

    assert excinfo.value.messages == ["Say who waived it and how (e.g. the buyers' written waiver)."]
    assert reserve_list.occurrences.open().count() == 14


@pytest.mark.parametrize("complete", [occurrences_mark_done, occurrences_waive])
def test_a_completion_date_in_the_future_is_refused(reserve_list, complete):
    with pytest.raises(ValidationError) as excinfo:
        complete(occurrences=reserve_list.occurrences.all(), on=TODAY + datetime.timedelta(days=1), by=None,
                 evidence="Waiver letter")

    assert excinfo.value.messages == ["The date cannot be in the future."]
    assert reserve_list.occurrences.open().count() == 14
