"""What the front page shows a user, each figure computed by the code that owns its rule.

- overdue, due soon, due later: reckoning.standing, in the database through
  obligations.models.standing_q and row by row through Occurrence.standing;
- compliance per quarter: the compliance report's outcomes (obligations.reports), counted in the database;
- damages accrued: the fee-totals report's own rows, as of today;
- reserve shortfalls: instruments.services.reserve_test, the "SHORT by" of the deal page.

A user sees a figure only with the permission to view what it counts (for the
report figures: the reports permission), and each links to the admin list or
the report that shows its rows.
"""
from __future__ import annotations

import bisect
import datetime
import heapq
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, ExpressionWrapper, F, FilteredRelation, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Ceil, Coalesce, Floor, NullIf
from django.urls import reverse

from closings.models import ClosingItem
from dealdesk.dashboard import charts
from deals.models import VIEW_REPORTS, Deal
from deals.reporting import get_report
from instruments.models import ConvertibleNote, ReserveCovenant, ShareReservation, Warrant
from instruments.services import reserve_test_from
from obligations.models import Occurrence, Reminder, occurrence_standing, standing_q
from reckoning.standing import Standing

ONE_DAY = datetime.timedelta(days=1)
SOON_WINDOWS = (7, 30)  # the "due within N days" counts
NEXT_DEADLINES = 10
WEEKS = 12
QUARTERS = 8
SHORTFALLS_SHOWN = 10
DAMAGES_CHARTED = 15  # the deals with the most damages drawn on the front page

VIEW_OCCURRENCE = "obligations.view_occurrence"
VIEW_REMINDER = "obligations.view_reminder"
VIEW_CLOSING_ITEM = "closings.view_closingitem"
VIEW_RESERVE_COVENANT = "instruments.view_reservecovenant"
VIEW_DEAL = "dealdesk.view_deal"


def short_day(day: datetime.date) -> str:
    return f"{day.day} {day:%b}"


def long_day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def with_query(url: str, **params) -> str:
    return f"{url}?{urlencode(params)}" if params else url


def ahead_q(today: datetime.date) -> Q:
    """Open due dates due today or later: the open standings that come after "overdue"."""
    return standing_q(Standing.DUE_SOON, today=today) | standing_q(Standing.OPEN, today=today)


def open_from(today: datetime.date):
    """The open due dates from today on, as one range of the index occurrence_status_due.

    The same rows as ahead_q (which decides them); said as one range, PostgreSQL reads only them.
    """
    return Occurrence.objects.filter(status=Occurrence.Status.OPEN, due_date__gte=today).filter(ahead_q(today))


@dataclass(frozen=True)
class Tile:
    """One count at the top of the page."""

    key: str
    label: str
    value: str
    note: str
    url: str | None
    alert: bool = False  # something has gone wrong that a person must see to


@dataclass(frozen=True)
class Deadline:
    deal: str
    deal_url: str | None
    section: str
    obligation: str
    due_date: datetime.date
    standing: Standing
    url: str


@dataclass(frozen=True)
class Shortfall:
    deal: str
    url: str | None
    summary: str


@dataclass(frozen=True)
class Outcome:
    """One kind of outcome in the compliance chart, and the compliance report's filter value for it."""

    series: charts.Series
    report_status: str


OUTCOMES = (
    Outcome(charts.Series("on_time", "done on time"), "on_time"),
    Outcome(charts.Series("late", "done late"), "late"),
    Outcome(charts.Series("waived", "waived"), "waived"),
    Outcome(charts.Series("missed", "missed"), "missed"),
)


SERIES_OF = {o.report_status: o.series.key for o in OUTCOMES}


@dataclass(frozen=True)
class Cell:
    value: int
    url: str | None


@dataclass(frozen=True)
class QuarterRow:
    label: str
    cells: tuple[Cell, ...]  # in the order of OUTCOMES


@dataclass
class Dashboard:
    today: datetime.date
    due_soon_days: int
    can_view_reports: bool
    tiles: list[Tile] = field(default_factory=list)
    deadlines: list[Deadline] | None = None
    weeks: charts.StackedColumns | None = None
    compliance: charts.StackedColumns | None = None
    quarters: list[QuarterRow] = field(default_factory=list)
    damages: charts.HorizontalBars | None = None
    damages_pending: bool = False  # asked for after the page is shown
    shortfalls: list[Shortfall] | None = None

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return OUTCOMES

    @property
    def shows_anything(self) -> bool:
        return bool(self.tiles)


# Counts -------------------------------------------------------------------------


