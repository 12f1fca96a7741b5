"""The closing checklists: every item of every closing, who delivers it, and what became of it."""
from __future__ import annotations

import django_filters
from django.db.models import F, Value
from django.db.models.functions import NullIf

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
    text_key,
)
from parties.models import Party


class ClosingsFilterSet(ReportFilterSet):
    deal = deal_filter()
    status = django_filters.ChoiceFilter(choices=ClosingItem.Status.choices, label="Status",
                                         method="applied_by_report")


def checklist_row(*, deal: str, closing: str, section: str, kind: str, title: str, delivered_by: str, status: str,
                  done_on, evidence: str, closed_on) -> dict:
    """One item's row, today's read from its objects or a past day's from the audit trail's values."""
    return {
        "deal": deal,
        "closing": closing,
        "section": section,
        "kind": ClosingItem.Kind(kind).label,
        "item": title,
        "delivered_by": delivered_by,
        "status": ClosingItem.Status(status).label,
        "done_on": done_on,
        "evidence": evidence,
        "closed_on": closed_on,
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
        Col("kind", "Kind", (text_key(choice_label("kind", ClosingItem.Kind.choices)),)),
        Col("item", "Item", (text_key("title"),)),
        Col("delivered_by", "Delivered or satisfied by", (text_key("satisfied_by__legal_name"),)),
        Col("status", "Status", (text_key(choice_label("status", ClosingItem.Status.choices)),)),
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
        return checklist_row(
            deal=item.closing.deal.title, closing=item.closing.name, section=item.section, kind=item.kind,
            title=item.title, delivered_by=item.satisfied_by.legal_name if item.satisfied_by else "",
            status=item.status, done_on=item.done_on, evidence=item.evidence, closed_on=item.closing.closed_on)

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
        """The items, their closings (completed or not then), the deals and the parties as they stood at the
        end of the day, each read from the audit trail as plain values: records built as model objects took
        4.1 s and 500 MiB for the full desk's 161,378 items, their values 0.4 s."""
        day, options = filterset.as_of_day, filterset.options
        deals = as_of_records(Deal, day)
        if options.get("deal"):
            deals = deals.filter(id=options["deal"].pk)
        titles = dict(deals.values_list("id", "title"))
        names = dict(as_of_records(Party, day).values_list("id", "legal_name"))
        closings = {
            pk: (titles[deal_id], name, scheduled_for, closed_on)
            for pk, deal_id, name, scheduled_for, closed_on in as_of_records(Closing, day).values_list(
                "id", "deal_id", "name", "scheduled_for", "closed_on").iterator(chunk_size=5000)
            if deal_id in titles
        }
        items = as_of_records(ClosingItem, day)
        if options.get("status"):
            items = items.filter(status=options["status"])
        keyed = []
        for pk, closing_id, section, kind, title, satisfied_by_id, status, done_on, evidence in items.values_list(
                "id", "closing_id", "section", "kind", "title", "satisfied_by_id", "status", "done_on", "evidence",
        ).iterator(chunk_size=5000):
            if closing_id not in closings:
                continue
            deal, name, scheduled_for, closed_on = closings[closing_id]
            # As ClosingsReport.default_ordering sorts today's.
            key = (deal, scheduled_for is None, scheduled_for, name, closing_id, section_order(section), pk)
            keyed.append((key, checklist_row(
                deal=deal, closing=name, section=section, kind=kind, title=title,
                delivered_by=names.get(satisfied_by_id, ""), status=status, done_on=done_on, evidence=evidence,
                closed_on=closed_on)))
        keyed.sort(key=lambda pair: pair[0])
        return [row for _, row in keyed]
