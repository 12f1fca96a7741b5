"""The instruments register: share classes, notes and warrants of each deal, and its reserve test."""
from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim

from deals.csvsafe import csv_cell_sql
from deals.models import Deal
from deals.reporting import (
    CHUNK_SIZE,
    MONEY,
    PERCENT,
    Col,
    Joined,
    ListReport,
    Report,
    ReportFilterSet,
    as_of_records,
    deal_filter,
    join_rows,
    money,
    percent,
    register,
    screen_value,
    text_key,
)
from instruments.models import ConvertibleNote, ReserveCovenant, ShareClass, ShareReservation, Warrant
from instruments.services import ReserveTest, reserve_test_from
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


def share_class_row(blank: dict, deal: Deal, share_class: ShareClass, reserved: int) -> dict:
    return {**blank, "deal": deal.title, "kind": "Share class", "name": share_class.name,
            "issuer": _name(share_class.issuer), "section": share_class.section,
            "authorized": share_class.authorized, "issued": share_class.issued_and_outstanding, "reserved": reserved}


def note_row(blank: dict, deal: Deal, note: ConvertibleNote) -> dict:
    return {**blank, "deal": deal.title, "kind": "Convertible note", "name": note.name,
            "issuer": _name(note.issuer), "holder": _name(note.holder) or BUYERS_TOGETHER,
            "section": note.section, "principal": note.principal,
            "interest_rate": note.interest_rate, "secured": note.secured,
            "issue_date": note.issue_date, "maturity_date": note.maturity_date,
            "conversion_price": note.conversion_price,
            "shares": note.shares_issuable_on_conversion}


def warrant_row(blank: dict, deal: Deal, warrant: Warrant) -> dict:
    return {**blank, "deal": deal.title, "kind": "Warrant", "name": warrant.name,
            "issuer": _name(warrant.issuer), "holder": _name(warrant.holder) or BUYERS_TOGETHER,
            "section": warrant.section, "issue_date": warrant.issue_date,
            "shares": warrant.shares, "exercise_price": warrant.exercise_price,
            "expiry_date": warrant.expiry_date}


def reserve_row(blank: dict, deal: Deal, test: ReserveTest) -> dict:
    return {**blank, "deal": deal.title, "kind": "Reserve test",
            "name": f"{test.covenant.multiple.normalize():f} x shares issuable",
            "issuer": _name(test.covenant.share_class.issuer), "section": test.covenant.section,
            "shares": test.required, "reserved": test.reserved, "summary": test.summary()}


BUYERS_TOGETHER = "The buyers together"


class InstrumentsRegister(ListReport):
    """The register built whole in Python (not registered): as of a past day, from the audit trail,
    and for a sort on a column the database does not hold (shares, reserved, the reserve test)."""

    name = "instruments-register"
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
                rows.append(share_class_row(blank, deal, share_class, register_.reserved.get(share_class.pk, 0)))
        for note in register_.notes:
            if involves(note.issuer_id, note.holder_id):
                rows.append(note_row(blank, deal, note))
        for warrant in register_.warrants:
            if involves(warrant.issuer_id, warrant.holder_id):
                rows.append(warrant_row(blank, deal, warrant))
        test = register_.reserve
        if test is not None and (party is None or test.covenant.share_class.issuer_id == party.pk):
            rows.append(reserve_row(blank, deal, test))
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
        # Each deal's reserve test from the rows already read: no queries per deal.
        reservations = defaultdict(list)
        for reservation in ShareReservation.objects.all():
            reservations[reservation.share_class_id].append(reservation)
        for covenant in ReserveCovenant.objects.select_related("share_class__issuer").order_by("-pk"):
            register_ = registers[covenant.deal_id]  # the deal's first covenant, as reserve_test takes it
            register_.reserve = reserve_test_from(covenant=covenant, notes=register_.notes,
                                                  warrants=register_.warrants,
                                                  reservations=reservations[covenant.share_class_id])
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


# --------------------------------------------------------------------------
# The register paged in the database
# --------------------------------------------------------------------------

