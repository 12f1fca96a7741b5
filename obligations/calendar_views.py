"""The deadline calendar inside the desk (a month, a week) and each deal's timeline.

Read-only pages in the admin's frame. Which occurrences a user sees is the iCalendar
feed's rule (`visible_occurrences`), and where each stands is reckoning.standing through
`Occurrence.standing`: the calendar says "overdue" exactly when the admin, the reports and
the reminder emails do.
"""
from __future__ import annotations

import calendar
import datetime
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import ExtractYear, RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import Truncator
from django.views.decorators.http import require_GET

from closings.models import Closing
from deals import clock
from deals.admin import LookupSafeAutocompleteSelect
from deals.models import Deal, DealEvent
from obligations.models import Obligation, Occurrence, standing_q
from parties.models import DealParty, Party
from reckoning.standing import Standing

VIEW_OCCURRENCE = "obligations.view_occurrence"
VIEW_DEAL = "dealdesk.view_deal"
# Who may find any deal and party by name in the calendar's filters (the admin autocomplete asks the same).
SEES_EVERY_NAME = (VIEW_OCCURRENCE, VIEW_DEAL, "parties.view_party")

# A day shows at most this many deadlines; the rest are counted and linked (the week, the due date list).
MONTH_PER_DAY = 10
WEEK_PER_DAY = 25
# Far enough either way for any agreement, near enough that a grid never leaves the calendar.
MIN_YEAR, MAX_YEAR = 1900, 2999
ONE_WEEK = datetime.timedelta(days=7)


def visible_occurrences(*, user: AbstractBaseUser) -> QuerySet[Occurrence]:
    """The occurrences `user` may see: the rule of the iCalendar feed (obligations.feeds.feed_occurrences).

    Whoever may view occurrences sees them all; anyone else sees the obligations they
    are responsible staff of, and someone who is neither sees nothing.
    """
    return Occurrence.objects.visible_to(user)


def standing_class(standing: Standing) -> str:
    """The CSS class of a standing: "standing-overdue", "standing-due-soon"..."""
    return "standing-" + standing.value.replace("_", "-")


@dataclass(frozen=True)
class Entry:
    """One occurrence as the calendar shows it: its own columns, and the words of its obligation, deal and obligor.

    Its words are put together once here: a month shows 400 entries, and each lookup in the template costs.
    """

    occurrence: Occurrence  # read with only the columns the pages show (id, due date, status, how it was dated)
    standing: Standing
    url: str
    section: str
    title: str
    deal: str  # the deal's title
    obligor: str  # the obligor's legal name (how a Party names itself)

    @classmethod
    def of(cls, occurrence: Occurrence, *, today: datetime.date, url: str) -> Entry:
        """`occurrence` read by calendar_entries, with its obligation's, deal's and obligor's words beside it."""
        return cls(occurrence=occurrence, standing=occurrence.standing(today), url=url,
                   section=occurrence.obligation_section, title=occurrence.obligation_title,
                   deal=occurrence.deal_title, obligor=occurrence.obligor_name)

    @property
    def css_class(self) -> str:
        return standing_class(self.standing)

    @property
    def short_title(self) -> str:
        """The title cut to fit a day of the month (Django's truncatechars:48)."""
        return Truncator(self.title).chars(48)

    @property
    def tooltip(self) -> str:
        return (f"s.{self.section} {self.title} \u2013 {self.deal}: {self.standing.label}, "
                f"due {self.occurrence.due_date:%Y-%m-%d}")


@dataclass
class Day:
    date: datetime.date
    in_period: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)
    total: int = 0  # deadlines due that day, shown or not
    more_url: str = ""  # where the ones not shown are listed

    # A busy day in the month shows this many entries and folds the rest away, so a week stays on screen.
    SHOWN = 5

    @property
    def more_entries(self) -> list[Entry]:
        return self.entries[self.SHOWN:]

    @property
    def not_shown(self) -> int:
        return max(self.total - len(self.entries), 0)


# The filters and the period, read from the query string --------------------------------------
#
# A value that cannot be used is dropped with a message saying what was wrong and what is shown
# instead: a mistyped address still opens a calendar, never an error page.


