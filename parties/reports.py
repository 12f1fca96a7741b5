"""The notice directory: who plays which role in each deal, who signs, and where notices and copies go."""
from __future__ import annotations

from collections import defaultdict

import django_filters

from deals.models import Deal
from deals.reporting import Col, ListReport, ReportFilterSet, as_of_records, choice_of, deal_filter, register
from parties.models import Address, DealParty, Party, Person

ROLE_ORDER = {role: index for index, role in enumerate(DealParty.Role.values)}


def one_line(address: Address | None) -> str:
    return ", ".join(address.lines()) if address else ""


def party_filter(label: str = "Party", field_name: str | None = None) -> django_filters.ModelChoiceFilter:
    return choice_of(Party.objects.order_by("legal_name"), label, field_name)


class PartiesFilterSet(ReportFilterSet):
    deal = deal_filter()
    party = party_filter()


@register
class PartiesReport(ListReport):
    name = "parties"
    title = "Parties and notice directory"
    description = "Each party's role in each deal, its signatory, where notices go and who gets a copy."
    position = 50
    noun = ("role in a deal", "roles in deals")
    filterset_class = PartiesFilterSet
    columns = (
        Col("deal", "Deal"),
        Col("role", "Role"),
        Col("party", "Party"),
        Col("signatory", "Signatory"),
        Col("notice_address", "Notice address"),
        Col("phone", "Phone"),
        Col("fax", "Fax"),
        Col("email", "Email"),
        Col("copy_to", "With a copy to"),
    )

    def unsorted_rows(self, filterset):
        options = filterset.options
        roles = self._roles(filterset)
        if options.get("deal"):
            roles = [role for role in roles if role.deal_id == options["deal"].pk]
        if options.get("party"):
            roles = [role for role in roles if role.party_id == options["party"].pk]
        roles.sort(key=lambda r: (r.deal.title, ROLE_ORDER.get(r.role, 99), r.party.legal_name))
        rows = []
        for role in roles:
            address = role.notice_address
            rows.append({
                "deal": role.deal.title,
                "role": DealParty.Role(role.role).label,
                "party": role.party.legal_name,
                "signatory": str(role.signatory) if role.signatory else "",
                "notice_address": one_line(address),
                "phone": address.phone if address else "",
                "fax": address.fax if address else "",
                "email": address.email if address else "",
                "copy_to": "; ".join(one_line(copy) for copy in role.copies),
            })
        return rows

    def _roles(self, filterset) -> list[DealParty]:
        day = filterset.as_of_day
        if not day:
            roles = list(DealParty.objects.select_related(
                "deal", "party", "signatory", "notice_address__party",
            ).prefetch_related("copy_to__party"))
            for role in roles:
                role.copies = sorted(role.copy_to.all(), key=lambda a: a.party.legal_name)
            return roles
        # As they stood at the end of the day: every record read from the audit trail.
        deals = {r.id: r.instance for r in as_of_records(Deal, day)}
        parties = {r.id: r.instance for r in as_of_records(Party, day)}
        people = {r.id: r.instance for r in as_of_records(Person, day)}
        addresses = {r.id: r.instance for r in as_of_records(Address, day)}
        for address in addresses.values():
            address.party = parties.get(address.party_id) or Party(legal_name="")
        copies = defaultdict(list)
        records = list(as_of_records(DealParty, day))
        # The copy-to addresses each historical record had (simple-history keeps m2m rows per record).
        through = DealParty.history.model.copy_to.model
        for link in through.objects.filter(history__in=[r.history_id for r in records]):
            if link.address_id in addresses:
                copies[link.history_id].append(addresses[link.address_id])
        roles = []
        for record in records:
            if record.deal_id not in deals or record.party_id not in parties:
                continue
            role = record.instance
            role.deal = deals[record.deal_id]
            role.party = parties[record.party_id]
            role.signatory = people.get(record.signatory_id)
            role.notice_address = addresses.get(record.notice_address_id)
            role.copies = sorted(copies[record.history_id], key=lambda a: a.party.legal_name)
            roles.append(role)
        return roles
