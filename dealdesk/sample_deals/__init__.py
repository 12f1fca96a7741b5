"""The seed agreements, one JSON document each in this folder, and the loader behind `manage.py load_sample_deals`.

The documents
-------------
One file per deal, `<year>-<company>-<agreement>.json`, loaded in file-name order. Each is
one JSON object: the deal's own fields (dates "YYYY-MM-DD"), then lists of records, each
record with the fields of its kind in documents.py (PartyData, RoleData, ObligationData ...):
- Records refer to one another by natural key, never by database id: a party by its legal
  name, a person by name within the party, an address by its label, an event, tranche or
  share class by its name. Every party a deal names is written out in its document, with its
  people and addresses; a party in two documents must be written the same way in both.
- Money, rates, par values and multiples are numbers in quotes ("0.03", "800000") so that they
  reach the database as exact Decimals; counts of shares and days are plain numbers.
- A field left out takes its default in documents.py: mostly empty (text "", false, null,
  no records); an address's label is "Notices" and its country "United States".
- Comments: any key that starts with "_" is for the reader, and the loader skips it.
  "_comment" explains the record it stands in; "_<field>" (e.g. "_closing_date") explains
  that one field. What the database keeps goes in the model's own fields (an obligation's
  or instrument's `section`, the deal's `notes`); the reasons behind the data, with the
  agreement sections they come from ("s.4(l): ..."), go in comments.

Beside a deal's document, `<same name>.sections.json` may hold its section map: every numbered
section of the agreement in order (SectionMapData), each with its heading, and either nothing
(something the desk tracks must hold it) or why it carries no obligation, plus the desk's reading
where the words are ambiguous. Its `notes` are added to the deal's notes (what of the agreement,
such as its exhibits and schedules, the desk does not hold).

A document is read and checked whole (unknown field, missing field, a value of the wrong
kind, a date that is no date, a party, person, address, event, tranche or share class that is
not defined) before anything is saved; a mistake raises DocumentError naming the file and the
record.

The loading
-----------
All documents load in one transaction. The loader matches every row by its natural key, so
running it again changes nothing; it never creates occurrences itself: the signals in
obligations/signals.py compute them when deals, events and rules are saved.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction

from closings.models import Closing, ClosingItem
from deals.models import AgreementSection, Deal, DealEvent, EventKind, RelatedAgreement
from instruments.models import (
    ConvertibleNote,
    EquityLine,
    ReserveCovenant,
    ShareClass,
    ShareReservation,
    Tranche,
    Warrant,
)
from obligations.models import DeadlineRule, Obligation, Occurrence
from parties.models import Address, DealParty, NoticeMethod, Party, Person

from .documents import (
    AddressData,
    DealData,
    DocumentError,
    ObligationData,
    PartyData,
    RoleData,
    RuleData,
    SectionMapData,
    documents_read,
    section_maps_read,
)

__all__ = ["FOLDER", "DealSummary", "DocumentError", "LoadResult", "documents_read", "sample_deals_load",
           "section_maps_read"]

FOLDER = Path(__file__).resolve().parent

@dataclass(frozen=True)
class DealSummary:
    title: str
    parties: int
    instruments: int
    obligations: int
    occurrences: int

    def __str__(self) -> str:
        return (
            f"{self.title}: {self.parties} parties, {self.instruments} instruments, "
            f"{self.obligations} obligations, {self.occurrences} occurrences"
        )


@dataclass
class LoadResult:
    deals: list[DealSummary] = field(default_factory=list)
    created: int = 0
    updated: int = 0


def sample_deals_load(*, folder: Path | None = None) -> LoadResult:
    """Load every deal document of `folder` (default: the seed documents); running it again changes nothing.

    Raises DocumentError, before anything is saved, when a document is malformed.
    """
    folder = folder or FOLDER
    deals = documents_read(folder=folder)
    return _load(deals, section_maps_read(folder=folder, deals=deals))


class _Loader:
    """Creates or updates rows by natural key; saves only what differs, after full_clean()."""

    def __init__(self) -> None:
        self.created = 0
        self.updated = 0
        self._new: set[tuple[type[models.Model], int]] = set()

    def upsert(self, model: type[models.Model], lookup: dict, values: dict, create_only: dict | None = None):
        """Match on `lookup`; set `values`; set `create_only` (fields the desk fills later) only on creation."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            return self.create(model, **lookup, **values, **(create_only or {}))
        changed = {name: value for name, value in values.items() if _value(obj, name) != _pk(value)}
        if not changed:
            return obj
        for name, value in changed.items():
            setattr(obj, name, value)
        self.updated += 1
        obj.full_clean()
        obj.save()
        return obj

    def create(self, model: type[models.Model], **values):
        obj = model(**values)
        obj.full_clean()
        obj.save()
        self.created += 1
        self._new.add((model, obj.pk))
        return obj

    def set_m2m(self, manager, objects: list[models.Model]) -> None:
        wanted = {o.pk for o in objects}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(objects)
            # Filling the links of a row just created is part of creating it.
            if (type(manager.instance), manager.instance.pk) not in self._new:
                self.updated += 1


