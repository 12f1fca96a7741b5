"""The auditors' reports: one definition per report serves its web page, its CSV button and `export_report`.

A report says which columns it has, which filters it takes (a django-filter
FilterSet) and how to produce its rows, as plain dicts of Python values. The
web page shows them in a django-tables2 table, sorted and paginated in the
database where the rows come from one query; the CSV button and the command
stream the same rows through `csv_lines`, so a download is exactly the screen's
rows on all pages. Every report takes `as_of`: its rows as they stood at the end
of that day in the desk's time zone, read from the audit trail.

The page is for reading, the CSV for computing: on the page a column marked
MONEY shows "$800,000.00" (the desk's amounts are US dollars; no model records
a currency), PERCENT shows 0.03 as "3%", dates read as in the admin
("June 7, 2005"); the CSV keeps 800000.00, 0.03 and 2005-06-07 (csvsafe.py).
Totals on the page are added up from `rows`, the very rows the CSV holds.

On PostgreSQL a report that can say each CSV cell as a database expression
(`csv_values`) has its CSV written by PostgreSQL itself (`COPY ... TO STDOUT`),
byte for byte the CSV `csv_lines` writes in Python, about thirty times faster.
Elsewhere, and for the other reports, Python streams the rows.
"""
from __future__ import annotations

import csv
import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import django_filters
import django_tables2 as tables
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import connection, models, transaction
from django.db.models.functions import Concat, Lower, NullIf
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import autodiscover_modules
from django_tables2.data import TableData

from deals import clock
from deals.csvsafe import csv_cell, csv_cell_sql
from deals.models import VIEW_REPORTS, Deal, DealEvent

CHUNK_SIZE = 500
COPY_CHUNK_BYTES = 64 * 1024  # what the COPY path hands on at a time
# A page counts its rows up to here and says "more than 10,000" beyond: an exact count of a
# million due dates reads all of them, and nobody pages past the 200th page (they filter).
COUNT_BOUND = 10_000

# How a column reads on the page (the CSV writes the plain value whatever the format).
MONEY = "money"  # US dollars: "$800,000.00"
PERCENT = "percent"  # a fraction shown as a percentage: 0.03 -> "3%"
CURRENCY = "USD"
PER_PAGE_CHOICES = (25, 50, 100, 200)

# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------

_REGISTRY: dict[str, Report] = {}
_discovered = False


def register(report_class: type[Report]) -> type[Report]:
    _REGISTRY[report_class.name] = report_class()
    return report_class


def all_reports() -> list[Report]:
    # Like the admin: each app's reports.py registers its reports when imported.
    global _discovered
    if not _discovered:
        autodiscover_modules("reports")
        _discovered = True
    return sorted(_REGISTRY.values(), key=lambda report: report.position)


def get_report(name: str) -> Report | None:
    all_reports()
    return _REGISTRY.get(name)


# --------------------------------------------------------------------------
# Filters and the moment a report looks at
# --------------------------------------------------------------------------


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the desk's time zone: an as-of snapshot includes all of that day."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min,
                                     tzinfo=ZoneInfo(settings.TIME_ZONE))


def as_of_records(model: type[models.Model], as_of: datetime.date) -> models.QuerySet:
    """The model's rows as they stood at the end of `as_of`: the last historical record of each, deletions dropped.

    The last is the latest, and of records of the same moment the last written (the highest history
    id, as simple-history's prev_record takes it): its own latest_of_each keeps every record of the
    latest moment, and a row saved twice in one moment (a due date entered and done on the day the
    desk was loaded) would stand twice in a past day's report.
    """
    pk = model._meta.pk.attname
    records = model.history.filter(history_date__lt=end_of_day(as_of))
    later = records.filter(
        models.Q(history_date__gt=models.OuterRef("history_date"))
        | models.Q(history_date=models.OuterRef("history_date"), history_id__gt=models.OuterRef("history_id")),
        **{pk: models.OuterRef(pk)})
    return records.filter(~models.Exists(later)).exclude(history_type="-")


class ReportForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(f"The end date ({end}) is before the start date ({start}).")
        return data


# The filters every report builds from. Without a field_name a filter is applied by the report
# itself (see ReportFilterSet.applied_by_report): it means different fields in different rows.


def date_input() -> forms.DateInput:
    """The browser's own date picker (HTML5), on every report alike; it sends and shows ISO dates."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def date_filter(label: str, help_text: str = "", *, field_name: str | None = None, lookup_expr: str = "exact"
                ) -> django_filters.DateFilter:
    """A date picked with the browser's date picker."""
    applied = {"field_name": field_name, "lookup_expr": lookup_expr} if field_name else {"method": "applied_by_report"}
    return django_filters.DateFilter(label=label, help_text=help_text, widget=date_input(), **applied)


