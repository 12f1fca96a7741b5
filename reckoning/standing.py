"""Where a due date stands on a day: the one rule behind every "overdue" and "due soon" of the desk.

The admin, the reports (today's and as of a past day), the reminder emails and
the deal list all come here: row by row through `standing`, and in the database
through the due-date ranges of `open_due_range`, which obligations.models turns
into a filter.
"""
from __future__ import annotations

import datetime

from reckoning.choices import Choice

ONE_DAY = datetime.timedelta(days=1)


class Status(Choice):
    """What became of a due date."""

    OPEN = "open", "Open"
    DONE = "done", "Done"
    WAIVED = "waived", "Waived"


class Standing(Choice):
    """What a deal administrator sees first about a due date on a given day."""

    OVERDUE = "overdue", "overdue"
    DUE_SOON = "due_soon", "due soon"
    OPEN = "open", "open"
    DONE = "done", "done"
    WAIVED = "waived", "waived"


# The standings an open due date can have, in the order a due date moves through them backwards in time.
OPEN_STANDINGS = (Standing.OVERDUE, Standing.DUE_SOON, Standing.OPEN)


def open_due_range(
    standing: Standing, *, today: datetime.date, due_soon_days: int
) -> tuple[datetime.date | None, datetime.date | None]:
    """The due dates (first, last, both included; None: no bound) of open due dates that stand so today.

    Overdue: due before today. Due soon: due from today to `due_soon_days` ahead.
    Open: due later than that.
    """
    soon = today + datetime.timedelta(days=due_soon_days)
    ranges = {
        Standing.OVERDUE: (None, today - ONE_DAY),
        Standing.DUE_SOON: (today, soon),
        Standing.OPEN: (soon + ONE_DAY, None),
    }
    return ranges[standing]


def standing(*, status: str, due_date: datetime.date, today: datetime.date, due_soon_days: int) -> Standing:
    """overdue / due soon / open for an open due date on `today`; done or waived otherwise."""
    if status != Status.OPEN:
        return Standing(Status(status).value)
    for candidate in OPEN_STANDINGS:
        first, last = open_due_range(candidate, today=today, due_soon_days=due_soon_days)
        if (first is None or due_date >= first) and (last is None or due_date <= last):
            return candidate
    raise AssertionError("the open ranges cover every day")  # pragma: no cover