def open_per_day(*, today: datetime.date) -> dict[datetime.date, int]:
    """How many open due dates fall on each day from today to the last day the tiles or the week chart count.

    Read once for both: the "due within" tiles are sums of these days, the week chart groups them by week.
    Grouped by due date from the index occurrence_status_due alone (counting due dates, not ids).
    """
    last = today + max(7 * WEEKS - 1, *SOON_WINDOWS) * ONE_DAY
    due = open_from(today).filter(due_date__lte=last).order_by().values_list("due_date").annotate(n=Count("due_date"))
    return dict(due)


def deadline_tiles(*, today: datetime.date, ahead: dict[datetime.date, int]) -> list[Tile]:
    """Overdue, and due within 7 and 30 days (today included): `ahead` is open_per_day(today=today).

    Only the overdue ones are counted here. PostgreSQL expects eight times the 25,000 it finds on a desk of
    10,000 deals (it takes "open" and "due in the past" for unrelated) and would start worker processes
    for them, which on a busy machine took longer (10-70 ms) than counting them alone (3 ms). Read through
    a cursor (iterator()), the count is never given workers: PostgreSQL plans none for a cursor.
    """
    overdue_rows = Occurrence.objects.filter(standing_q(Standing.OVERDUE, today=today)).order_by()
    # One group (they are all open) or none; counting due dates reads the index occurrence_status_due alone.
    overdue = sum(overdue_rows.values_list("status").annotate(n=Count("due_date")).values_list("n", flat=True)
                  .iterator())
    changelist = reverse("admin:obligations_occurrence_changelist")
    tiles = [Tile("overdue", "Overdue due dates", f"{overdue:,}", f"open, due before {short_day(today)}",
                  with_query(changelist, standing=Standing.OVERDUE.value), alert=overdue > 0)]
    for days in SOON_WINDOWS:
        last = today + days * ONE_DAY
        within = sum(n for day, n in ahead.items() if day <= last)
        tiles.append(Tile(
            f"within_{days}", f"Due within {days} days", f"{within:,}",
            f"{short_day(today)} to {short_day(last)}",
            with_query(changelist, status__exact=Occurrence.Status.OPEN.value, due_date__gte=today.isoformat(),
                       due_date__lte=last.isoformat()),
        ))
    return tiles


def reminder_tiles() -> list[Tile]:
    """Reminders a person must look at: failed (gave up), and uncertain (may have arrived, never resent)."""
    failed, uncertain = Reminder.Status.FAILED, Reminder.Status.UNCERTAIN
    counts = Reminder.objects.filter(status__in=[failed, uncertain]).aggregate(
        failed=Count("id", filter=Q(status=failed)), uncertain=Count("id", filter=Q(status=uncertain)))
    changelist = reverse("admin:obligations_reminder_changelist")
    return [
        Tile("reminders_failed", "Reminders failed", f"{counts['failed']:,}", "gave up sending: retry them",
             with_query(changelist, status__exact=failed.value), alert=counts["failed"] > 0),
        Tile("reminders_uncertain", "Reminders uncertain", f"{counts['uncertain']:,}",
             "may have arrived: check with the recipient", with_query(changelist, status__exact=uncertain.value),
             alert=counts["uncertain"] > 0),
    ]


def closing_items_tile() -> Tile:
    counts = ClosingItem.objects.filter(status=ClosingItem.Status.OPEN).aggregate(
        items=Count("id"), closings=Count("closing", distinct=True))
    closings = "1 closing" if counts["closings"] == 1 else f"{counts['closings']:,} closings"
    return Tile("closing_items", "Open closing items", f"{counts['items']:,}", f"conditions and deliverables, {closings}",
                with_query(reverse("admin:closings_closingitem_changelist"),
                           status__exact=ClosingItem.Status.OPEN.value))


