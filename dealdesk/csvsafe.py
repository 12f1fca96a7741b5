"""Cells that are safe to open in a spreadsheet.

Excel and LibreOffice run a cell that starts with =, +, -, @, a tab or a
carriage return as a formula, so a title typed into the admin could run on
an auditor's machine (OWASP "CSV Injection"). A leading apostrophe makes the
spreadsheet show the text as typed. Every app's CSV export goes through here.
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """The text as a spreadsheet will show it, never as a formula."""
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
