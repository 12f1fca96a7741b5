"""Obligations a deal imposes, the rules that date them, and each concrete due date."""
from __future__ import annotations

import datetime
import secrets
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from deals import clock
from deals.models import Deal, DealEvent, EventKind, validate_day_list
from parties.models import Party
from reckoning import deadlines, penalties
from reckoning.standing import OPEN_STANDINGS, Standing, Status, open_due_range, standing


def parse_period_list(value: str) -> frozenset[int]:
    """ "1, 2, 3" -> {1, 2, 3}; the arithmetic checks the range for the rule's frequency."""
    parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    try:
        return frozenset(int(part) for part in parts)
    except ValueError:
        raise ValidationError("Enter period numbers separated by commas, e.g. 1, 2, 3.") from None


def validate_period_list(value: str) -> None:
    parse_period_list(value)


class Obligation(models.Model):
    class Kind(models.TextChoices):
        REPORTING = "reporting", "Reporting / delivery of information"
        FILING = "filing", "Filing"
        PAYMENT = "payment", "Payment"
        CLOSING = "closing", "Closing of a purchase"
        SHARE_RESERVE = "share_reserve", "Share reserve"
        NOTICE = "notice", "Notice"
        NEGATIVE_COVENANT = "negative_covenant", "Restriction (must not do)"
        # A covenant with no deadline of its own (SPA s.4(i) keep the listing, s.4(j) no sale of
        # substantially all assets): its due dates are compliance attestations, each for a period.
        STANDING_COVENANT = "standing_covenant", "Standing covenant (attested each period)"
        OTHER = "other", "Other"

    Penalty = penalties.PenaltyKind

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="obligations")
    obligor = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="obligations_owed",
                                help_text="Who must perform.")
    beneficiaries = models.ManyToManyField(Party, blank=True, related_name="obligations_benefiting",
                                           help_text="To whom it is owed.")
    title = models.CharField(max_length=200)
    section = models.CharField(max_length=30, help_text='The agreement section, e.g. "4(h)".')
    clause_text = models.TextField(blank=True, help_text="The words of the agreement.")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.REPORTING)
    consequence = models.TextField(blank=True, help_text="What a miss costs, in the agreement's words.")
    penalty = models.CharField(max_length=30, choices=Penalty.choices(), default=Penalty.NONE)
    penalty_rate = models.DecimalField(
        max_digits=7, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="As a fraction: 0.03 for 3% a month, 0.15 for 15% a year.",
    )
    penalty_base_amount = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))],
        help_text="The unpaid amount a yearly rate runs on (leave empty for notes: their principal plus accrued interest is used).",
    )
    responsible_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="obligations_responsible",
        help_text="Desk staff who are reminded of this obligation's deadlines.",
    )
    reminder_days_before = models.CharField(
        max_length=100, blank=True, validators=[validate_day_list],
        help_text="Days before each due date to remind, e.g. 10, 5, 1, 0. Empty: the deal's setting.",
    )

    history = HistoricalRecords(m2m_fields=["beneficiaries", "responsible_staff"])

    class Meta:
        ordering = ["deal", "section", "title"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "section", "title"], name="obligation_unique_per_section",
                                    violation_error_message="This deal already has that obligation in that section."),
            models.CheckConstraint(
                condition=models.Q(penalty_rate__isnull=True) | models.Q(penalty_rate__gte=0, penalty_rate__lte=1),
                name="obligation_penalty_rate_in_range",
                violation_error_message="The penalty rate must be between 0 and 1 (100%).",
            ),
            models.CheckConstraint(
                condition=models.Q(penalty="none") | models.Q(penalty_rate__isnull=False),
                name="obligation_penalty_has_rate",
                violation_error_message="A penalty stated in numbers needs its rate.",
            ),
        ]
        indexes = [
            # The covenants with a penalty in numbers (one in ten): those whose kept penalty is stale
            # are looked for among them on each fees report (obligations.accruals).
            models.Index(fields=["id"], condition=~models.Q(penalty="none"), name="obligation_with_penalty"),
        ]

    def __str__(self) -> str:
        return f"{self.deal} s.{self.section}: {self.title}"

    def clean(self) -> None:
        if self.deal_id and self.obligor_id and not self.deal.deal_parties.filter(party_id=self.obligor_id).exists():
            raise ValidationError({"obligor": f"{self.obligor} is not a party to {self.deal}."})

    def penalty_base_on(self, *, notes: Iterable | None = None) -> Callable[[datetime.date], penalties.Base] | None:
        """What the penalty rate runs on, day by day; None when it cannot be computed.

        `notes`: the convertible notes to count (one holder's, or the deal's as they
        stood on a past day); by default all the deal's notes now.
        """
        if self.penalty == self.Penalty.MONTHLY_ON_NOTES:
            notes = self.deal.convertible_notes.all() if notes is None else notes
            terms = tuple(penalties.NoteTerms(note.principal, note.interest_rate, note.issue_date) for note in notes)
            # SPA s.2(f): "3% of the outstanding amount of the Notes per month plus accrued and unpaid interest".
            return penalties.NotesBase(terms)
        if self.penalty == self.Penalty.ANNUAL_ON_AMOUNT and self.penalty_base_amount is not None:
            return penalties.FixedBase(Fraction(self.penalty_base_amount))
        return None

    def penalty_accrued(self, *, spells: Iterable[penalties.Spell | None], notes: Iterable | None = None
                        ) -> Decimal | None:
        """What the penalty has accrued over the union of the breach spells; None when it cannot be computed."""
        base_on = self.penalty_base_on(notes=notes)
        if base_on is None or self.penalty_rate is None:
            return None
        return penalties.accrued(kind=self.Penalty(self.penalty), spells=spells, rate=self.penalty_rate,
                                 base_on=base_on)


