"""Helpers shared by the obligations management commands."""
from __future__ import annotations

import datetime

from django.core.management.base import CommandError


def parse_date_option(value: str, option: str) -> datetime.date:
    """A YYYY-MM-DD command-line date, or a CommandError saying what was expected."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date like 2005-06-30, not {value!r}") from None