def choice_of(queryset, label: str, field_name: str | None = None, *, looked_up_by: models.ForeignKey | None = None
              ) -> django_filters.ModelChoiceFilter:
    """One of the rows of `queryset` (a deal, a party, a user).

    With `looked_up_by` (a foreign key to the model whose admin has a search) the row is found as
    the user types, through the admin's autocomplete view, instead of a list of every row:
    a desk of 10,000 deals would otherwise send 10,000 options with every page.
    """
    applied = {"field_name": field_name} if field_name else {"method": "applied_by_report"}
    if looked_up_by is not None:
        from deals.admin import LookupSafeAutocompleteSelect

        applied["widget"] = LookupSafeAutocompleteSelect(looked_up_by, admin.site, attrs={"style": "width: 20em"})
    return django_filters.ModelChoiceFilter(queryset=queryset, label=label, **applied)


class ReportFilterSet(django_filters.FilterSet):
    as_of = date_filter("As of", "Show the report as it stood at the end of this day.")

    class Meta:
        form = ReportForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Whoever declares a date filter, it is picked the same way on every report.
        for field in self.form.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = date_input()

    def applied_by_report(self, queryset, name, value):
        return queryset

    @property
    def options(self) -> dict:
        return self.form.cleaned_data

    @property
    def as_of_day(self) -> datetime.date | None:
        return self.options.get("as_of")

    @cached_property
    def today(self) -> datetime.date:
        """The day "overdue" and "due soon" are reckoned from: the as-of day, else today."""
        return self.as_of_day or clock.today()


def deal_filter(field_name: str | None = None) -> django_filters.ModelChoiceFilter:
    return choice_of(Deal.objects.order_by("title"), "Deal", field_name,
                     looked_up_by=DealEvent._meta.get_field("deal"))


# --------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    # Database fields (or expressions, whose blanks sort last) a sort on this column uses;
    # None: the key itself; (): not sortable.
    order_by: tuple[str | models.Expression, ...] | None = None
    csv: bool = True  # False: shown on screen only
    screen: bool = True  # False: in the CSV only (it still sorts the page: ?sort=key)
    format: str = ""  # MONEY or PERCENT: how the page shows it

    @property
    def sortable(self) -> bool:
        return self.order_by != ()

    @property
    def screen_header(self) -> str:
        return f"{self.header} ({CURRENCY})" if self.format == MONEY else self.header


# --------------------------------------------------------------------------
# Values as the page shows them
# --------------------------------------------------------------------------


def money(value: Decimal | int) -> str:
    """"$800,000.00": cents always, and a price's further places when it has them ("$0.0725")."""
    places = max(2, -value.normalize().as_tuple().exponent) if isinstance(value, Decimal) else 2
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.{places}f}"


def percent(fraction: Decimal) -> str:
    """0.03 -> "3%", 0.0125 -> "1.25%"."""
    return f"{(fraction * 100).normalize():f}%"


def screen_value(value, format: str = ""):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if format == PERCENT and isinstance(value, Decimal):
        return percent(value)
    if format == MONEY and isinstance(value, Decimal | int):
        return money(value)
    if isinstance(value, Decimal):
        return f"{value:,f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    return value


GROUPS_LISTED = 50  # a page's totals list each deal up to this many; beyond, only the overall


@dataclass
class Totals:
    """Money columns added up over every row a report's CSV holds, by group (deal) and overall."""

    columns: tuple[Col, ...]
    by: Col | None
    groups: dict[str, dict[str, Decimal]]
    overall: dict[str, Decimal]

    @property
    def headers(self) -> list[str]:
        return [col.header for col in self.columns]

    @property
    def listed(self) -> bool:
        """Whether the page lists each group: a few dozen deals, not the thousands of a whole desk."""
        return len(self.groups) <= GROUPS_LISTED

    @property
    def group_count(self) -> str:
        return f"{len(self.groups):,}"

    def shown(self) -> list[tuple[str, list[str]]]:
        if not self.listed:
            return []
        return [(name, [money(values[col.key]) for col in self.columns]) for name, values in self.groups.items()]

    @property
    def overall_shown(self) -> list[str]:
        return [money(self.overall[col.key]) for col in self.columns]


