"""A realistic, deterministic desk of any size, for measuring the desk at scale (bench/).

`load_generate(deals=N, seed=S)` builds N deals shaped like the sample agreements
(dealdesk/sample_deals/): the company and a shared pool of funds, placement agents, counsel
and transfer agents, with people who receive reminders and notice addresses with copies to
counsel; share classes, convertible notes, warrants, equity lines and their draws; the closing
and its checklist (SPA s.6 and s.7: done on the closing day, a few waived, a few still open); obligations
with a rule of every kind the desk knows (reckoning.deadlines.RuleKind); the events those rules
follow; every due date up to the horizon; a share of them done, done late, waived, due soon and
overdue; and the reminders the desk sent for them up to yesterday.

Rows are written with bulk inserts (a row at a time through the signals would take hours at a
million due dates), but every due date comes from the desk's own arithmetic:
`DeadlineRule.to_spec()` and `reckoning.deadlines.due_dates`, as `occurrences_sync` asks them.
Audit-trail rows are written too, dated when the desk would have made them (a deal on its date,
a due date when it came within the horizon, a completion on its day), so reports as of a past
day see what they would have seen.

The same N, seed and "today" (deals.clock.today: DESK_DATE, else the real date) give the same
desk: every choice comes from a random generator seeded by (seed, deal number).
"""
from __future__ import annotations

import datetime
import hashlib
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from closings.models import Closing, ClosingItem, section_order
from deals import clock
from deals.models import Deal, DealEvent, EventKind
from instruments.models import (
    DRAW_EVENT_KIND,
    ConvertibleNote,
    Draw,
    EquityLine,
    ReserveCovenant,
    ShareClass,
    ShareReservation,
    Warrant,
)
from obligations import accruals
from obligations.models import DeadlineRule, Obligation, Occurrence, Reminder
from obligations.reminders import policy_for
from obligations.services import default_horizon
from parties.models import Address, DealParty, Party, Person
from reckoning import deadlines

Kind = DeadlineRule.Kind
Unit = DeadlineRule.Unit
DAY = datetime.timedelta(days=1)
# Deals are dated up to this many days before today, so each has years of due dates behind it;
# with the horizon ahead (DEADLINE_HORIZON_DAYS) a deal averages about 100 due dates.
OLDEST_DEAL_DAYS = 5 * 365
NEWEST_DEAL_DAYS = 30
# Reminders are kept for due dates this far back (older ones have been dealt with long ago).
REMINDER_HISTORY_DAYS = 120
# Deals written per transaction: a failure loses at most this many, and memory stays flat.
CHUNK = 100


class LoadError(ValueError):
    """The desk cannot be generated as asked; the message says why, for the person who asked."""


@dataclass
class LoadSummary:
    deals: int = 0
    parties: int = 0
    people: int = 0
    events: int = 0
    instruments: int = 0
    closing_items: int = 0
    obligations: int = 0
    rules: Counter = field(default_factory=Counter)
    occurrences: Counter = field(default_factory=Counter)
    reminders: int = 0
    penalties_kept: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        occurrences = sum(self.occurrences.values())
        return [
            f"{self.deals:,} deals, {self.parties:,} parties with {self.people:,} people, "
            f"{self.events:,} deal events, {self.instruments:,} instruments, {self.closing_items:,} closing items",
            f"{self.obligations:,} obligations with {sum(self.rules.values()):,} rules: "
            + ", ".join(f"{kind} {count:,}" for kind, count in sorted(self.rules.items())),
            f"{occurrences:,} occurrences: "
            + ", ".join(f"{standing} {count:,}" for standing, count in sorted(self.occurrences.items())),
            f"{self.reminders:,} reminders sent",
            f"{self.penalties_kept:,} covenants' penalties kept as of the day",
            f"built in {self.seconds:.1f} s",
        ]


def load_generate(*, deals: int, seed: int, force: bool = False,
                  progress: Callable[[str], None] | None = None) -> LoadSummary:
    """Build `deals` deals from `seed` around today (deals.clock.today()); see the module docstring.

    Refuses (LoadError) fewer than one deal, and a desk that already holds deals unless `force`.
    """
    if deals < 1:
        raise LoadError(f"Ask for at least one deal (--deals {deals} builds nothing).")
    if Deal.objects.exists() and not force:
        raise LoadError(
            f"This desk already holds {Deal.objects.count():,} deals. Generate into an empty database, "
            "or pass --force to add the generated deals to them."
        )
    if Party.objects.filter(legal_name__startswith=f"[{seed}] ").exists():
        raise LoadError(f"This desk already holds deals generated with seed {seed}; pick another seed.")
    started = time.perf_counter()
    today = clock.today()
    builder = _Builder(seed=seed, today=today)
    summary = LoadSummary()
    with transaction.atomic():
        builder.shared_pool(summary)
    for number, first in enumerate(range(0, deals, CHUNK)):
        with transaction.atomic():
            builder.deals(range(first, min(first + CHUNK, deals)), summary)
        if number in (0, 3) or number % 20 == 19:
            _analyze()
        if progress is not None:
            progress(f"{min(first + CHUNK, deals):,} of {deals:,} deals, "
                     f"{sum(summary.occurrences.values()):,} occurrences, {time.perf_counter() - started:.0f} s")
    # As the night's task would (obligations.tasks.keep_penalties): the fees reports read them.
    summary.penalties_kept = accruals.penalties_keep(today=today)
    summary.seconds = time.perf_counter() - started
    return summary