STREAM_CHUNK = 4 * CHUNK_SIZE  # entries read, and rows built, at a time for the CSV
KIND_ORDER = {"Share class": 0, "Convertible note": 1, "Warrant": 2, "Reserve test": 3}
# Columns a sort can use in the database; the others (shares, reserved, the reserve test's
# summary: computed in Python) sort the register built whole.
TEXT_SORTS = {"deal": "k_deal", "kind": "k_kind", "name": "k_name", "issuer": "k_issuer", "holder": "k_holder",
              "section": "k_section"}
VALUE_SORTS = {key: f"r_{key}" for key in ("principal", "interest_rate", "secured", "issue_date", "maturity_date",
                                           "conversion_price", "exercise_price", "expiry_date", "authorized",
                                           "issued")}


def _none(field: models.Field) -> Cast:
    return Cast(Value(None), field)  # typed, as each column of a union must be


def _register_part(queryset: models.QuerySet, kind: str, *, name, issuer: str, holder: str | None, section: str,
                   sorted_by: set[str], deal: str = "deal", sub=None, **values) -> models.QuerySet:
    """One kind of register row as the columns every kind shares (a union needs the same columns)."""
    holder_name = Coalesce(NullIf(F(holder), Value("")), Value(BUYERS_TOGETHER), output_field=models.TextField()) \
        if holder else _none(models.TextField())
    columns = {
        "r_kind_order": Value(KIND_ORDER[kind]),
        "r_id": F("pk"),
        "r_deal_title": F(f"{deal}__title"),
        "r_deal_dated": F(f"{deal}__dated_as_of"),
        "r_deal_id": F(f"{deal}_id") if deal == "deal" else F(f"{deal}__pk"),
        "r_sub": Cast(sub if sub is not None else Value(""), models.TextField()),
        "r_name_sort": Cast(name, models.TextField()),
    }
    text_keys = {
        "k_deal": lambda: text_key(F(f"{deal}__title")),
        "k_kind": lambda: text_key(Value(kind, output_field=models.TextField())),
        "k_name": lambda: text_key(name),
        "k_issuer": lambda: text_key(F(issuer)),
        "k_holder": lambda: text_key(holder_name),
        "k_section": lambda: text_key(F(section)),
    }
    # Only the sort keys the page sorts by: each is computed for every row of the register.
    columns.update({key: make() for key, make in text_keys.items() if key in sorted_by})
    fields = {
        "principal": models.DecimalField(max_digits=16, decimal_places=2),
        "interest_rate": models.DecimalField(max_digits=7, decimal_places=6),
        "secured": models.BooleanField(), "issue_date": models.DateField(), "maturity_date": models.DateField(),
        "conversion_price": models.DecimalField(max_digits=16, decimal_places=6),
        "exercise_price": models.DecimalField(max_digits=16, decimal_places=6), "expiry_date": models.DateField(),
        "authorized": models.BigIntegerField(), "issued": models.BigIntegerField(),
    }
    for key, output in fields.items():
        columns[f"r_{key}"] = Cast(values[key], output) if key in values else _none(output)
    return queryset.order_by().annotate(**columns).values(*columns)


TEXT = models.TextField()
# A covenant's multiple as `Decimal.normalize()` writes it: 2.00 -> "2", 1.50 -> "1.5".
SHOWN_MULTIPLE = models.Func(models.Func(Trim(Cast("multiple", TEXT)), Value("0"), function="rtrim"), Value("."),
                             function="rtrim", output_field=TEXT)


def _thousands(number) -> models.Func:
    """An integer as f"{n:,}" writes it: 1234567 -> "1,234,567"."""
    # to_char's "," is a plain comma, whatever the locale ("G" would be the locale's); a regular
    # expression took seven times as long.
    return models.Func(Cast(number, models.BigIntegerField()), Value("FM9,999,999,999,999,999,999"),
                       function="to_char", output_field=TEXT)


def _issuable_on_conversion() -> models.Func:
    """ConvertibleNote.shares_issuable_on_conversion: the principal over the conversion price, cut to a whole share."""
    return Cast(models.Func(F("principal") / F("conversion_price"), function="trunc"), models.BigIntegerField())