class Report:
    name = ""
    title = ""
    description = ""
    position = 100
    filterset_class: type[ReportFilterSet] = ReportFilterSet
    columns: tuple[Col, ...] = ()
    per_page = 50
    noun = ("row", "rows")  # the count line: "37 due dates"
    total_columns: tuple[str, ...] = ()  # MONEY columns the page adds up
    total_by = "deal"  # ... for each value of this column, and overall; "": overall only
    totals_report = ""  # the report listing each group's totals, when there are too many for the page
    # Some CSV values of the COPY path are composed (an address on one line): computed once per row
    # in an inner query, not twice (the formula test, then the value). Costs PostgreSQL's parallel
    # plan, so plain columns are left in one query.
    composed_csv_values = False

    def filterset(self, data) -> ReportFilterSet:
        # The queryset is chosen by the report (today's rows or the audit trail), not by the FilterSet.
        return self.filterset_class(data if data is not None else {}, queryset=Deal.objects.none())

    @property
    def csv_columns(self) -> tuple[Col, ...]:
        return tuple(col for col in self.columns if col.csv)

    @property
    def screen_columns(self) -> tuple[Col, ...]:
        return tuple(col for col in self.columns if col.screen)

    def counted(self, count: int, *, bounded: bool = False) -> str:
        if bounded:
            return f"more than {count:,} {self.noun[1]}"
        return f"{count:,} {self.noun[0] if count == 1 else self.noun[1]}"

    def in_totals(self, row: dict) -> bool:
        return True

    def totals(self, filterset: ReportFilterSet) -> Totals | None:
        """The money columns added up over `rows`: the filtered rows on all pages, as the CSV has them."""
        if not self.total_columns:
            return None
        return self.totals_of(row for row in self.rows(filterset) if self.in_totals(row))

    def totals_of(self, rows: Iterable[dict]) -> Totals:
        """The money columns of `rows` added up, by group and overall (a row may hold only those columns)."""
        columns = tuple(self.column(key) for key in self.total_columns)
        by = self.column(self.total_by) if self.total_by else None
        zero = {col.key: Decimal("0.00") for col in columns}
        overall, groups = dict(zero), {}
        for row in rows:
            group = groups.setdefault(row.get(by.key) or "", dict(zero)) if by else None
            for col in columns:
                value = row.get(col.key) or 0
                overall[col.key] += value
                if group is not None:
                    group[col.key] += value
        return Totals(columns, by, dict(sorted(groups.items(), key=lambda item: item[0].casefold())), overall)

    def column(self, key: str) -> Col | None:
        return next((col for col in self.columns if col.key == key), None)

    def clean_order(self, order: Iterable[str]) -> tuple[str, ...]:
        """Keep only sorts on sortable columns ("-due_date" sorts descending)."""
        kept = []
        for alias in order:
            col = self.column(alias.lstrip("-"))
            if col is not None and col.sortable:
                kept.append(alias)
        return tuple(kept)

    def rows(self, filterset: ReportFilterSet, order: Sequence[str] = ()) -> Iterator[dict]:
        raise NotImplementedError

    def csv_rows(self, filterset: ReportFilterSet, order: Sequence[str] = ()) -> Iterator[dict]:
        """The rows the CSV writes in Python: `rows`, unless a report can stream them more cheaply."""
        return self.rows(filterset, order)

    def copy_select(self, filterset: ReportFilterSet, order: Sequence[str] = ()) -> str | None:
        """For a report whose rows are not one queryset: the SELECT of its CSV cells, in order, for the COPY
        path (each cell as `csv_cell` writes it); None: Python writes the CSV."""
        return None

    def csv_rows_after_copy(self, filterset: ReportFilterSet, order: Sequence[str] = ()) -> Iterable[dict]:
        """Rows Python writes after those of `copy_select`, for a CSV that is part database, part Python."""
        return ()

    def csv_values(self, filterset: ReportFilterSet) -> dict[str, models.Expression] | None:
        """Each CSV column as a database expression of the value `rows` gives it, for the COPY path; None: no COPY."""
        return None

    def count(self, filterset: ReportFilterSet) -> int:
        raise NotImplementedError

    def bounded_count(self, filterset: ReportFilterSet, bound: int) -> int:
        """The count, or any number above `bound` when there are more rows than that."""
        return self.count(filterset)

    def page(self, filterset: ReportFilterSet, order: Sequence[str], start: int, stop: int) -> list[dict]:
        raise NotImplementedError


