"""The desk's "today": the desk date (DESK_DATE) when one is set, else the real date in TIME_ZONE.

Every "today at the desk" (due dates' standing, the dashboard, reports' as-of defaults, reminder
planning, "cannot be in the future") comes from `today()`. Timestamps, claims, retries and the
outbox's backoff keep real wall-clock time (`timezone.now()`): a desk date moves no clock.
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone


def desk_date() -> datetime.date | None:
    """The day DESK_DATE pins the desk to, or None when the desk runs on the real date."""
    return getattr(settings, "DESK_DATE", None)


def today() -> datetime.date:
    return desk_date() or timezone.localdate()


def desk_date_context(request) -> dict:
    """Template context processor: `desk_date` for the header every admin page shows."""
    return {"desk_date": desk_date()}
