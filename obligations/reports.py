"""Reports over obligations, as rows any output (CSV, a web page) can render."""
from __future__ import annotations

import datetime
from collections.abc import Iterator

from dealdesk.models import Deal
from obligations.models import Occurrence

DEADLINE_COLUMNS = (
    "deal",
    "section",
    "obligation",
    "obligor",
    "due_date",
    "status",
    "done_on",
    "period_end",
    "computation",
)


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def deadline_report_rows(
    *, start: datetime.date, end: datetime.date, deal: Deal | int | None = None
) -> Iterator[dict[str, str]]:
    """Every occurrence due from start to end (both included), one dict per row keyed by DEADLINE_COLUMNS.

    Rows are produced one at a time so a report over years of deadlines never
    sits whole in memory.
    """
    occurrences = Occurrence.objects.due_between(start, end).with_context()
    if deal is not None:
        occurrences = occurrences.for_deal(deal)
    occurrences = occurrences.order_by(
        "due_date", "rule__obligation__deal__title", "rule__obligation__section", "rule__obligation__title", "id"
    )
    for occurrence in occurrences.iterator(chunk_size=500):
        obligation = occurrence.rule.obligation
        yield {
            "deal": obligation.deal.title,
            "section": obligation.section,
            "obligation": obligation.title,
            "obligor": obligation.obligor.legal_name,
            "due_date": _iso(occurrence.due_date),
            "status": occurrence.get_status_display(),
            "done_on": _iso(occurrence.done_on),
            "period_end": _iso(occurrence.period_end),
            "computation": occurrence.computation,
        }