def in_chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class QuerysetReport(Report):
    """Rows that come one per database row: sorted, counted and sliced in the database, streamed with .iterator()."""

    default_ordering: tuple[str, ...] = ()

    def queryset(self, filterset: ReportFilterSet) -> models.QuerySet:
        raise NotImplementedError

    def make_rows(self, objects: list, filterset: ReportFilterSet) -> list[dict]:
        return [self.row(obj, filterset) for obj in objects]

    def row(self, obj, filterset: ReportFilterSet) -> dict:
        raise NotImplementedError

    def ordering(self, order: Sequence[str]) -> list[str]:
        fields = []
        for alias in self.clean_order(order):
            descending = alias.startswith("-")
            col = self.column(alias.lstrip("-"))
            for field in col.order_by or (col.key,):
                if isinstance(field, models.Expression | models.F):  # a key computed or named so: blanks last
                    fields.append(field.desc(nulls_last=True) if descending else field.asc(nulls_last=True))
                    continue
                if descending:
                    field = field[1:] if field.startswith("-") else "-" + field
                fields.append(field)
        # The default order, then the id, breaks ties: pages never overlap, a CSV matches the screen.
        return [*fields, *self.default_ordering, "id"]

    def ordered(self, filterset: ReportFilterSet, order: Sequence[str]) -> models.QuerySet:
        return self.queryset(filterset).order_by(*self.ordering(order))

    def rows(self, filterset, order=()):
        objects = self.ordered(filterset, order).iterator(chunk_size=CHUNK_SIZE)
        for chunk in in_chunks(objects, CHUNK_SIZE):
            yield from self.make_rows(chunk, filterset)

    def count(self, filterset):
        return self.queryset(filterset).count()

    def bounded_count(self, filterset, bound):
        # Reads at most bound + 1 rows, in no order, without the joins only the columns need.
        return self.queryset(filterset).order_by().values("pk")[: bound + 1].count()

    def page(self, filterset, order, start, stop):
        return self.make_rows(list(self.ordered(filterset, order)[start:stop]), filterset)


def _sort_key(value, *, descending: bool = False):
    # Blanks last in either direction (sorted in reverse, they need the lower key); text without regard to case.
    if value is None or value == "":
        return (0 if descending else 1, "")
    if isinstance(value, str):
        return (1 if descending else 0, value.casefold())
    return (1 if descending else 0, value)


def once_a_request(filterset: ReportFilterSet, name: str, compute: Callable[[], object]):
    """What `compute` gives, kept on the request's filterset under `name`: worked out once a request
    (a page's count, its rows and its totals share it)."""
    if name not in filterset.__dict__:
        filterset.__dict__[name] = compute()
    return filterset.__dict__[name]


class ListReport(Report):
    """Reports of a few hundred rows at most (a register, a directory): built whole and sorted in Python."""

    def unsorted_rows(self, filterset: ReportFilterSet) -> list[dict]:
        raise NotImplementedError

    def built_rows(self, filterset: ReportFilterSet) -> list[dict]:
        """unsorted_rows, built once per filterset (a request): the count, the page and the totals share them."""
        return list(once_a_request(filterset, self._built_key, lambda: self.unsorted_rows(filterset)))

    def has_built_rows(self, filterset: ReportFilterSet) -> bool:
        """Whether this request has built the rows already (what else it asks can be read from them)."""
        return self._built_key in filterset.__dict__

    @property
    def _built_key(self) -> str:
        return f"_built_rows_{self.name}"

    def sort_value(self, row: dict, key: str):
        """What the rows are sorted by for the column `key`: its value, unless a report sorts otherwise."""
        return row.get(key)

    def sorted_rows(self, filterset, order) -> list[dict]:
        rows = self.built_rows(filterset)
        for alias in reversed(self.clean_order(order)):
            key, descending = alias.lstrip("-"), alias.startswith("-")
            rows.sort(key=lambda row: _sort_key(self.sort_value(row, key), descending=descending),
                      reverse=descending)
        return rows

    def rows(self, filterset, order=()):
        yield from self.sorted_rows(filterset, order)

    def count(self, filterset):
        return len(self.built_rows(filterset))

    def page(self, filterset, order, start, stop):
        return self.sorted_rows(filterset, order)[start:stop]


class RebuiltAsOf:
    """For a QuerysetReport whose rows as they stood on a past day are rebuilt from the audit trail in
    Python by `as_of_report()` (a ListReport of the same columns, not registered), today's being the
    database's: every way the rows are asked for goes to one or the other."""

    def as_of_report(self) -> ListReport:
        raise NotImplementedError

    def rows(self, filterset, order=()):
        if filterset.as_of_day:
            return self.as_of_report().rows(filterset, order)
        return super().rows(filterset, order)

    def count(self, filterset):
        return self.as_of_report().count(filterset) if filterset.as_of_day else super().count(filterset)

    def bounded_count(self, filterset, bound):
        if filterset.as_of_day:
            return self.as_of_report().count(filterset)
        return super().bounded_count(filterset, bound)

    def page(self, filterset, order, start, stop):
        if filterset.as_of_day:
            return self.as_of_report().page(filterset, order, start, stop)
        return super().page(filterset, order, start, stop)


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


