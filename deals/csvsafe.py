"""Cells that are safe to open in a spreadsheet.

Excel and LibreOffice run a cell that starts with =, +, -, @, a tab or a
carriage return as a formula, so a title typed into the admin could run on
an auditor's machine (OWASP "CSV Injection"). A leading apostrophe makes the
spreadsheet show the text as typed. Every app's CSV export goes through here.
"""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """The text as a spreadsheet will show it, never as a formula."""
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell(value: object) -> str:
    """One report value as a CSV cell: ISO dates, plain decimals, text never run as a formula.

    Real numbers are written as numbers, a minus sign included: only text is
    neutralised, so -2500.00 stays a number a spreadsheet can add up.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return spreadsheet_safe(str(value))
