"""Reports over obligations: deadlines, compliance history, reminders, fees and penalties.

Each is registered with deals.reporting, which gives it a web page, a CSV
button and a name for `export_report`.
"""
from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import django_filters
from django.db import connection, models
from django.db.models import Case, F, Func, Min, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, Greatest, NullIf

from deals.csvsafe import csv_cell_sql, formula_free
from deals.models import Deal
from deals.reporting import (
    MONEY,
    PERCENT,
    Aggregated,
    Col,
    Joined,
    ListReport,
    QuerysetReport,
    ReportFilterSet,
    as_of_records,
    choice_label,
    date_filter,
    deal_filter,
    end_of_day,
    join_rows,
    once_a_request,
    register,
)
from instruments.models import ConvertibleNote, Draw, EquityLine
from obligations import accruals
from obligations.models import Obligation, Occurrence, Reminder, standing_q
from parties.models import Party
from parties.reports import party_filter
from reckoning.standing import Standing

PENALTY_CHUNK = 2_000  # draws read at a time by the fees report
OBLIGATION_ORDER = ("rule__obligation__deal__title", "rule__obligation__section", "rule__obligation__title")


def occurrences_for(filterset: ReportFilterSet) -> models.QuerySet:
    """Occurrences now, or as they stood at the end of the as-of day, filtered.

    As of a past day, each occurrence's state (due date, status, done on) is
    its state then; its deal, obligation and obligor are named as they are now.
    """
    if filterset.as_of_day:
        occurrences = as_of_records(Occurrence, filterset.as_of_day)
    else:
        occurrences = Occurrence.objects.all()
    occurrences = occurrences.select_related("rule__obligation__deal", "rule__obligation__obligor")
    return filterset.filter_queryset(occurrences)


def obligation_cells(occurrence) -> dict:
    # A rule deleted since the as-of day leaves its occurrences without an obligation.
    obligation = occurrence.rule.obligation if occurrence.rule else None
    if obligation is None:
        return {"deal": "", "section": "", "obligation": "", "obligor": ""}
    return {
        "deal": obligation.deal.title,
        "section": obligation.section,
        "obligation": obligation.title,
        "obligor": obligation.obligor.legal_name,
    }


OBLIGATION_COLUMNS = (
    Col("deal", "Deal", ("rule__obligation__deal__title",)),
    Col("section", "Section", ("rule__obligation__section",)),
    Col("obligation", "Obligation", ("rule__obligation__title",)),
    Col("obligor", "Obligor", ("rule__obligation__obligor__legal_name",)),
)


# The same cells in the database, for the CSV PostgreSQL writes (deals.reporting.copy_statement).
OBLIGATION_VALUES = {
    "deal": F("rule__obligation__deal__title"),
    "section": F("rule__obligation__section"),
    "obligation": F("rule__obligation__title"),
    "obligor": F("rule__obligation__obligor__legal_name"),
}