class _Echo:
    """A file that hands back what is written, so csv.writer can produce one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(report: Report, filterset: ReportFilterSet, order: Sequence[str] = (), *, bom: bool = False
              ) -> Iterator[str]:
    """The report as CSV, one line at a time: memory stays flat however many rows there are."""
    writer = csv.writer(_Echo())
    columns = report.csv_columns
    if bom:
        yield "\ufeff"
    yield writer.writerow([col.key for col in columns])
    yield from _python_lines(report, report.csv_rows(filterset, order))


def _python_lines(report: Report, rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    columns = report.csv_columns
    zone = timezone.get_current_timezone()  # asked when the first line is asked for, as each would ask it
    for row in rows:
        yield writer.writerow([csv_cell(row.get(col.key), zone) for col in columns])


def csv_header(report: Report) -> str:
    return csv.writer(_Echo()).writerow([col.key for col in report.csv_columns])


def text_key(*parts: str | models.Expression) -> NullIf:
    """A text sort key without regard to case, blank when empty (so it sorts last, as `_sort_key` sorts
    a list built in Python): of a field, of several run together, or of an expression."""
    text = [models.F(part) if isinstance(part, str) else part for part in parts]
    joined = text[0] if len(text) == 1 else Concat(*text, output_field=models.TextField())
    return NullIf(Lower(joined), models.Value(""), output_field=models.TextField())


def choice_label(field: str, choices) -> models.Case:
    """A stored choice as its label ("open" -> "Open"), in the database: a column of a COPY."""
    return models.Case(*(models.When(**{field: value}, then=models.Value(str(label))) for value, label in choices),
                       default=models.F(field), output_field=models.TextField())


@dataclass(frozen=True)
class Aggregated:
    """A CSV value read from other rows, for the COPY path: gathered from several (who a covenant
    protects, a role's copies), or computed once per row of another table that many of the report's
    rows name (an address on one line).

    `rows` gives one row per `key` with the text in `value`; PostgreSQL groups or computes them once
    and joins the result to the report's rows on `to` (`join_rows`), where a correlated subquery would
    run once per row (ten times the time of the COPY itself on a full desk).
    """

    rows: models.QuerySet | InOrder
    key: str
    value: str
    to: models.Expression

    @classmethod
    def in_order(cls, rows: models.QuerySet, *, key: str, value: str, separator: str, to: models.Expression
                 ) -> Aggregated:
        """Each key's `value`s joined by `separator` in the order `rows` gives them (`InOrder`)."""
        return cls(InOrder(rows, key=key, value=value, separator=separator), key=key, value=value, to=to)


@dataclass(frozen=True)
class InOrder:
    """`rows` gathered one row per `key`: their `value`s joined by `separator`, in the order `rows`
    gives them (sorted by `key`, then as the values are to be listed). The rows of an `Aggregated`.

    string_agg(... ORDER BY ...) sorts each key's values apart, a sort per key (the full desk's 32,148
    roles with copies: a sixth of the parties' export); over a sorted subquery it takes them as they
    come, which is how PostgreSQL's documentation of aggregate functions orders an aggregate's input,
    with nothing between the two that could reorder them.
    """

    rows: models.QuerySet
    key: str
    value: str
    separator: str

    def as_sql(self, connection) -> tuple[str, tuple]:
        inner, params = self.rows.query.get_compiler(connection=connection).as_sql()
        key, value = connection.ops.quote_name(self.key), connection.ops.quote_name(self.value)
        return (f"SELECT {key}, string_agg({value}, %s) AS {value} FROM ({inner}) in_order GROUP BY {key}",
                (self.separator, *params))


def _rows_sql(rows: models.QuerySet | InOrder, connection) -> tuple[str, tuple]:
    if isinstance(rows, InOrder):
        return rows.as_sql(connection)
    return rows.query.get_compiler(connection=connection).as_sql()


class Joined(models.Expression):
    """A column of the rows `join_rows` joined as `alias`."""

    def __init__(self, alias: str, column: str, output_field: models.Field | None = None):
        super().__init__(output_field=output_field or models.TextField())
        self.alias, self.column = alias, column

    def as_sql(self, compiler, connection):
        return f"{connection.ops.quote_name(self.alias)}.{connection.ops.quote_name(self.column)}", []


class _RowsJoin:
    """LEFT OUTER JOIN (<rows>) alias ON alias.key = <the value `to` of the outer row>: an entry of
    Query.alias_map, which Django writes into the FROM clause like its own joins."""

    join_type = "LEFT OUTER JOIN"
    nullable = True
    filtered_relation = None
    parent_alias = None

    def __init__(self, alias: str, rows: models.QuerySet | InOrder, key: str, to: models.Expression):
        self.table_name = self.table_alias = alias
        self.rows, self.key, self.to = rows, key, to

    def as_sql(self, compiler, connection):
        rows_sql, rows_params = _rows_sql(self.rows, connection)
        to_sql, to_params = compiler.compile(self.to)
        quote = connection.ops.quote_name
        return (f"LEFT OUTER JOIN ({rows_sql}) {quote(self.table_alias)} "
                f"ON ({quote(self.table_alias)}.{quote(self.key)} = {to_sql})"), (*rows_params, *to_params)

    def relabeled_clone(self, change_map):
        return _RowsJoin(self.table_alias, self.rows, self.key, self.to.relabeled_clone(change_map))


def join_rows(queryset: models.QuerySet, *, alias: str, rows: models.QuerySet | InOrder, key: str,
              to: models.Expression) -> models.QuerySet:
    """`queryset` LEFT JOIN (`rows`) AS `alias` ON its `key` = `to`, for the COPY path (PostgreSQL groups
    `rows` once); `Joined(alias, column)` reads its columns. Join it after the annotations whose
    tables `to` names."""
    key_name = f"{alias}_on"
    queryset = queryset.annotate(**{key_name: to})
    queryset.query.alias_map[alias] = _RowsJoin(alias, rows, key, queryset.query.annotations[key_name])
    queryset.query.alias_refcount[alias] = 1
    return queryset


def copy_statement(report: Report, filterset: ReportFilterSet, order: Sequence[str] = ()) -> str | None:
    """The COPY statement with which PostgreSQL writes the report's CSV rows, or None where Python writes them.

    The query is the report's own (filters, as-of records, sort), selecting each cell as
    `csv_cell` would write it (deals/csvsafe.py), the formula guard included. A value read from
    other rows (`Aggregated`) comes from a grouped or computed table joined once.
    """
    if connection.vendor != "postgresql":
        return None
    if not isinstance(report, QuerysetReport):
        select = report.copy_select(filterset, order)
        return None if select is None else f"COPY ({select}) TO STDOUT WITH (FORMAT csv, ENCODING 'UTF8')"
    values = report.csv_values(filterset)
    if values is None:
        return None
    queryset = report.ordered(filterset, order).prefetch_related(None)
    raw, joined = {}, {}
    for index, col in enumerate(report.csv_columns):
        value = values[col.key]
        if isinstance(value, Aggregated):
            # Values read from the same rows on the same key (an address's line and its phone) share one join.
            rows = (id(value.rows), value.key, value.to)
            if rows not in joined:
                joined[rows] = f"csv_joined_{index}"
                queryset = join_rows(queryset, alias=joined[rows], rows=value.rows, key=value.key, to=value.to)
            value = Joined(joined[rows], value.value)
        raw[f"csv_value_{index}"] = value
    queryset = queryset.annotate(**raw)
    if report.composed_csv_values:
        return _copy_composed(queryset, list(raw))
    cells = {
        f"csv_cell_{index}": csv_cell_sql(models.F(name), queryset.query.annotations[name].output_field)
        for index, name in enumerate(raw)
    }
    sql, params = queryset.annotate(**cells).values_list(*cells).query.sql_with_params()
    return f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT WITH (FORMAT csv, ENCODING 'UTF8')"


def _copy_composed(queryset: models.QuerySet, names: list[str]) -> str:
    """COPY of the cells of the annotations `names`, in the queryset's order.

    Each value is computed once, in an inner query (OFFSET 0: PostgreSQL does not merge it into the
    outer one), beside the keys the rows are sorted by; the outer query writes each cell over the
    value's column (the formula test, then the value: a composed value, an address on one line, a
    label, would otherwise be computed twice a row). The inner query sorts the plain values, and the
    outer one writes the cells of rows already in order: its ORDER BY names the same keys, which
    PostgreSQL sees the inner query's rows already follow, so it does not sort them again.
    """
    compiler = queryset.query.get_compiler(connection=connection)
    order_by = compiler.get_order_by()
    keys = {f"csv_key_{index}": expression.expression for index, (expression, _) in enumerate(order_by)}
    inner, params = queryset.annotate(**keys).values_list(*names, *keys).query.sql_with_params()
    cells = []
    for name in names:
        column = Joined("csv_values", name, queryset.query.annotations[name].output_field)
        cell_sql, cell_params = compiler.compile(csv_cell_sql(column, column.output_field).resolve_expression(
            queryset.query))
        cells.append(connection.ops.compose_sql(cell_sql, cell_params))
    sorts = []
    for key, (expression, _) in zip(keys, order_by):
        key_sql, _ = compiler.compile(Joined("csv_values", key))
        nulls = " NULLS FIRST" if expression.nulls_first else " NULLS LAST" if expression.nulls_last else ""
        sorts.append(f"{key_sql} {'DESC' if expression.descending else 'ASC'}{nulls}")
    select = (f"SELECT {', '.join(cells)} FROM ({connection.ops.compose_sql(inner, params)} OFFSET 0) csv_values "
              f"ORDER BY {', '.join(sorts)}")
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv, ENCODING 'UTF8')"


