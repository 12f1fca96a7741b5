"""The instruments register: share classes, notes and warrants of each deal, and its reserve test."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


from deals.models import Deal
from deals.reporting import (
    MONEY,
    PERCENT,
    Col,
    ListReport,
    ReportFilterSet,
    as_of_records,
    deal_filter,
    money,
    percent,
    register,
    screen_value,
)
from instruments.models import ConvertibleNote, ReserveCovenant, ShareClass, ShareReservation, Warrant
from instruments.services import ReserveTest, reserve_test, reserve_test_from
from parties.models import Party
from parties.reports import party_filter


class InstrumentsFilterSet(ReportFilterSet):
    deal = deal_filter()
    party = party_filter("Party (issuer or holder)")


@dataclass
class Register:
    """A deal's instruments, now or as they stood on a day."""

    deal: Deal
    share_classes: list[ShareClass] = field(default_factory=list)
    notes: list[ConvertibleNote] = field(default_factory=list)
    warrants: list[Warrant] = field(default_factory=list)
    reserve: ReserveTest | None = None
    # Shares reserved, by share class id: read from the day's reservations, not from the live rows.
    reserved: dict[int, int] = field(default_factory=dict)


def _name(party: Party | None) -> str:
    return party.legal_name if party else ""


def terms(row: dict) -> str:
    """The row's rate, prices, dates and share counts in a few lines, as the page shows them."""
    lines = []
    if row["interest_rate"] is not None:
        lines.append(f"{percent(row['interest_rate'])} interest, {'secured' if row['secured'] else 'unsecured'}")
    if row["conversion_price"] is not None:
        lines.append(f"Converts at {money(row['conversion_price'])}")
    if row["exercise_price"] is not None:
        lines.append(f"Exercise price {money(row['exercise_price'])}")
    dates = [f"{label} {screen_value(row[key])}" for key, label in
             (("issue_date", "issued"), ("maturity_date", "matures"), ("expiry_date", "expires")) if row[key]]
    if dates:
        text = "; ".join(dates)
        lines.append(text[0].upper() + text[1:])
    if row["summary"]:  # a reserve test: its summary says what is reserved
        lines.append(row["summary"])
        return "\n".join(lines)
    for key, label in (("authorized", "Authorized"), ("issued", "Issued and outstanding"), ("reserved", "Reserved")):
        if row[key] is not None:
            lines.append(f"{label} {row[key]:,}")
    return "\n".join(lines)


