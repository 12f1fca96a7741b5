"""The deal document: what it may say, and the reading that checks it whole before anything is saved.

One deal is one JSON object (docs/deal-document.md). Each record kind is a frozen dataclass:
its fields are the keys a document may use, a field with a default may be left out, and
`KEY` names the fields that tell one record from another (records are referred to by
these, never by database ids). The dataclasses are the authority: the JSON Schema beside
this module is generated from them (schema.py). A mistake raises DocumentError naming the
file and the record, e.g.

    .../2005-calbatech-spa.json: obligation #4 "4(m) / Key man life insurance" > rule #1:
    unknown field "ofset"; the fields are: kind, offset, unit, direction, anchor, event, ...
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

from django.db import models

from closings.models import ClosingItem
from deals.models import Deal
from instruments.models import ShareClass, ShareReservation
from obligations.models import DeadlineRule, Obligation
from parties.models import DealParty, NoticeMethod, Party

# The version of the format this desk reads and writes; a document carries it as "format_version".
FORMAT_VERSION = 1


class DocumentError(ValueError):
    """A deal document that cannot be loaded; the message names the file and the record."""


def _choices(model: type[models.Model], name: str) -> dict:
    """Field metadata: the value must be one the model field accepts."""
    return {"choices": (model, name)}


class _Record:
    LABEL: ClassVar[str] = ""  # how an error names a record of this kind
    KEY: ClassVar[tuple[str, ...]] = ()  # its natural key: no two records of one list share it


@dataclass(frozen=True, kw_only=True)
class PersonData(_Record):
    LABEL = "person"
    KEY = ("name",)
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    receives_reminders: bool = False


@dataclass(frozen=True, kw_only=True)
class AddressData(_Record):
    LABEL = "address"
    KEY = ("label",)
    label: str = "Notices"
    street_line_1: str = ""
    street_line_2: str = ""
    street_line_3: str = ""
    po_box: str = ""
    city: str
    region: str = ""
    postal_code: str = ""
    country: str = "United States"
    attention: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""


@dataclass(frozen=True, kw_only=True)
class PartyData(_Record):
    LABEL = "party"
    KEY = ("legal_name",)
    legal_name: str
    short_name: str = ""
    form: str = field(metadata=_choices(Party, "form"))
    jurisdiction: str = ""
    is_broker_dealer: bool = False
    is_accredited_investor: bool = False
    fiscal_year_end_month: int = 12  # "after each fiscal year end" counts from this day
    fiscal_year_end_day: int = 31
    notes: str = ""
    people: tuple[PersonData, ...] = ()
    addresses: tuple[AddressData, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AddressRefData(_Record):
    """An address of a party other than its "Notices" one, by the party's legal name and the address's label."""

    LABEL = "copy-to address"
    KEY = ("party", "label")
    party: str
    label: str


@dataclass(frozen=True, kw_only=True)
class RoleData(_Record):
    LABEL = "deal party"
    KEY = ("party", "role")
    party: str
    role: str = field(metadata=_choices(DealParty, "role"))
    signatory: str = ""  # a person of the party
    signed_by_way_of: str = ""
    notice_address: str = "Notices"  # the label of one of the party's addresses; "" for none
    copy_to: tuple[str, ...] = ()  # parties whose "Notices" address gets a copy
    copy_to_addresses: tuple[AddressRefData, ...] = ()  # copies to another address of a party


@dataclass(frozen=True, kw_only=True)
class NoticeMethodData(_Record):
    LABEL = "notice method"
    KEY = ("method",)
    method: str = field(metadata=_choices(NoticeMethod, "method"))
    effective_when: str = field(metadata=_choices(NoticeMethod, "effective_when"))
    days_after_sending: int = 0
    section: str


@dataclass(frozen=True, kw_only=True)
class EventKindData(_Record):
    LABEL = "event kind"
    KEY = ("name",)
    name: str
    description: str


@dataclass(frozen=True, kw_only=True)
class EventData(_Record):
    LABEL = "event"
    KEY = ("name",)
    name: str
    description: str
    kind: str = ""  # an event kind of the document: this event is one of that series
    date: datetime.date | None = None  # empty until it happens; a reload never clears a date the desk entered


@dataclass(frozen=True, kw_only=True)
class RelatedAgreementData(_Record):
    LABEL = "related agreement"
    KEY = ("title",)
    title: str
    dated_as_of: datetime.date | None
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class ReservationData(_Record):
    LABEL = "reservation"
    KEY = ("purpose",)
    purpose: str = field(metadata=_choices(ShareReservation, "purpose"))
    shares: int


@dataclass(frozen=True, kw_only=True)
class ShareClassData(_Record):
    LABEL = "share class"
    KEY = ("name",)
    name: str
    kind: str = field(metadata=_choices(ShareClass, "kind"))
    par_value: Decimal | None = None
    authorized: int
    issued_and_outstanding: int
    as_of: datetime.date
    section: str
    reservations: tuple[ReservationData, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ReserveCovenantData(_Record):
    LABEL = "reserve covenant"
    share_class: str
    multiple: Decimal
    section: str


@dataclass(frozen=True, kw_only=True)
class TrancheData(_Record):
    LABEL = "tranche"
    KEY = ("name",)
    name: str
    amount: Decimal
    warrant_shares: int
    event: str
    days_to_close: int
    section: str


@dataclass(frozen=True, kw_only=True)
class NoteData(_Record):
    LABEL = "convertible note"
    KEY = ("name",)
    name: str
    tranche: str = ""
    holder: str = ""  # empty: held by the buyers together
    principal: Decimal
    interest_rate: Decimal
    secured: bool
    issue_date: datetime.date | None
    maturity_date: datetime.date | None = None
    repaid_or_converted_on: datetime.date | None = None
    conversion_price: Decimal | None = None
    conversion_terms: str = ""
    section: str


@dataclass(frozen=True, kw_only=True)
class WarrantData(_Record):
    LABEL = "warrant"
    KEY = ("name",)
    name: str
    tranche: str = ""
    holder: str = ""  # empty: held by the buyers together
    shares: int
    exercise_price: Decimal | None = None
    issue_date: datetime.date | None
    expiry_date: datetime.date | None = None
    section: str


@dataclass(frozen=True, kw_only=True)
class DrawData(_Record):
    """A draw on an equity line; the desk records it as an event of the kind "Draw on the equity line"."""

    LABEL = "draw"
    date: datetime.date
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class EquityLineData(_Record):
    LABEL = "equity line"
    KEY = ("investor",)
    investor: str
    placement_agent: str = ""
    commitment: Decimal
    placement_fee_rate: Decimal
    section: str
    draws: tuple[DrawData, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RuleData(_Record):
    LABEL = "rule"
    kind: str = field(metadata=_choices(DeadlineRule, "kind"))
    offset: int = 0
    unit: str = field(default="calendar_days", metadata=_choices(DeadlineRule, "offset_unit"))
    direction: str = field(default="after", metadata=_choices(DeadlineRule, "direction"))
    anchor: str = field(default="", metadata=_choices(DeadlineRule, "anchor"))
    event: str = ""
    event_kind: str = ""  # each_event: the kind of event each due date follows
    frequency: str = field(default="", metadata=_choices(DeadlineRule, "frequency"))
    only_periods: str = ""
    starts_with: str = ""  # an event: the rule is dormant until it happens
    ends_with: str = ""  # an event: repeating duties stop when it happens
    ends_when_notes_repaid: bool = False
    roll: str = field(default="following", metadata=_choices(DeadlineRule, "roll"))
    holiday_calendar: str = field(default="us_banking", metadata=_choices(DeadlineRule, "holiday_calendar"))
    fixed_date: datetime.date | None = None  # fixed_date: the day itself
    window_start: datetime.date | None = None  # recurring: first period end that counts
    window_end: datetime.date | None = None  # recurring: last period end that counts
    limbs: tuple[RuleData, ...] = ()  # later_of / earlier_of: the one-off rules compared


@dataclass(frozen=True, kw_only=True)
class ObligationData(_Record):
    LABEL = "obligation"
    KEY = ("section", "title")
    section: str
    title: str
    kind: str = field(metadata=_choices(Obligation, "kind"))
    obligor: str = ""  # empty: the deal's company
    beneficiaries: tuple[str, ...]
    clause_text: str
    consequence: str = ""
    penalty: str = field(default="none", metadata=_choices(Obligation, "penalty"))
    penalty_rate: Decimal | None = None
    penalty_base_amount: Decimal | None = None
    reminder_days_before: str = ""
    rules: tuple[RuleData, ...] = ()


# --------------------------------------------------------------------------
# Closings: each closing's checklist (SPA ss.6, 7 and 4(l); PAA s.8)
# --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ClosingItemData(_Record):
    LABEL = "item"
    KEY = ("section", "title")
    section: str
    title: str
    kind: str = field(metadata=_choices(ClosingItem, "kind"))
    condition_of: str = field(metadata=_choices(ClosingItem, "condition_of"))  # a role in the deal
    satisfied_by: str = ""  # a party to the deal; empty: a state of affairs no party delivers
    text: str


@dataclass(frozen=True, kw_only=True)
class ClosingData(_Record):
    """A closing and its checklist. What becomes of each item (status, date, evidence) is the desk's to record."""

    LABEL = "closing"
    KEY = ("name",)
    name: str
    section: str
    tranche: str = ""  # a tranche of the document
    scheduled_for: datetime.date | None = None
    notes: str = ""
    items: tuple[ClosingItemData, ...]