def _pk(value):
    return value.pk if isinstance(value, models.Model) else value


def _value(obj: models.Model, name: str):
    """A field's stored value; a foreign key compares by its id, without a query."""
    return obj._meta.get_field(name).value_from_object(obj)


@transaction.atomic
def _load(deals: tuple[DealData, ...], section_maps: dict[str, SectionMapData]) -> LoadResult:
    loader = _Loader()
    # Every party first, once, in the order the documents name them.
    party_data: dict[str, PartyData] = {}
    for deal in deals:
        for party in deal.parties:
            party_data.setdefault(party.legal_name, party)
    parties = {name: _load_party(loader, data) for name, data in party_data.items()}
    result = LoadResult()
    for data in deals:
        section_map = section_maps.get(data.title)
        if section_map is not None and section_map.notes:
            # What of the agreement the desk does not hold (its exhibits, its schedules) is said on the deal.
            notes = "\n\n".join(part for part in (data.notes, section_map.notes) if part)
            data = dataclasses.replace(data, notes=notes)
        deal = _load_deal(loader, data, parties)
        if section_map is not None:
            _load_sections(loader, deal, section_map)
        result.deals.append(_summarise(deal))
    result.created, result.updated = loader.created, loader.updated
    return result


def _load_party(loader: _Loader, data: PartyData) -> Party:
    party = loader.upsert(Party, {"legal_name": data.legal_name}, {
        "short_name": data.short_name,
        "form": data.form,
        "jurisdiction": data.jurisdiction,
        "is_broker_dealer": data.is_broker_dealer,
        "is_accredited_investor": data.is_accredited_investor,
    })
    for person in data.people:
        loader.upsert(Person, {"party": party, "name": person.name}, {
            "title": person.title, "email": person.email, "receives_reminders": person.receives_reminders,
        })
    for address in data.addresses:
        values = {name: getattr(address, name) for name in AddressData.__dataclass_fields__ if name != "label"}
        loader.upsert(Address, {"party": party, "label": address.label}, values)
    return party


def _load_deal(loader: _Loader, data: DealData, parties: dict[str, Party]) -> Deal:
    deal_values = {
        "agreement_name": data.agreement_name,
        "kind": data.kind,
        "dated_as_of": data.dated_as_of,
        "governing_law": data.governing_law,
        "forum": data.forum,
        "notes": data.notes,
    }
    if data.closing_date is None:
        # A closing date the desk enters later is kept.
        deal = loader.upsert(Deal, {"title": data.title}, deal_values, create_only={"closing_date": None})
    else:
        deal = loader.upsert(Deal, {"title": data.title}, {**deal_values, "closing_date": data.closing_date})

    for related in data.related_agreements:
        loader.upsert(RelatedAgreement, {"deal": deal, "title": related.title},
                      {"dated_as_of": related.dated_as_of, "description": related.description})

    for kind in data.event_kinds:
        loader.upsert(EventKind, {"deal": deal, "name": kind.name}, {"description": kind.description})

    events = {}
    for event in data.events:
        # The date is the desk's to enter when the event happens; reloading never clears it.
        events[event.name] = loader.upsert(DealEvent, {"deal": deal, "name": event.name},
                                           {"description": event.description}, create_only={"date": None})

    for role in data.roles:
        _load_role(loader, deal, role, parties)

    for method in data.notice_methods:
        loader.upsert(NoticeMethod, {"deal": deal, "method": method.method}, {
            "effective_when": method.effective_when,
            "days_after_sending": method.days_after_sending,
            "section": method.section,
        })

    company = parties[data.company]
    _load_instruments(loader, deal, data, company, parties, events)

    for obligation in data.obligations:
        _load_obligation(loader, deal, obligation, company, parties, events)
    _load_closings(loader, deal, data, parties)
    return deal