def short_covenants():
    """The covenants whose reserve test finds a shortfall, worked out in the database, by deal title.

    The test of instruments.services.reserve_test_from, said in SQL: the covenant's multiple of the
    shares issuable on the notes (each note's principal over its conversion price, in whole shares) and the
    warrants, rounded up, above the shares reserved for the deal's securities. A deal with a note that has no
    conversion price cannot be tested, and is not short. On a desk of 10,000 deals, testing every covenant
    in Python took seconds.
    """
    notes = ConvertibleNote.objects.filter(deal=OuterRef("deal")).order_by().values("deal")
    no_price = ConvertibleNote.objects.filter(Q(conversion_price__isnull=True) | Q(conversion_price=0),
                                              deal=OuterRef("deal"))
    warrants = Warrant.objects.filter(deal=OuterRef("deal")).order_by().values("deal")
    whole = models.DecimalField(max_digits=30, decimal_places=0)
    # A price of 0 divides by nothing: PostgreSQL may work the sum out before it tests `untestable` (it did on a
    # desk of 10,000 deals), and failed the page with "division by zero". Such a deal is untestable all the same.
    price = NullIf(F("conversion_price"), Value(0))
    issuable = (
        Coalesce(Subquery(notes.annotate(n=Sum(Floor(F("principal") / price), output_field=whole))
                          .values("n")), Value(0), output_field=whole)
        + Coalesce(Subquery(warrants.annotate(n=Sum("shares")).values("n")), Value(0), output_field=whole))
    # The reservation for the deal's securities (one at most per share class) joined, not asked for each covenant.
    for_deal = FilteredRelation("share_class__reservations", condition=Q(
        share_class__reservations__purpose=ShareReservation.Purpose.DEAL_SECURITIES))
    return (ReserveCovenant.objects.alias(
        reservation=for_deal,
        untestable=Exists(no_price),
        required=Ceil(ExpressionWrapper(F("multiple") * issuable, output_field=whole)),
        reserved=Coalesce(F("reservation__shares"), Value(0), output_field=whole))
        .filter(untestable=False, required__gt=F("reserved")).order_by("deal__title", "pk"))


def reserve_shortfalls(*, can_view_deals: bool, shown: int = SHORTFALLS_SHOWN) -> tuple[int, list[Shortfall]]:
    """How many deals fail their reserve covenant, and the first `shown` (by deal title) with the deal page's
    own summary ("... SHORT by N."), worked out by instruments.services.reserve_test_from."""
    short = list(short_covenants().values_list("pk", flat=True))
    shortfalls = []
    # The rows of the ones shown in four queries; the test itself is the deal page's.
    covenants = (ReserveCovenant.objects.filter(pk__in=short[:shown]).select_related("deal", "share_class")
                 .prefetch_related("deal__convertible_notes", "deal__warrants", "share_class__reservations")
                 .order_by("deal__title", "pk"))
    for covenant in covenants:
        test = reserve_test_from(covenant=covenant, notes=covenant.deal.convertible_notes.all(),
                                 warrants=covenant.deal.warrants.all(),
                                 reservations=covenant.share_class.reservations.all())
        if test is not None and test.shortfall:  # None: cannot be computed yet; 0: met
            url = reverse("admin:dealdesk_deal_change", args=[covenant.deal_id]) if can_view_deals else None
            shortfalls.append(Shortfall(covenant.deal.title, url, test.summary()))
    return len(short), shortfalls


def damages_by_deal() -> list[tuple[str, Decimal]]:
    """(deal, penalties accrued as of today) for each deal with any: the fee-totals report's own rows."""
    report = get_report("fee-totals")
    filterset = report.filterset({})
    filterset.is_valid()  # no filters given: nothing to refuse
    return [(row["name"], row["penalties"]) for row in report.unsorted_rows(filterset)
            if row["totals_for"] == "Deal" and row["penalties"]]


# Lists and charts ---------------------------------------------------------------


def next_deadlines(*, today: datetime.date, can_view_deals: bool, limit: int = NEXT_DEADLINES) -> list[Deadline]:
    """The open due dates from today on, soonest first, across every deal."""
    # The columns shown, not six whole rows each (due date, rule, obligation, deal, obligor, done by).
    rows = (open_from(today)
            .order_by("due_date", "rule__obligation__deal__title", "rule__obligation__section",
                      "rule__obligation__title", "id")
            .values_list("pk", "due_date", "status", "rule__obligation__deal_id", "rule__obligation__deal__title",
                         "rule__obligation__section", "rule__obligation__title")[:limit])
    return [
        Deadline(
            deal=deal_title,
            deal_url=reverse("admin:dealdesk_deal_change", args=[deal_id]) if can_view_deals else None,
            section=section,
            obligation=title,
            due_date=due_date,
            standing=occurrence_standing(status=status, due_date=due_date, today=today),
            url=reverse("admin:obligations_occurrence_change", args=[pk]),
        )
        for pk, due_date, status, deal_id, deal_title, section, title in rows
    ]


WEEK_SERIES = (Standing.DUE_SOON, Standing.OPEN)


