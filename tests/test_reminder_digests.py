"""One email per recipient per sweep: what is overdue, due today and coming up, grouped by deal.

Each reminder row keeps its own guarantees (tests/test_reminder_delivery.py); these tests show
how rows become emails: one recipient's ready rows go out together, a resend repeats exactly the
rows of the email it repeats, and the sweep's emails share one connection to the mail server.
"""
import datetime
import smtplib
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils.module_loading import import_string

from obligations import emails, reminders
from obligations.models import DeadlineRule, Obligation, Occurrence, Reminder
from obligations.reminders import reminders_create_due, reminders_send_pending
from obligations.services import occurrences_mark_done
from tests.factories import (
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealFactory,
    ObligationFactory,
    PartyFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)
NOW = datetime.datetime(2026, 11, 20, 14, 0, tzinfo=datetime.UTC)
FINANCE = "finance@calbatech.example"


@pytest.fixture(autouse=True)
def desk(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://desk.example.com/"
    settings.REMINDER_DAYS_BEFORE = [7, 0]
    settings.REMINDER_OVERDUE_FIRST_DAY = 1
    settings.REMINDER_OVERDUE_EVERY_DAYS = 7
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 600
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def calbatech():
    issuer = PartyFactory(legal_name="CalbaTech, Inc.")
    PersonFactory(party=issuer, name="Finance", email=FINANCE, receives_reminders=True)
    return issuer


def due_on(obligation: Obligation, due: datetime.date) -> Occurrence:
    rule = DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="", offset=0,
                               offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, fixed_date=due, roll="none")
    return rule.occurrences.get()


@pytest.fixture
def three_due(calbatech):
    """Across two deals, owed by one issuer: one overdue with damages, one due today, one next week."""
    notes = DealFactory(title="CalbaTech 2005 notes")
    # SPA s.2(f): 3% a month on the issued notes; 15 days late on $800,000 with 10% interest = $12,023.01
    # (the figure tests/test_reminder_email.py works out by hand).
    late = ObligationFactory(deal=notes, obligor=calbatech, title="Registration statement", section="2(a)",
                             penalty=Obligation.Penalty.MONTHLY_ON_NOTES, penalty_rate=Decimal("0.03"))
    ConvertibleNoteFactory(deal=notes, principal=Decimal("800000.00"), interest_rate=Decimal("0.10"),
                           issue_date=datetime.date(2026, 11, 5))
    line = DealFactory(title="Cal-Bay equity line")
    return {
        "overdue": due_on(late, datetime.date(2026, 11, 5)),
        "today": due_on(ObligationFactory(deal=line, obligor=calbatech, title="Put notice", section="2.2"), TODAY),
        "coming": due_on(ObligationFactory(deal=notes, obligor=calbatech, title="Reserved share list",
                                           section="4(h)"), datetime.date(2026, 11, 27)),
    }