def copy_lines(statement: str) -> Iterator[bytes]:
    """Run a COPY ... TO STDOUT and hand on its rows, about 64 KB at a time, each ended as csv.writer ends it."""
    with transaction.atomic(), connection.cursor() as cursor:
        # A date cell is the date's own text form (deals.csvsafe._IsoDate): ISO, "2005-06-07",
        # whatever DateStyle the server is configured with. SET LOCAL ends with the transaction.
        cursor.execute("SET LOCAL DateStyle TO ISO")
        with cursor.copy(statement) as copy:
            # libpq hands COPY data over one whole row at a time, each ended by \n; csv.writer ends
            # rows with \r\n (a newline inside a quoted cell stays as it is, in both).
            rows, size = [], 0
            for row in copy:
                rows.append(row[:-1])
                size += len(row)
                if size >= COPY_CHUNK_BYTES:
                    rows.append(b"")
                    yield b"\r\n".join(rows)
                    rows, size = [], 0
            if rows:
                rows.append(b"")
                yield b"\r\n".join(rows)


def csv_stream(report: Report, filterset: ReportFilterSet, order: Sequence[str] = (), *, bom: bool = False
               ) -> Iterator[str | bytes]:
    """The report as CSV: written by PostgreSQL where it can (bytes, UTF-8), else by `csv_lines` (text)."""
    statement = copy_statement(report, filterset, order)
    if statement is None:
        return csv_lines(report, filterset, order, bom=bom)
    return _copied(report, statement, report.csv_rows_after_copy(filterset, order), bom=bom)