# --------------------------------------------------------------------------
# The section map: every numbered section of the agreement (deals.models.AgreementSection)
# --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SectionData(_Record):
    """One numbered section as the agreement numbers it; without `no_obligation`, something the desk tracks holds it."""

    LABEL = "section"
    KEY = ("number",)
    number: str  # "4(g)", "5(D)(i)", "Recital B": the style rows cite sections in
    heading: str = ""  # the agreement's own caption; empty if it has none
    no_obligation: str = ""  # why the section carries nothing for the desk to track, in a few words
    reading: str = ""  # where the words are ambiguous: the reading the desk took, and why


@dataclass(frozen=True, kw_only=True)
class DealData(_Record):
    LABEL = "deal"
    KEY = ("title",)
    format_version: int
    title: str
    agreement_name: str
    kind: str = field(metadata=_choices(Deal, "kind"))
    status: str = field(default="active", metadata=_choices(Deal, "status"))
    dated_as_of: datetime.date
    closing_date: datetime.date | None
    governing_law: str
    forum: str
    notes: str = ""
    reminder_days_before: str = ""
    reminder_copies_to: str = ""
    company: str
    related_agreements: tuple[RelatedAgreementData, ...] = ()
    parties: tuple[PartyData, ...]
    roles: tuple[RoleData, ...]
    notice_methods: tuple[NoticeMethodData, ...]
    event_kinds: tuple[EventKindData, ...] = ()
    events: tuple[EventData, ...] = ()
    share_classes: tuple[ShareClassData, ...] = ()
    reserve_covenant: ReserveCovenantData | None = None
    tranches: tuple[TrancheData, ...] = ()
    convertible_notes: tuple[NoteData, ...] = ()
    warrants: tuple[WarrantData, ...] = ()
    equity_lines: tuple[EquityLineData, ...] = ()
    obligations: tuple[ObligationData, ...] = ()
    closings: tuple[ClosingData, ...] = ()
    sections: tuple[SectionData, ...] = ()  # the section map, in the agreement's order


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

