"""The closing checklists: every item of every closing, who delivers it, and what became of it."""
from __future__ import annotations

import re

import django_filters

from closings.models import Closing, ClosingItem
from deals.models import Deal
from deals.reporting import Col, ListReport, ReportFilterSet, as_of_records, deal_filter, register
from parties.models import Party


def section_key(section: str) -> tuple:
    """"7(h)" before "10(a)": numbers compare as numbers, the rest as text."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
                 for part in re.split(r"(\d+)", section) if part)


class ClosingsFilterSet(ReportFilterSet):
    deal = deal_filter()
    status = django_filters.ChoiceFilter(choices=ClosingItem.Status.choices, label="Status",
                                         method="applied_by_report")


@register
class ClosingsReport(ListReport):
    name = "closings"
    title = "Closing checklists"
    description = ("Each thing that must be delivered or true at each closing, who delivers it, and whether it is "
                   "satisfied, waived or still open, with its evidence.")
    position = 45
    noun = ("checklist item", "checklist items")
    filterset_class = ClosingsFilterSet
    columns = (
        Col("deal", "Deal"),
        Col("closing", "Closing"),
        Col("section", "Section"),
        Col("kind", "Kind"),
        Col("item", "Item"),
        Col("delivered_by", "Delivered or satisfied by"),
        Col("status", "Status"),
        Col("done_on", "Done on"),
        Col("evidence", "Evidence"),
        Col("closed_on", "Closing completed on"),
    )

    def unsorted_rows(self, filterset):
        options = filterset.options
        items = self._items(filterset)
        if options.get("deal"):
            items = [item for item in items if item.closing.deal_id == options["deal"].pk]
        if options.get("status"):
            items = [item for item in items if item.status == options["status"]]
        items.sort(key=lambda item: (
            item.closing.deal.title, item.closing.scheduled_for is None, item.closing.scheduled_for,
            item.closing.name, section_key(item.section), item.pk,
        ))
        return [{
            "deal": item.closing.deal.title,
            "closing": item.closing.name,
            "section": item.section,
            "kind": ClosingItem.Kind(item.kind).label,
            "item": item.title,
            "delivered_by": item.satisfied_by.legal_name if item.satisfied_by else "",
            "status": ClosingItem.Status(item.status).label,
            "done_on": item.done_on,
            "evidence": item.evidence,
            "closed_on": item.closing.closed_on,
        } for item in items]

    def _items(self, filterset) -> list[ClosingItem]:
        day = filterset.as_of_day
        if not day:
            return list(ClosingItem.objects.select_related("closing__deal", "satisfied_by"))
        # As they stood at the end of the day: the items, their closings (completed or not then),
        # the deals and the parties, each read from the audit trail.
        deals = {r.id: r.instance for r in as_of_records(Deal, day)}
        parties = {r.id: r.instance for r in as_of_records(Party, day)}
        closings = {}
        for record in as_of_records(Closing, day):
            if record.deal_id in deals:
                closing = record.instance
                closing.deal = deals[record.deal_id]
                closings[record.id] = closing
        items = []
        for record in as_of_records(ClosingItem, day):
            if record.closing_id not in closings:
                continue
            item = record.instance
            item.closing = closings[record.closing_id]
            item.satisfied_by = parties.get(record.satisfied_by_id)
            items.append(item)
        return items