class CalendarForm(forms.Form):
    deal = forms.ModelChoiceField(
        queryset=Deal.objects.none(), required=False, empty_label="All deals")
    party = forms.ModelChoiceField(
        queryset=Party.objects.none(), required=False, empty_label="All parties",
        help_text="The obligor, or any party of the deal.")
    obligor = forms.ModelChoiceField(
        queryset=Party.objects.none(), required=False, empty_label="All obligors")
    year = forms.IntegerField(
        required=False, min_value=MIN_YEAR, max_value=MAX_YEAR, widget=forms.HiddenInput,
        error_messages={"invalid": "The year must be a number such as 2005.",
                        "min_value": f"The year must be from {MIN_YEAR} to {MAX_YEAR}.",
                        "max_value": f"The year must be from {MIN_YEAR} to {MAX_YEAR}."})
    month = forms.IntegerField(
        required=False, min_value=1, max_value=12, widget=forms.HiddenInput,
        error_messages={"invalid": "The month must be a number from 1 to 12.",
                        "min_value": "The month must be a number from 1 to 12.",
                        "max_value": "The month must be a number from 1 to 12."})
    date = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], widget=forms.HiddenInput,
        error_messages={"invalid": "The date must be written YYYY-MM-DD, e.g. 2005-06-07."})

    FILTERS = ("deal", "party", "obligor")

    def __init__(self, data, *, user: AbstractBaseUser):
        super().__init__(data)
        if all(user.has_perm(perm) for perm in SEES_EVERY_NAME):
            self._find_as_typed()
            return
        visible = visible_occurrences(user=user)
        # Only what the user may see is offered: a deal none of whose deadlines they see is not named.
        deals = Deal.objects.filter(pk__in=visible.values("rule__obligation__deal")).order_by("title")
        self.fields["deal"].queryset = deals
        self.fields["party"].queryset = Party.objects.filter(
            Q(pk__in=visible.values("rule__obligation__obligor"))
            | Q(pk__in=DealParty.objects.filter(deal__in=deals).values("party"))
        ).order_by("legal_name")
        self.fields["obligor"].queryset = Party.objects.filter(
            pk__in=visible.values("rule__obligation__obligor")).order_by("legal_name")

    def _find_as_typed(self) -> None:
        """For whoever sees every deadline: boxes that find a deal or party as the user types.

        A desk of 10,000 deals would list them all, and reading which deals have deadlines
        meant reading every due date. The boxes ask the admin's autocomplete, as its forms do.
        """
        # Still only names with deadlines are accepted; looked up for the one picked, not listed.
        obligors = Obligation.objects.values("obligor")
        deals = Deal.objects.filter(pk__in=Obligation.objects.values("deal"))
        parties = Party.objects.filter(Q(pk__in=obligors) | Q(pk__in=DealParty.objects.values("party")))
        for name, queryset, relation in [("deal", deals, "deal"), ("party", parties, "obligor"),
                                         ("obligor", Party.objects.filter(pk__in=obligors), "obligor")]:
            field = self.fields[name]
            field.queryset = queryset
            field.widget = LookupSafeAutocompleteSelect(Obligation._meta.get_field(relation), admin.site,
                                              attrs={"aria-label": field.label or name})
            field.widget.choices = field.choices

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise forms.ValidationError(f"The date must fall in the years {MIN_YEAR} to {MAX_YEAR}.")
        return day

    def usable(self) -> dict:
        """The values that passed; a field that failed counts as not given."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    def problems(self, *, showing: str) -> list[str]:
        """What was wrong with the query string, and what is shown instead."""
        problems, period = [], []
        for name, errors in self.errors.items():
            if name in self.FILTERS:
                value = str(self.data.get(name, "")).replace("\x00", "")[:40]
                problems.append(f"There is no {name} \u201c{value}\u201d to show; showing every {name}.")
            else:
                period.append(errors[0])
        if period:
            problems.append(" ".join([*period, f"Showing {showing} instead."]))
        return problems


def filter_occurrences(occurrences: QuerySet[Occurrence], *, deal: Deal | None = None,
                       party: Party | None = None, obligor: Party | None = None) -> QuerySet[Occurrence]:
    if deal is not None:
        occurrences = occurrences.for_deal(deal)
    if obligor is not None:
        occurrences = occurrences.filter(rule__obligation__obligor=obligor)
    if party is not None:
        # A subquery, not a join through the deal's parties: one row per occurrence, however many roles.
        deals_of_party = DealParty.objects.filter(party=party).values("deal")
        occurrences = occurrences.filter(
            Q(rule__obligation__obligor=party) | Q(rule__obligation__deal__in=deals_of_party))
    return occurrences


ENTRY_ORDER = ("due_date", "rule__obligation__deal__title", "rule__obligation__section", "rule__obligation__title",
               "id")


def calendar_entries(*, user: AbstractBaseUser, first: datetime.date, last: datetime.date, today: datetime.date,
                     per_day: int | None = None, **filters) -> dict[datetime.date, list[Entry]]:
    """The occurrences due from `first` to `last` that `user` may see, by day, in one query.

    At most `per_day` of each day, the first in the due date list's order: on a desk of 10,000 deals a month
    end holds thousands.
    """
    occurrences = filter_occurrences(visible_occurrences(user=user).due_between(first, last), **filters)
    if per_day is not None:
        # The day's first `per_day` in the due date list's own order (due date, id), then shown by deal,
        # section and title: numbered from the index occurrence_due_order alone, only the rows kept read
        # whole, by id. Numbering them by deal title joined each of a month's 37,000 due dates to its rule,
        # obligation and deal (0.7 s on a desk of 10,000 deals). The month's ten of a day are among its
        # week's 25, and those among the first of the due date list, where the day's others are.
        place = Window(RowNumber(), partition_by=[F("due_date")], order_by=[F("id").asc()])
        kept = occurrences.order_by().annotate(place=place).filter(place__lte=per_day).values_list("pk", flat=True)
        occurrences = Occurrence.objects.filter(pk__in=list(kept))
    # The columns shown and no more, the words beside the occurrence: a month shows 400 entries, and whole rows
    # of the rule, obligation, deal and obligor made 2,000 model instances (and read the clause texts).
    occurrences = (occurrences.only("due_date", "status", "computation")
                   .annotate(obligation_section=F("rule__obligation__section"),
                             obligation_title=F("rule__obligation__title"),
                             deal_title=F("rule__obligation__deal__title"),
                             obligor_name=F("rule__obligation__obligor__legal_name"))
                   .order_by(*ENTRY_ORDER))
    change_url = _change_url_maker("admin:obligations_occurrence_change")
    by_day: dict[datetime.date, list[Entry]] = {}
    for occurrence in occurrences:
        by_day.setdefault(occurrence.due_date, []).append(Entry.of(occurrence, today=today,
                                                                   url=change_url(occurrence.pk)))
    return by_day


def _change_url_maker(name: str):
    """`pk -> reverse(name, args=[pk])`, reversing once: the addresses differ only by the id."""
    head, _, tail = reverse(name, args=[0]).rpartition("/0/")
    return lambda pk: f"{head}/{pk}/{tail}"


def _query(filters: dict, **period) -> str:
    """A query string keeping the filters, with the period given."""
    params = {name: value.pk for name, value in filters.items() if value is not None}
    params.update({name: value for name, value in period.items() if value is not None})
    return "?" + urlencode(params) if params else ""


def _month_after(year: int, month: int, step: int) -> tuple[int, int] | None:
    index = year * 12 + (month - 1) + step
    year, month = divmod(index, 12)
    return (year, month + 1) if MIN_YEAR <= year <= MAX_YEAR else None


def _long(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def calendar_counts(*, user: AbstractBaseUser, first: datetime.date, last: datetime.date, today: datetime.date,
                    **filters) -> tuple[Counter, Counter]:
    """How many deadlines each day holds, and how many stand each way, counted in the database (one query)."""
    occurrences = filter_occurrences(visible_occurrences(user=user).due_between(first, last), **filters)
    per_day, per_standing = Counter(), Counter()
    # Counting due dates, not ids: read from the index occurrence_due_outcome alone (for whoever sees them all).
    for row in occurrences.order_by().values("due_date", "status").annotate(n=Count("due_date")):
        per_day[row["due_date"]] += row["n"]
        per_standing[Occurrence(status=row["status"], due_date=row["due_date"]).standing(today)] += row["n"]
    return per_day, per_standing


def _legend(entries: list[Entry] | Counter) -> list[dict]:
    counts = entries if isinstance(entries, Counter) else Counter(entry.standing for entry in entries)
    return [{"standing": standing, "css_class": standing_class(standing), "count": counts[standing]}
            for standing in Standing]


def _page_context(request: HttpRequest, form: CalendarForm, *, title: str, period_label: str) -> dict:
    return {
        **admin.site.each_context(request),
        "title": title,
        "form": form,
        "period_label": period_label,
        "problems": form.problems(showing=period_label),
        "sees_all": request.user.has_perm(VIEW_OCCURRENCE),
    }


@login_required
@require_GET
def month_view(request: HttpRequest) -> HttpResponse:
    """A month of deadlines, Monday to Sunday, with the days of the weeks it shares with its neighbours."""
    today = clock.today()
    form = CalendarForm(request.GET, user=request.user)
    given = form.usable()
    filters = {name: given.get(name) for name in CalendarForm.FILTERS}
    year, month = given.get("year") or today.year, given.get("month") or today.month
    first_of_month = datetime.date(year, month, 1)
    last_of_month = datetime.date(year, month, calendar.monthrange(year, month)[1])
    first = first_of_month - datetime.timedelta(days=first_of_month.weekday())
    last = last_of_month + datetime.timedelta(days=6 - last_of_month.weekday())
    by_day = calendar_entries(user=request.user, first=first, last=last, today=today, per_day=MONTH_PER_DAY,
                              **filters)
    per_day, per_standing = calendar_counts(user=request.user, first=first, last=last, today=today, **filters)

    weeks, day, week_page = [], first, reverse("feeds:week")
    while day <= last:
        weeks.append([Day(date=d, in_period=d.month == month, is_today=d == today, entries=by_day.get(d, []),
                          total=per_day[d], more_url=week_page + _query(filters, date=d.isoformat()))
                      for d in (day + datetime.timedelta(days=i) for i in range(7))])
        day += ONE_WEEK

    previous, following = _month_after(year, month, -1), _month_after(year, month, 1)
    here = reverse("feeds:month")
    week_day = today if (today.year, today.month) == (year, month) else first_of_month
    context = {
        **_page_context(request, form, title=f"Deadlines: {first_of_month:%B %Y}",
                        period_label=f"{first_of_month:%B %Y}"),
        "view": "month",
        "weeks": weeks,
        "weekdays": list(calendar.day_abbr),
        "legend": _legend(per_standing),
        "count": per_day.total(),
        "previous_url": previous and here + _query(filters, year=previous[0], month=previous[1]),
        "previous_label": previous and f"{datetime.date(*previous, 1):%B %Y}",
        "next_url": following and here + _query(filters, year=following[0], month=following[1]),
        "next_label": following and f"{datetime.date(*following, 1):%B %Y}",
        "today_url": here + _query(filters),
        "month_url": here + _query(filters, year=year, month=month),
        "week_url": reverse("feeds:week") + _query(filters, date=week_day.isoformat()),
        "hidden_period": {"year": year, "month": month},
        "clear_url": here + _query({}, year=year, month=month),
    }
    return TemplateResponse(request, "calendar/month.html", context)


@login_required
@require_GET
def week_view(request: HttpRequest) -> HttpResponse:
    """A week of deadlines, Monday to Sunday, each in full with how it was dated."""
    today = clock.today()
    form = CalendarForm(request.GET, user=request.user)
    given = form.usable()
    filters = {name: given.get(name) for name in CalendarForm.FILTERS}
    day = given.get("date") or today
    monday = day - datetime.timedelta(days=day.weekday())
    sunday = monday + datetime.timedelta(days=6)
    by_day = calendar_entries(user=request.user, first=monday, last=sunday, today=today, per_day=WEEK_PER_DAY,
                              **filters)
    per_day, per_standing = calendar_counts(user=request.user, first=monday, last=sunday, today=today, **filters)
    listed = reverse("admin:obligations_occurrence_changelist")
    days = [Day(date=d, in_period=True, is_today=d == today, entries=by_day.get(d, []), total=per_day[d],
                more_url=listed + "?" + urlencode({"due_date__gte": d.isoformat(), "due_date__lte": d.isoformat()})
                if request.user.has_perm(VIEW_OCCURRENCE) else "")
            for d in (monday + datetime.timedelta(days=i) for i in range(7))]

    previous, following = monday - ONE_WEEK, monday + ONE_WEEK
    here = reverse("feeds:week")
    month_day = today if monday <= today <= sunday else monday
    context = {
        **_page_context(request, form, title=f"Deadlines: week of {_long(monday)}",
                        period_label=f"{_long(monday)} to {_long(sunday)}"),
        "view": "week",
        "days": days,
        "legend": _legend(per_standing),
        "count": per_day.total(),
        "previous_url": previous.year >= MIN_YEAR and here + _query(filters, date=previous.isoformat()),
        "previous_label": f"Week of {_long(previous)}",
        "next_url": following.year <= MAX_YEAR and here + _query(filters, date=following.isoformat()),
        "next_label": f"Week of {_long(following)}",
        "today_url": here + _query(filters),
        "month_url": reverse("feeds:month") + _query(filters, year=month_day.year, month=month_day.month),
        "week_url": reverse("feeds:week") + _query(filters, date=monday.isoformat()),
        "hidden_period": {"date": monday.isoformat()},
        "clear_url": here + _query({}, date=monday.isoformat()),
    }
    return TemplateResponse(request, "calendar/week.html", context)


# A deal's timeline -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    date: datetime.date
    kind: str  # one of KINDS, which is also their order on one day
    label: str
    url: str
    detail: str = ""
    owed_by: str = ""
    status: str = ""
    standing: Standing | None = None  # deadlines only

    KINDS = ("today", "agreement", "closing", "event", "deadline")

    @property
    def css_class(self) -> str:
        return standing_class(self.standing) if self.standing is not None else f"kind-{self.kind}"

    def sort_key(self):
        # The sort is stable: on one day and of one kind, items keep the order they were listed in
        # (a closing's scheduling before its completion, deadlines by due date then id).
        return (self.date, self.KINDS.index(self.kind))


class TimelineForm(forms.Form):
    year = forms.IntegerField(
        required=False, min_value=MIN_YEAR, max_value=MAX_YEAR,
        error_messages={"invalid": "The year must be a number such as 2005.",
                        "min_value": f"The year must be from {MIN_YEAR} to {MAX_YEAR}.",
                        "max_value": f"The year must be from {MIN_YEAR} to {MAX_YEAR}."})


def _admin_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def deal_milestones(deal: Deal) -> tuple[list[TimelineItem], list[DealEvent]]:
    """The agreement, the closings and each dated event of the deal; and the events still to happen."""
    deal_url = _admin_url(deal)
    items = [TimelineItem(date=deal.dated_as_of, kind="agreement", url=deal_url,
                          label=f"{deal.agreement_name} dated as of this day")]
    if deal.closing_date:
        items.append(TimelineItem(date=deal.closing_date, kind="closing", url=deal_url,
                                  label="Closing date of the deal"))
    for closing in Closing.objects.filter(deal=deal).order_by("scheduled_for", "name"):
        section = f" (s.{closing.section})" if closing.section else ""
        url = _admin_url(closing)
        if closing.scheduled_for:
            items.append(TimelineItem(
                date=closing.scheduled_for, kind="closing", url=url, label=f"{closing.name}{section} scheduled",
                status=f"completed on {closing.closed_on:%Y-%m-%d}" if closing.closed_on else "not yet completed"))
        if closing.closed_on:
            items.append(TimelineItem(date=closing.closed_on, kind="closing", url=url,
                                      label=f"{closing.name}{section} completed"))
    waiting = []
    for event in DealEvent.objects.filter(deal=deal).select_related("kind").order_by("date", "name"):
        if event.date is None:
            waiting.append(event)
            continue
        kind = f"{event.kind.name}: " if event.kind else ""
        items.append(TimelineItem(date=event.date, kind="event", url=_admin_url(event),
                                  label=f"{kind}{event.name}", detail=event.description))
    return items, waiting


def deadline_item(occurrence: Occurrence, *, today: datetime.date) -> TimelineItem:
    obligation = occurrence.rule.obligation
    standing = occurrence.standing(today)
    status = standing.label
    if occurrence.done_on:
        status += f" on {occurrence.done_on:%Y-%m-%d}"
    return TimelineItem(
        date=occurrence.due_date, kind="deadline", url=_admin_url(occurrence),
        label=f"s.{obligation.section} {obligation.title}", status=status, standing=standing,
        owed_by=str(obligation.obligor), detail=occurrence.computation)


@login_required
@permission_required(VIEW_DEAL, raise_exception=True)
@require_GET
def deal_timeline(request: HttpRequest, deal_id: int) -> HttpResponse:
    """From the agreement's date on: every event, closing and deadline of one deal, a year at a time."""
    deal = get_object_or_404(Deal, pk=deal_id)
    today = clock.today()
    form = TimelineForm(request.GET)
    form.is_valid()

    milestones, waiting = deal_milestones(deal)
    occurrences = visible_occurrences(user=request.user).for_deal(deal)
    # How many deadlines each year holds, and how many of them are overdue, counted in the database.
    years: dict[int, dict] = {}
    for row in (occurrences.annotate(year=ExtractYear("due_date")).order_by().values("year")
                .annotate(count=Count("id"), overdue=Count("id", filter=standing_q(Standing.OVERDUE, today=today)))):
        years[row["year"]] = {"year": row["year"], "count": row["count"], "overdue": row["overdue"]}
    for item in milestones:
        years.setdefault(item.date.year, {"year": item.date.year, "count": 0, "overdue": 0})["count"] += 1
    year_list = [years[year] for year in sorted(years)]

    year = form.cleaned_data.get("year") if "year" not in form.errors else None
    if year is None and year_list:
        # This year if the deal has anything in it; else the nearest year it has.
        year = min((y["year"] for y in year_list), key=lambda y: (abs(y - today.year), -y))
    elif year is None:
        year = today.year
    problems = [f"{errors[0]} Showing {year} instead." for errors in form.errors.values()]

    deadlines = (occurrences.filter(due_date__year=year)
                 .select_related("rule__obligation__obligor").order_by("due_date", "id"))
    items = [item for item in milestones if item.date.year == year] + [deadline_item(o, today=today) for o in deadlines]
    if today.year == year:
        items.append(TimelineItem(date=today, kind="today", label="Today", url=""))
    items.sort(key=TimelineItem.sort_key)
    months = []
    for item in items:
        if not months or months[-1]["month"] != item.date.month:
            months.append({"month": item.date.month, "label": f"{item.date:%B %Y}", "items": [], "entries": []})
        months[-1]["items"].append(item)
        if item.standing is not None:
            months[-1]["entries"].append(item)
    for month in months:
        month["deadlines"] = sum(item.kind == "deadline" for item in month["items"])
        month["legend"] = [entry for entry in _legend(month.pop("entries")) if entry["count"]]

    context = {
        **admin.site.each_context(request),
        "title": f"Timeline: {deal.title}",
        "deal": deal,
        "deal_url": _admin_url(deal),
        "year": year,
        "years": year_list,
        "months": months,
        "waiting": waiting,
        "problems": problems,
        "today": today,
        "sees_all": request.user.has_perm(VIEW_OCCURRENCE),
        "calendar_url": reverse("feeds:month") + _query({"deal": deal}),
    }
    return TemplateResponse(request, "calendar/timeline.html", context)
