"""Loading deal documents into the desk: one service for the sample deals, `manage.py load_deal` and any document.

All documents of one call load in one transaction. The loader matches every row by its
natural key, so loading a document again changes nothing; what the desk enters later
(event dates, issue dates, conversion and exercise prices, a closing's scheduled date,
what becomes of each closing item) is set when a row is created and kept on a reload.
It never creates occurrences itself: the signals in obligations/signals.py compute them
when deals, events and rules are saved.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction

from closings.models import Closing, ClosingItem
from deals.models import AgreementSection, Deal, DealEvent, EventKind, RelatedAgreement
from instruments.models import (
    ConvertibleNote,
    Draw,
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
    ObligationData,
    PartyData,
    RoleData,
    RuleData,
    SectionData,
    document_read,
)


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


def deal_document_load(*, path: Path) -> LoadResult:
    """Load one deal document file; DocumentError, before anything is saved, when it is malformed."""
    return deals_load(deals=(document_read(path=path),))


@transaction.atomic
def deals_load(*, deals: tuple[DealData, ...]) -> LoadResult:
    """Create or update each deal of `deals` (checked documents) and everything it names, in one transaction."""
    loader = _Loader()
    # Every party first, once, in the order the documents name them.
    party_data: dict[str, PartyData] = {}
    for deal in deals:
        for party in deal.parties:
            party_data.setdefault(party.legal_name, party)
    parties = {name: _load_party(loader, data) for name, data in party_data.items()}
    result = LoadResult()
    for data in deals:
        deal = _load_deal(loader, data, parties)
        _load_sections(loader, deal, data.sections)
        result.deals.append(_summarise(deal))
    result.created, result.updated = loader.created, loader.updated
    return result


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


def _load_party(loader: _Loader, data: PartyData) -> Party:
    party = loader.upsert(Party, {"legal_name": data.legal_name}, {
        "short_name": data.short_name,
        "form": data.form,
        "jurisdiction": data.jurisdiction,
        "is_broker_dealer": data.is_broker_dealer,
        "is_accredited_investor": data.is_accredited_investor,
        "fiscal_year_end_month": data.fiscal_year_end_month,
        "fiscal_year_end_day": data.fiscal_year_end_day,
        "notes": data.notes,
    })
    for person in data.people:
        loader.upsert(Person, {"party": party, "name": person.name}, {
            "title": person.title, "email": person.email, "phone": person.phone,
            "receives_reminders": person.receives_reminders,
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
        "status": data.status,
        "reminder_days_before": data.reminder_days_before,
        "reminder_copies_to": data.reminder_copies_to,
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

    kinds = {kind.name: kind for kind in deal.event_kinds.all()}
    events = {}
    for event in data.events:
        # The date is the desk's to enter when the event happens; reloading never clears it.
        events[event.name] = loader.upsert(DealEvent, {"deal": deal, "name": event.name}, {
            "description": event.description, "kind": kinds[event.kind] if event.kind else None,
        }, create_only={"date": event.date})

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
    copies += [Address.objects.get(party=parties[ref.party], label=ref.label) for ref in role.copy_to_addresses]
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

    # Issue dates (empty until a tranche closes), repayment, conversion and exercise prices are
    # the desk's to enter: set on creation only, so what it enters later survives a reload.
    for note in data.convertible_notes:
        loader.upsert(ConvertibleNote, {"deal": deal, "name": note.name}, {
            "issuer": company,
            "holder": parties[note.holder] if note.holder else None,
            "tranche": tranches.get(note.tranche),
            "principal": note.principal,
            "interest_rate": note.interest_rate,
            "secured": note.secured,
            "maturity_date": note.maturity_date,
            "conversion_terms": note.conversion_terms,
            "section": note.section,
        }, create_only={"issue_date": note.issue_date, "conversion_price": note.conversion_price,
                        "repaid_or_converted_on": note.repaid_or_converted_on})
    for warrant in data.warrants:
        loader.upsert(Warrant, {"deal": deal, "name": warrant.name}, {
            "issuer": company,
            "holder": parties[warrant.holder] if warrant.holder else None,
            "tranche": tranches.get(warrant.tranche),
            "shares": warrant.shares,
            "expiry_date": warrant.expiry_date,
            "section": warrant.section,
        }, create_only={"issue_date": warrant.issue_date, "exercise_price": warrant.exercise_price})

    for line in data.equity_lines:
        investor = parties[line.investor]
        equity_line = loader.upsert(EquityLine, {"deal": deal, "issuer": company, "investor": investor}, {
            "placement_agent": parties[line.placement_agent] if line.placement_agent else None,
            "commitment": line.commitment,
            "placement_fee_rate": line.placement_fee_rate,
            "section": line.section,
        })
        # Draws have no natural key: the n-th draw of the document is the n-th stored, by date.
        # Each draw's save records its own event (instruments.models.Draw.save).
        stored = list(equity_line.draws.order_by("date", "id"))
        for index, draw in enumerate(line.draws):
            values = {"date": draw.date, "amount": draw.amount}
            if index < len(stored):
                loader.upsert(Draw, {"pk": stored[index].pk}, values)
            else:
                loader.create(Draw, equity_line=equity_line, **values)


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
        "penalty_base_amount": data.penalty_base_amount,
        "reminder_days_before": data.reminder_days_before,
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
            "holiday_calendar": rule.holiday_calendar,
            "fixed_date": rule.fixed_date,
            "window_start": rule.window_start,
            "window_end": rule.window_end,
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


def _load_sections(loader: _Loader, deal: Deal, sections: tuple[SectionData, ...]) -> None:
    """The deal's section map, matched by number; sections the desk adds later are left alone."""
    for index, section in enumerate(sections, 1):
        # Positions go in tens, so that a section added by hand can go between two.
        loader.upsert(AgreementSection, {"deal": deal, "number": section.number}, {
            "heading": section.heading,
            "position": index * 10,
            "no_obligation": section.no_obligation,
            "reading": section.reading,
        })
