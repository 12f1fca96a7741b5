"""The notice directory: who plays which role in each deal, who signs, and where notices and copies go."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import django_filters
from django.db import models
from django.db.models import Case, F, Prefetch, Q, Value, When
from django.db.models.functions import Concat, NullIf

from deals.csvsafe import formula_free
from deals.models import Deal
from deals.reporting import (
    Aggregated,
    Col,
    Joined,
    ListReport,
    QuerysetReport,
    RebuiltAsOf,
    ReportFilterSet,
    as_of_records,
    choice_label,
    choice_of,
    deal_filter,
    join_rows,
    register,
    text_key,
)
from parties.models import Address, DealParty, Party, Person

ROLE_ORDER = {role: index for index, role in enumerate(DealParty.Role.values)}


def one_line(address: Address | None) -> str:
    return ", ".join(address.lines()) if address else ""


def party_filter(label: str = "Party", field_name: str | None = None) -> django_filters.ModelChoiceFilter:
    return choice_of(Party.objects.order_by("legal_name"), label, field_name,
                     looked_up_by=Person._meta.get_field("party"))


class PartiesFilterSet(ReportFilterSet):
    deal = deal_filter()
    party = party_filter()


def role_row(*, deal: str, role: str, party: str, signatory: str, address: Address | None,
             copies: list[Address]) -> dict:
    """One role's row, today's read from its objects or a past day's from the audit trail; its copies
    listed by their party's name."""
    return {
        "deal": deal,
        "role": DealParty.Role(role).label,
        "party": party,
        "signatory": signatory,
        "notice_address": one_line(address),
        "phone": address.phone if address else "",
        "fax": address.fax if address else "",
        "email": address.email if address else "",
        "copy_to": "; ".join(one_line(copy) for copy in sorted(copies, key=lambda a: a.party.legal_name)),
    }


def _blank_null(expression) -> NullIf:
    return NullIf(expression, Value(""), output_field=models.TextField())


def one_line_sql() -> models.Func:
    """`one_line` of an address (a row of Address), in the database."""
    text = models.TextField()
    locality = models.Func(  # Address.lines(): "City, Region Postcode"
        Value(" "),
        _blank_null(Concat(F("city"), Case(When(region="", then=Value("")), default=Value(",")), output_field=text)),
        _blank_null(F("region")), _blank_null(F("postal_code")),
        function="concat_ws", output_field=text)
    foreign = Case(When(Q(country="") | Q(country="United States"), then=None), default=F("country"),
                   output_field=text)
    attention = Case(When(attention="", then=None),
                     default=Concat(Value("Attention: "), F("attention"), output_field=text), output_field=text)
    return models.Func(
        Value(", "), F("party__legal_name"), *(_blank_null(F(name)) for name in (
            "street_line_1", "street_line_2", "street_line_3", "po_box")),
        locality, foreign, attention, function="concat_ws", output_field=text)


def address_lines(addresses: models.QuerySet, *also: str) -> models.QuerySet:
    """Each of `addresses` on one line (`line`), with what a role's copies are sorted by and the columns
    `also` named, for the COPY path.

    Joined to the roles (`Aggregated`, `join_rows`), the line is computed once per address, not once
    per role that names it: the full desk has 10,075 addresses, named by 67,595 roles as their notice
    address and 32,148 times as a copy. The join is LEFT OUTER, so PostgreSQL computes the line beside
    the address (above the join it may be NULL) instead of merging the formula into the outer query.
    """
    return addresses.order_by().values("id", "label", "party__legal_name", *also).annotate(line=one_line_sql())


ROLE_KEY = Case(*(When(role=role, then=Value(index)) for role, index in ROLE_ORDER.items()),
                default=Value(99), output_field=models.IntegerField())