@register
class InstrumentsReport(ListReport):
    name = "instruments"
    title = "Instruments register"
    description = ("Share classes, notes and warrants of each deal, one row each, and the share reserve test "
                   "of each deal with a reserve covenant.")
    position = 40
    noun = ("entry", "entries")
    filterset_class = InstrumentsFilterSet
    # Nineteen columns cannot fit a 1366 px screen: the page gathers the terms of each row in one
    # cell ("terms"); every column stays in the CSV, and ?sort= still sorts the page by any of them.
    columns = (
        Col("deal", "Deal"),
        Col("kind", "Kind"),
        Col("name", "Name"),
        Col("issuer", "Issuer"),
        Col("holder", "Holder"),
        Col("section", "Section"),
        Col("principal", "Principal", format=MONEY),
        Col("interest_rate", "Interest rate", format=PERCENT, screen=False),
        Col("secured", "Secured", screen=False),
        Col("issue_date", "Issued", screen=False),
        Col("maturity_date", "Matures", screen=False),
        Col("conversion_price", "Conversion price", format=MONEY, screen=False),
        Col("shares", "Shares"),
        Col("exercise_price", "Exercise price", format=MONEY, screen=False),
        Col("expiry_date", "Expires", screen=False),
        Col("authorized", "Authorized", screen=False),
        Col("issued", "Issued and outstanding", screen=False),
        Col("reserved", "Reserved", screen=False),
        Col("summary", "Reserve test", screen=False),
        Col("terms", "Terms", (), csv=False),
    )

    def unsorted_rows(self, filterset):
        options = filterset.options
        registers = self._registers(filterset)
        if options.get("deal"):
            registers = [r for r in registers if r.deal.pk == options["deal"].pk]
        party = options.get("party")
        rows = []
        for register_ in sorted(registers, key=lambda r: r.deal.title):
            rows += self._rows(register_, party)
        for row in rows:
            row["terms"] = terms(row)
        return rows

    def _rows(self, register_: Register, party: Party | None) -> list[dict]:
        deal = register_.deal
        blank = {col.key: None for col in self.columns}

        def involves(*party_ids) -> bool:
            return party is None or party.pk in party_ids

        rows = []
        for share_class in register_.share_classes:
            if involves(share_class.issuer_id):
                rows.append({**blank, "deal": deal.title, "kind": "Share class", "name": share_class.name,
                             "issuer": _name(share_class.issuer), "section": share_class.section,
                             "authorized": share_class.authorized,
                             "issued": share_class.issued_and_outstanding,
                             "reserved": register_.reserved.get(share_class.pk, 0)})
        for note in register_.notes:
            if involves(note.issuer_id, note.holder_id):
                rows.append({**blank, "deal": deal.title, "kind": "Convertible note", "name": note.name,
                             "issuer": _name(note.issuer), "holder": _name(note.holder) or "The buyers together",
                             "section": note.section, "principal": note.principal,
                             "interest_rate": note.interest_rate, "secured": note.secured,
                             "issue_date": note.issue_date, "maturity_date": note.maturity_date,
                             "conversion_price": note.conversion_price,
                             "shares": note.shares_issuable_on_conversion})
        for warrant in register_.warrants:
            if involves(warrant.issuer_id, warrant.holder_id):
                rows.append({**blank, "deal": deal.title, "kind": "Warrant", "name": warrant.name,
                             "issuer": _name(warrant.issuer),
                             "holder": _name(warrant.holder) or "The buyers together",
                             "section": warrant.section, "issue_date": warrant.issue_date,
                             "shares": warrant.shares, "exercise_price": warrant.exercise_price,
                             "expiry_date": warrant.expiry_date})
        test = register_.reserve
        if test is not None and (party is None or test.covenant.share_class.issuer_id == party.pk):
            rows.append({**blank, "deal": deal.title, "kind": "Reserve test",
                         "name": f"{test.covenant.multiple.normalize():f} x shares issuable",
                         "issuer": _name(test.covenant.share_class.issuer), "section": test.covenant.section,
                         "shares": test.required, "reserved": test.reserved, "summary": test.summary()})
        return rows

    def _registers(self, filterset) -> list[Register]:
        if filterset.as_of_day:
            return self._registers_as_of(filterset.as_of_day)
        registers = {deal.pk: Register(deal) for deal in Deal.objects.all()}
        for share_class in ShareClass.objects.select_related("issuer").prefetch_related("reservations"):
            registers[share_class.deal_id].share_classes.append(share_class)
            registers[share_class.deal_id].reserved[share_class.pk] = share_class.reserved_total
        for note in ConvertibleNote.objects.select_related("issuer", "holder"):
            registers[note.deal_id].notes.append(note)
        for warrant in Warrant.objects.select_related("issuer", "holder"):
            registers[warrant.deal_id].warrants.append(warrant)
        for covenant in ReserveCovenant.objects.select_related("deal", "share_class__issuer"):
            registers[covenant.deal_id].reserve = reserve_test(deal=covenant.deal)
        return list(registers.values())

    def _registers_as_of(self, day) -> list[Register]:
        """Every record as the audit trail had it at the end of the day."""
        parties = {r.id: r.instance for r in as_of_records(Party, day)}
        registers = {r.id: Register(r.instance) for r in as_of_records(Deal, day)}
        reservations = defaultdict(list)
        for record in as_of_records(ShareReservation, day):
            reservations[record.share_class_id].append(record.instance)
        share_classes = {}
        for record in as_of_records(ShareClass, day):
            share_class = record.instance
            share_class.issuer = parties.get(share_class.issuer_id)
            share_classes[share_class.pk] = share_class
            if share_class.deal_id in registers:
                registers[share_class.deal_id].share_classes.append(share_class)
                registers[share_class.deal_id].reserved[share_class.pk] = sum(
                    reservation.shares for reservation in reservations[share_class.pk])
        for model, attribute in ((ConvertibleNote, "notes"), (Warrant, "warrants")):
            for record in as_of_records(model, day):
                instrument = record.instance
                instrument.issuer = parties.get(instrument.issuer_id)
                instrument.holder = parties.get(instrument.holder_id)
                if instrument.deal_id in registers:
                    getattr(registers[instrument.deal_id], attribute).append(instrument)
        for record in as_of_records(ReserveCovenant, day):
            covenant = record.instance
            register_ = registers.get(covenant.deal_id)
            if register_ is None or covenant.share_class_id not in share_classes:
                continue
            covenant.share_class = share_classes[covenant.share_class_id]
            register_.reserve = reserve_test_from(
                covenant=covenant, notes=register_.notes, warrants=register_.warrants,
                reservations=reservations[covenant.share_class_id])
        for register_ in registers.values():  # the order the live register has (the models' Meta.ordering)
            register_.share_classes.sort(key=lambda item: (item.kind, item.name))
            register_.notes.sort(key=lambda item: item.name)
            register_.warrants.sort(key=lambda item: item.name)
        return list(registers.values())