def _with_reserve_test(covenants: models.QuerySet) -> models.QuerySet:
    """instruments.services.ReserveTest, computed by the database for each covenant: `t_required`,
    `t_reserved` and `t_summary`. Each deal's notes and warrants are added up once, for all deals, and
    joined (a subquery per figure would run a dozen times per covenant)."""
    from django.contrib.postgres.aggregates import StringAgg  # only the COPY path, on PostgreSQL, asks

    priced = Q(conversion_price__isnull=False) & ~Q(conversion_price=0)
    whole = models.BigIntegerField()
    notes = ConvertibleNote.objects.order_by().values("deal_id").annotate(
        unpriced=models.Count("pk", filter=~priced),
        missing=StringAgg(Concat(F("name"), Value(" has no conversion price"), output_field=TEXT), "; ",
                          filter=~priced, order_by=("name",)),
        conversion=models.Sum(_issuable_on_conversion(), filter=priced))
    warrants = Warrant.objects.order_by().values("deal_id").annotate(shares=models.Sum("shares"))
    reservations = ShareReservation.objects.order_by().filter(
        purpose=ShareReservation.Purpose.DEAL_SECURITIES).values("share_class_id", "shares")
    covenants = join_rows(covenants, alias="t_notes", rows=notes, key="deal_id", to=F("deal_id"))
    covenants = join_rows(covenants, alias="t_warrants", rows=warrants, key="deal_id", to=F("deal_id"))
    covenants = join_rows(covenants, alias="t_reservation", rows=reservations, key="share_class_id",
                          to=F("share_class_id"))
    covenants = covenants.annotate(
        t_unpriced=Coalesce(Joined("t_notes", "unpriced", whole), 0, output_field=whole),
        t_issuable=Coalesce(Joined("t_notes", "conversion", whole), 0, output_field=whole)
        + Coalesce(Joined("t_warrants", "shares", whole), 0, output_field=whole),
        t_reserved=Coalesce(Joined("t_reservation", "shares", whole), 0, output_field=whole),
    )
    covenants = covenants.annotate(t_ceiling=Cast(models.Func(F("multiple") * F("t_issuable"), function="ceil"),
                                                  whole))
    computed = Concat(
        SHOWN_MULTIPLE, Value(" x "), _thousands(F("t_issuable")), Value(" issuable = "), _thousands(F("t_ceiling")),
        Value(" required; "), _thousands(F("t_reserved")), Value(" reserved: "),
        Case(When(t_ceiling__lte=F("t_reserved"), then=Value("met")),
             default=Concat(Value("SHORT by "), _thousands(F("t_ceiling") - F("t_reserved")), output_field=TEXT),
             output_field=TEXT),
        Value("."), output_field=TEXT)
    cannot = Concat(Value("Cannot compute: "), Joined("t_notes", "missing"), Value(". Reserved "),
                    _thousands(F("t_reserved")), Value("."), output_field=TEXT)
    return covenants.annotate(
        t_required=Case(When(t_unpriced=0, then=F("t_ceiling")), default=None, output_field=whole),
        t_summary=Case(When(t_unpriced=0, then=computed), default=cannot, output_field=TEXT),
    )


def _sql_order(key: str | models.OrderBy) -> str:
    """One of `InstrumentsReport._ordering`'s keys as an ORDER BY term over the union's columns."""
    if isinstance(key, str):
        name, direction, nulls = key.lstrip("-"), "DESC" if key.startswith("-") else "ASC", ""
    else:
        name, direction = key.expression.name, "DESC" if key.descending else "ASC"
        nulls = " NULLS FIRST" if key.nulls_first else " NULLS LAST" if key.nulls_last else ""
    return f"register.{connection.ops.quote_name(name)} {direction}{nulls}"


def _holder_name(holder: str):
    return Coalesce(NullIf(F(holder), Value("")), Value(BUYERS_TOGETHER), output_field=TEXT)