def _copied(report: Report, statement: str, then: Iterable[dict], *, bom: bool) -> Iterator[bytes]:
    yield (("\ufeff" if bom else "") + csv_header(report)).encode()
    yield from copy_lines(statement)
    yield from (line.encode() for line in _python_lines(report, then))


def csv_filename(report: Report) -> str:
    return f"dealdesk-{report.name}-{clock.today().isoformat()}.csv"


# --------------------------------------------------------------------------
# Web pages
# --------------------------------------------------------------------------


class ReportData(TableData):
    """Lets django-tables2 page and sort a report without loading all of its rows."""

    def __init__(self, report: Report, filterset: ReportFilterSet):
        super().__init__(data=None)
        self.report = report
        self.filterset = filterset
        self.order: tuple[str, ...] = ()
        self._length: int | None = None
        self.bounded = False  # more rows than COUNT_BOUND: the pages show the first COUNT_BOUND

    def order_by(self, aliases):
        self.order = tuple(str(alias) for alias in aliases)

    def __len__(self):
        if self._length is None:
            counted = self.report.bounded_count(self.filterset, COUNT_BOUND)
            self.bounded = counted > COUNT_BOUND
            self._length = min(counted, COUNT_BOUND)
        return self._length

    def __getitem__(self, key):
        if isinstance(key, slice):
            start = key.start or 0
            stop = key.stop if key.stop is not None else len(self)
            return with_cells(self.report, self.report.page(self.filterset, self.order, start, stop))
        return self.report.page(self.filterset, self.order, key, key + 1)[0]

    def __iter__(self):
        return self.report.rows(self.filterset, self.order)

    @property
    def verbose_name_plural(self):
        return "rows"


class ReportPaginator(Paginator):
    # django-tables2 takes the page size from the address (?per_page=); below 1 there are no pages to show.
    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, max(1, int(per_page)), *args, **kwargs)