class DeadlineRule(models.Model):
    """How an obligation's due dates are computed (see reckoning.deadlines)."""

    # The arithmetic's own vocabularies (reckoning.deadlines), so the two can never disagree.
    Kind = deadlines.RuleKind
    Unit = deadlines.DayCount
    Direction = deadlines.Direction
    Roll = deadlines.Roll
    Frequency = deadlines.Frequency
    HolidayCalendar = deadlines.HolidayCalendar
    ONE_OFF_KINDS = (Kind.FIXED_DATE, Kind.AFTER_ANCHOR, Kind.PERIOD)
    COMBINING_KINDS = (Kind.LATER_OF, Kind.EARLIER_OF)

    class Anchor(models.TextChoices):
        AGREEMENT_DATE = "agreement_date", "Date of the agreement"
        CLOSING_DATE = "closing_date", "Closing date"
        EVENT = "event", "A deal event"

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=20, choices=Kind.choices())
    part_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="limbs",
        help_text='One limb of a "later of" or "earlier of" rule of the same obligation; a limb has no due dates of its own.',
    )
    fixed_date = models.DateField(null=True, blank=True)
    anchor = models.CharField(max_length=20, choices=Anchor.choices, blank=True,
                              help_text="What the days are counted from.")
    anchor_event = models.ForeignKey(DealEvent, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="rules")
    offset = models.PositiveIntegerField("number", default=0)
    offset_unit = models.CharField("of", max_length=20, choices=Unit.choices(), default=Unit.CALENDAR_DAYS)
    direction = models.CharField(max_length=10, choices=Direction.choices(), default=Direction.AFTER,
                                 help_text='"Before" counts back from the date ("at least 20 business days prior").')
    event_kind = models.ForeignKey(EventKind, on_delete=models.PROTECT, null=True, blank=True, related_name="rules",
                                   help_text="Each event of this kind gets its own due date.")
    frequency = models.CharField(max_length=20, choices=Frequency.choices(), blank=True)
    only_periods = models.CharField(
        max_length=40, blank=True, validators=[validate_period_list],
        help_text="Only these periods, e.g. 1, 2, 3 for the first three fiscal quarters (months 1-12 when monthly). "
                  "Empty: every period.",
    )
    window_start = models.DateField(null=True, blank=True,
                                    help_text="Recurring: first period end that counts (default: the closing date).")
    window_end = models.DateField(null=True, blank=True, help_text="Recurring: last period end that counts.")
    starts_with = models.ForeignKey(
        DealEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="rules_started",
        help_text='Dormant until this event happens ("upon written request"); repeating duties count from it.',
    )
    ends_with = models.ForeignKey(
        DealEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="rules_ended",
        help_text='Repeating duties stop when this event happens ("during the registration period").',
    )
    ends_when_notes_repaid = models.BooleanField(
        "ends when no Note is outstanding", default=False,
        help_text='"So long as any Note is outstanding": stops on the day the last Note was repaid or converted.',
    )
    roll = models.CharField("a due date on a weekend or holiday", max_length=10, choices=Roll.choices(),
                            default=Roll.FOLLOWING)
    holiday_calendar = models.CharField(max_length=20, choices=HolidayCalendar.choices(),
                                        default=HolidayCalendar.US_BANKING)

    history = HistoricalRecords()

    class Meta:
        ordering = ["obligation", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_start__isnull=True) | models.Q(window_end__isnull=True)
                | models.Q(window_end__gte=models.F("window_start")),
                name="rule_window_ends_after_start",
                violation_error_message="The active window ends before it starts.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="recurring") | ~models.Q(frequency=""),
                name="rule_recurring_has_frequency",
                violation_error_message="A recurring rule needs a period: monthly, quarterly or each fiscal year.",
            ),
            models.CheckConstraint(
                condition=~models.Q(anchor="event") | models.Q(anchor_event__isnull=False),
                name="rule_event_anchor_has_event",
                violation_error_message="Pick the deal event the days are counted from.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="each_event") | models.Q(event_kind__isnull=False),
                name="rule_each_event_has_kind",
                violation_error_message="Pick the kind of event each due date follows.",
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """The rule in one line, close to the agreement's words."""
        unit = self.get_offset_unit_display()
        counted = f"{self.offset} {unit} {self.get_direction_display()}"
        if self.kind == self.Kind.FIXED_DATE:
            text = f"On {self.fixed_date}"
        elif self.kind == self.Kind.RECURRING:
            text = f"{self.offset} {unit} after {self.get_frequency_display().lower()}"
            if self.only_periods:
                text += f" (periods {self.only_periods} only)"
        elif self.kind == self.Kind.PERIOD:
            text = f"{self.offset} {unit} from {self.anchor_label()}"
        elif self.kind == self.Kind.EACH_EVENT:
            text = f"{counted} each {self.event_kind.name if self.event_kind_id else '?'}"
        elif self.kind in self.COMBINING_KINDS:
            limbs = "; ".join(limb.describe() for limb in self.limbs.all()) if self.pk else ""
            text = f"{self.get_kind_display()}: {limbs or 'no limbs yet'}"
        else:
            text = f"{counted} {self.anchor_label()}"
        if self.starts_with_id:
            text += f"; once {self.starts_with.name}"
        if self.ends_with_id:
            text += f"; until {self.ends_with.name}"
        if self.ends_when_notes_repaid:
            text += "; while any Note is outstanding"
        return text

    def anchor_label(self) -> str:
        if self.kind == self.Kind.EACH_EVENT and self.event_kind_id:
            return self.event_kind.name
        if self.anchor == self.Anchor.EVENT and self.anchor_event_id:
            return self.anchor_event.name
        return self.get_anchor_display() or "?"

    def anchor_date(self) -> datetime.date | None:
        deal = self.obligation.deal
        if self.anchor == self.Anchor.AGREEMENT_DATE:
            return deal.dated_as_of
        if self.anchor == self.Anchor.CLOSING_DATE:
            return deal.closing_date
        if self.anchor == self.Anchor.EVENT and self.anchor_event_id:
            return self.anchor_event.date
        return None

    def end(self) -> tuple[datetime.date | None, str]:
        """When a repeating duty stops, and why in words; (None, "") while no end is known."""
        ends = []
        if self.ends_with_id and self.ends_with.date is not None:
            ends.append((self.ends_with.date, f"{self.ends_with.name} {deadlines.format_day(self.ends_with.date)}"))
        if self.ends_when_notes_repaid:
            # SPA s.4(n): "so long as any of the Notes remain outstanding".
            last = self.obligation.deal.convertible_notes.outstanding_until()
            if last is not None:
                ends.append((last, f"last Note repaid or converted {deadlines.format_day(last)}"))
        return min(ends) if ends else (None, "")

    def recorded_events(self, since: datetime.date | None) -> tuple[deadlines.Event, ...]:
        """The recorded events of this rule's kind, on or after `since` when the rule waits for a start."""
        if not self.event_kind_id:
            return ()
        events = self.event_kind.events.filter(date__isnull=False)
        if since is not None:
            events = events.filter(date__gte=since)
        return tuple(deadlines.Event(key=f"event-{event.pk}", day=event.date, label=event.name) for event in events)

    def to_spec(self) -> deadlines.RuleSpec:
        deal = self.obligation.deal
        obligor = self.obligation.obligor
        started = self.starts_with.date if self.starts_with_id else None
        end, end_label = self.end()
        combining = self.kind in self.COMBINING_KINDS and self.pk is not None
        return deadlines.RuleSpec(
            kind=deadlines.RuleKind(self.kind),
            fixed_date=self.fixed_date,
            anchor_date=self.anchor_date(),
            anchor_label=self.anchor_label(),
            offset=self.offset,
            offset_unit=deadlines.DayCount(self.offset_unit),
            direction=deadlines.Direction(self.direction),
            frequency=deadlines.Frequency(self.frequency) if self.frequency else None,
            only_periods=parse_period_list(self.only_periods),
            fiscal_year_end=deadlines.FiscalYearEnd(obligor.fiscal_year_end_month, obligor.fiscal_year_end_day),
            window_start=self.window_start or started or deal.closing_date or deal.dated_as_of,
            window_end=self.window_end,
            roll=deadlines.Roll(self.roll),
            holiday_calendar=deadlines.HolidayCalendar(self.holiday_calendar),
            events=self.recorded_events(started) if self.kind == self.Kind.EACH_EVENT else (),
            limbs=tuple(limb.to_spec() for limb in self.limbs.all()) if combining else (),
            waiting_on=self.starts_with.name if self.starts_with_id and started is None else "",
            end=end,
            end_label=end_label,
        )

    def lacks_limbs(self) -> bool:
        """A "later of" / "earlier of" rule saved before its two limbs: no date, nothing to check yet."""
        return self.kind in self.COMBINING_KINDS and (self.pk is None or self.limbs.count() < 2)

    def waiting_reason(self) -> str:
        """What the rule waits on before it has a due date, in words; "" when it has its dates."""
        if self.lacks_limbs():
            return "Waiting on its limbs: add at least two rules that are part of it."
        try:
            return deadlines.waiting_reason(self.to_spec())
        except deadlines.RuleError as error:
            return str(error)
        except ValidationError as error:  # a form re-shown with what was typed, before it is corrected
            return " ".join(error.messages)

    def _obligation(self) -> Obligation | None:
        # On an add page the obligation may be assigned but not yet saved.
        try:
            return self.obligation
        except Obligation.DoesNotExist:
            return None

    def _same_deal(self, field: str, obligation: Obligation | None) -> None:
        related = getattr(self, field)
        deal_id = obligation.deal_id if obligation is not None else None
        if related is not None and deal_id and related.deal_id != deal_id:
            what = "a kind of event" if isinstance(related, EventKind) else "an event"
            raise ValidationError({field: f"{related.name} is {what} of {related.deal}, not of {obligation.deal}. "
                                          "Add it to this deal first."})

    def clean(self) -> None:
        if not self.kind:
            return  # the form already says the field is required
        if self.window_start and self.window_end and self.window_end < self.window_start:
            raise ValidationError({"window_end": "The active window ends before it starts."})
        needs_anchor = self.kind in (self.Kind.AFTER_ANCHOR, self.Kind.PERIOD)
        if needs_anchor and not self.anchor:
            raise ValidationError({"anchor": "Say what the days are counted from."})
        obligation = self._obligation()
        if self.anchor == self.Anchor.EVENT:
            if not self.anchor_event_id:
                raise ValidationError({"anchor_event": "Pick the deal event the days are counted from."})
            self._same_deal("anchor_event", obligation)
        elif self.anchor_event_id:
            raise ValidationError({"anchor_event": "Only pick an event when the days count from a deal event."})
        if self.kind == self.Kind.RECURRING and not self.frequency:
            raise ValidationError({"frequency": "A recurring rule needs a period: monthly, quarterly or each fiscal year."})
        if self.only_periods and self.kind != self.Kind.RECURRING:
            raise ValidationError({"only_periods": "Only a recurring rule can be limited to some periods."})
        if self.kind == self.Kind.EACH_EVENT and not self.event_kind_id:
            raise ValidationError({"event_kind": "Pick the kind of event each due date follows."})
        if self.event_kind_id and self.kind != self.Kind.EACH_EVENT:
            raise ValidationError({"event_kind": 'Only pick a kind of event for a rule that follows "each event of a kind".'})
        for field in ("event_kind", "starts_with", "ends_with"):
            self._same_deal(field, obligation)
        self._clean_limb(obligation)
        if obligation is None or not obligation.deal_id or not obligation.obligor_id:
            return
        if self.lacks_limbs():
            return  # its limbs are added after it; they are checked then
        try:
            deadlines.validate_rule(self.to_spec())
        except deadlines.RuleError as error:
            raise ValidationError(str(error)) from error

    def _clean_limb(self, obligation: Obligation | None) -> None:
        if self.part_of_id is None:
            return
        parent = self.part_of
        if parent.pk == self.pk:
            raise ValidationError({"part_of": "A rule cannot be a limb of itself."})
        if obligation is not None and parent.obligation_id != obligation.pk:
            raise ValidationError({"part_of": "A limb must belong to a rule of the same obligation."})
        if parent.kind not in self.COMBINING_KINDS:
            raise ValidationError({"part_of": 'Only a "later of" or "earlier of" rule has limbs.'})
        if self.kind not in self.ONE_OFF_KINDS:
            raise ValidationError({"kind": "A limb is a single date: on a fixed date, days after a date, or a period."})


def occurrence_standing(*, status: str, due_date: datetime.date, today: datetime.date) -> Standing:
    """`Occurrence.standing` of a due date read as plain values: reckoning.standing's rule with the desk's
    "due soon" window."""
    return standing(status=status, due_date=due_date, today=today, due_soon_days=settings.DUE_SOON_DAYS)


def standing_q(wanted: Standing, *, today: datetime.date, prefix: str = "") -> models.Q:
    """The due dates that stand so on `today`, as a filter: reckoning.standing's rule, in the database.

    Works on today's occurrences and on their history (the fields are the same),
    and from a related model through `prefix` ("obligations__rules__occurrences__").
    """
    if wanted not in OPEN_STANDINGS:
        return models.Q(**{f"{prefix}status": wanted.value})
    first, last = open_due_range(wanted, today=today, due_soon_days=settings.DUE_SOON_DAYS)
    condition = models.Q(**{f"{prefix}status": Status.OPEN.value})
    if first is not None:
        condition &= models.Q(**{f"{prefix}due_date__gte": first})
    if last is not None:
        condition &= models.Q(**{f"{prefix}due_date__lte": last})
    return condition


class OccurrenceQuerySet(models.QuerySet):
    def open(self) -> OccurrenceQuerySet:
        return self.filter(status=Occurrence.Status.OPEN)

    def due_between(self, start: datetime.date, end: datetime.date) -> OccurrenceQuerySet:
        return self.filter(due_date__gte=start, due_date__lte=end)

    def standing(self, wanted: Standing, today: datetime.date) -> OccurrenceQuerySet:
        return self.filter(standing_q(wanted, today=today))

    def overdue(self, today: datetime.date) -> OccurrenceQuerySet:
        return self.standing(Standing.OVERDUE, today)

    def visible_to(self, user) -> OccurrenceQuerySet:
        """What `user` may see: everything with the view permission, else the obligations they are
        responsible staff of (the rule of the calendar page and of the iCalendar feed)."""
        if user.has_perm("obligations.view_occurrence"):
            return self
        return self.filter(rule__obligation__responsible_staff=user)

    def for_deal(self, deal: Deal | int) -> OccurrenceQuerySet:
        return self.filter(rule__obligation__deal=deal)

    def with_context(self) -> OccurrenceQuerySet:
        return self.select_related("rule__obligation__deal", "rule__obligation__obligor", "done_by")


class Occurrence(models.Model):
    """One concrete due date of a rule, and what became of it."""

    Status = Status

    rule = models.ForeignKey(DeadlineRule, on_delete=models.CASCADE, related_name="occurrences")
    key = models.CharField(max_length=20, help_text="Which period this is; stable when dates are recomputed.")
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    due_date = models.DateField(db_index=True)
    computation = models.TextField(help_text="How the due date was computed.")
    status = models.CharField(max_length=10, choices=Status.choices(), default=Status.OPEN, db_index=True)
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    evidence = models.TextField(blank=True, help_text="What shows it was done or why it was waived.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = OccurrenceQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            # A rule's (so an obligation's, a deal's) next open due date and its overdue count: the columns
            # of the obligation and deal lists (obligations.admin.with_next_due).
            models.Index(fields=["rule", "status", "due_date"], name="occurrence_rule_status_due"),
            # Open due dates by date, across the desk: overdue and due soon (standing_q), the front page.
            models.Index(fields=["status", "due_date"], name="occurrence_status_due"),
            # What became of the due dates of a range, read from the index alone: the front page's
            # compliance chart, the calendar's counts.
            models.Index(fields=["due_date", "status", "done_on"], name="occurrence_due_outcome"),
            # The due date list's order, and the calendar's first due dates of each day, from the index alone.
            models.Index(fields=["due_date", "id"], name="occurrence_due_order"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], name="occurrence_unique_period"),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(done_on__isnull=False),
                name="occurrence_done_has_date",
                violation_error_message="Say on which day it was done.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="waived") | ~models.Q(evidence=""),
                name="occurrence_waived_has_evidence",
                violation_error_message="Say who waived it and how (e.g. the buyers' written waiver).",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="open") | models.Q(done_on__isnull=True),
                name="occurrence_open_has_no_done_date",
                violation_error_message="An open occurrence has no done date; mark it done or clear the date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.obligation.title} due {self.due_date:%d %b %Y}"

    @property
    def obligation(self) -> Obligation:
        return self.rule.obligation

    def breach_spell(self, as_of: datetime.date) -> penalties.Spell | None:
        """The days this due date stood missed as of `as_of` (what a penalty runs on), or None."""
        return penalties.breach_spell(status=self.status, due_date=self.due_date, done_on=self.done_on, as_of=as_of)

    def standing(self, today: datetime.date) -> Standing:
        """overdue / due soon / open / done / waived: what a deal administrator sees first."""
        return occurrence_standing(status=self.status, due_date=self.due_date, today=today)

    def clean(self) -> None:
        if self.status == self.Status.DONE and not self.done_on:
            raise ValidationError({"done_on": "Say on which day it was done."})
        if self.status == self.Status.WAIVED and not self.evidence.strip():
            raise ValidationError({"evidence": "Say who waived it and how (e.g. the buyers' written waiver)."})
        if self.status == self.Status.OPEN and self.done_on:
            raise ValidationError({"done_on": "An open occurrence has no done date; mark it done or clear the date."})
        if self.done_on and self.done_on > clock.today():
            raise ValidationError({"done_on": "The done date cannot be in the future."})