def _load_role(loader: _Loader, deal: Deal, role: RoleData, parties: dict[str, Party]) -> None:
    party = parties[role.party]
    signatory = Person.objects.get(party=party, name=role.signatory) if role.signatory else None
    notice_address = Address.objects.get(party=party, label=role.notice_address) if role.notice_address else None
    deal_party = loader.upsert(DealParty, {"deal": deal, "party": party, "role": role.role}, {
        "signatory": signatory,
        "signed_by_way_of": role.signed_by_way_of,
        "notice_address": notice_address,
    })
    copies = [Address.objects.get(party=parties[name], label="Notices") for name in role.copy_to]
    loader.set_m2m(deal_party.copy_to, copies)


def _load_instruments(
    loader: _Loader, deal: Deal, data: DealData, company: Party, parties: dict[str, Party],
    events: dict[str, DealEvent],
) -> None:
    share_classes = {}
    for sc in data.share_classes:
        share_class = loader.upsert(ShareClass, {"deal": deal, "issuer": company, "name": sc.name}, {
            "kind": sc.kind,
            "par_value": sc.par_value,
            "authorized": sc.authorized,
            "issued_and_outstanding": sc.issued_and_outstanding,
            "as_of": sc.as_of,
            "section": sc.section,
        })
        share_classes[sc.name] = share_class
        for reservation in sc.reservations:
            loader.upsert(ShareReservation, {"share_class": share_class, "purpose": reservation.purpose},
                          {"shares": reservation.shares})

    if data.reserve_covenant:
        covenant = data.reserve_covenant
        loader.upsert(ReserveCovenant, {"deal": deal}, {
            "share_class": share_classes[covenant.share_class],
            "multiple": covenant.multiple,
            "section": covenant.section,
        })

    tranches = {}
    for t in data.tranches:
        tranches[t.name] = loader.upsert(Tranche, {"deal": deal, "name": t.name}, {
            "amount": t.amount,
            "warrant_shares": t.warrant_shares,
            "event": events[t.event],
            "days_to_close": t.days_to_close,
            "section": t.section,
        })

    # Issue dates (empty until a tranche closes), conversion and exercise prices are the
    # desk's to enter: set on creation only, so what it enters later survives a reload.
    for note in data.convertible_notes:
        loader.upsert(ConvertibleNote, {"deal": deal, "name": note.name}, {
            "issuer": company,
            "tranche": tranches.get(note.tranche),
            "principal": note.principal,
            "interest_rate": note.interest_rate,
            "secured": note.secured,
            "conversion_terms": note.conversion_terms,
            "section": note.section,
        }, create_only={"issue_date": note.issue_date, "conversion_price": None})
    for warrant in data.warrants:
        loader.upsert(Warrant, {"deal": deal, "name": warrant.name}, {
            "issuer": company,
            "tranche": tranches.get(warrant.tranche),
            "shares": warrant.shares,
            "section": warrant.section,
        }, create_only={"issue_date": warrant.issue_date, "exercise_price": None})

    for line in data.equity_lines:
        investor = parties[line.investor]
        loader.upsert(EquityLine, {"deal": deal, "issuer": company, "investor": investor}, {
            "placement_agent": parties[line.placement_agent],
            "commitment": line.commitment,
            "placement_fee_rate": line.placement_fee_rate,
            "section": line.section,
        })