def _register_cells(kind: str) -> dict[str, tuple[models.Expression, models.Field] | None]:
    """Each CSV column of one kind of register row, as (the value in the database, its field); None: blank."""
    money, rate = models.DecimalField(max_digits=16, decimal_places=2), models.DecimalField(max_digits=7,
                                                                                           decimal_places=6)
    price, whole = models.DecimalField(max_digits=16, decimal_places=6), models.BigIntegerField()
    date, text = models.DateField(), TEXT
    common = {"deal": (F("deal__title"), text), "kind": (Value(kind), text), "name": (F("name"), text),
              "issuer": (F("issuer__legal_name"), text), "section": (F("section"), text)}
    if kind == "Share class":  # its reservations added up by `_parts(computed=True)`
        return {**common, "authorized": (F("authorized"), whole), "issued": (F("issued_and_outstanding"), whole),
                "reserved": (Coalesce(Joined("t_reservations", "total", whole), 0, output_field=whole), whole)}
    if kind == "Convertible note":
        shares = Case(When(Q(conversion_price__isnull=True) | Q(conversion_price=0), then=None),
                      default=_issuable_on_conversion(), output_field=whole)
        return {**common, "holder": (_holder_name("holder__legal_name"), text), "principal": (F("principal"), money),
                "interest_rate": (F("interest_rate"), rate), "secured": (F("secured"), models.BooleanField()),
                "issue_date": (F("issue_date"), date), "maturity_date": (F("maturity_date"), date),
                "conversion_price": (F("conversion_price"), price), "shares": (shares, whole)}
    if kind == "Warrant":
        return {**common, "holder": (_holder_name("holder__legal_name"), text), "issue_date": (F("issue_date"), date),
                "shares": (F("shares"), whole), "exercise_price": (F("exercise_price"), price),
                "expiry_date": (F("expiry_date"), date)}
    return {"deal": (F("deal__title"), text), "kind": (Value(kind), text),
            "name": (Concat(SHOWN_MULTIPLE, Value(" x shares issuable"), output_field=text), text),
            "issuer": (F("share_class__issuer__legal_name"), text), "section": (F("section"), text),
            "shares": (F("t_required"), whole), "reserved": (F("t_reserved"), whole), "summary": (F("t_summary"), text)}