def test_one_recipients_reminders_go_out_as_one_email_grouped_by_standing_and_deal(three_due):
    reminders_create_due(today=TODAY)

    result = reminders_send_pending(today=TODAY)

    (message,) = mail.outbox
    rows = list(Reminder.objects.order_by("id"))
    assert message.to == [FINANCE]
    assert message.subject == "1 OVERDUE, 1 due today, 1 coming up - 2 deals, $12,023.01 accrued"
    assert message.body.splitlines()[:16] == [
        "3 due dates need you as of Friday 20 November 2026; $12,023.01 has accrued on the overdue ones.",
        "",
        "OVERDUE (1)",
        "",
        "  CalbaTech 2005 notes",
        "  - s.2(a) Registration statement, owed by CalbaTech, Inc.",
        "    Due Thu 5 Nov 2026: 15 days overdue, $12,023.01 accrued",
        f"    https://desk.example.com/admin/obligations/occurrence/{three_due['overdue'].pk}/change/",
        "",
        "DUE TODAY (1)",
        "",
        "  Cal-Bay equity line",
        "  - s.2.2 Put notice, owed by CalbaTech, Inc.",
        "    Due Fri 20 Nov 2026: today",
        f"    https://desk.example.com/admin/obligations/occurrence/{three_due['today'].pk}/change/",
        "",
    ]
    assert "    Due Fri 27 Nov 2026: in 7 days" in message.body.splitlines()
    html = message.alternatives[0][0]
    assert '<strong style="color:#b00">15 days overdue</strong><br>$12,023.01 accrued' in html
    assert f'<a href="https://desk.example.com/admin/obligations/occurrence/{three_due["today"].pk}/change/">' \
           'Put notice</a>' in html
    # Every row is in the one email, sent under one Message-ID, and the header names them.
    assert {(r.status, r.message_id) for r in rows} == {(Reminder.Status.SENT, message.extra_headers["Message-ID"])}
    assert message.extra_headers["X-Dealdesk-Reminders"] == " ".join(
        str(r.pk) for r in sorted(rows, key=lambda r: (r.scheduled_for, r.pk)))
    assert len(result.sent) == 3


def test_each_recipient_gets_one_email_and_a_deal_copy_lists_every_obligor_of_that_deal(three_due, calbatech):
    notes = three_due["overdue"].rule.obligation.deal
    notes.reminder_copies_to = "counsel@law.example"
    notes.save()
    buyer = PartyFactory(legal_name="Golden Gate Investors, Inc.")
    PersonFactory(party=buyer, name="Buyer desk", email="desk@buyer.example", receives_reminders=True)
    due_on(ObligationFactory(deal=notes, obligor=buyer, title="Funding notice", section="1(b)"), TODAY)
    reminders_create_due(today=TODAY)

    reminders_send_pending(today=TODAY)

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_recipient) == ["counsel@law.example", "desk@buyer.example", FINANCE]
    assert len(mail.outbox) == 3
    assert by_recipient["counsel@law.example"].subject == "1 OVERDUE, 1 due today, 1 coming up - 1 deal, " \
                                                          "$12,023.01 accrued"
    assert "owed by Golden Gate Investors, Inc." in by_recipient["counsel@law.example"].body
    assert "Cal-Bay equity line" not in by_recipient["counsel@law.example"].body  # not that deal's copy
    # A single reminder goes out as the detailed one-reminder email.
    assert by_recipient["desk@buyer.example"].subject == "Due today: s.1(b) Funding notice - " \
                                                         "Golden Gate Investors, Inc. (Fri 20 Nov 2026)"


def test_a_row_whose_due_date_was_met_before_sending_is_left_out_of_the_email(three_due):
    reminders_create_due(today=TODAY)
    occurrences_mark_done(occurrences=Occurrence.objects.filter(pk=three_due["overdue"].pk), on=TODAY, by=None,
                          evidence="Registration statement filed.")

    reminders_send_pending(today=TODAY)

    (message,) = mail.outbox
    assert message.subject == "1 due today, 1 coming up - 2 deals"
    assert "Registration statement" not in message.body
    assert sorted(Reminder.objects.values_list("occurrence", "status")) == sorted([
        (three_due["overdue"].pk, Reminder.Status.CANCELLED), (three_due["today"].pk, Reminder.Status.SENT),
        (three_due["coming"].pk, Reminder.Status.SENT)])


class UnconfirmedOnce(EmailBackend):
    """A mail server that stores the first message it is given but never confirms it."""

    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        sent = super().send_messages(messages)
        if type(self).calls == 1:
            raise emails.DeliveryUncertain("The mail server did not confirm the message; it may have arrived.")
        return sent