def _load_obligation(
    loader: _Loader, deal: Deal, data: ObligationData, company: Party, parties: dict[str, Party],
    events: dict[str, DealEvent],
) -> None:
    obligation = loader.upsert(Obligation, {"deal": deal, "section": data.section, "title": data.title}, {
        "obligor": parties[data.obligor] if data.obligor else company,
        "clause_text": data.clause_text,
        "kind": data.kind,
        "consequence": data.consequence,
        "penalty": data.penalty,
        "penalty_rate": data.penalty_rate,
    })
    loader.set_m2m(obligation.beneficiaries, [parties[name] for name in data.beneficiaries])

    _load_rules(loader, obligation, data.rules, events, part_of=None)


def _load_rules(
    loader: _Loader, obligation: Obligation, rules: tuple[RuleData, ...], events: dict[str, DealEvent],
    *, part_of: DeadlineRule | None,
) -> None:
    """Rules have no natural key: the n-th rule of the document is the n-th rule stored.

    Rules the desk adds later come after them and are left alone. Saving a rule lets the
    post_save signal compute its occurrences; a "later of" rule is saved before its limbs,
    and each limb's save dates it again.
    """
    stored = list(obligation.rules.filter(part_of=part_of).order_by("id"))
    for index, rule in enumerate(rules):
        values = {
            "kind": rule.kind,
            "part_of": part_of,
            "anchor": rule.anchor,
            "anchor_event": events[rule.event] if rule.event else None,
            "offset": rule.offset,
            "offset_unit": rule.unit,
            "direction": rule.direction,
            "event_kind": EventKind.objects.get(deal=obligation.deal, name=rule.event_kind) if rule.event_kind else None,
            "frequency": rule.frequency,
            "only_periods": rule.only_periods,
            "starts_with": events[rule.starts_with] if rule.starts_with else None,
            "ends_with": events[rule.ends_with] if rule.ends_with else None,
            "ends_when_notes_repaid": rule.ends_when_notes_repaid,
            "roll": rule.roll,
        }
        if index < len(stored):
            saved = loader.upsert(DeadlineRule, {"pk": stored[index].pk}, values)
        else:
            saved = loader.create(DeadlineRule, obligation=obligation, **values)
        if rule.limbs:
            _load_rules(loader, obligation, rule.limbs, events, part_of=saved)


def _summarise(deal: Deal) -> DealSummary:
    instruments = (
        deal.share_classes.count() + deal.convertible_notes.count()
        + deal.warrants.count() + deal.equity_lines.count()
    )
    return DealSummary(
        title=deal.title,
        parties=Party.objects.filter(deal_roles__deal=deal).distinct().count(),
        instruments=instruments,
        obligations=deal.obligations.count(),
        occurrences=Occurrence.objects.for_deal(deal).count(),
    )


def _load_closings(loader: _Loader, deal: Deal, data: DealData, parties: dict[str, Party]) -> None:
    """Each closing and its checklist, matched by name and by (section, title).

    The scheduled date (once the desk knows it) and what becomes of each item
    (status, date, evidence, who recorded it) are the desk's: a reload keeps them.
    """
    for closing_data in data.closings:
        tranche = Tranche.objects.get(deal=deal, name=closing_data.tranche) if closing_data.tranche else None
        closing = loader.upsert(Closing, {"deal": deal, "name": closing_data.name}, {
            "section": closing_data.section,
            "tranche": tranche,
            "notes": closing_data.notes,
        }, create_only={"scheduled_for": closing_data.scheduled_for})
        for item in closing_data.items:
            loader.upsert(ClosingItem, {"closing": closing, "section": item.section, "title": item.title}, {
                "text": item.text,
                "kind": item.kind,
                "condition_of": item.condition_of,
                "satisfied_by": parties[item.satisfied_by] if item.satisfied_by else None,
            })


def _load_sections(loader: _Loader, deal: Deal, data: SectionMapData) -> None:
    """The deal's section map, matched by number; sections the desk adds later are left alone."""
    for index, section in enumerate(data.sections, 1):
        # Positions go in tens, so that a section added by hand can go between two.
        loader.upsert(AgreementSection, {"deal": deal, "number": section.number}, {
            "heading": section.heading,
            "position": index * 10,
            "no_obligation": section.no_obligation,
            "reading": section.reading,
        })
