"""`generate_load`: a realistic desk, the same every time, dated by the desk's own arithmetic."""
import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q

from closings.models import Closing, ClosingItem
from dealdesk.load_generator import desk_fingerprint, load_generate
from deals.models import Deal, DealEvent
from instruments.models import ConvertibleNote, Draw, EquityLine, ShareClass, Warrant
from obligations.models import DeadlineRule, Occurrence, Reminder
from obligations.services import default_horizon, occurrences_sync_all
from parties.models import DealParty, Person
from reckoning.deadlines import RuleKind

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)
DEALS = 12


@pytest.fixture(autouse=True)
def desk_date(settings):
    settings.DESK_DATE = TODAY


def counts() -> dict[str, int]:
    models = [Deal, DealParty, Person, DealEvent, ShareClass, ConvertibleNote, Warrant, EquityLine, Draw,
              Closing, ClosingItem, DeadlineRule, Occurrence, Reminder]
    return {model.__name__: model.objects.count() for model in models}


def test_the_same_deals_and_seed_build_the_same_desk():
    with transaction.atomic():
        load_generate(deals=DEALS, seed=7)
        first = (counts(), desk_fingerprint())
        transaction.set_rollback(True)  # back to an empty desk
    assert Deal.objects.count() == 0

    load_generate(deals=DEALS, seed=7)

    assert (counts(), desk_fingerprint()) == first
    assert first[0]["Deal"] == DEALS


def test_another_seed_builds_another_desk():
    with transaction.atomic():
        load_generate(deals=DEALS, seed=7)
        first = desk_fingerprint()
        transaction.set_rollback(True)

    load_generate(deals=DEALS, seed=8)

    assert desk_fingerprint() != first


def test_every_due_date_is_the_one_the_desk_computes():
    load_generate(deals=DEALS, seed=1)

    # The desk's own sync, to the same horizon, finds nothing to add, move or remove.
    result = occurrences_sync_all(horizon=default_horizon(TODAY))

    assert (result.created, result.updated, result.removed) == (0, 0, 0)


def test_the_desk_has_a_rule_of_every_kind_and_the_instruments_of_every_deal_kind():
    load_generate(deals=DEALS, seed=1)

    assert set(DeadlineRule.objects.values_list("kind", flat=True)) == {kind.value for kind in RuleKind}
    assert DeadlineRule.objects.filter(part_of__isnull=False).count() > 0
    assert set(Deal.objects.values_list("kind", flat=True)) >= {"convertible_notes", "equity_line", "pipe"}
    assert ConvertibleNote.objects.exists() and Warrant.objects.exists() and Draw.objects.exists()
    # Each draw is recorded as an event of its kind, as Draw.save does it.
    assert Draw.objects.filter(event__kind__name="Draw on the equity line").count() == Draw.objects.count()
    assert DealParty.objects.filter(copy_to__isnull=False).exists()
    assert Person.objects.filter(receives_reminders=True).exclude(email="").exists()


def test_due_dates_stand_done_late_waived_due_soon_and_overdue():
    load_generate(deals=DEALS, seed=1)
    occurrences = Occurrence.objects.all()

    assert occurrences.filter(status="done", done_on__lte=F("due_date")).exists()
    assert occurrences.filter(status="done", done_on__gt=F("due_date")).exists()  # late
    assert occurrences.filter(status="waived").exclude(evidence="").exists()
    assert occurrences.overdue(TODAY).exists()
    assert occurrences.filter(status="open", due_date__gte=TODAY,
                              due_date__lte=TODAY + datetime.timedelta(days=14)).exists()
    assert not occurrences.filter(done_on__gt=TODAY).exists()


def test_reminders_were_sent_before_today_to_named_recipients():
    load_generate(deals=DEALS, seed=1)
    reminders = Reminder.objects.all()

    assert reminders.exists()
    assert set(reminders.values_list("status", flat=True)) == {"sent"}
    assert not reminders.filter(scheduled_for__gte=TODAY).exists()
    assert not reminders.filter(recipient="").exists()
    # A reminder is about the due date its occurrence has.
    assert not reminders.exclude(due_date=F("occurrence__due_date")).exists()


def test_the_audit_trail_dates_each_completion_on_its_day():
    load_generate(deals=DEALS, seed=1)
    done = Occurrence.objects.filter(status="done").first()

    changes = done.history.filter(history_type="~")
    assert [(record.status, record.history_date.date()) for record in changes] == [("done", done.done_on)]
    assert done.history.get(history_type="+").status == "open"


def test_the_command_says_what_it_built():
    out = StringIO()
    call_command("generate_load", deals=3, seed=1, stdout=out)

    text = out.getvalue()
    assert text.startswith("3 deals, ")
    assert f"{Occurrence.objects.count():,} occurrences: " in text
    assert f"{Reminder.objects.count():,} reminders sent" in text
    assert "built in " in text


def test_it_refuses_fewer_than_one_deal():
    with pytest.raises(CommandError, match=r"Ask for at least one deal \(--deals 0 builds nothing\)\."):
        call_command("generate_load", deals=0, seed=1)
    assert Deal.objects.count() == 0


def test_it_refuses_a_desk_that_already_holds_deals_unless_forced():
    call_command("generate_load", deals=2, seed=1, stdout=StringIO())

    with pytest.raises(CommandError, match="This desk already holds 2 deals. Generate into an empty database, "
                                           "or pass --force to add the generated deals to them."):
        call_command("generate_load", deals=2, seed=2, stdout=StringIO())
    with pytest.raises(CommandError, match="already holds deals generated with seed 1; pick another seed"):
        call_command("generate_load", deals=2, seed=1, force=True, stdout=StringIO())

    call_command("generate_load", deals=2, seed=2, force=True, stdout=StringIO())
    assert Deal.objects.count() == 4


def test_each_deal_has_its_closing_checklist_as_the_desk_would_accept_it():
    load_generate(deals=40, seed=1)

    # One closing a deal (SPA s.1(c)): three items for each Buyer (s.6(a)-(c)) and eleven more (s.6(d), s.7).
    buyers = Count("deal__deal_parties", filter=Q(deal__deal_parties__role="investor"), distinct=True)
    closings = Closing.objects.annotate(buyers=buyers, items_count=Count("items", distinct=True))
    assert closings.count() == 40
    assert all(closing.items_count == 3 * closing.buyers + 11 for closing in closings)
    for closing in Closing.objects.prefetch_related("items"):
        closing.full_clean()  # a completed closing has no open item and is not dated ahead
        for item in closing.items.all():
            item.full_clean()
    # Seed 1 draws a closing still being worked through (3 of 40), and waived items among the done.
    assert Closing.objects.filter(closed_on__isnull=True).count() == 3
    assert ClosingItem.objects.filter(closing__closed_on__isnull=False, status="open").count() == 0
    statuses = set(ClosingItem.objects.values_list("status", flat=True))
    assert statuses == {"open", "satisfied", "waived"}
    assert ClosingItem.objects.filter(status="waived", evidence="").count() == 0