def desk_fingerprint() -> str:
    """A hash of every due date on the desk, by what it is rather than by database id (an event's
    due date is keyed by the event's id): two desks generated alike have the same fingerprint."""
    digest = hashlib.sha256()
    fields = ("rule__obligation__deal__title", "rule__obligation__section", "rule__obligation__title",
              "due_date", "computation", "status", "done_on")
    for row in Occurrence.objects.order_by(*fields).values_list(*fields).iterator(chunk_size=5000):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _analyze() -> None:
    """Fresh planner statistics while the tables grow from empty: without them PostgreSQL keeps
    planning for tiny tables (a scan of every deal for each rule's events), and each chunk of
    deals takes longer than the one before."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _money(rng: random.Random, low: int, high: int, step: int = 50_000) -> Decimal:
    return Decimal(rng.randrange(low, high, step))


class _Builder:
    """Writes the rows; one random generator per deal keeps every deal the same whatever N is."""

    def __init__(self, *, seed: int, today: datetime.date) -> None:
        self.seed = seed
        self.today = today
        self.horizon = default_horizon(today)
        self.tag = f"[{seed}] "

    # ---- shared parties and desk staff ----

    def shared_pool(self, summary: LoadSummary) -> None:
        rng = random.Random(f"{self.seed}-pool")
        user_model = get_user_model()
        self.staff = []
        for number in range(1, 7):
            user = user_model(username=f"desk{self.seed}-{number}", email=f"desk{number}.s{self.seed}@desk.example.com",
                              first_name="Desk", last_name=f"Officer {number}", is_staff=True)
            user.set_unusable_password()
            self.staff.append(user)
        user_model.objects.bulk_create(self.staff)
        self.funds = self._parties(rng, "Capital Partners, LP", 40, form=Party.Form.LP, accredited=True)
        self.placement_agents = self._parties(rng, "Securities, LLC", 10, form=Party.Form.LLC, broker=True)
        self.counsel = self._parties(rng, "LLP", 20, form=Party.Form.LLP)
        self.transfer_agents = self._parties(rng, "Stock Transfer, Inc.", 5)
        pool = [*self.funds, *self.placement_agents, *self.counsel, *self.transfer_agents]
        self._write_parties(pool, summary, entered=self.today - datetime.timedelta(days=OLDEST_DEAL_DAYS + 30))

    def _parties(self, rng: random.Random, suffix: str, count: int, *, form: str = Party.Form.CORPORATION,
                 accredited: bool = False, broker: bool = False) -> list[Party]:
        names = ["Harbor", "Summit", "Granite", "Meridian", "Beacon", "Atlas", "Cedar", "Pioneer", "Sterling",
                 "Keystone", "Lakeside", "Northgate", "Redwood", "Bayview", "Ironwood", "Crescent"]
        parties = []
        for number in range(count):
            name = f"{self.tag}{rng.choice(names)} {number + 1} {suffix}"
            parties.append(Party(legal_name=name, short_name=name.split(" ")[1], form=form,
                                 jurisdiction=rng.choice(["Delaware", "New York", "Nevada", "Cayman Islands"]),
                                 is_accredited_investor=accredited, is_broker_dealer=broker))
        return parties

    def _write_parties(self, parties: list[Party], summary: LoadSummary, *, entered: datetime.date) -> None:
        for party in parties:
            party._history_date = _noon(entered)
        _bulk(Party, parties)
        people, addresses = [], []
        for party in parties:
            slug = f"p{party.pk}"
            party.reminder_person = Person(party=party, name="Finance Desk", title="Controller",
                                           email=f"finance@{slug}.example.com", receives_reminders=True)
            party.signatory = Person(party=party, name=f"Officer of {party.short_name}",
                                     title="Chief Executive Officer", email=f"ceo@{slug}.example.com")
            party.notice_address = Address(party=party, label="Notices", attention="General Counsel",
                                           street_line_1=f"{100 + party.pk % 900} Main Street",
                                           city="New York", region="NY", postal_code="10001",
                                           email=f"notices@{slug}.example.com")
            people += [party.reminder_person, party.signatory]
            addresses.append(party.notice_address)
        for row in (*people, *addresses):
            row._history_date = _noon(entered)
        _bulk(Person, people)
        _bulk(Address, addresses)
        summary.parties += len(parties)
        summary.people += len(people)

    # ---- deals ----

    def deals(self, numbers: range, summary: LoadSummary) -> None:
        plans = [_DealPlan(self, number) for number in numbers]
        companies = [plan.company for plan in plans]
        self._write_parties(companies, summary, entered=min(plan.dated for plan in plans))
        for plan in plans:
            plan.deal.title = f"{plan.company.short_name} {plan.deal.title}"
        _bulk(Deal, [plan.deal for plan in plans])
        for plan in plans:
            plan.attach_deal()
        _bulk(DealParty, [row for plan in plans for row in plan.roles])
        DealParty.copy_to.through.objects.bulk_create(
            [row for plan in plans for row in plan.copy_to()], batch_size=5000)
        _bulk(EventKind, [row for plan in plans for row in plan.event_kinds.values()])
        events = [row for plan in plans for row in plan.all_events()]
        _bulk(DealEvent, events)
        _bulk(ShareClass, [row for plan in plans for row in plan.share_classes])
        _bulk(ShareReservation, [row for plan in plans for row in plan.reservations()])
        _bulk(ReserveCovenant, [row for plan in plans for row in plan.reserve_covenants()])
        _bulk(ConvertibleNote, [row for plan in plans for row in plan.notes])
        _bulk(Warrant, [row for plan in plans for row in plan.warrants])
        _bulk(EquityLine, [row for plan in plans for row in plan.equity_lines])
        _bulk(Draw, [row for plan in plans for row in plan.draws()])
        _bulk(Closing, [plan.closing_row for plan in plans])
        closing_items = [row for plan in plans for row in plan.closing_items()]
        _bulk(ClosingItem, closing_items)
        obligations = [row for plan in plans for row in plan.obligations]
        _bulk(Obligation, obligations)
        Obligation.beneficiaries.through.objects.bulk_create(
            [row for plan in plans for row in plan.beneficiaries()], batch_size=5000)
        Obligation.responsible_staff.through.objects.bulk_create(
            [row for plan in plans for row in plan.responsible()], batch_size=5000)
        rules = [rule for plan in plans for rule in plan.rules()]
        _bulk(DeadlineRule, rules)
        limbs = [limb for plan in plans for limb in plan.limbs()]
        _bulk(DeadlineRule, limbs)
        # One query for the chunk's limbs rather than one per "later of" rule in to_spec().
        prefetch_related_objects(
            [rule for rule in rules if rule.kind in DeadlineRule.COMBINING_KINDS],
            Prefetch("limbs", DeadlineRule.objects.select_related("obligation__deal", "obligation__obligor",
                                                                  "anchor_event", "starts_with", "ends_with")))
        occurrences = []
        for plan in plans:
            occurrences += plan.occurrences()
        _bulk(Occurrence, occurrences, history=False)
        _occurrence_history(occurrences, today=self.today)
        reminders = [row for plan in plans for row in plan.reminders()]
        Reminder.objects.bulk_create(reminders, batch_size=5000)

        summary.deals += len(plans)
        summary.events += len(events)
        summary.instruments += sum(len(plan.notes) + len(plan.warrants) + len(plan.equity_lines)
                                   + len(plan.share_classes) for plan in plans)
        summary.closing_items += len(closing_items)
        summary.obligations += len(obligations)
        summary.rules.update(rule.kind for rule in (*rules, *limbs))
        summary.occurrences.update(str(occ.standing(self.today)) for occ in occurrences)
        summary.reminders += len(reminders)


def _bulk(model: type[models.Model], rows: list, *, history: bool = True) -> None:
    """Insert `rows` (their ids come back), with their audit-trail rows dated by `_history_date`."""
    model.objects.bulk_create(rows, batch_size=5000)
    if history and hasattr(model, "history"):
        model.history.bulk_history_create(rows, batch_size=5000)


_COMPLETION_FIELDS = ("status", "done_on", "done_by_id", "evidence")


def _occurrence_history(occurrences: list[Occurrence], *, today: datetime.date) -> None:
    """The audit trail of each due date: created open when it came within the horizon (or when its
    deal was entered), changed on the day it was done or waived."""
    horizon_days = datetime.timedelta(days=settings.DEADLINE_HORIZON_DAYS)
    completed = [occ for occ in occurrences if occ.status != Occurrence.Status.OPEN]
    final = {occ.pk: (*(getattr(occ, name) for name in _COMPLETION_FIELDS), occ.done_by) for occ in completed}
    for occ in occurrences:
        occ._history_date = _noon(min(max(occ.entered, occ.due_date - horizon_days), today))
    for occ in completed:
        occ.status, occ.done_on, occ.done_by_id, occ.evidence = Occurrence.Status.OPEN, None, None, ""
    Occurrence.history.bulk_history_create(occurrences, batch_size=5000)
    for occ in completed:
        *values, done_by = final[occ.pk]
        for name, value in zip(_COMPLETION_FIELDS, values, strict=True):
            setattr(occ, name, value)
        occ._history_date = _noon(occ.done_on)
        occ._history_user = done_by
    Occurrence.history.bulk_history_create(completed, batch_size=5000, update=True)


# The duties every deal carries, after the sample agreements (SPA = the CalbaTech Securities Purchase
# Agreement, PAA = the Cal-Bay Placement Agent Agreement). Each is (section, title, obligation kind,
# rule fields, deal kinds it applies to or None for every deal).
_ALL = None
_NOTES = (Deal.Kind.CONVERTIBLE_NOTES,)
_EQUITY = (Deal.Kind.EQUITY_LINE,)
_REGISTERED = (Deal.Kind.CONVERTIBLE_NOTES, Deal.Kind.PIPE, Deal.Kind.EQUITY_LINE)


class _DealPlan:
    """One deal and everything it holds, decided before anything is written."""

    KINDS = [Deal.Kind.CONVERTIBLE_NOTES] * 4 + [Deal.Kind.EQUITY_LINE] * 3 + [Deal.Kind.PIPE] * 2 + [
        Deal.Kind.WARRANTS, Deal.Kind.OTHER]
    AGREEMENTS = {
        Deal.Kind.CONVERTIBLE_NOTES: "Securities Purchase Agreement",
        Deal.Kind.EQUITY_LINE: "Investment Agreement",
        Deal.Kind.PIPE: "Stock Purchase Agreement",
        Deal.Kind.WARRANTS: "Warrant Purchase Agreement",
        Deal.Kind.OTHER: "Placement Agent Agreement",
    }
    FISCAL_YEAR_ENDS = [(12, 31)] * 6 + [(6, 30), (9, 30), (3, 31)]

    def __init__(self, builder: _Builder, number: int) -> None:
        self.b = builder
        self.number = number
        rng = self.rng = random.Random(f"{builder.seed}-deal-{number}")
        today = builder.today
        self.kind = rng.choice(self.KINDS)
        self.dated = today - datetime.timedelta(days=rng.randint(NEWEST_DEAL_DAYS, OLDEST_DEAL_DAYS))
        self.closing = self.dated + datetime.timedelta(days=rng.choice([0, 0, 0, 1, 3, 5, 10]))
        month, day = rng.choice(self.FISCAL_YEAR_ENDS)
        self.fiscal_year_end = deadlines.FiscalYearEnd(month, day)
        names = ["Biotech", "Energy", "Networks", "Therapeutics", "Mining", "Software", "Medical", "Logistics"]
        company_name = f"{rng.choice(names)} {number + 1}"
        self.company = Party(legal_name=f"{builder.tag}{company_name}, Inc.", short_name=company_name,
                             form=Party.Form.CORPORATION, jurisdiction=rng.choice(["Nevada", "Delaware", "Florida"]),
                             fiscal_year_end_month=month, fiscal_year_end_day=day)
        self.investors = rng.sample(builder.funds, rng.choice([1, 1, 2, 3, 4]))
        self.agent = rng.choice(builder.placement_agents) if self.kind in (Deal.Kind.EQUITY_LINE, Deal.Kind.PIPE,
                                                                           Deal.Kind.OTHER) else None
        self.company_counsel, self.investor_counsel = rng.sample(builder.counsel, 2)
        self.transfer_agent = rng.choice(builder.transfer_agents)
        self.deal = Deal(
            title=f"{self.AGREEMENTS[self.kind]} of {self.dated:%d %B %Y} (no. {builder.seed}-{number + 1})",
            agreement_name=self.AGREEMENTS[self.kind], kind=self.kind,
            status=Deal.Status.ACTIVE if rng.random() < 0.95 else Deal.Status.CLOSED,
            dated_as_of=self.dated, closing_date=self.closing, governing_law=rng.choice(["New York", "Delaware"]),
            forum="The state and federal courts sitting in the City of New York, Borough of Manhattan.",
            reminder_days_before="10, 5, 1, 0" if rng.random() < 0.1 else "",
            reminder_copies_to=f"deals@p{self.investors[0].pk}.example.com" if rng.random() < 0.3 else "",
        )
        self.deal._history_date = _noon(self.dated)

    def _stamp(self, rows):
        for row in rows:
            row._history_date = _noon(self.dated)
        return rows

    def attach_deal(self) -> None:
        """Everything hanging from the deal, now that it has its id."""
        rng, deal = self.rng, self.deal
        roles = [(self.company, DealParty.Role.COMPANY, self.company_counsel)]
        roles += [(fund, DealParty.Role.INVESTOR, self.investor_counsel) for fund in self.investors]
        if self.agent is not None:
            roles.append((self.agent, DealParty.Role.PLACEMENT_AGENT, None))
        roles += [(self.company_counsel, DealParty.Role.COMPANY_COUNSEL, None),
                  (self.investor_counsel, DealParty.Role.INVESTOR_COUNSEL, None),
                  (self.transfer_agent, DealParty.Role.TRANSFER_AGENT, None)]
        self.roles = self._stamp([
            DealParty(deal=deal, party=party, role=role, signatory=party.signatory,
                      notice_address=party.notice_address)
            for party, role, _ in roles])
        self._copies = [(row, counsel) for row, (_, _, counsel) in zip(self.roles, roles, strict=True) if counsel]

        kinds = ["SEC report filed", "Press release issued", "Expense notice or invoice received",
                 "Future Offering closing (proposed)"]
        if self.kind == Deal.Kind.EQUITY_LINE:
            kinds.append(DRAW_EVENT_KIND)
        self.event_kinds = {name: EventKind(deal=deal, name=name) for name in kinds}
        self._stamp(self.event_kinds.values())
        self.events = {}
        filing = self.closing + datetime.timedelta(days=rng.randint(20, 60))
        effective = filing + datetime.timedelta(days=rng.randint(45, 150))
        request = self.closing + datetime.timedelta(days=rng.randint(30, 400)) if rng.random() < 0.5 else None
        for name, day in [("Filing Date", filing), ("Effective Date", effective),
                          ("Compliance attestations begin", self.closing),
                          ("Buyers hold none of the Securities", None),
                          ("Placement Agent's request for financial statements", request)]:
            self.events[name] = DealEvent(deal=deal, name=name, date=day if day and day <= self.b.today else None)
        self.series = []  # events of a kind: SEC reports, press releases, invoices, proposed offerings
        self._sec_reports()
        day = self.closing
        while True:
            day += datetime.timedelta(days=rng.randint(60, 240))
            if day > self.b.today:
                break
            self._series("Press release issued", f"Press release of {day:%d %b %Y}", day)
        for number in range(rng.choice([0, 0, 1, 2, 3])):
            day = self.closing + datetime.timedelta(days=rng.randint(10, max(11, (self.b.today - self.closing).days)))
            self._series("Expense notice or invoice received", f"Invoice {number + 1}", min(day, self.b.today))
        if rng.random() < 0.3:
            self._series("Future Offering closing (proposed)", "Proposed offering",
                         self.b.today + datetime.timedelta(days=rng.randint(5, 120)))
        self._instruments()
        self.closing_rows()

    def _series(self, kind: str, name: str, day: datetime.date) -> DealEvent:
        event = DealEvent(deal=self.deal, name=name, date=day, kind=self.event_kinds[kind])
        event._history_date = _noon(min(day, self.b.today))
        self.series.append(event)
        return event

    def _sec_reports(self) -> None:
        """A 10-Q 40 days after each fiscal quarter end, a 10-K 85 days after the year end."""
        ends = deadlines.period_ends(deadlines.Frequency.QUARTERLY, fiscal_year_end=self.fiscal_year_end,
                                     start=self.closing, end=self.b.today)
        for end in ends:
            annual = deadlines.fiscal_quarter_number(self.fiscal_year_end, end) == 4
            filed = end + datetime.timedelta(days=85 if annual else 40)
            if filed <= self.b.today:
                form = "10-K" if annual else "10-Q"
                self._series("SEC report filed", f"Form {form} for the period ended {end:%d %b %Y}", filed)

    def all_events(self) -> list[DealEvent]:
        return [*self._stamp(self.events.values()), *self.series, *getattr(self, "draw_events", [])]

    def _instruments(self) -> None:
        rng, deal, company = self.rng, self.deal, self.company
        common = ShareClass(deal=deal, issuer=company, kind=ShareClass.Kind.COMMON, name="Common Stock",
                            par_value=Decimal("0.001"), authorized=rng.choice([100, 200, 500]) * 1_000_000,
                            issued_and_outstanding=rng.randint(10, 90) * 1_000_000, as_of=self.dated, section="3(c)")
        self.share_classes = self._stamp([common])
        if self.kind == Deal.Kind.PIPE:
            self.share_classes.append(self._stamp([ShareClass(
                deal=deal, issuer=company, kind=ShareClass.Kind.PREFERRED, name="Series A Preferred Stock",
                authorized=5_000_000, issued_and_outstanding=rng.randint(1, 5) * 1_000_000, as_of=self.dated,
                section="3(c)")])[0])
        self.notes, self.warrants, self.equity_lines, self.draw_list = [], [], [], []
        self.notes_repaid_on = None
        if self.kind == Deal.Kind.CONVERTIBLE_NOTES:
            for number in range(rng.choice([1, 1, 2, 3])):
                issue = self.closing + datetime.timedelta(days=90 * number)
                maturity = issue + datetime.timedelta(days=730)
                repaid = maturity if maturity < self.b.today and rng.random() < 0.6 else None
                self.notes.append(ConvertibleNote(
                    deal=deal, issuer=company, name=f"Notes, tranche {number + 1}",
                    principal=_money(rng, 250_000, 3_000_000),
                    interest_rate=Decimal(rng.choice(["0.08", "0.10", "0.12"])), secured=rng.random() < 0.5,
                    issue_date=issue if issue <= self.b.today else None, maturity_date=maturity,
                    repaid_or_converted_on=repaid if issue <= self.b.today else None,
                    conversion_price=Decimal(rng.choice(["0.05", "0.10", "0.25", "0.50"])), section="1(a)"))
            self._stamp(self.notes)
            repaid = [note.repaid_or_converted_on for note in self.notes]
            if None not in repaid:
                self.notes_repaid_on = max(repaid)
        if self.kind in (Deal.Kind.CONVERTIBLE_NOTES, Deal.Kind.WARRANTS, Deal.Kind.PIPE):
            self.warrants = self._stamp([Warrant(
                deal=deal, issuer=company, name=f"Warrants {number + 1}", shares=rng.randint(1, 20) * 500_000,
                exercise_price=Decimal(rng.choice(["0.10", "0.25", "1.00"])), issue_date=self.closing,
                expiry_date=self.closing + datetime.timedelta(days=365 * 5), section="1(a)")
                for number in range(rng.choice([1, 2]))])
        if self.kind == Deal.Kind.EQUITY_LINE:
            line = EquityLine(deal=deal, issuer=company, investor=self.investors[0], placement_agent=self.agent,
                              commitment=_money(rng, 5_000_000, 50_000_000, 1_000_000),
                              placement_fee_rate=Decimal("0.01"), section="1")
            self.equity_lines = self._stamp([line])
            self.draw_events = []
            day = self.events["Effective Date"].date
            number = 0
            drawn = Decimal(0)
            while day is not None:
                day += datetime.timedelta(days=rng.randint(20, 45))
                amount = _money(rng, 50_000, 500_000, 10_000)
                if day > self.b.today or drawn + amount > line.commitment:
                    break
                number += 1
                drawn += amount
                event = self._series(DRAW_EVENT_KIND, f"Draw #{number}", day)
                self.series.remove(event)
                self.draw_events.append(event)
                self.draw_list.append(Draw(equity_line=line, date=day, amount=amount, event=event))
        if self.notes_repaid_on is not None:
            self.events["No Note outstanding"] = DealEvent(deal=deal, name="No Note outstanding",
                                                           date=self.notes_repaid_on)

    def reservations(self) -> list[ShareReservation]:
        common = self.share_classes[0]
        rows = [ShareReservation(share_class=common, purpose=ShareReservation.Purpose.STOCK_OPTIONS,
                                 shares=self.rng.randint(1, 5) * 100_000)]
        if self.notes or self.warrants:
            rows.append(ShareReservation(share_class=common, purpose=ShareReservation.Purpose.DEAL_SECURITIES,
                                         shares=sum(w.shares for w in self.warrants) * 2 + 10_000_000))
        return self._stamp(rows)

    def reserve_covenants(self) -> list[ReserveCovenant]:
        if not self.notes:
            return []
        return self._stamp([ReserveCovenant(deal=self.deal, share_class=self.share_classes[0],
                                            multiple=Decimal("2"), section="4(h)")])

    def draws(self) -> list[Draw]:
        for draw in self.draw_list:
            draw.event_id = draw.event.pk
            draw._history_date = _noon(draw.date)
        return self.draw_list

    # ---- the closing and its checklist ----

    # SPA s.6 (a)-(c): conditions to the Company's obligation to sell, one of each for each Buyer.
    BUYER_ITEMS = [
        ("6(a)", "Agreement executed and delivered by {buyer}", ClosingItem.Kind.DELIVERABLE,
         "The applicable Buyer shall have executed this Agreement and delivered it to the Company."),
        ("6(b)", "Purchase Price delivered by {buyer}", ClosingItem.Kind.DELIVERABLE,
         "The applicable Buyer shall have delivered the Purchase Price for the Securities being purchased by it."),
        ("6(c)", "Representations of {buyer} true; its covenants performed", ClosingItem.Kind.CONDITION,
         "The representations and warranties of the applicable Buyer shall be true and correct in all material "
         "respects as of the date when made and as of the Closing Date."),
    ]
    # SPA s.6(d) and s.7: the rest, the Company's to deliver or a state of affairs no party delivers (None).
    DEAL_ITEMS = [
        ("6(d)", "No order or law prohibiting the transactions", ClosingItem.Kind.CONDITION, None, "company",
         "No litigation, statute, rule, regulation, executive order, decree, ruling or injunction shall have been "
         "enacted which prohibits the consummation of any of the transactions contemplated by this Agreement."),
        ("7(a)", "Agreement executed and delivered by the Company", ClosingItem.Kind.DELIVERABLE, "company",
         "investor", "The Company shall have executed this Agreement and delivered it to the Buyer."),
        ("7(b)", "Executed Securities delivered", ClosingItem.Kind.DELIVERABLE, "company", "investor",
         "The Company shall have delivered to such Buyer duly executed Securities being purchased by the Buyer."),
        ("7(c)", "Irrevocable Transfer Agent Instructions delivered and acknowledged", ClosingItem.Kind.DELIVERABLE,
         "company", "investor", "The Irrevocable Transfer Agent Instructions shall have been delivered to and "
         "acknowledged in writing by the Company's Transfer Agent."),
        ("7(d)", "Company's representations true; its covenants performed", ClosingItem.Kind.CONDITION, "company",
         "investor", "The representations and warranties of the Company shall be true and correct as of the date "
         "when made and as of the Closing Date."),
        ("7(d)", "Certificate of the chief executive officer", ClosingItem.Kind.DELIVERABLE, "company", "investor",
         "The Buyer shall have received a certificate, executed by the chief executive officer of the Company."),
        ("7(e)", "No order or law prohibiting the transactions", ClosingItem.Kind.CONDITION, None, "investor",
         "No litigation, statute, rule, regulation, executive order, decree, ruling or injunction shall have been "
         "enacted which prohibits the consummation of any of the transactions contemplated by this Agreement."),
        ("7(f)", "No Material Adverse Effect", ClosingItem.Kind.CONDITION, None, "investor",
         "No event shall have occurred which could reasonably be expected to have a Material Adverse Effect."),
        ("7(g)", "Shares authorized for quotation; trading not suspended", ClosingItem.Kind.CONDITION, "company",
         "investor", "The Common Stock shall have been authorized for quotation and trading shall not have been "
         "suspended."),
        ("7(h)", "Opinion of the Company's counsel", ClosingItem.Kind.DELIVERABLE, "company", "investor",
         "The Buyer shall have received an opinion of the Company's counsel, dated as of the Closing Date."),
        ("7(i)", "Officer's certificate updating the capitalization", ClosingItem.Kind.DELIVERABLE, "company",
         "investor", "The Buyer shall have received an officer's certificate describing the Company's "
         "capitalization as of the Closing Date."),
    ]
    # A share of closings still being worked through: their checklist partly open, the closing not completed.
    CLOSING_OPEN_SHARE = 0.03
    DONE_IN_OPEN_CLOSING_SHARE = 0.6  # of a closing still open, the items already done
    WAIVED_SHARE = 0.05

    def closing_rows(self) -> None:
        """The closing (SPA s.1(c)) and its checklist (s.6 and s.7), entered on the closing day: each item
        satisfied or waived on that day and the closing completed, but for a few still open."""
        # A generator of its own: the rest of the deal is drawn as it was before closings were generated.
        rng, day = random.Random(f"{self.b.seed}-closing-{self.number}"), self.closing
        still_open = rng.random() < self.CLOSING_OPEN_SHARE or day > self.b.today
        staff = rng.choice(self.b.staff)
        self.closing_row = Closing(deal=self.deal, name="Initial closing", section="1(c)", scheduled_for=day,
                                   closed_on=None if still_open else day, closed_by=None if still_open else staff)
        self.closing_row._history_date = _noon(min(day, self.b.today))
        rows = [(section, title.format(buyer=fund.legal_name), kind, fund, "company", text)
                for fund in self.investors for section, title, kind, text in self.BUYER_ITEMS]
        rows += [(section, title, kind, self.company if by == "company" else None, of, text)
                 for section, title, kind, by, of, text in self.DEAL_ITEMS]
        self._closing_items = []
        for section, title, kind, by, of, text in rows:
            item = ClosingItem(section=section, section_order=section_order(section), title=title[:200], kind=kind,
                               satisfied_by=by, condition_of=of, text=text)
            if not still_open or rng.random() < self.DONE_IN_OPEN_CLOSING_SHARE:
                if rng.random() < self.WAIVED_SHARE:
                    item.status = ClosingItem.Status.WAIVED
                    item.evidence = "Waived in writing by the party it protects."
                else:
                    item.status = ClosingItem.Status.SATISFIED
                    item.evidence = "In the closing set, delivered at the Closing."
                item.done_on, item.recorded_by = min(day, self.b.today), staff
            item._history_date = self.closing_row._history_date
            self._closing_items.append(item)

    def closing_items(self) -> list[ClosingItem]:
        for item in self._closing_items:
            item.closing = self.closing_row
        return self._closing_items

    def copy_to(self) -> list:
        through = DealParty.copy_to.through
        return [through(dealparty_id=row.pk, address_id=counsel.notice_address.pk) for row, counsel in self._copies]

    # ---- obligations and their rules ----

    @property
    def obligations(self) -> list[Obligation]:
        if not hasattr(self, "_obligations"):
            self._plan_obligations()
        return self._obligations

    def _plan_obligations(self) -> None:
        rng, ev, kinds = self.rng, self.events, self.event_kinds
        notes = bool(self.notes)
        notes_repaid = self.events.get("No Note outstanding")
        monthly = dict(kind=Kind.RECURRING, frequency="monthly", offset=5, offset_unit=Unit.BUSINESS_DAYS,
                       ends_when_notes_repaid=notes)
        duties = [
            # SPA s.4(h): the list within five business days of each month end, while any Note is outstanding.
            ("4(h)", "Monthly list of shares authorized, reserved and issuable", Obligation.Kind.SHARE_RESERVE,
             monthly, _ALL),
            # SPA s.4(g): quarterly statements 45 days after the first three fiscal quarters, annual in 90.
            ("4(g)(iv)", "Quarterly financial statements", Obligation.Kind.REPORTING,
             dict(kind=Kind.RECURRING, frequency="quarterly", offset=45, only_periods="1, 2, 3"), _ALL),
            ("4(g)(v)", "Annual audited financial statements", Obligation.Kind.REPORTING,
             dict(kind=Kind.RECURRING, frequency="fiscal_yearly", offset=90), _ALL),
            ("4(p)", "Officer's compliance certificate on each anniversary of the Closing", Obligation.Kind.REPORTING,
             dict(kind=Kind.RECURRING, frequency="anniversary", offset=15, offset_unit=Unit.BUSINESS_DAYS), _ALL),
            # SPA s.4(c): standing covenants attested each fiscal quarter from "Compliance attestations begin".
            ("4(c)", "Timely 1934 Act reports; reporting status kept", Obligation.Kind.STANDING_COVENANT,
             dict(kind=Kind.RECURRING, frequency="quarterly", starts_with=ev["Compliance attestations begin"],
                  ends_with=ev["Buyers hold none of the Securities"]), _REGISTERED),
            # SPA s.4(g)(i)-(ii): a copy of each SEC report within 10 days, each press release the next day.
            ("4(g)(i)", "Copies of SEC reports to each Buyer", Obligation.Kind.REPORTING,
             dict(kind=Kind.EACH_EVENT, event_kind=kinds["SEC report filed"], offset=10,
                  ends_with=ev["Buyers hold none of the Securities"]), _ALL),
            ("4(g)(ii)", "Copies of press releases to each Buyer", Obligation.Kind.REPORTING,
             dict(kind=Kind.EACH_EVENT, event_kind=kinds["Press release issued"], offset=1), _ALL),
            # SPA s.4(f): expenses reimbursed within 3 business days of each invoice.
            ("4(f)", "Reimbursement of the Buyers' expenses", Obligation.Kind.PAYMENT,
             dict(kind=Kind.EACH_EVENT, event_kind=kinds["Expense notice or invoice received"], offset=3,
                  offset_unit=Unit.BUSINESS_DAYS), _ALL),
            # SPA s.4(e): written notice at least 20 business days before each proposed Future Offering.
            ("4(e)", "Written notice of a proposed Future Offering", Obligation.Kind.NOTICE,
             dict(kind=Kind.EACH_EVENT, event_kind=kinds["Future Offering closing (proposed)"], offset=20,
                  offset_unit=Unit.BUSINESS_DAYS, direction="before", roll="preceding"), _REGISTERED),
            # SPA s.4(c): press release within two business days after the Closing.
            ("4(c)", "Press release on the transaction", Obligation.Kind.NOTICE,
             dict(kind=Kind.AFTER_ANCHOR, anchor="closing_date", offset=2, offset_unit=Unit.BUSINESS_DAYS), _ALL),
            # SPA s.4(l): the filing tranche closes 5 days after the Filing Date.
            ("4(l)", "Filing tranche closing", Obligation.Kind.CLOSING,
             dict(kind=Kind.AFTER_ANCHOR, anchor="event", anchor_event=ev["Filing Date"], offset=5), _REGISTERED),
            # SPA s.4(e): the 270-day lock-up from the Closing.
            ("4(e)", "Lock-up: no variable-priced equity financing", Obligation.Kind.NEGATIVE_COVENANT,
             dict(kind=Kind.PERIOD, anchor="closing_date", offset=270, roll="none"), _ALL),
            # A date written into the agreement: the warrants' expiry (or the notes' maturity).
            ("1(a)", "Warrants expire: last day to exercise", Obligation.Kind.OTHER,
             dict(kind=Kind.FIXED_DATE, fixed_date=self.closing + datetime.timedelta(days=365 * 5)), _ALL),
            # SPA s.4(e): the Lock-up Period ends on the later of 270 days from Closing and 180 days from
            # the Effective Date.
            ("4(e)", "Lock-up Period (later of)", Obligation.Kind.NEGATIVE_COVENANT,
             dict(kind=Kind.LATER_OF, roll="none", limbs=[
                 dict(kind=Kind.PERIOD, anchor="closing_date", offset=270, roll="none"),
                 dict(kind=Kind.PERIOD, anchor="event", anchor_event=ev["Effective Date"], offset=180, roll="none"),
             ]), _REGISTERED),
            # RRA s.2(a): the registration statement is filed by the earlier of 45 days after Closing and
            # 10 business days after the Filing Date.
            ("2(a)", "Registration statement filed (earlier of)", Obligation.Kind.FILING,
             dict(kind=Kind.EARLIER_OF, limbs=[
                 dict(kind=Kind.AFTER_ANCHOR, anchor="closing_date", offset=45),
                 dict(kind=Kind.AFTER_ANCHOR, anchor="event", anchor_event=ev["Filing Date"], offset=10,
                      offset_unit=Unit.BUSINESS_DAYS),
             ]), _REGISTERED),
            # PAA s.5(D)(i): quarterly statements to the Placement Agent once it asks for them.
            ("5(D)(i)", "Quarterly financial statements to the Placement Agent", Obligation.Kind.REPORTING,
             dict(kind=Kind.RECURRING, frequency="quarterly", offset=45,
                  starts_with=ev["Placement Agent's request for financial statements"]), (Deal.Kind.OTHER,
                                                                                           *_EQUITY, Deal.Kind.PIPE)),
            # PAA s.10: the placement fee on each draw.
            ("10", "Placement fee on each draw", Obligation.Kind.PAYMENT,
             dict(kind=Kind.EACH_EVENT, event_kind=kinds.get(DRAW_EVENT_KIND), offset=0), _EQUITY),
        ]
        if notes_repaid is not None:
            # SPA s.4(n): no short sales for the later of two years and the day no Note is outstanding.
            duties.append(("4(n)", "No short sales by the Buyers", Obligation.Kind.NEGATIVE_COVENANT,
                           dict(kind=Kind.LATER_OF, roll="none", limbs=[
                               dict(kind=Kind.PERIOD, anchor="agreement_date", offset=2, offset_unit=Unit.YEARS,
                                    roll="none"),
                               dict(kind=Kind.AFTER_ANCHOR, anchor="event", anchor_event=notes_repaid, roll="none"),
                           ]), _NOTES))
        self._obligations, self._rule_fields = [], []
        for section, title, kind, rule, deal_kinds in duties:
            if deal_kinds is not None and self.kind not in deal_kinds:
                continue
            obligation = Obligation(deal=self.deal, obligor=self.company, title=title, section=section, kind=kind,
                                    clause_text=f"As set out in Section {section} of the {self.deal.agreement_name}.",
                                    reminder_days_before="14, 7, 1, 0" if rng.random() < 0.05 else "")
            if kind == Obligation.Kind.SHARE_RESERVE and notes:
                obligation.penalty, obligation.penalty_rate = Obligation.Penalty.MONTHLY_ON_NOTES, Decimal("0.03")
            if kind == Obligation.Kind.PAYMENT and section == "4(f)":
                obligation.penalty, obligation.penalty_rate = Obligation.Penalty.ANNUAL_ON_AMOUNT, Decimal("0.15")
                obligation.penalty_base_amount = _money(rng, 10_000, 100_000, 5_000)
            self._obligations.append(obligation)
            self._rule_fields.append(rule)
        self._stamp(self._obligations)

    def beneficiaries(self) -> list:
        through = Obligation.beneficiaries.through
        return [through(obligation_id=o.pk, party_id=fund.pk) for o in self.obligations for fund in self.investors]

    def responsible(self) -> list:
        through = Obligation.responsible_staff.through
        staff = self.rng.choice(self.b.staff)
        return [through(obligation_id=o.pk, user_id=staff.pk) for o in self.obligations]

    def rules(self) -> list[DeadlineRule]:
        self._rules, self._limbs = [], []
        for obligation, fields in zip(self.obligations, self._rule_fields, strict=True):
            fields = dict(fields)
            limbs = fields.pop("limbs", [])
            rule = DeadlineRule(obligation=obligation, **fields)
            self._rules.append(rule)
            self._limbs += [DeadlineRule(obligation=obligation, part_of=rule, **limb) for limb in limbs]
        return self._stamp(self._rules)

    def limbs(self) -> list[DeadlineRule]:
        return self._stamp(self._limbs)

    def occurrences(self) -> list[Occurrence]:
        """Each rule's due dates, as occurrences_sync computes them, then what became of each."""
        rows = []
        for rule in self._rules:
            for due in deadlines.due_dates(rule.to_spec(), horizon=self.b.horizon):
                occurrence = Occurrence(rule=rule, key=due.key, period_start=due.period_start,
                                        period_end=due.period_end, due_date=due.due_date, computation=due.explanation)
                occurrence.entered = self.dated
                self._complete(occurrence)
                rows.append(occurrence)
        self._occurrences = rows
        return rows

    def _complete(self, occurrence: Occurrence) -> None:
        """Most past due dates done on time, some late, a few waived, some still open (overdue)."""
        rng, today, due = self.rng, self.b.today, occurrence.due_date
        age = (today - due).days
        roll = rng.random()
        if age < 0:
            if age >= -14 and roll < 0.05:  # a few due soon are already done, early
                occurrence.status = Occurrence.Status.DONE
                occurrence.done_on = today - datetime.timedelta(days=rng.randint(0, 3))
                occurrence.evidence = "Delivered early by email to each Buyer; confirmation on file."
                occurrence.done_by = rng.choice(self.b.staff)
            return
        open_share = 0.01 if age > REMINDER_HISTORY_DAYS else 0.08 if age > 14 else 0.5
        if roll < open_share:
            return  # overdue
        if roll < open_share + 0.04:
            occurrence.status = Occurrence.Status.WAIVED
            occurrence.done_on = min(due + datetime.timedelta(days=rng.randint(0, 10)), today)
            occurrence.evidence = "Waived by the Buyers' written waiver (email from their counsel)."
        else:
            late = rng.random() < 0.12
            offset = rng.randint(1, 45) if late else -rng.randint(0, 5)
            occurrence.status = Occurrence.Status.DONE
            occurrence.done_on = min(due + datetime.timedelta(days=offset), today)
            occurrence.evidence = "Delivered by email to each Buyer; confirmation on file."
        occurrence.done_by = self.rng.choice(self.b.staff)

    def reminders(self) -> list[Reminder]:
        """The reminders the desk sent up to yesterday, as the sweep plans them (reckoning.reminder_policy)."""
        sent_at_hour = datetime.time(7)
        rows = []
        yesterday = self.b.today - DAY
        first_due = self.b.today - datetime.timedelta(days=REMINDER_HISTORY_DAYS)
        has_single_recipient = any(f.name == "recipient" for f in Reminder._meta.get_fields())
        for occurrence in self._occurrences:
            rule = occurrence.rule
            policy = policy_for(rule.obligation)
            recipients = self._recipients(rule.obligation)
            last_day = min(occurrence.done_on - DAY if occurrence.done_on else yesterday, yesterday)
            if occurrence.due_date >= first_due:
                first_reminder = occurrence.due_date - datetime.timedelta(days=policy.lead_days)
                days = sorted({policy.latest_due(due_date=occurrence.due_date, today=day)
                               for day in _days(first_reminder, last_day)} - {None})
            elif occurrence.status == Occurrence.Status.OPEN:
                latest = policy.latest_due(due_date=occurrence.due_date, today=last_day)
                days = [latest] if latest is not None else []  # the latest weekly overdue reminder
            else:
                days = []
            for days_from_due in days:
                if days_from_due > 0 and rule.kind == DeadlineRule.Kind.PERIOD:
                    continue  # as the sweep: the end of a lock-up is never chased as overdue
                scheduled = policy.scheduled_for(due_date=occurrence.due_date, days_from_due=days_from_due)
                fields = dict(occurrence=occurrence, due_date=occurrence.due_date, days_from_due=days_from_due,
                              scheduled_for=scheduled, status=Reminder.Status.SENT, attempts=1,
                              sent_at=timezone.make_aware(datetime.datetime.combine(scheduled, sent_at_hour)))
                if has_single_recipient:
                    rows += [Reminder(recipient=address, **fields) for address in recipients]
                else:
                    rows.append(Reminder(recipients=", ".join(recipients), **fields))
        return rows

    def _recipients(self, obligation: Obligation) -> list[str]:
        addresses = [self.company.reminder_person.email]
        if self.deal.reminder_copies_to:
            addresses.append(self.deal.reminder_copies_to)
        return addresses


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