@register
class InstrumentsReport(Report):
    """Today's register is sorted and paged in the database, one union of its four kinds of row; as
    of a past day, or sorted by a column computed in Python, it is the register built whole."""

    name = "instruments"
    title = InstrumentsRegister.title
    description = InstrumentsRegister.description
    position = InstrumentsRegister.position
    noun = InstrumentsRegister.noun
    filterset_class = InstrumentsFilterSet
    columns = InstrumentsRegister.columns

    def _whole(self, filterset, order) -> bool:
        keys = {alias.lstrip("-") for alias in self.clean_order(order)}
        return filterset.as_of_day is not None or bool(keys - set(TEXT_SORTS) - set(VALUE_SORTS))

    def rows(self, filterset, order=()):
        if self._whole(filterset, order):
            return InstrumentsRegister().rows(filterset, self.clean_order(order))
        return self._streamed(filterset, order)

    def _streamed(self, filterset, order) -> Iterator[dict]:
        """The CSV's rows, read from the database 500 at a time: memory stays flat, and the order is the page's."""
        parts = self._parts(filterset, order)
        entries = parts[0].union(*parts[1:], all=True).order_by(*self._ordering(order)).iterator(
            chunk_size=STREAM_CHUNK)
        while chunk := list(itertools.islice(entries, STREAM_CHUNK)):
            yield from self._rows_for([(entry["r_kind_order"], entry["r_id"]) for entry in chunk])

    def copy_select(self, filterset, order=()):
        """The register's CSV rows as one SELECT over the union PostgreSQL sorts for the page, each cell as
        `csv_cell` writes it (the reserve test included); None where the register is built whole.

        Each value is computed once, in its part of the union (PostgreSQL scans each part as a query of
        its own), and its cell, which names the value twice (the formula test, then the value), over
        that column; the outer query sorts by the union's own sort keys.
        """
        if self._whole(filterset, order):
            return None
        names = [f"csv_value_{index}" for index in range(len(self.csv_columns))]
        kinds = [_register_cells(kind) for kind in KIND_ORDER]
        fields = [next(values[col.key][1] for values in kinds if values.get(col.key)) for col in self.csv_columns]
        parts = []
        for part, values in zip(self._parts(filterset, order, computed=True), kinds, strict=True):
            raw = {name: Cast(values[col.key][0], field) if values.get(col.key) else _none(field)
                   for name, col, field in zip(names, self.csv_columns, fields, strict=True)}
            parts.append(part.annotate(**raw).values(*part.query.values_select, *part.query.annotation_select,
                                                     *names))
        union = parts[0].union(*parts[1:], all=True)
        sql, params = union.query.sql_with_params()
        compiler = union.query.get_compiler(connection=connection)
        cells = []
        for name, field in zip(names, fields, strict=True):
            cell = csv_cell_sql(Joined("register", name, field), field).resolve_expression(union.query)
            cell_sql, cell_params = compiler.compile(cell)
            cells.append(connection.ops.compose_sql(cell_sql, cell_params))
        return (f"SELECT {', '.join(cells)} FROM ({connection.ops.compose_sql(sql, params)}) register "
                f"ORDER BY {', '.join(_sql_order(key) for key in self._ordering(order))}")

    def count(self, filterset):
        if filterset.as_of_day:
            return InstrumentsRegister().count(filterset)
        return sum(part.count() for part in self._parts(filterset))

    def bounded_count(self, filterset, bound):
        if filterset.as_of_day:
            return InstrumentsRegister().count(filterset)
        return sum(part[: bound + 1].count() for part in self._parts(filterset))

    def page(self, filterset, order, start, stop):
        if self._whole(filterset, order):
            return InstrumentsRegister().page(filterset, self.clean_order(order), start, stop)
        parts = self._parts(filterset, order)
        union = parts[0].union(*parts[1:], all=True)
        entries = union.order_by(*self._ordering(order))[start:stop]
        picked = [(entry["r_kind_order"], entry["r_id"]) for entry in entries]
        return self._rows_for(picked)

    def _ordering(self, order) -> list:
        fields = []
        for alias in self.clean_order(order):
            key, descending = alias.lstrip("-"), alias.startswith("-")
            column = F(TEXT_SORTS.get(key) or VALUE_SORTS[key])
            fields.append(column.desc(nulls_last=True) if descending else column.asc(nulls_last=True))
        # The register's own order: deals by title, then each deal's share classes (by kind and
        # name), notes, warrants (by name) and its reserve test.
        return [*fields, "r_deal_title", F("r_deal_dated").desc(nulls_first=True), "r_deal_id", "r_kind_order",
                "r_sub", "r_name_sort", "r_id"]

    def _parts(self, filterset, order=(), *, computed: bool = False) -> list[models.QuerySet]:
        options = filterset.options
        sorted_by = {TEXT_SORTS[key] for key in (alias.lstrip("-") for alias in self.clean_order(order))
                     if key in TEXT_SORTS}
        deal, party = options.get("deal"), options.get("party")
        share_classes, notes, warrants = ShareClass.objects.all(), ConvertibleNote.objects.all(), Warrant.objects.all()
        # A deal has one covenant at most (a one-to-one), so each is its deal's first; the COPY
        # path leaves out the filter that says so, which the planner reckons keeps one row and
        # answers with a nested loop over the joined sums.
        covenants = ReserveCovenant.objects.all() if computed else self._covenants()
        if deal:
            share_classes, notes, warrants = (q.filter(deal=deal) for q in (share_classes, notes, warrants))
            covenants = covenants.filter(deal=deal)
        if party:
            share_classes = share_classes.filter(issuer=party)
            notes = notes.filter(Q(issuer=party) | Q(holder=party))
            warrants = warrants.filter(Q(issuer=party) | Q(holder=party))
            covenants = covenants.filter(share_class__issuer=party)
        if computed:  # the figures Python computes for the page, for the COPY path
            covenants = _with_reserve_test(covenants)
            share_classes = join_rows(share_classes, alias="t_reservations", rows=ShareReservation.objects.order_by()
                                      .values("share_class_id").annotate(total=models.Sum("shares")),
                                      key="share_class_id", to=F("pk"))
        return [
            _register_part(share_classes, "Share class", name=F("name"), issuer="issuer__legal_name", holder=None,
                           section="section", sub=F("kind"), sorted_by=sorted_by, authorized=F("authorized"),
                           issued=F("issued_and_outstanding")),
            _register_part(notes, "Convertible note", name=F("name"), issuer="issuer__legal_name",
                           holder="holder__legal_name", section="section", sorted_by=sorted_by,
                           principal=F("principal"),
                           interest_rate=F("interest_rate"), secured=F("secured"), issue_date=F("issue_date"),
                           maturity_date=F("maturity_date"), conversion_price=F("conversion_price")),
            _register_part(warrants, "Warrant", name=F("name"), issuer="issuer__legal_name",
                           holder="holder__legal_name", section="section", sorted_by=sorted_by,
                           issue_date=F("issue_date"),
                           exercise_price=F("exercise_price"), expiry_date=F("expiry_date")),
            _register_part(covenants, "Reserve test",
                           name=Concat(SHOWN_MULTIPLE, Value(" x shares issuable"), output_field=models.TextField()),
                           issuer="share_class__issuer__legal_name", holder=None, section="section",
                           sorted_by=sorted_by),
        ]

    @staticmethod
    def _covenants() -> models.QuerySet:
        # A deal's reserve test is run on its first covenant (instruments.services.reserve_test).
        first = ReserveCovenant.objects.filter(deal=models.OuterRef("deal")).order_by("pk").values("pk")[:1]
        return ReserveCovenant.objects.filter(pk=models.Subquery(first))

    def _rows_for(self, picked: list[tuple[int, int]]) -> list[dict]:
        """The rows of the page's register entries, in the page's order: a few queries whatever the desk's size."""
        wanted = defaultdict(list)
        for kind_order, pk in picked:
            wanted[kind_order].append(pk)
        blank = {col.key: None for col in self.columns}
        built = {}
        for share_class in ShareClass.objects.filter(pk__in=wanted[0]).select_related("deal", "issuer") \
                .prefetch_related("reservations"):
            built[0, share_class.pk] = share_class_row(blank, share_class.deal, share_class,
                                                       share_class.reserved_total)
        for note in ConvertibleNote.objects.filter(pk__in=wanted[1]).select_related("deal", "issuer", "holder"):
            built[1, note.pk] = note_row(blank, note.deal, note)
        for warrant in Warrant.objects.filter(pk__in=wanted[2]).select_related("deal", "issuer", "holder"):
            built[2, warrant.pk] = warrant_row(blank, warrant.deal, warrant)
        covenants = list(ReserveCovenant.objects.filter(pk__in=wanted[3])
                         .select_related("deal", "share_class__issuer"))
        if covenants:
            deals = [covenant.deal_id for covenant in covenants]
            notes, warrants, reservations = defaultdict(list), defaultdict(list), defaultdict(list)
            for note in ConvertibleNote.objects.filter(deal__in=deals):
                notes[note.deal_id].append(note)
            for warrant in Warrant.objects.filter(deal__in=deals):
                warrants[warrant.deal_id].append(warrant)
            for reservation in ShareReservation.objects.filter(share_class__in=[c.share_class_id for c in covenants]):
                reservations[reservation.share_class_id].append(reservation)
            for covenant in covenants:
                test = reserve_test_from(covenant=covenant, notes=notes[covenant.deal_id],
                                         warrants=warrants[covenant.deal_id],
                                         reservations=reservations[covenant.share_class_id])
                built[3, covenant.pk] = reserve_row(blank, covenant.deal, test)
        rows = [built[key] for key in picked]
        for row in rows:
            row["terms"] = terms(row)
        return rows