class DaysBetween(models.Func):
    """later - earlier, in days (PostgreSQL subtracts dates to a whole number of days)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = models.IntegerField()


class OccurrenceFilterSet(ReportFilterSet):
    deal = deal_filter("rule__obligation__deal")
    party = party_filter("Obligor", "rule__obligation__obligor")
    start = date_filter("Due from", field_name="due_date", lookup_expr="gte")
    end = date_filter("Due to", field_name="due_date", lookup_expr="lte")


# --------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------


class DeadlineFilterSet(OccurrenceFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status", method="filter_status",
        choices=[("open", "Open (overdue, due soon or later)"), (Standing.OVERDUE, "Overdue"),
                 (Standing.DUE_SOON, "Due soon"), ("done", "Done"), ("waived", "Waived")],
    )

    def filter_status(self, queryset, name, value):
        if value in (Standing.OVERDUE, Standing.DUE_SOON):
            return queryset.filter(standing_q(Standing(value), today=self.today))
        return queryset.filter(status=value)


@register
class DeadlinesReport(QuerysetReport):
    name = "deadlines"
    title = "Deadlines"
    description = ("Every due date with its status: filter on open ones to see what is overdue, due soon "
                   "or coming up.")
    position = 10
    noun = ("due date", "due dates")
    filterset_class = DeadlineFilterSet
    columns = (
        *OBLIGATION_COLUMNS,
        Col("due_date", "Due date"),
        Col("standing", "Standing", (), csv=False),
        Col("status", "Status"),
        Col("done_on", "Done on"),
        Col("period_end", "Period end"),
        Col("computation", "How the date was computed", ()),
    )
    default_ordering = ("due_date", *OBLIGATION_ORDER)

    def queryset(self, filterset):
        return occurrences_for(filterset)

    def row(self, occurrence, filterset):
        status = Occurrence.Status(occurrence.status)
        # As-of rows are history records: the rule is the same, applied on the as-of day.
        standing = Occurrence(status=status, due_date=occurrence.due_date).standing(filterset.today)
        return {
            **obligation_cells(occurrence),
            "due_date": occurrence.due_date,
            "standing": standing.label,
            "status": status.label,
            "done_on": occurrence.done_on,
            "period_end": occurrence.period_end,
            "computation": occurrence.computation,
        }

    def csv_values(self, filterset):
        return {
            **OBLIGATION_VALUES,
            "due_date": F("due_date"),
            "status": choice_label("status", Occurrence.Status.choices()),
            "done_on": F("done_on"),
            "period_end": F("period_end"),
            "computation": F("computation"),
        }


# --------------------------------------------------------------------------
# Compliance history
# --------------------------------------------------------------------------


def outcome_sql(today: datetime.date) -> Case:
    """`outcome` in the database."""
    late = DaysBetween(F("done_on"), F("due_date"))
    return Case(
        When(Q(status=Occurrence.Status.DONE) & Q(done_on__lte=F("due_date")), then=Value("done on time")),
        When(Q(status=Occurrence.Status.DONE) & Q(done_on=F("due_date") + datetime.timedelta(days=1)),
             then=Value("done late by 1 day")),
        When(status=Occurrence.Status.DONE,
             then=Concat(Value("done late by "), Cast(late, models.TextField()), Value(" days"),
                         output_field=models.TextField())),
        When(status=Occurrence.Status.WAIVED, then=Value("waived")),
        When(standing_q(Standing.OVERDUE, today=today), then=Value("missed")),
        default=Value("open"),
        output_field=models.TextField(),
    )


def days_late_sql() -> Case:
    return Case(When(status=Occurrence.Status.DONE,
                     then=Greatest(DaysBetween(F("done_on"), F("due_date")), Value(0))),
                default=None, output_field=models.IntegerField())


def outcome(*, status: str, due_date: datetime.date, done_on: datetime.date | None, today: datetime.date) -> str:
    if status == Occurrence.Status.DONE:
        late = (done_on - due_date).days
        if late <= 0:
            return "done on time"
        return f"done late by {late} day{'' if late == 1 else 's'}"
    if status == Occurrence.Status.WAIVED:
        return "waived"
    overdue = Occurrence(status=status, due_date=due_date).standing(today) == Standing.OVERDUE
    return "missed" if overdue else "open"


class ComplianceFilterSet(OccurrenceFilterSet):
    status = django_filters.ChoiceFilter(
        label="Outcome", method="filter_outcome",
        choices=[("on_time", "Done on time"), ("late", "Done late"), ("waived", "Waived"),
                 ("missed", "Missed (open and past due)"), ("open", "Open (not yet due)")],
    )

    def filter_outcome(self, queryset, name, value):
        done = Q(status=Occurrence.Status.DONE)
        conditions = {
            "on_time": done & Q(done_on__lte=F("due_date")),
            "late": done & Q(done_on__gt=F("due_date")),
            "waived": Q(status=Occurrence.Status.WAIVED),
            "missed": standing_q(Standing.OVERDUE, today=self.today),
            "open": Q(status=Occurrence.Status.OPEN) & ~standing_q(Standing.OVERDUE, today=self.today),
        }
        return queryset.filter(conditions[value])


@register
class ComplianceReport(QuerysetReport):
    name = "compliance"
    title = "Compliance history"
    description = "Each due date in the range and what became of it: done on time, done late, waived or missed."
    position = 20
    noun = ("due date", "due dates")
    filterset_class = ComplianceFilterSet
    columns = (
        *OBLIGATION_COLUMNS,
        Col("due_date", "Due date"),
        Col("outcome", "Outcome", ()),
        Col("days_late", "Days late", ()),
        Col("done_on", "Done on"),
        Col("evidence", "Evidence", ()),
    )
    default_ordering = ("due_date", *OBLIGATION_ORDER)

    def queryset(self, filterset):
        return occurrences_for(filterset)

    def row(self, occurrence, filterset):
        late = None
        if occurrence.status == Occurrence.Status.DONE:
            late = max(0, (occurrence.done_on - occurrence.due_date).days)
        return {
            **obligation_cells(occurrence),
            "due_date": occurrence.due_date,
            "outcome": outcome(status=occurrence.status, due_date=occurrence.due_date,
                               done_on=occurrence.done_on, today=filterset.today),
            "days_late": late,
            "done_on": occurrence.done_on,
            "evidence": occurrence.evidence,
        }

    def csv_values(self, filterset):
        return {
            **OBLIGATION_VALUES,
            "due_date": F("due_date"),
            "outcome": outcome_sql(filterset.today),
            "days_late": days_late_sql(),
            "done_on": F("done_on"),
            "evidence": F("evidence"),
        }


# --------------------------------------------------------------------------
# Standing covenants: each period's compliance attestation
# --------------------------------------------------------------------------


@register
class AttestationsReport(QuerysetReport):
    """What an auditor confirms each period: every standing covenant, who it binds and protects,
    and who attested compliance for which period, when, on what evidence."""

    name = "attestations"
    title = "Covenant attestations"
    description = ("Each standing covenant's compliance attestation per period: who it binds and protects, "
                   "who attested, when, and the evidence.")
    position = 25
    noun = ("attestation", "attestations")
    filterset_class = ComplianceFilterSet
    columns = (
        *OBLIGATION_COLUMNS,
        Col("protects", "Protects", ()),
        Col("period_start", "Period from", ("period_start",)),
        Col("period_end", "Period to", ("period_end",)),
        Col("due_date", "Due date"),
        Col("outcome", "Outcome", ()),
        Col("attested_by", "Attested by", ()),
        Col("done_on", "Attested on"),
        Col("evidence", "Evidence", ()),
    )
    default_ordering = ("due_date", *OBLIGATION_ORDER)
    composed_csv_values = True  # the outcome computed once a row; the rows sorted before their cells are written

    def queryset(self, filterset):
        covenants = occurrences_for(filterset).filter(rule__obligation__kind=Obligation.Kind.STANDING_COVENANT)
        return covenants.select_related("done_by").prefetch_related("rule__obligation__beneficiaries")

    def row(self, occurrence, filterset):
        obligation = occurrence.rule.obligation if occurrence.rule else None
        protects = "; ".join(p.legal_name for p in obligation.beneficiaries.all()) if obligation else ""
        return {
            **obligation_cells(occurrence),
            "protects": protects,
            "period_start": occurrence.period_start,
            "period_end": occurrence.period_end,
            "due_date": occurrence.due_date,
            "outcome": outcome(status=occurrence.status, due_date=occurrence.due_date,
                               done_on=occurrence.done_on, today=filterset.today),
            "attested_by": occurrence.done_by.get_full_name() or occurrence.done_by.get_username()
            if occurrence.done_by else "",
            "done_on": occurrence.done_on,
            "evidence": occurrence.evidence,
        }

    def csv_values(self, filterset):
        from django.contrib.auth import get_user_model

        # Who each covenant protects, gathered once per covenant (not once per due date).
        beneficiaries = Obligation.beneficiaries.through.objects.filter(
            obligation__kind=Obligation.Kind.STANDING_COVENANT)
        if filterset.options.get("deal"):
            beneficiaries = beneficiaries.filter(obligation__deal=filterset.options["deal"])
        protects = Aggregated.in_order(
            beneficiaries.values("obligation_id", name=F("party__legal_name")).order_by(
                "obligation_id", "party__legal_name"), key="obligation_id", value="name", separator="; ",
            to=F("rule__obligation_id"))
        # User.get_full_name() (first and last name, stripped) or else the username: computed once
        # per user, not once per due date.
        full_name = models.Func(Concat(F("first_name"), Value(" "), F("last_name"), output_field=models.TextField()),
                                Value(" \t\n\r\x0b\x0c"), function="btrim", output_field=models.TextField())
        attested_by = Aggregated(
            get_user_model().objects.order_by().values("id").annotate(
                name=Coalesce(NullIf(full_name, Value("")), F("username"), output_field=models.TextField())),
            key="id", value="name", to=F("done_by_id"))
        return {
            **OBLIGATION_VALUES,
            "protects": protects,
            "period_start": F("period_start"),
            "period_end": F("period_end"),
            "due_date": F("due_date"),
            "outcome": formula_free(outcome_sql(filterset.today)),
            "attested_by": attested_by,
            "done_on": F("done_on"),
            "evidence": F("evidence"),
        }


# --------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------


class ReminderFilterSet(ReportFilterSet):
    deal = deal_filter("occurrence__rule__obligation__deal")
    party = party_filter("Obligor", "occurrence__rule__obligation__obligor")
    start = date_filter("Scheduled from", field_name="scheduled_for", lookup_expr="gte")
    end = date_filter("Scheduled to", field_name="scheduled_for", lookup_expr="lte")
    status = django_filters.ChoiceFilter(field_name="status_then", choices=Reminder.Status.choices, label="Status")


@register
class RemindersReport(QuerysetReport):
    name = "reminders"
    title = "Reminders"
    description = "Every reminder: about what, to whom, when it was due to go and when it went, and any error."
    position = 30
    noun = ("reminder", "reminders")
    filterset_class = ReminderFilterSet
    columns = (
        Col("deal", "Deal", ("occurrence__rule__obligation__deal__title",)),
        Col("section", "Section", ("occurrence__rule__obligation__section",)),
        Col("obligation", "Obligation", ("occurrence__rule__obligation__title",)),
        Col("due_date", "Due date"),
        Col("reminder", "Reminder", ("days_from_due",)),
        Col("recipients", "To", ()),
        Col("scheduled_for", "Scheduled for"),
        Col("sent_at", "Sent at", ("sent_at_then",)),
        Col("status", "Status", ("status_then",)),
        Col("attempts", "Attempts"),
        Col("last_error", "Last error", ()),
    )
    default_ordering = ("-scheduled_for",)

    def queryset(self, filterset):
        # The reminders are a log without history: as of a day, those created by then,
        # and one sent later shows as not yet sent.
        reminders = Reminder.objects.select_related("occurrence__rule__obligation__deal")
        if filterset.as_of_day:
            cutoff = end_of_day(filterset.as_of_day)
            reminders = reminders.filter(created_at__lt=cutoff).annotate(
                status_then=Case(When(sent_at__gte=cutoff, then=Value(Reminder.Status.PENDING)),
                                 default=F("status"), output_field=models.CharField()),
                sent_at_then=Case(When(sent_at__lt=cutoff, then=F("sent_at")), default=None,
                                  output_field=models.DateTimeField()),
            )
        else:
            reminders = reminders.annotate(status_then=F("status"), sent_at_then=F("sent_at"))
        return filterset.filter_queryset(reminders)

    def row(self, reminder, filterset):
        obligation = reminder.occurrence.rule.obligation
        return {
            "deal": obligation.deal.title,
            "section": obligation.section,
            "obligation": obligation.title,
            "due_date": reminder.due_date,
            "reminder": reminder.when_label(),
            "recipients": reminder.recipient,
            "scheduled_for": reminder.scheduled_for,
            "sent_at": reminder.sent_at_then,
            "status": Reminder.Status(reminder.status_then).label,
            "attempts": reminder.attempts,
            "last_error": reminder.last_error,
        }

    def csv_values(self, filterset):
        days = models.Func(F("days_from_due"), function="abs", output_field=models.IntegerField())
        unit = Case(When(Q(days_from_due=1) | Q(days_from_due=-1), then=Value(" day")), default=Value(" days"),
                    output_field=models.TextField())
        when = Case(  # Reminder.when_label
            When(days_from_due__lt=0, then=Concat(Cast(days, models.TextField()), unit, Value(" before"),
                                                  output_field=models.TextField())),
            When(days_from_due=0, then=Value("Due-day")),
            default=Concat(Cast(days, models.TextField()), unit, Value(" overdue"), output_field=models.TextField()),
            output_field=models.TextField(),
        )
        return {
            "deal": F("occurrence__rule__obligation__deal__title"),
            "section": F("occurrence__rule__obligation__section"),
            "obligation": F("occurrence__rule__obligation__title"),
            "due_date": F("due_date"),
            "reminder": when,
            "recipients": F("recipient"),
            "scheduled_for": F("scheduled_for"),
            "sent_at": F("sent_at_then"),
            "status": choice_label("status_then", Reminder.Status.choices),
            "attempts": F("attempts"),
            "last_error": F("last_error"),
        }


# --------------------------------------------------------------------------
# Fees and penalties
# --------------------------------------------------------------------------


class FeesFilterSet(ReportFilterSet):
    deal = deal_filter()
    party = party_filter("Party (payer or payee)")
    start = date_filter("From", "Draws and due dates from this day.")
    end = date_filter("To")
    as_of = date_filter("As of", "Penalties accrue to the end of this day (default: today), "
                                 "on the records as they stood then.")


def _in_range(day: datetime.date, options: dict) -> bool:
    return (not options.get("start") or day >= options["start"]) and (not options.get("end") or day <= options["end"])


@register
class FeesReport(ListReport):
    name = "fees"
    title = "Fees and penalties"
    description = ("Placement fees on each draw, and what each covenant with a penalty in numbers has accrued as "
                   "of the day, for each payee: once a day while any of its due dates is missed, never stacked.")
    position = 60
    noun = ("fee or penalty", "fees and penalties")
    filterset_class = FeesFilterSet
    columns = (
        Col("kind", "Kind"),
        Col("deal", "Deal"),
        Col("item", "Item"),
        Col("payer", "Payer"),
        Col("payee", "Payee"),
        Col("date", "Draw date or first breach day"),
        Col("base", "On", format=MONEY),
        Col("rate", "Rate", format=PERCENT),
        Col("days", "Days in breach"),
        Col("amount", "Amount", format=MONEY),
        Col("how", "How it was computed", ()),
    )
    total_columns = ("amount",)
    totals_report = "fee-totals"

    def unsorted_rows(self, filterset):
        return list(self.streamed_rows(filterset))

    # Today's rows in the report's own order are counted, paged and added up without building them all:
    # the draws (62,846 on a desk of 10,000 deals) by the database, the penalties as kept (accruals).
    # Sorted by a column, or as of a past day, they are built whole (ListReport).

    def count(self, filterset):
        if filterset.as_of_day:
            return super().count(filterset)
        return self._draw_count(filterset) + len(self._penalties(filterset))

    def page(self, filterset, order, start, stop):
        if filterset.as_of_day or self.clean_order(order):
            return super().page(filterset, order, start, stop)
        draws = self._draw_count(filterset)
        rows = list(self._fee_rows(filterset, min(start, draws), min(stop, draws)))
        if stop > draws:  # a page past the draws: the penalties' rows themselves, read in order
            rows += itertools.islice(self._penalty_rows(filterset), max(start - draws, 0), stop - draws)
        return rows

    def totals(self, filterset):
        if filterset.as_of_day:
            return super().totals(filterset)
        return self.totals_of({"deal": deal, "amount": amount} for _, deal, _, amount in self.amounts(filterset))

    def _draw_count(self, filterset) -> int:
        """Today's draws counted once a request: the count and the page share it."""
        return once_a_request(filterset, "_draw_count", lambda: self._draws(filterset).count())

    def _penalties(self, filterset) -> list[dict]:
        """The deal, payee and amount of today's penalty rows, read once a request: the count and the totals
        share them."""
        return once_a_request(filterset, "_penalties", lambda: list(
            accruals.penalty_amounts(**self._penalty_filters(filterset))))

    @staticmethod
    def _penalty_filters(filterset) -> dict:
        options = filterset.options
        return {"today": filterset.today, "deal": options.get("deal"), "party": options.get("party"),
                "start": options.get("start"), "end": options.get("end")}

    def streamed_rows(self, filterset) -> Iterator[dict]:
        """Every row in the report's own order (the draws by date, then each covenant in breach), read a
        few thousand at a time: an export of the whole desk keeps its memory flat."""
        yield from self._fee_rows(filterset)
        yield from self._penalty_rows(filterset)

    def csv_rows(self, filterset, order=()):
        if self.clean_order(order):
            return super().csv_rows(filterset, order)
        return self.streamed_rows(filterset)

    def copy_select(self, filterset, order=()):
        """The draws' rows in SQL, for a CSV in the report's own order: PostgreSQL writes them (tens of
        thousands on a big desk), Python the penalties after them (`csv_rows_after_copy`), whose exact
        fractions SQL's numeric would round differently. As of a past day, Python writes it all."""
        if filterset.as_of_day or self.clean_order(order):
            return None
        rate = F("equity_line__placement_fee_rate")
        values = {  # each as `_fee_row` gives it
            "kind": (Value("Placement fee"), models.TextField()),
            "deal": (F("equity_line__deal__title"), models.TextField()),
            "item": (Concat(Value("Draw of "), Func(F("date"), template="to_char(%(expressions)s, 'YYYY-MM-DD')"),
                            output_field=models.TextField()), models.TextField()),
            "payer": (Coalesce(F("equity_line__issuer__legal_name"), Value("")), models.TextField()),
            "payee": (Coalesce(F("equity_line__placement_agent__legal_name"), Value("")), models.TextField()),
            "date": (F("date"), models.DateField()),
            "base": (F("amount"), models.DecimalField()),
            "rate": (rate, models.DecimalField()),
            "days": (Value(None, output_field=models.IntegerField()), models.IntegerField()),
            "amount": (self._fee_sql(), models.DecimalField()),
            # f"{(rate * 100).normalize():f}%": trim_scale drops the trailing zeros as normalize() does.
            "how": (Concat(Cast(Func(rate * Value(100), function="trim_scale", output_field=models.DecimalField()),
                                models.TextField()), Value("% of the draw."), output_field=models.TextField()),
                    models.TextField()),
        }
        cells = {f"csv_cell_{index}": csv_cell_sql(*values[col.key]) for index, col in enumerate(self.csv_columns)}
        sql, params = self._draws(filterset).order_by("date", "pk").annotate(**cells).values_list(
            *cells).query.sql_with_params()
        return connection.ops.compose_sql(sql, params)

    def csv_rows_after_copy(self, filterset, order=()):
        return self._penalty_rows(filterset)

    def amounts(self, filterset) -> Iterator[tuple[str, str, str, Decimal | None]]:
        """(kind, deal, payee, amount) to add up: the totals. Each deal and payee comes first where it
        comes first in the report.

        The rows already built for this request if there are any; as of a past day, the rows as they
        stood; today, the draws' fees summed by the database for each deal and payee (the rest of a
        fee row is not added up), and the penalties' rows.
        """
        if self.has_built_rows(filterset):
            rows = self.built_rows(filterset)
        elif filterset.as_of_day:
            rows = self.streamed_rows(filterset)
        else:
            yield from (("Placement fee", deal, payee, fees) for deal, payee, fees in self._fee_sums(filterset))
            penalties = self._penalties(filterset)
            yield from (("Penalty accrued", row["deal"], row["payee"], row["amount"]) for row in penalties)
            return
        yield from ((row["kind"], row["deal"], row["payee"], row["amount"]) for row in rows)

    def _fee_sums(self, filterset) -> Iterator[tuple[str, str, Decimal]]:
        """(deal, payee, fees) for each equity line with draws up to the day, in the order of their first
        draw in the report (by date, then id): each deal and payee comes first where it does there."""
        if connection.vendor != "postgresql":  # SQLite's decimals are floats: the fee rows' own, from Python
            yield from ((row["deal"], row["payee"], row["amount"]) for row in self._fee_rows(filterset))
            return
        from django.contrib.postgres.fields import ArrayField  # PostgreSQL only, as the array is

        # The first draw of each line: the least (day number, id), arrays comparing element by element.
        first_draw = Min(Func(Func(F("date"), template="(%(expressions)s - DATE '1970-01-01')"), F("pk"),
                              template="ARRAY[%(expressions)s]", output_field=ArrayField(models.BigIntegerField())))
        # Each line's draws added up first, grouped by the line alone, then the lines named: grouped with
        # their names, it took half as long again.
        sums = self._draws(filterset).order_by().values("equity_line_id").annotate(
            fees=Sum(self._fee_sql()), first_draw=first_draw)
        lines = join_rows(EquityLine.objects.all(), alias="draw_sums", rows=sums, key="equity_line_id", to=F("pk"))
        yield from lines.annotate(
            fees=Joined("draw_sums", "fees", models.DecimalField()),
            first_draw=Joined("draw_sums", "first_draw", ArrayField(models.BigIntegerField())),
            payee_name=Coalesce(F("placement_agent__legal_name"), Value("")),
        ).filter(fees__isnull=False).order_by("first_draw").values_list("deal__title", "payee_name", "fees")

    @staticmethod
    def _fee_sql() -> models.Expression:
        # EquityLine.fee_for: to the cent, half a cent up (PostgreSQL rounds numeric halves away from
        # zero; fees are never negative).
        return Func(F("amount") * F("equity_line__placement_fee_rate"), Value(2), function="round",
                    output_field=models.DecimalField(max_digits=16, decimal_places=2))

    def _draws(self, filterset) -> models.QuerySet:
        """The draws up to the day, filtered (today's records)."""
        options = filterset.options
        draws = Draw.objects.filter(date__lte=filterset.today)
        if options.get("deal"):
            draws = draws.filter(equity_line__deal=options["deal"])
        if options.get("start"):
            draws = draws.filter(date__gte=options["start"])
        if options.get("end"):
            draws = draws.filter(date__lte=options["end"])
        if party := options.get("party"):
            draws = draws.filter(Q(equity_line__issuer=party) | Q(equity_line__investor=party)
                                 | Q(equity_line__placement_agent=party))
        return draws

    def _fee_rows(self, filterset, start: int | None = None, stop: int | None = None) -> Iterator[dict]:
        """The draws' rows, in the report's order; the slice [start:stop] of them, when given (today's only)."""
        if filterset.as_of_day:
            yield from self._fee_rows_as_of(filterset)
            return
        # Plain values, not five model objects a draw: an export reads every draw of the desk. The
        # desk has a handful of fee rates, so one line object per rate computes every fee.
        lines: dict[Decimal, EquityLine] = {}
        for date, amount, rate, deal, issuer, agent in self._draws(filterset).order_by("date", "pk").values_list(
            "date", "amount", "equity_line__placement_fee_rate", "equity_line__deal__title",
            "equity_line__issuer__legal_name", "equity_line__placement_agent__legal_name",
        )[start:stop].iterator(chunk_size=PENALTY_CHUNK):
            if rate not in lines:
                lines[rate] = EquityLine(placement_fee_rate=rate)
            yield _fee_row(deal=deal, date=date, amount=amount, line=lines[rate], payer=issuer or "",
                           payee=agent or "")

    def _fee_rows_as_of(self, filterset) -> Iterator[dict]:
        options, day = filterset.options, filterset.today
        lines = {r.id: r.instance for r in as_of_records(EquityLine, day)}
        draws = [r.instance for r in as_of_records(Draw, day)]
        deals = {r.id: r.instance for r in as_of_records(Deal, day)}
        parties = {r.id: r.instance for r in as_of_records(Party, day)}
        for line in lines.values():
            line.deal = deals.get(line.deal_id) or Deal(title="")
            for name in ("issuer", "investor", "placement_agent"):
                setattr(line, name, parties.get(getattr(line, f"{name}_id")))
        draws = [d for d in draws if d.equity_line_id in lines]
        for draw in draws:
            draw.equity_line = lines[draw.equity_line_id]
        for draw in sorted(draws, key=lambda d: (d.date, d.pk)):
            line = draw.equity_line
            involved = {line.issuer_id, line.investor_id, line.placement_agent_id}
            if draw.date > day or not _in_range(draw.date, options):
                continue
            if options.get("deal") and line.deal_id != options["deal"].pk:
                continue
            if options.get("party") and options["party"].pk not in involved:
                continue
            yield _fee_row(deal=line.deal.title, date=draw.date, amount=draw.amount, line=line,
                           payer=str(line.issuer or ""), payee=str(line.placement_agent or ""))

    def _obligations_as_of(self, filterset) -> tuple[dict[int, Obligation], dict[int, list[ConvertibleNote]]]:
        """Obligations with a penalty in numbers, and the notes of each deal, as they stood on the as-of day."""
        day = filterset.as_of_day
        notes = defaultdict(list)
        deals = {r.id: r.instance for r in as_of_records(Deal, day)}
        parties = {r.id: r.instance for r in as_of_records(Party, day)}
        for record in as_of_records(ConvertibleNote, day):
            note = record.instance
            note.holder = parties.get(note.holder_id)
            notes[record.deal_id].append(note)
        obligations = {}
        for record in as_of_records(Obligation, day).exclude(penalty=Obligation.Penalty.NONE):
            obligation = record.instance
            obligation.deal = deals.get(obligation.deal_id) or Deal(pk=obligation.deal_id, title="")
            obligation.obligor = parties.get(obligation.obligor_id) or Party(legal_name="")
            obligations[obligation.pk] = obligation
        return obligations, notes

    def _penalty_rows(self, filterset) -> Iterator[dict]:
        if filterset.as_of_day:
            yield from self._penalty_rows_as_of(filterset)
            return
        yield from accruals.penalty_rows(**self._penalty_filters(filterset))

    def _penalty_rows_as_of(self, filterset) -> Iterator[dict]:
        options, day = filterset.options, filterset.today
        obligations, notes = self._obligations_as_of(filterset)
        occurrences = as_of_records(Occurrence, day).select_related("rule")
        occurrences = occurrences.filter(due_date__lt=day, rule__obligation_id__in=list(obligations))
        spells = defaultdict(list)
        for occurrence in occurrences.iterator(chunk_size=500):
            if _in_range(occurrence.due_date, options):
                spell = Occurrence(status=occurrence.status, due_date=occurrence.due_date,
                                   done_on=occurrence.done_on).breach_spell(day)
                spells[occurrence.rule.obligation_id].append(spell)
        beneficiaries = accruals.beneficiaries_of(obligations)
        for obligation_id, obligation_spells in spells.items():
            obligation = obligations[obligation_id]
            if options.get("deal") and obligation.deal_id != options["deal"].pk:
                continue
            yield from accruals.covenant_rows(obligation, obligation_spells, beneficiaries[obligation_id],
                                              notes[obligation.deal_id], today=day, party=options.get("party"))