def screen_html(value, format: str = ""):
    shown = screen_value(value, format)
    if isinstance(value, datetime.datetime):  # the machine's reading stays at hand: <time datetime=...>
        return format_html('<time datetime="{}">{}</time>', timezone.localtime(value).isoformat(), shown)
    if isinstance(value, datetime.date):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), shown)
    return shown


EMPTY_CELL = "—"  # django-tables2's default for a blank value


def with_cells(report: Report, rows: list[dict]) -> list[dict]:
    """The page's rows, each with its shown cells as HTML ("cells"): templates/reports/table.html
    writes them as they are. django-tables2 would render each of the 500 cells of a page through
    its template machinery, which costs more than reading the page from the database."""
    columns = [(col.key, f"field-{col.key} {col.format}".strip(), col.format) for col in report.screen_columns]
    for row in rows:
        row["cells"] = format_html_join("", '<td class="{}">{}</td>', (
            (css, EMPTY_CELL if row.get(key) in (None, "") else screen_html(row.get(key), format))
            for key, css, format in columns))
    return rows


class ReportColumn(tables.Column):
    def __init__(self, *args, format: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.format = format

    def render(self, value):
        return screen_html(value, self.format)


def table_class(report: Report) -> type[tables.Table]:
    attrs = {
        # A CSV-only column is in the table, hidden, so that ?sort= still sorts the page by it.
        col.key: ReportColumn(verbose_name=col.screen_header, accessor=col.key, orderable=col.sortable,
                              visible=col.screen, format=col.format,
                              attrs={"th": {"class": f"column-{col.key} {col.format}".strip()},
                                     "td": {"class": f"field-{col.key} {col.format}".strip()}})
        for col in report.columns
    }
    attrs["Meta"] = type("Meta", (), {
        "template_name": "reports/table.html",
        "attrs": {"class": "report", "id": "result_list"},
        "empty_text": "Nothing matches these filters.",
        "sequence": [col.key for col in report.columns],
    })
    return type(f"{report.name.title()}Table", (tables.Table,), attrs)


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@login_required
@permission_required(VIEW_REPORTS, raise_exception=True)
def report_index(request):
    return render(request, "reports/index.html", {
        **admin.site.each_context(request), "reports": all_reports(), "title": "Reports",
    })


@login_required
@permission_required(VIEW_REPORTS, raise_exception=True)
def report_page(request, name: str):
    report = get_report(name)
    if report is None:
        raise Http404(f"There is no report called {name!r}.")
    filterset = report.filterset(request.GET)
    table = totals = data = None
    if filterset.is_valid():
        data = ReportData(report, filterset)
        table = table_class(report)(data)
        tables.RequestConfig(request, paginate={"per_page": report.per_page, "paginator_class": ReportPaginator}
                             ).configure(table)
        table.per_page_choices = sorted({*PER_PAGE_CHOICES, report.per_page})
        totals = report.totals(filterset)
    return render(request, "reports/report.html", {
        # The admin's frame (site header, user tools), so the reports read as part of the desk.
        **admin.site.each_context(request),
        "report": report,
        "reports": all_reports(),
        "filter": filterset,
        "table": table,
        "count": report.counted(table.paginator.count, bounded=data.bounded) if table else "",
        # "all 37 due dates"; past the bound, "all the due dates (more than 10,000)"
        "totals_of": (f"all the {report.noun[1]} (more than {table.paginator.count:,})" if data.bounded
                      else f"all {report.counted(table.paginator.count)}") if table else "",
        "totals": totals,
        "totals_report_title": get_report(report.totals_report).title if report.totals_report else "",
        "currency": CURRENCY,
        "title": report.title,
        "csv_query": _query_without(request, "page"),
    })


@login_required
@permission_required(VIEW_REPORTS, raise_exception=True)
def report_csv(request, name: str):
    report = get_report(name)
    if report is None:
        raise Http404(f"There is no report called {name!r}.")
    filterset = report.filterset(request.GET)
    if not filterset.is_valid():
        return HttpResponse(filter_errors(filterset), status=400, content_type="text/plain; charset=utf-8")
    order = report.clean_order(request.GET.get("sort", "").split(","))
    response = StreamingHttpResponse(
        csv_stream(report, filterset, order, bom=request.GET.get("bom") == "1"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(report)}"'
    return response


def filter_errors(filterset: ReportFilterSet) -> str:
    """The form's complaints in one paragraph, naming the filter each is about."""
    messages = []
    for field, errors in filterset.form.errors.items():
        label = "" if field == "__all__" else f"{filterset.form.fields[field].label}: "
        messages += [f"{label}{error}" for error in errors]
    return " ".join(messages)
