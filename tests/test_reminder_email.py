"""What a reminder email says: the deal, the obligation, when it is due, what a miss costs, where to act."""
import datetime
from decimal import Decimal

import pytest
from django.core import mail

from obligations.models import DeadlineRule, Obligation, Reminder
from obligations.reminders import reminders_create_due, reminders_send_pending
from tests.factories import (
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealFactory,
    ObligationFactory,
    PartyFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 12, 8)
CONSEQUENCE = "Standard Liquidated Damages Amount: 3% of the outstanding Notes per month, prorated."


@pytest.fixture(autouse=True)
def desk(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://desk.example.com/"
    settings.REMINDER_DAYS_BEFORE = [30, 14, 7, 3, 1, 0]
    settings.REMINDER_OVERDUE_FIRST_DAY = 1
    settings.REMINDER_OVERDUE_EVERY_DAYS = 7


@pytest.fixture
def obligation() -> Obligation:
    deal = DealFactory(title="CalbaTech 2005 notes")
    issuer = PartyFactory(legal_name="CalbaTech, Inc.")
    PersonFactory(party=issuer, name="Alice", email="alice@issuer.example", receives_reminders=True)
    return ObligationFactory(
        deal=deal, obligor=issuer, title="Reserved share list", section="4(h)", consequence=CONSEQUENCE
    )


def email_for(obligation: Obligation, *, due: datetime.date, today: datetime.date):
    """Sweep and send on `today`; the one email that went out, and its occurrence."""
    rule = DeadlineRuleFactory(
        obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=due, roll="none",
    )
    reminders_create_due(today=today)
    reminders_send_pending(today=today)
    (message,) = mail.outbox
    return message, rule.occurrences.get()


def html_of(message) -> str:
    (alternative,) = message.alternatives
    assert alternative[1] == "text/html"
    return alternative[0]


def test_a_week_ahead_the_subject_names_the_deal_the_section_the_obligation_and_the_date(obligation):
    message, _ = email_for(obligation, due=DUE, today=datetime.date(2026, 12, 1))

    assert message.subject == "Due in 7 days: s.4(h) Reserved share list - CalbaTech, Inc. (Tue 8 Dec 2026)"


def test_the_text_body_says_what_is_due_when_and_what_a_miss_costs(obligation):
    message, occurrence = email_for(obligation, due=DUE, today=datetime.date(2026, 12, 1))

    lines = message.body.splitlines()
    assert lines[0] == "Reserved share list is due in 7 days, on Tuesday 8 December 2026."
    assert "Deal:        CalbaTech 2005 notes" in lines
    assert "Section:     4(h)" in lines
    assert "Owed by:     CalbaTech, Inc." in lines
    assert "Due date:    2026-12-08" in lines
    assert "How dated:   Fixed date Tue 8 Dec 2026" in lines
    assert lines[lines.index("What a miss costs:") + 1] == CONSEQUENCE
    assert "Accrued so far" not in message.body  # nothing accrues before the due date
    assert lines[lines.index("Mark it done, or see its history:") + 1] == (
        f"https://desk.example.com/admin/obligations/occurrence/{occurrence.pk}/change/"
    )
    assert "dealdesk reminder (7 days before)." in lines


def test_the_day_before_the_subject_says_due_tomorrow_and_on_the_day_due_today(obligation):
    message, _ = email_for(obligation, due=DUE, today=datetime.date(2026, 12, 7))
    assert message.subject == "Due tomorrow: s.4(h) Reserved share list - CalbaTech, Inc. (Tue 8 Dec 2026)"

    mail.outbox.clear()
    reminders_create_due(today=DUE)
    reminders_send_pending(today=DUE)
    (message,) = mail.outbox
    assert message.subject == "Due today: s.4(h) Reserved share list - CalbaTech, Inc. (Tue 8 Dec 2026)"
    assert message.body.splitlines()[0] == "Reserved share list is due today, Tuesday 8 December 2026."


def test_an_overdue_reminder_says_by_how_many_days(obligation):
    # The desk was down for two days: the day-after reminder goes out on day 3 and says so.
    message, _ = email_for(obligation, due=DUE, today=datetime.date(2026, 12, 11))

    assert message.subject == "OVERDUE by 3 days: s.4(h) Reserved share list - CalbaTech, Inc. (Tue 8 Dec 2026)"
    assert message.body.splitlines()[0] == (
        "Reserved share list was due on Tuesday 8 December 2026 and is 3 days overdue."
    )


def test_an_overdue_reminder_shows_the_liquidated_damages_accrued_on_the_issued_notes(obligation):
    # SPA s.2(f): 3% a month of $800,000 of notes issued on the due date plus their accrued 10% interest,
    # 15 days into a 30-day month: 15/30 x 3% x (800,000 + 800,000 x 10% x 7/365 on average) = $12,023.01.
    Obligation.objects.filter(pk=obligation.pk).update(
        penalty=Obligation.Penalty.MONTHLY_ON_NOTES, penalty_rate=Decimal("0.03")
    )
    ConvertibleNoteFactory(deal=obligation.deal, principal=Decimal("800000.00"), interest_rate=Decimal("0.10"),
                           issue_date=datetime.date(2026, 11, 5))
    ConvertibleNoteFactory(deal=obligation.deal, principal=Decimal("600000.00"), issue_date=None)  # not issued
    obligation.refresh_from_db()

    message, _ = email_for(obligation, due=datetime.date(2026, 11, 5), today=datetime.date(2026, 11, 20))

    assert message.subject.startswith("OVERDUE by 15 days: ")
    assert "Accrued so far (15 days late, as of 2026-11-20): $12,023.01" in message.body.splitlines()
    assert "Accrued so far (15 days late, as of 2026-11-20): <strong>$12,023.01</strong>" in html_of(message)
    assert Reminder.objects.get().days_from_due == 15


def test_the_html_alternative_carries_the_same_details_and_link(obligation):
    message, occurrence = email_for(obligation, due=DUE, today=datetime.date(2026, 12, 1))

    html = html_of(message)
    assert f'<a href="https://desk.example.com/admin/obligations/occurrence/{occurrence.pk}/change/">' in html
    assert "<strong>Reserved share list</strong> is due in 7 days, on Tuesday 8 December 2026." in html
    assert '<tr><th align="left">Section</th><td>4(h)</td></tr>' in html
    assert CONSEQUENCE in html


def test_the_html_escapes_names_and_the_text_does_not(obligation):
    obligation.deal.title = "Oftring & Company placement"
    obligation.deal.save()

    message, _ = email_for(obligation, due=DUE, today=datetime.date(2026, 12, 1))

    assert "<td>Oftring &amp; Company placement</td>" in html_of(message)
    assert "Deal:        Oftring & Company placement" in message.body.splitlines()


def test_the_subject_shows_ampersands_and_apostrophes_as_they_are(obligation):
    obligation.obligor.short_name = "Oftring & Company"
    obligation.obligor.save()
    obligation.title = "Buyers' consent"
    obligation.save()

    message, _ = email_for(obligation, due=DUE, today=datetime.date(2026, 12, 1))

    assert message.subject == "Due in 7 days: s.4(h) Buyers' consent - Oftring & Company (Tue 8 Dec 2026)"


def test_the_subject_leads_with_what_matters_and_stays_short(obligation):
    # The deal is named in the body; the subject keeps the standing, the section, the duty and who owes it.
    obligation.title = "Monthly list of shares authorized, reserved and issuable, with interest for one year"
    obligation.save()

    message, _ = email_for(obligation, due=DUE, today=datetime.date(2026, 12, 1))

    assert message.subject == ("Due in 7 days: s.4(h) Monthly list of shares authorized, reserved and issuable, "
                               "w… - CalbaTech, Inc. (Tue 8 Dec 2026)")


def test_the_day_before_and_day_after_reminders_are_labelled_in_the_singular(obligation):
    message, _ = email_for(obligation, due=DUE, today=datetime.date(2026, 12, 7))
    assert "dealdesk reminder (1 day before)." in message.body.splitlines()

    mail.outbox.clear()
    reminders_create_due(today=datetime.date(2026, 12, 9))
    reminders_send_pending(today=datetime.date(2026, 12, 9))
    (message,) = mail.outbox
    assert message.subject.startswith("OVERDUE by 1 day: ")
    assert "dealdesk reminder (1 day overdue)." in message.body.splitlines()


def test_a_reminder_sent_later_than_meant_says_so_so_its_day_counts_agree(obligation):
    # The desk was off for three days: the sweep of 12 Dec catches up with the latest missed reminder,
    # the "1 day overdue" one meant for 9 Dec, while the due date (8 Dec) is by then 4 days overdue.
    message, _ = email_for(obligation, due=DUE, today=datetime.date(2026, 12, 12))

    lines = message.body.splitlines()
    assert message.subject.startswith("OVERDUE by 4 days: ")
    assert lines[0] == "Reserved share list was due on Tuesday 8 December 2026 and is 4 days overdue."
    assert "dealdesk reminder (1 day overdue, meant for Wed 9 Dec 2026 and sent now)." in lines
    assert "meant for Wed 9 Dec 2026 and sent now" in html_of(message)