@register
class FeeTotalsReport(ListReport):
    name = "fee-totals"
    title = "Fees and penalties: totals"
    description = "The fees and penalties report added up for each deal and for each payee, with the same filters."
    position = 65
    noun = ("total", "totals")
    filterset_class = FeesFilterSet
    columns = (
        Col("totals_for", "Totals for"),
        Col("name", "Deal or payee"),
        Col("fees", "Placement fees", format=MONEY),
        Col("penalties", "Penalties accrued", format=MONEY),
        Col("amount", "Total", format=MONEY),
    )
    # The rows are already each deal's totals; overall, the deals' rows add up to everything once
    # (a payee's rows would count twice what the deals' rows count once).
    total_columns = ("fees", "penalties", "amount")
    total_by = ""

    def in_totals(self, row):
        return row["totals_for"] == "Deal"

    def unsorted_rows(self, filterset):
        totals: dict[tuple[str, str], dict] = {}
        zero = Decimal("0.00")
        # The fees report's amounts as they stream: the totals are all this keeps.
        for kind, deal, payee, amount in FeesReport().amounts(filterset):
            column = "fees" if kind == "Placement fee" else "penalties"
            for key in (("Deal", deal), ("Payee", payee)):
                total = totals.get(key)
                if total is None:
                    total = totals[key] = {"totals_for": key[0], "name": key[1], "fees": zero, "penalties": zero,
                                           "amount": zero}
                total[column] += amount or 0
                total["amount"] += amount or 0
        return list(totals.values())


def _fee_row(*, deal: str, date: datetime.date, amount: Decimal, line: EquityLine, payer: str, payee: str) -> dict:
    """PAA s.10: the placement fee on one draw."""
    return {
        "kind": "Placement fee",
        "deal": deal,
        "item": f"Draw of {date.isoformat()}",
        "payer": payer,
        "payee": payee,
        "date": date,
        "base": amount,
        "rate": line.placement_fee_rate,
        "days": None,
        "amount": line.fee_for(amount),
        "how": f"{(line.placement_fee_rate * 100).normalize():f}% of the draw.",
    }