@register
class PartiesReport(RebuiltAsOf, QuerysetReport):
    """Today's directory is sorted and paged in the database (a desk of 10,000 deals has some
    40,000 roles); as of a past day it is rebuilt from the audit trail in Python."""

    name = "parties"
    title = "Parties and notice directory"
    description = "Each party's role in each deal, its signatory, where notices go and who gets a copy."
    position = 50
    noun = ("role in a deal", "roles in deals")
    filterset_class = PartiesFilterSet
    columns = (
        Col("deal", "Deal", (text_key("deal__title"),)),
        Col("role", "Role", (ROLE_KEY,)),
        Col("party", "Party", (text_key("party__legal_name"),)),
        Col("signatory", "Signatory", (text_key("signatory__name", "signatory__title"),)),
        Col("notice_address", "Notice address",
            (text_key("notice_address__party__legal_name"), text_key("notice_address__street_line_1"))),
        Col("phone", "Phone", (text_key("notice_address__phone"),)),
        Col("fax", "Fax", (text_key("notice_address__fax"),)),
        Col("email", "Email", (text_key("notice_address__email"),)),
        Col("copy_to", "With a copy to", ()),
    )
    default_ordering = ("deal__title", ROLE_KEY.asc(), "party__legal_name")
    composed_csv_values = True  # the signatory and the role's label

    def queryset(self, filterset):
        options = filterset.options
        roles = DealParty.objects.select_related("deal", "party", "signatory", "notice_address__party")
        if options.get("deal"):
            roles = roles.filter(deal=options["deal"])
        if options.get("party"):
            roles = roles.filter(party=options["party"])
        return roles.prefetch_related(Prefetch("copy_to", queryset=Address.objects.select_related("party")))

    def row(self, role, filterset):
        return role_row(deal=role.deal.title, role=role.role, party=role.party.legal_name,
                        signatory=str(role.signatory) if role.signatory else "", address=role.notice_address,
                        copies=role.copy_to.all())

    def as_of_report(self):
        return PartiesAsOf()

    def csv_values(self, filterset):
        if filterset.as_of_day:
            return None  # rebuilt from the audit trail in Python
        roles, links = DealParty.objects.all(), DealParty.copy_to.through.objects.order_by()
        if filterset.options.get("deal"):
            roles = roles.filter(deal=filterset.options["deal"])
            links = links.filter(dealparty__deal=filterset.options["deal"])
        if filterset.options.get("party"):
            roles = roles.filter(party=filterset.options["party"])
            links = links.filter(dealparty__party=filterset.options["party"])
        notice_addresses, copy_addresses = Address.objects.all(), Address.objects.all()
        if filterset.options.get("deal") or filterset.options.get("party"):
            # Only the addresses the listed roles name, not the whole desk's.
            notice_addresses = notice_addresses.filter(pk__in=roles.order_by().values("notice_address_id"))
            copy_addresses = copy_addresses.filter(pk__in=links.values("address_id"))
        # Each role's copies, gathered once for all the roles listed (not a subquery per role), in the
        # order `row` lists them: by the party's name, then the label.
        links = join_rows(links, alias="copy_address", rows=address_lines(copy_addresses), key="id",
                          to=F("address_id"))
        copies = Aggregated.in_order(
            links.values("dealparty_id", line=Joined("copy_address", "line")).order_by(
                "dealparty_id", Joined("copy_address", "party__legal_name"), Joined("copy_address", "label"),
                "address_id"), key="dealparty_id", value="line", separator="; ", to=F("pk"))
        # The notice address's line, phone, fax and email: one join of the addresses.
        notice = Aggregated(address_lines(notice_addresses, "phone", "fax", "email"), key="id", value="line",
                            to=F("notice_address_id"))
        text = models.TextField()
        return {
            "deal": F("deal__title"),
            "role": formula_free(choice_label("role", DealParty.Role.choices)),
            "party": F("party__legal_name"),
            "signatory": Case(When(signatory__isnull=True, then=Value("")), When(signatory__title="",
                              then=F("signatory__name")),
                              default=Concat(F("signatory__name"), Value(", "), F("signatory__title"),
                                             output_field=text), output_field=text),
            "notice_address": notice,
            "phone": replace(notice, value="phone"),
            "fax": replace(notice, value="fax"),
            "email": replace(notice, value="email"),
            "copy_to": copies,
        }


class PartiesAsOf(ListReport):
    """The directory as it stood at the end of a past day, rebuilt from the audit trail (not registered)."""

    name = "parties-as-of"
    columns = PartiesReport.columns

    def clean_order(self, order):
        return PartiesReport().clean_order(order)

    def unsorted_rows(self, filterset):
        """Every record read from the audit trail as it stood at the end of the day: the roles as plain
        values (67,595 records built as model objects held 260 MiB on the full desk), the parties, people
        and addresses as objects, whose methods write a name and an address's lines."""
        day, options = filterset.as_of_day, filterset.options
        titles = dict(as_of_records(Deal, day).values_list("id", "title"))
        parties = {r.id: r.instance for r in as_of_records(Party, day)}
        people = {r.id: str(r.instance) for r in as_of_records(Person, day)}
        addresses = {}
        for record in as_of_records(Address, day):
            address = record.instance
            address.party = parties.get(address.party_id) or Party(legal_name="")
            addresses[address.pk] = address
        roles = as_of_records(DealParty, day)
        if options.get("deal"):
            roles = roles.filter(deal_id=options["deal"].pk)
        if options.get("party"):
            roles = roles.filter(party_id=options["party"].pk)
        # The copy-to addresses each historical record had (simple-history keeps m2m rows per record).
        copies = defaultdict(list)
        through = DealParty.history.model.copy_to.model
        for history_id, address_id in through.objects.filter(history__in=roles.values("history_id")).order_by(
                "pk").values_list("history_id", "address_id").iterator(chunk_size=5000):
            if address_id in addresses:
                copies[history_id].append(addresses[address_id])
        keyed = []
        for history_id, deal_id, party_id, role, signatory_id, address_id in roles.values_list(
                "history_id", "deal_id", "party_id", "role", "signatory_id", "notice_address_id",
        ).iterator(chunk_size=5000):
            if deal_id not in titles or party_id not in parties:
                continue
            party = parties[party_id].legal_name
            keyed.append(((titles[deal_id], ROLE_ORDER.get(role, 99), party), role_row(
                deal=titles[deal_id], role=role, party=party, signatory=people.get(signatory_id, ""),
                address=addresses.get(address_id),
                copies=copies[history_id])))
        keyed.sort(key=lambda pair: pair[0])
        return [row for _, row in keyed]