class ReminderQuerySet(models.QuerySet):
    def pending(self) -> ReminderQuerySet:
        return self.filter(status=Reminder.Status.PENDING)


class Reminder(models.Model):
    """One reminder of one occurrence to one recipient: the outbox row that makes delivery at-least-once.

    A row exists per (occurrence, due date, days from due date, recipient), so a sweep run twice,
    or by two workers at once, cannot create a second. A sender claims every ready row of one
    recipient together and sends them as one email, a digest (obligations.reminders); the rows
    claimed together share a Message-ID, which is how the one resend below is recognised.

    Delivery is at least once, and more than once only in one counted window: when
    a send's outcome is unknown (the mail server did not confirm the end of the
    message in time, the connection dropped after the message was handed over, or
    the worker died while sending), the message may have arrived, and it is sent
    once more with the same Message-ID and the same rows; `unknown_outcomes` counts
    such sends. A second unknown outcome stops the row as *uncertain*, for a person to
    check: it is never resent again (the check constraint below refuses a third claim).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        UNCERTAIN = "uncertain", "Uncertain"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    # No index of its own: the unique constraint below leads with it.
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="reminders", db_index=False)
    # The due date this reminder is about: when a rule change moves the due date,
    # the new date gets its own reminders.
    due_date = models.DateField()
    days_from_due = models.IntegerField(help_text="-7 is a week before the due date, 1 the day after.")
    scheduled_for = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    unknown_outcomes = models.PositiveSmallIntegerField(
        default=0, help_text="Sends whose outcome was unknown: the message may have arrived. "
                             "After the first it is sent once more with the same Message-ID; after a second, never.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Who is told: a person of the obligor marked to receive reminders, a responsible staff member,
    # or an address of the deal's "reminder copies to". Blank: nobody was named, which fails the row.
    recipient = models.CharField(max_length=254, blank=True)
    # The email the row was last claimed into; the rows claimed together share it.
    message_id = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    # When the desk (REMINDER_ALERT_TO) was told this reminder is about to give up, gave up, or is uncertain.
    alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_for", "id"]
        indexes = [
            # The queue a sender claims from stays small however long the history grows.
            models.Index(fields=["scheduled_for", "id"], name="reminder_queue",
                         condition=models.Q(status__in=["pending", "sending", "uncertain"])),
            models.Index(fields=["recipient", "scheduled_for"], name="reminder_queue_by_recipient",
                         condition=models.Q(status="pending")),
            # The admin's list of reminders, newest first, reads one page of it.
            models.Index(fields=["-scheduled_for", "id"], name="reminder_list_order"),
            # Looked up by equality only (a status; the Message-ID an email was sent with), so no
            # second index for LIKE, as `db_index=True` gives a text column on PostgreSQL: each
            # index is maintained on every reminder created and every change of status.
            models.Index(fields=["status"], name="reminder_status"),
            models.Index(fields=["message_id"], name="reminder_message_id"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "due_date", "days_from_due", "recipient"],
                                    name="reminder_once_per_offset_and_recipient"),
            # The last line of defence for "never resent more than once": a row whose fate was
            # unknown twice cannot be claimed for sending again.
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(unknown_outcomes__lte=1),
                name="reminder_resent_at_most_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.when_label()} reminder: {self.occurrence}"

    def when_label(self) -> str:
        days = abs(self.days_from_due)
        plural = "day" if days == 1 else "days"
        if self.days_from_due < 0:
            return f"{days} {plural} before"
        if self.days_from_due == 0:
            return "Due-day"
        return f"{days} {plural} overdue"

    @staticmethod
    def new_message_id() -> str:
        return f"<reminders-{uuid.uuid4().hex}@dealdesk>"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's private iCalendar address; replacing the token revokes the old address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


class KeptPenalty(models.Model):
    """What a covenant's penalty has accrued as of a day, kept so that reading it does not mean computing
    every covenant's damages again (obligations.accruals).

    `changes` counts every change the rows are computed from (a due date, the covenant, its deal, its
    beneficiaries, the deal's notes, a name they show); the rows are current when they were computed
    as of today at that count.
    """

    obligation = models.OneToOneField(Obligation, on_delete=models.CASCADE, primary_key=True,
                                      related_name="kept_penalty")
    changes = models.PositiveBigIntegerField(default=0)
    kept_at_changes = models.PositiveBigIntegerField(null=True)
    kept_on = models.DateField(null=True, help_text="The day the rows accrue to the end of.")
    # The covenant's place among the others: its first due date in breach (date, id); none when never in breach.
    first_due_date = models.DateField(null=True)
    first_due_id = models.BigIntegerField(null=True)
    rows = models.JSONField(default=list, help_text="The fees report's rows, one per payee.")
    amounts = models.JSONField(default=list, help_text="Each row's deal, payee, amount and parties: what counts "
                                                       "and totals read.")

    def __str__(self) -> str:
        return f"Penalty of obligation {self.obligation_id} kept as of {self.kept_on}"
