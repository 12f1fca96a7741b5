"""Cells that are safe to open in a spreadsheet.

Excel and LibreOffice run a cell that starts with =, +, -, @, a tab or a
carriage return as a formula, so a title typed into the admin could run on
an auditor's machine (OWASP "CSV Injection"). A leading apostrophe makes the
spreadsheet show the text as typed. Every app's CSV export goes through here.
"""
from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast, Concat, NullIf, Ord
from django.db.models.lookups import Exact, In
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """The text as a spreadsheet will show it, never as a formula."""
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell(value: object, zone: datetime.tzinfo | None = None) -> str:
    """One report value as a CSV cell: ISO dates, plain decimals, text never run as a formula.

    Real numbers are written as numbers, a minus sign included: only text is
    neutralised, so -2500.00 stays a number a spreadsheet can add up. Moments are
    written in `zone`, by default the current time zone (a file of many asks it once:
    looking it up costs more than writing the moment).
    """
    if type(value) is str:  # most cells: asked first, the type tests below cost more than the text's own
        return spreadsheet_safe(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return _local_moment(value, zone or timezone.get_current_timezone())
    if isinstance(value, datetime.date):
        return value.isoformat()
    return spreadsheet_safe(str(value))


@functools.lru_cache(maxsize=4096)
def _local_moment(moment: datetime.datetime, zone: datetime.tzinfo) -> str:
    # Thousands of rows share a moment (the changes saved together in a change history): each is put
    # in the desk's time zone once, not once a row (half the time of writing the history's CSV).
    return timezone.localtime(moment, zone).isoformat(sep=" ", timespec="seconds")


# --------------------------------------------------------------------------
# The same cells written by PostgreSQL (COPY ... TO STDOUT WITH CSV)
# --------------------------------------------------------------------------
#
# `csv_cell_sql` turns a database expression into the text `csv_cell` would write for its value,
# so PostgreSQL can write a million-row CSV without Python touching each value. NULL and ''
# both become NULL, which COPY writes as an empty unquoted cell, as csv.writer writes "".


class _IsoDate(models.Func):
    """A date as `csv_cell` writes it, "2005-06-07": the date's own text form, which is ISO under the
    DateStyle `deals.reporting.copy_lines` sets for its COPY. Cheaper than to_char's pattern, which
    an export of a million due dates would otherwise apply to each of their dates."""

    template = "(%(expressions)s)::text"
    output_field = models.TextField()


class _LocalIsoDateTime(models.Func):
    """A moment as `csv_cell` writes it: the desk's local time and its offset, "2005-09-20 08:00:00-04:00"."""

    output_field = models.TextField()

    def as_sql(self, compiler, connection, **extra_context):
        moment, params = compiler.compile(self.source_expressions[0])
        zone = settings.TIME_ZONE
        # The offset is the local wall clock minus UTC's, in whole seconds (+HH:MM, as isoformat writes it).
        offset = (f"(EXTRACT(EPOCH FROM (({moment}) AT TIME ZONE %s) - (({moment}) AT TIME ZONE 'UTC'))::integer)")
        sql = (f"(to_char(({moment}) AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')"
               f" || CASE WHEN {offset} < 0 THEN '-' ELSE '+' END"
               f" || to_char(make_interval(secs => abs({offset})), 'HH24:MI'))")
        return sql, (*params, zone, *params, zone, *params, *params, zone, *params)


class FormulaFreeText(models.TextField):
    """Text that cannot start a formula by construction: a label from a fixed list, words a report
    composes ("done late by 3 days"). Never text someone types."""


def formula_free(expression: models.Expression) -> models.Expression:
    """`expression` marked as `FormulaFreeText`: its cell is written without the formula test, which
    names the value twice (a label computed per row would be computed twice)."""
    return models.ExpressionWrapper(expression, output_field=FormulaFreeText())


def spreadsheet_safe_sql(text: models.Expression) -> models.Expression:
    """`spreadsheet_safe` in SQL: a leading apostrophe before text that would start a formula."""
    # The first character's code point (PostgreSQL's ascii()), not its first character as text
    # (left(text, 1)): the test runs on every text cell of an export, and comparing numbers cut
    # a fifth of the database's time writing the parties report.
    return models.Case(
        models.When(In(Ord(text), [ord(start) for start in FORMULA_STARTS]),
                    then=Concat(models.Value("'"), text, output_field=models.TextField())),
        default=text,
        output_field=models.TextField(),
    )


def csv_cell_sql(expression: models.Expression, output_field: models.Field) -> models.Expression:
    """The cell `csv_cell` writes for the value of `expression`, computed by the database.

    Dates as ISO text, moments in the desk's time zone with their offset, numbers as their plain
    digits, yes/no, text guarded against formulas (but for `FormulaFreeText`).
    """
    if isinstance(output_field, models.DateTimeField):
        return _LocalIsoDateTime(expression)
    if isinstance(output_field, models.DateField):
        return _IsoDate(expression)
    if isinstance(output_field, models.BooleanField):
        return models.Case(models.When(Exact(expression, True), then=models.Value("yes")),
                           models.When(Exact(expression, False), then=models.Value("no")),
                           default=None, output_field=models.TextField())
    if isinstance(output_field, models.IntegerField | models.DecimalField):
        return Cast(expression, models.TextField())
    if isinstance(output_field, FormulaFreeText):
        return NullIf(expression, models.Value(""), output_field=models.TextField())
    return NullIf(spreadsheet_safe_sql(expression), models.Value(""), output_field=models.TextField())