Where = tuple[str, ...]  # the labels of the records that lead to the one at fault; () is the deal
Fail = Callable[[Where, str], typing.NoReturn]


def json_read(*, path: Path) -> Any:
    """A file's JSON, or DocumentError saying in one sentence why it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(f"{path}: there is no such file.") from None
    except IsADirectoryError:
        raise DocumentError(f"{path}: is a folder, not a deal document.") from None
    except UnicodeDecodeError:
        raise DocumentError(f"{path}: is not text (a deal document is a JSON file in UTF-8).") from None
    return json_parse(text=text, source=str(path))


def json_parse(*, text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_object_without_repeats)
    except json.JSONDecodeError as error:
        raise DocumentError(f"{source}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.") from None
    except _RepeatedKey as error:
        raise DocumentError(f'{source}: the key "{error}" appears twice in one object.') from None


def document_read(*, path: Path) -> DealData:
    """One deal document from a file, checked whole; nothing touches the database."""
    return document_parse(raw=json_read(path=path), source=str(path))


def document_parse(*, raw: Any, source: str) -> DealData:
    """A deal document already parsed from JSON, checked whole; `source` names it in errors."""

    def fail(where: Where, problem: str) -> typing.NoReturn:
        raise DocumentError(f"{source}: {' > '.join(where) or 'deal'}: {problem}")

    if not isinstance(raw, dict):
        fail((), f"should be an object {{...}}, not {_describe(raw)}.")
    _check_version(raw, fail)
    deal = _build(DealData, raw, (), fail)
    _check_references(deal, fail)
    _check_closings(deal, fail)
    _check_sections(deal.sections, fail)
    return deal


def _check_version(raw: dict, fail: Fail) -> None:
    # Checked first: a document of another version may use fields this reader does not know.
    if "format_version" not in raw:
        fail((), f'the field "format_version" is missing; write "format_version": {FORMAT_VERSION} '
                 f"for a document of this version of the format.")
    version = raw["format_version"]
    if version != FORMAT_VERSION or isinstance(version, bool):
        fail((), f"format_version: this desk reads version {FORMAT_VERSION} of the deal document, "
                 f"and this document is version {_describe(version)}.")


class _RepeatedKey(Exception):
    pass


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict:
    # Python's json keeps the last of two equal keys silently; a document that repeats one is a mistake.
    result = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


def _label(cls: type[_Record], index: int | None, record: Any) -> str:
    """A record as an error names it: its kind, its place in its list, its natural key."""
    text = cls.LABEL if index is None else f"{cls.LABEL} #{index}"
    get = record.get if isinstance(record, dict) else (lambda name: getattr(record, name, None))
    key = [get(name) for name in cls.KEY]
    if key and all(isinstance(part, str) for part in key):
        text += ' "' + " / ".join(key) + '"'
    return text


def _build(cls: type[_Record], raw: Any, where: Where, fail: Fail):
    if not isinstance(raw, dict):
        fail(where, f"should be an object {{...}}, not {_describe(raw)}.")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if not key.startswith("_") and key not in fields:
            fail(where, f'unknown field "{key}"; the fields are: {", ".join(fields)}.')
    hints = typing.get_type_hints(cls)
    values = {}
    for name, f in fields.items():
        if name not in raw:
            if f.default is dataclasses.MISSING:
                fail(where, f'the field "{name}" is missing.')
            continue
        values[name] = _convert(hints[name], raw[name], where, name, fail)
        if "choices" in f.metadata:
            _check_choice(f, values[name], where, fail)
    return cls(**values)


def _convert(hint: Any, value: Any, where: Where, name: str, fail: Fail):
    if typing.get_origin(hint) in (types.UnionType, typing.Union):  # `X | None`
        if value is None:
            return None
        (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if typing.get_origin(hint) is tuple:
        return _convert_list(typing.get_args(hint)[0], value, where, name, fail)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, (*where, _label(hint, None, value)), fail)

    def wrong(expected: str) -> typing.NoReturn:
        fail(where, f"{name}: should be {expected}, not {_describe(value)}.")

    if hint is str:
        return value if isinstance(value, str) else wrong("text in quotes")
    if hint is bool:
        return value if isinstance(value, bool) else wrong("true or false")
    if hint is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else wrong("a whole number")
    if hint is Decimal:
        # Text, not a JSON number: a number would pass through a binary float and lose exactness.
        try:
            number = Decimal(value) if isinstance(value, str) else None
        except InvalidOperation:
            number = None
        return number if number is not None and number.is_finite() else wrong('a number in quotes, e.g. "0.03"')
    if hint is datetime.date:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        wrong('a date in quotes written YYYY-MM-DD, e.g. "2005-05-23"')
    raise TypeError(f"No reading for a field of type {hint!r}.")


def _convert_list(item: Any, value: Any, where: Where, name: str, fail: Fail) -> tuple:
    if not isinstance(value, list):
        fail(where, f"{name}: should be a list [...], not {_describe(value)}.")
    if not dataclasses.is_dataclass(item):
        return tuple(_convert(item, element, where, f"{name} #{index}", fail) for index, element in enumerate(value, 1))
    records = []
    seen: dict[tuple, int] = {}
    for index, element in enumerate(value, 1):
        record = _build(item, element, (*where, _label(item, index, element)), fail)
        if item.KEY:
            key = tuple(getattr(record, k) for k in item.KEY)
            if key in seen:
                fail((*where, _label(item, index, record)), f"repeats {item.LABEL} #{seen[key]}.")
            seen[key] = index
        records.append(record)
    return tuple(records)


def _check_choice(f: dataclasses.Field, value: str, where: Where, fail: Fail) -> None:
    model, field_name = f.metadata["choices"]
    allowed = [str(choice) for choice, _ in model._meta.get_field(field_name).flatchoices]
    if value not in allowed and not (value == "" and f.default == ""):
        fail(where, f'{f.name}: "{value}" is not one of: {", ".join(allowed)}.')


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "an object {...}"
    if isinstance(value, list):
        return "a list [...]"
    return json.dumps(value, ensure_ascii=False)


def _check_references(deal: DealData, fail: Fail) -> None:
    """Every name a record refers to is defined in the same document."""
    parties = {party.legal_name: party for party in deal.parties}
    events = [event.name for event in deal.events]

    def party(name: str, where: Where, what: str) -> PartyData:
        if name not in parties:
            fail(where, f'{what}: "{name}" is not one of the parties of this document ({"; ".join(parties)}).')
        return parties[name]

    def event(name: str, where: Where) -> None:
        if name not in events:
            fail(where, f'event: "{name}" is not one of the events of this document ({"; ".join(events)}).')

    kinds = [kind.name for kind in deal.event_kinds]

    def kind(name: str, where: Where, what: str = "event_kind") -> None:
        if name not in kinds:
            fail(where, f'{what}: "{name}" is not one of the event kinds of this document ({"; ".join(kinds)}).')

    party(deal.company, (), "company")
    for index, role in enumerate(deal.roles, 1):
        where = (_label(RoleData, index, role),)
        owner = party(role.party, where, "party")
        if role.signatory and role.signatory not in [person.name for person in owner.people]:
            fail(where, f'signatory: "{role.signatory}" is not one of the people of "{owner.legal_name}".')
        if role.notice_address and role.notice_address not in [a.label for a in owner.addresses]:
            fail(where, f'notice_address: "{owner.legal_name}" has no address labelled "{role.notice_address}".')
        for name in role.copy_to:
            if "Notices" not in [a.label for a in party(name, where, "copy_to").addresses]:
                fail(where, f'copy_to: "{name}" has no address labelled "Notices" to send the copy to.')
        for ref_index, ref in enumerate(role.copy_to_addresses, 1):
            ref_where = (*where, _label(AddressRefData, ref_index, ref))
            if ref.label not in [a.label for a in party(ref.party, ref_where, "party").addresses]:
                fail(ref_where, f'label: "{ref.party}" has no address labelled "{ref.label}".')
    for index, method in enumerate(deal.notice_methods, 1):
        if method.effective_when == NoticeMethod.EffectiveWhen.ON_RECEIPT and method.days_after_sending:
            fail((_label(NoticeMethodData, index, method),),
                 "days_after_sending: a notice effective on receipt counts no days after sending.")
    covenant = deal.reserve_covenant
    if covenant and covenant.share_class not in [share_class.name for share_class in deal.share_classes]:
        fail((ReserveCovenantData.LABEL,),
             f'share_class: "{covenant.share_class}" is not one of the share classes of this document.')
    for index, deal_event in enumerate(deal.events, 1):
        if deal_event.kind:
            kind(deal_event.kind, (_label(EventData, index, deal_event),), "kind")
    for index, tranche in enumerate(deal.tranches, 1):
        event(tranche.event, (_label(TrancheData, index, tranche),))
    tranches = [tranche.name for tranche in deal.tranches]
    for cls, instruments in ((NoteData, deal.convertible_notes), (WarrantData, deal.warrants)):
        for index, instrument in enumerate(instruments, 1):
            if instrument.tranche and instrument.tranche not in tranches:
                fail((_label(cls, index, instrument),),
                     f'tranche: "{instrument.tranche}" is not one of the tranches of this document.')
            if instrument.holder:
                party(instrument.holder, (_label(cls, index, instrument),), "holder")
    for index, line in enumerate(deal.equity_lines, 1):
        where = (_label(EquityLineData, index, line),)
        party(line.investor, where, "investor")
        if line.placement_agent:
            party(line.placement_agent, where, "placement_agent")
    for index, obligation in enumerate(deal.obligations, 1):
        where = (_label(ObligationData, index, obligation),)
        if obligation.obligor:
            party(obligation.obligor, where, "obligor")
        for name in obligation.beneficiaries:
            party(name, where, "beneficiaries")
        for rule_index, rule in enumerate(obligation.rules, 1):
            rule_where = (*where, _label(RuleData, rule_index, rule))
            for limb_index, limb in enumerate(rule.limbs, 1):
                _check_rule_references(limb, (*rule_where, _label(RuleData, limb_index, limb)), event, kind, fail)
            _check_rule_references(rule, rule_where, event, kind, fail)


def _check_rule_references(rule: RuleData, where: Where, event, kind, fail: Fail) -> None:
    for name in (rule.event, rule.starts_with, rule.ends_with):
        if name:
            event(name, where)
    if rule.event_kind:
        kind(rule.event_kind, where)
    if rule.limbs and rule.kind not in DeadlineRule.COMBINING_KINDS:
        fail(where, 'limbs: only a "later_of" or "earlier_of" rule has limbs.')


def _check_closings(deal: DealData, fail: Fail) -> None:
    """Each closing's tranche, and each item's party and role, are those of the same document."""
    tranches = [tranche.name for tranche in deal.tranches]
    in_the_deal = list(dict.fromkeys(role.party for role in deal.roles))
    roles = {role.role for role in deal.roles}
    for index, closing in enumerate(deal.closings, 1):
        where = (_label(ClosingData, index, closing),)
        if closing.tranche and closing.tranche not in tranches:
            fail(where, f'tranche: "{closing.tranche}" is not one of the tranches of this document.')
        for item_index, item in enumerate(closing.items, 1):
            item_where = (*where, _label(ClosingItemData, item_index, item))
            if item.satisfied_by and item.satisfied_by not in in_the_deal:
                fail(item_where, f'satisfied_by: "{item.satisfied_by}" is not one of the parties to this deal '
                                 f'({"; ".join(in_the_deal)}).')
            if item.condition_of not in roles:
                fail(item_where, f'condition_of: no party of this document plays the role "{item.condition_of}".')




def _check_sections(sections: tuple[SectionData, ...], fail: Fail) -> None:
    """One number a section, none twice as the map compares them (deals.models.AgreementSection.key)."""
    seen: dict[str, int] = {}
    for index, section in enumerate(sections, 1):
        where = (_label(SectionData, index, section),)
        if not section.number.strip() or any(mark in section.number for mark in ",;"):
            fail(where, "number: one section number, e.g. \"4(g)\".")
        key = "".join(section.number.split()).lower()  # "4 (G)" repeats "4(g)"
        if key in seen:
            fail(where, f"repeats section #{seen[key]}.")
        seen[key] = index
