"""Standing covenants: each period's compliance attestation, reminded like a deadline and reported to auditors."""
import csv
import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from obligations.models import DeadlineRule, Obligation
from obligations.services import occurrences_mark_done
from tests.factories import DeadlineRuleFactory, DealEventFactory, ObligationFactory, PartyFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def early_2006():
    with time_machine.travel(datetime.datetime(2006, 1, 20, 12, tzinfo=timezone.get_default_timezone()), tick=False):
        yield


@pytest.fixture
def listing_covenant(django_user_model):
    # SPA s.4(i): "so long as any Buyer owns any of the Securities, maintain the listing and trading of its
    # Common Stock on the OTCBB".
    buyer = PartyFactory(legal_name="AJW Partners, LLC")
    covenant = ObligationFactory(section="4(i)", title="Keep the Common Stock listed",
                                 kind=Obligation.Kind.STANDING_COVENANT)
    covenant.beneficiaries.set([buyer])
    begin = DealEventFactory(deal=covenant.deal, name="Compliance attestations begin", date=D(2005, 6, 1))
    rule = DeadlineRuleFactory(obligation=covenant, frequency=DeadlineRule.Frequency.QUARTERLY, offset=0,
                               offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, starts_with=begin)
    officer = django_user_model.objects.create_user("cfo", first_name="Edward", last_name="Deese")
    occurrences_mark_done(occurrences=rule.occurrences.filter(key="2005-06-30"), on=D(2005, 7, 5), by=officer,
                          evidence="OTCBB eligibility letter of 1 Jul 2005")
    return covenant


def rows(*options: str) -> list[list[str]]:
    out = StringIO()
    call_command("export_report", "attestations", *options, stdout=out)
    return list(csv.reader(StringIO(out.getvalue())))


def test_each_quarter_is_an_attestation_with_who_confirmed_it_for_which_period(listing_covenant):
    deal = listing_covenant.deal.title
    obligor = listing_covenant.obligor.legal_name

    assert rows("--from", "2005-06-01", "--to", "2006-01-31") == [
        ["deal", "section", "obligation", "obligor", "protects", "period_start", "period_end", "due_date",
         "outcome", "attested_by", "done_on", "evidence"],
        [deal, "4(i)", "Keep the Common Stock listed", obligor, "AJW Partners, LLC", "2005-04-01", "2005-06-30",
         "2005-06-30", "done late by 5 days", "Edward Deese", "2005-07-05", "OTCBB eligibility letter of 1 Jul 2005"],
        [deal, "4(i)", "Keep the Common Stock listed", obligor, "AJW Partners, LLC", "2005-07-01", "2005-09-30",
         "2005-09-30", "missed", "", "", ""],
        [deal, "4(i)", "Keep the Common Stock listed", obligor, "AJW Partners, LLC", "2005-10-01", "2005-12-31",
         "2006-01-03", "missed", "", "", ""],
    ]


def test_dated_duties_are_not_attestations(listing_covenant):
    DeadlineRuleFactory(obligation=ObligationFactory(deal=listing_covenant.deal, title="Monthly list"))

    assert {row[2] for row in rows()[1:]} == {"Keep the Common Stock listed"}
