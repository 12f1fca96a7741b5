"""The closing checklists: every item of every closing, who delivers it, and what became of it."""
from __future__ import annotations

import django_filters
from django.db.models import F, Value
from django.db.models.functions import Lower, NullIf

from closings.models import Closing, ClosingItem, section_order
from deals.csvsafe import formula_free
from deals.models import Deal
from deals.reporting import (
    Col,
    ListReport,
    QuerysetReport,
    RebuiltAsOf,
    ReportFilterSet,
    as_of_records,
    choice_label,
    deal_filter,
    register,
)
from parties.models import Party
from parties.reports import text_key


class ClosingsFilterSet(ReportFilterSet):
    deal = deal_filter()
    status = django_filters.ChoiceFilter(choices=ClosingItem.Status.choices, label="Status",
                                         method="applied_by_report")


def item_row(item: ClosingItem) -> dict:
    return {
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
    }


@register
class ClosingsReport(RebuiltAsOf, QuerysetReport):
    """Today's checklists are sorted and paged in the database (a desk of 10,000 deals holds some
    200,000 items); as of a past day they are rebuilt from the audit trail in Python."""

    name = "closings"
    title = "Closing checklists"
    description = ("Each thing that must be delivered or true at each closing, who delivers it, and whether it is "
                   "satisfied, waived or still open, with its evidence.")
    position = 45
    noun = ("checklist item", "checklist items")
    filterset_class = ClosingsFilterSet
    # Sorted by a column as a list built in Python sorts it: text without regard to case, blanks last.
    columns = (
        Col("deal", "Deal", (text_key("closing__deal__title"),)),
        Col("closing", "Closing", (text_key("closing__name"),)),
        Col("section", "Section", (NullIf(F("section_order"), Value("")),)),
        Col("kind", "Kind", (Lower(choice_label("kind", ClosingItem.Kind.choices)),)),
        Col("item", "Item", (text_key("title"),)),
        Col("delivered_by", "Delivered or satisfied by", (text_key("satisfied_by__legal_name"),)),
        Col("status", "Status", (Lower(choice_label("status", ClosingItem.Status.choices)),)),
        Col("done_on", "Done on", (F("done_on"),)),
        Col("evidence", "Evidence", (text_key("evidence"),)),
        Col("closed_on", "Closing completed on", (F("closing__closed_on"),)),
    )
    # Each deal's closings by their day (those not yet scheduled last), each checklist in section order.
    default_ordering = ("closing__deal__title", F("closing__scheduled_for").asc(nulls_last=True), "closing__name",
                        "closing_id", "section_order")
    composed_csv_values = True  # the kind's and the status's labels

    def queryset(self, filterset):
        options = filterset.options
        items = ClosingItem.objects.select_related("closing__deal", "satisfied_by")
        if options.get("deal"):
            items = items.filter(closing__deal=options["deal"])
        if options.get("status"):
            items = items.filter(status=options["status"])
        return items

    def row(self, item, filterset):
        return item_row(item)

    def as_of_report(self):
        return ClosingsAsOf()

    def csv_values(self, filterset):
        if filterset.as_of_day:
            return None  # rebuilt from the audit trail in Python
        return {
            "deal": F("closing__deal__title"),
            "closing": F("closing__name"),
            "section": F("section"),
            "kind": formula_free(choice_label("kind", ClosingItem.Kind.choices)),
            "item": F("title"),
            "delivered_by": F("satisfied_by__legal_name"),
            "status": formula_free(choice_label("status", ClosingItem.Status.choices)),
            "done_on": F("done_on"),
            "evidence": F("evidence"),
            "closed_on": F("closing__closed_on"),
        }


class ClosingsAsOf(ListReport):
    """The checklists as they stood at the end of a past day, rebuilt from the audit trail (not registered)."""

    name = "closings-as-of"
    columns = ClosingsReport.columns

    def clean_order(self, order):
        return ClosingsReport().clean_order(order)

    def sort_value(self, row, key):
        return section_order(row["section"]) if key == "section" else row.get(key)

    def unsorted_rows(self, filterset):
        options = filterset.options
        items = self._items(filterset.as_of_day)
        if options.get("deal"):
            items = [item for item in items if item.closing.deal_id == options["deal"].pk]
        if options.get("status"):
            items = [item for item in items if item.status == options["status"]]
        # As ClosingsReport.default_ordering sorts today's.
        items.sort(key=lambda item: (
            item.closing.deal.title, item.closing.scheduled_for is None, item.closing.scheduled_for,
            item.closing.name, item.closing.pk, section_order(item.section), item.pk,
        ))
        return [item_row(item) for item in items]

    def _items(self, day) -> list[ClosingItem]:
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