def test_an_unconfirmed_email_is_resent_once_with_the_same_message_id_and_the_same_rows(three_due, settings, desk):
    settings.EMAIL_BACKEND = "tests.test_reminder_digests.UnconfirmedOnce"
    import_string(settings.EMAIL_BACKEND).calls = 0  # the class Django loads, whatever pytest named this module
    reminders_create_due(today=TODAY)
    reminders_send_pending(today=TODAY)
    # A due date that becomes due meanwhile is not slipped into the resend.
    later = due_on(ObligationFactory(deal=DealFactory(), obligor=three_due["today"].rule.obligation.obligor,
                                     title="Board minutes", section="4(c)"), datetime.date(2026, 11, 21))

    desk.shift(datetime.timedelta(seconds=61))
    reminders_create_due(today=TODAY)
    reminders_send_pending(today=TODAY)

    first = mail.outbox[0]
    (resend,) = [m for m in mail.outbox[1:] if m.extra_headers["Message-ID"] == first.extra_headers["Message-ID"]]
    (fresh,) = [m for m in mail.outbox[1:] if m is not resend]
    assert resend.extra_headers == first.extra_headers
    assert resend.body == first.body
    assert fresh.extra_headers["Message-ID"] != first.extra_headers["Message-ID"]
    assert fresh.subject.startswith("Due tomorrow: s.4(c) Board minutes")
    assert sorted(Reminder.objects.values_list("occurrence", "status", "unknown_outcomes", "attempts")) == sorted([
        (three_due["overdue"].pk, Reminder.Status.SENT, 1, 2), (three_due["today"].pk, Reminder.Status.SENT, 1, 2),
        (three_due["coming"].pk, Reminder.Status.SENT, 1, 2), (later.pk, Reminder.Status.SENT, 0, 1)])


class CountingConnections(EmailBackend):
    """Opens a connection as the SMTP backend does (on the first message after a close), and counts them."""

    opened = 0
    refuse_to: set = set()
    connected = False

    def open(self):
        if self.connected:
            return False
        self.connected = True
        type(self).opened += 1
        return True

    def close(self):
        self.connected = False

    def send_messages(self, messages):
        self.open()
        if any(set(m.to) & type(self).refuse_to for m in messages):
            raise smtplib.SMTPRecipientsRefused({m.to[0]: (550, b"No such user") for m in messages})
        return super().send_messages(messages)


def test_a_sweeps_emails_share_one_connection_and_a_refusal_only_costs_a_new_one(settings):
    settings.EMAIL_BACKEND = "tests.test_reminder_digests.CountingConnections"
    backend = import_string(settings.EMAIL_BACKEND)  # the class Django loads, whatever pytest named this module
    backend.opened, backend.refuse_to = 0, {"b@two.example"}
    for n, name in enumerate(["one", "two", "three"]):
        obligor = PartyFactory(legal_name=f"Company {name}")
        PersonFactory(party=obligor, email=f"{'abc'[n]}@{name}.example", receives_reminders=True)
        due_on(ObligationFactory(obligor=obligor), TODAY)
    reminders_create_due(today=TODAY)

    reminders_send_pending(today=TODAY)

    assert sorted(m.to[0] for m in mail.outbox) == ["a@one.example", "c@three.example"]
    assert sorted(Reminder.objects.values_list("recipient", "status")) == [
        ("a@one.example", Reminder.Status.SENT), ("b@two.example", Reminder.Status.PENDING),
        ("c@three.example", Reminder.Status.SENT)]
    assert backend.opened == 2  # the refusal closed it; the next email opened it again


def test_a_recipient_with_more_reminders_than_one_email_lists_gets_them_in_several(calbatech, monkeypatch):
    monkeypatch.setattr(reminders, "DIGEST_LISTS_AT_MOST", 2)
    for n in range(3):
        due_on(ObligationFactory(obligor=calbatech, title=f"Report {n}", section=f"4({n})"), TODAY)
    reminders_create_due(today=TODAY)

    reminders_send_pending(today=TODAY)

    assert [m.subject for m in mail.outbox] == [
        "2 due today - 2 deals", "Due today: s.4(2) Report 2 - CalbaTech, Inc. (Fri 20 Nov 2026)"]
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
