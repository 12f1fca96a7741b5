"""Which reminder is due for an occurrence on a given day. Pure Python: no Django import."""
from __future__ import annotations

import datetime
from dataclasses import dataclass


def parse_days_before(value: str) -> tuple[int, ...]:
    """"30, 14, 7" -> (30, 14, 7), as a deal administrator types them; raises ValueError on anything else."""
    days = [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
    if any(day < 0 for day in days):
        raise ValueError("negative")
    return tuple(sorted(set(days), reverse=True))


@dataclass(frozen=True)
class ReminderPolicy:
    days_before: tuple[int, ...] = (30, 14, 7, 3, 1, 0)
    overdue_first_day: int = 1  # the first overdue reminder, in days after the due date
    overdue_every_days: int = 7  # then one every this many days while still open

    def latest_due(self, *, due_date: datetime.date, today: datetime.date) -> int | None:
        """Days from the due date of the latest reminder scheduled on or before today.

        Negative before the due date (-7: a week before), positive after it.
        Only the latest counts: after downtime the desk catches up with one
        reminder per occurrence, not with every one it missed.
        """
        days_late = (today - due_date).days
        if days_late >= self.overdue_first_day:
            every = max(self.overdue_every_days, 1)
            return self.overdue_first_day + (days_late - self.overdue_first_day) // every * every
        scheduled = [-days for days in self.days_before if -days <= days_late]
        return max(scheduled) if scheduled else None

    def scheduled_for(self, *, due_date: datetime.date, days_from_due: int) -> datetime.date:
        return due_date + datetime.timedelta(days=days_from_due)

    @property
    def lead_days(self) -> int:
        """How far ahead of a due date the first reminder goes out."""
        return max(self.days_before, default=0)