def weekly_chart(*, today: datetime.date, ahead: dict[datetime.date, int], weeks: int = WEEKS
                 ) -> charts.StackedColumns:
    """Open due dates in each of the next `weeks` weeks (the first starts today), stacked by standing.

    `ahead` is open_per_day(today=today). Each column leads to the week's open due dates in the admin.
    """
    last = today + (7 * weeks - 1) * ONE_DAY
    counts = {kind.value: [0] * weeks for kind in WEEK_SERIES}
    for due_date, n in ahead.items():
        if due_date <= last:
            open_standing = occurrence_standing(status=Occurrence.Status.OPEN, due_date=due_date, today=today)
            counts[open_standing.value][(due_date - today).days // 7] += n
    starts = [today + 7 * week * ONE_DAY for week in range(weeks)]
    changelist = reverse("admin:obligations_occurrence_changelist")
    week_links = [with_query(changelist, status__exact=Occurrence.Status.OPEN.value, due_date__gte=start.isoformat(),
                             due_date__lte=(start + 6 * ONE_DAY).isoformat()) for start in starts]
    return charts.stacked_columns(
        title=f"Deadlines per week, next {weeks} weeks",
        summary=(f"Open due dates in each week from {long_day(today)} to {long_day(last)}, "
                 f"due soon (within {settings.DUE_SOON_DAYS} days) or later."),
        unit="due",
        categories=[short_day(start) for start in starts],
        titles=[f"{short_day(start)} to {short_day(start + 6 * ONE_DAY)}" for start in starts],
        series=[charts.Series(kind.value, kind.label) for kind in WEEK_SERIES],
        values=counts,
        links={kind.value: week_links for kind in WEEK_SERIES},
    )


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def previous_quarter(start: datetime.date) -> datetime.date:
    return quarter_start(start - ONE_DAY)


def outcomes_of(*, status: str, due_date: datetime.date, count: int, on_time: int,
                today: datetime.date) -> dict[str, int]:
    """How `count` due dates of one status and day, `on_time` of them done by their due date, split into outcomes
    ("on_time", "late", "waived", "missed"): the compliance report's filter (obligations.reports.ComplianceFilterSet),
    which each cell of the chart links to. An open due date not yet overdue has no outcome."""
    if status == Occurrence.Status.DONE:
        return {"on_time": on_time, "late": count - on_time}  # a done due date has its done date (a constraint)
    if status == Occurrence.Status.WAIVED:
        return {"waived": count}
    # Occurrence.standing without an Occurrence: one built for each of 700 days cost 20 ms.
    overdue = occurrence_standing(status=status, due_date=due_date, today=today) == Standing.OVERDUE
    return {"missed": count} if overdue else {}


def compliance_chart(*, today: datetime.date, links: bool, quarters: int = QUARTERS
                     ) -> tuple[charts.StackedColumns, list[QuarterRow]]:
    """What became of the due dates of each of the last `quarters` calendar quarters, up to today."""
    starts = [quarter_start(today)]
    while len(starts) < quarters:
        starts.insert(0, previous_quarter(starts[0]))
    counts = {o.series.key: [0] * quarters for o in OUTCOMES}
    # Counted per day and status in the database (2,000 rows, not one per due date: 481,000 on a desk of 10,000
    # deals), then sorted into outcomes and summed per quarter here. Grouped by the columns of the index
    # occurrence_due_outcome in its order, PostgreSQL reads the index alone and tests one condition per row;
    # a count per outcome tested four (twice the time), and truncating each date to its quarter more still.
    rows = (Occurrence.objects.filter(due_date__gte=starts[0], due_date__lte=today).order_by()
            .values_list("due_date", "status")
            # Counting rows (COUNT(*)) or due dates, not ids: the index then holds every column read. COUNT(*) spares
            # a test for NULL on each of the 481,000 (about 5% of the query); Django allows no filter on it.
            .annotate(count=Count("*"), on_time=Count("due_date", filter=Q(done_on__lte=F("due_date")))))
    for due_date, status, count, on_time in rows:
        quarter = bisect.bisect_right(starts, due_date) - 1
        for report_status, n in outcomes_of(status=status, due_date=due_date, count=count, on_time=on_time,
                                            today=today).items():
            counts[SERIES_OF[report_status]][quarter] += n
    labels = [f"Q{(start.month - 1) // 3 + 1} {start.year}" for start in starts]
    table = []
    compliance = reverse("reports:page", args=["compliance"])
    for i, start in enumerate(starts):
        end = min(today, quarter_start(start + 100 * ONE_DAY) - ONE_DAY)
        table.append(QuarterRow(labels[i], tuple(
            Cell(counts[o.series.key][i],
                 with_query(compliance, start=start.isoformat(), end=end.isoformat(), status=o.report_status)
                 if links else None)
            for o in OUTCOMES)))
    chart = charts.stacked_columns(
        title=f"Compliance per quarter, last {quarters} quarters",
        summary=f"Due dates of each quarter up to {long_day(today)}, by what became of them.",
        unit="due dates",
        categories=labels,
        series=[o.series for o in OUTCOMES],
        values=counts,
        links={o.series.key: [row.cells[n].url for row in table] for n, o in enumerate(OUTCOMES)},
    )
    return chart, table


def damages_chart(*, today: datetime.date, damages: list[tuple[str, Decimal]]) -> charts.HorizontalBars:
    # The largest only: a bar for each of thousands of deals made a chart nobody reads (2.5 MB on a desk of
    # 10,000 deals); every deal's figures are on the fee-totals page.
    largest = heapq.nlargest(DAMAGES_CHARTED, damages, key=lambda item: item[1])
    deal_ids = dict(Deal.objects.filter(title__in=[name for name, _ in largest]).values_list("title", "pk"))
    fees = reverse("reports:page", args=["fees"])
    summary = f"Liquidated damages and penalties accrued as of {long_day(today)}, per deal"
    more = None
    if len(damages) > len(largest):
        summary += f": the {len(largest)} largest of {len(damages):,} deals"
        more = (f"Every deal's damages ({len(damages):,} deals): Fees and penalties: totals",
                reverse("reports:page", args=["fee-totals"]))
    return charts.horizontal_bars(
        title="Damages accrued per deal",
        summary=summary + ".",
        items=[(name, float(amount), f"${amount:,.2f}") for name, amount in largest],
        links={name: with_query(fees, deal=deal_ids[name]) for name, _ in largest if name in deal_ids},
        more=more,
    )


# The page -------------------------------------------------------------------------


def damages_tile(*, today: datetime.date, damages: list[tuple[str, Decimal]]) -> Tile:
    total = sum((amount for _, amount in damages), Decimal("0.00"))
    deals = "1 deal" if len(damages) == 1 else f"{len(damages):,} deals"
    return Tile("damages", "Damages accrued", f"${total:,.2f}", f"as of {short_day(today)}, {deals}",
                reverse("reports:page", args=["fee-totals"]), alert=total > 0)


def pending_damages_tile() -> Tile:
    """The damages tile while they are worked out (the page asks for them after it is shown)."""
    return Tile("damages", "Damages accrued", "…", "being worked out", reverse("reports:page", args=["fee-totals"]))


def damages_for(*, today: datetime.date) -> tuple[Tile, charts.HorizontalBars]:
    """The damages tile and chart: the fee-totals report's rows, which take seconds on a large desk."""
    damages = damages_by_deal()
    return damages_tile(today=today, damages=damages), damages_chart(today=today, damages=damages)


def dashboard_for(*, user, today: datetime.date, with_damages: bool = True) -> Dashboard:
    """Everything the front page shows `user` on `today`, as far as the user's permissions reach.

    `with_damages=False` leaves the damages out, with their tile pending: the front page shows the
    rest at once and asks for them on their own (dealdesk.dashboard.views.index).
    """
    can_view_reports = user.has_perm(VIEW_REPORTS)
    can_view_deals = user.has_perm(VIEW_DEAL)
    dashboard = Dashboard(today=today, due_soon_days=settings.DUE_SOON_DAYS, can_view_reports=can_view_reports)
    if user.has_perm(VIEW_OCCURRENCE):
        ahead = open_per_day(today=today)
        dashboard.tiles += deadline_tiles(today=today, ahead=ahead)
        dashboard.deadlines = next_deadlines(today=today, can_view_deals=can_view_deals)
        dashboard.weeks = weekly_chart(today=today, ahead=ahead)
        dashboard.compliance, dashboard.quarters = compliance_chart(today=today, links=can_view_reports)
    if user.has_perm(VIEW_REMINDER):
        dashboard.tiles += reminder_tiles()
    if user.has_perm(VIEW_RESERVE_COVENANT):
        # The first few on the page; the tile counts them all and leads to the report that lists them.
        count, dashboard.shortfalls = reserve_shortfalls(can_view_deals=can_view_deals)
        dashboard.tiles.append(Tile(
            "reserve_shortfalls", "Reserve shortfalls", f"{count:,}",
            "deals with fewer shares reserved than their covenant requires",
            reverse("reports:page", args=["instruments"]) if can_view_reports else None,
            alert=count > 0))
    if can_view_reports and with_damages:
        tile, dashboard.damages = damages_for(today=today)
        dashboard.tiles.append(tile)
    elif can_view_reports:
        dashboard.tiles.append(pending_damages_tile())
        dashboard.damages_pending = True
    if user.has_perm(VIEW_CLOSING_ITEM):
        dashboard.tiles.append(closing_items_tile())
    return dashboard
