"""Any deal of the desk written as one deal document (the format of documents.py), the inverse of loading.py.

`deal_document_export(deal=...)` reads the deal's rows into the same records the reader
builds (DealData ...) and writes them with `document_dump`: every field in the order the
records declare it, a field at its default left out, money and rates as exact numbers in
quotes. Loading what it writes into an empty desk and exporting again gives the same
document (tests/test_deal_document.py).

Lists are in the order the rows were created, which is a document's own order when a
document created them; parties in the order of their rows, and the lists that name
parties (beneficiaries, copies) in the order of the document's parties.
"""
from __future__ import annotations

import dataclasses
import datetime
import typing
from decimal import Decimal
from typing import Any

from deals.models import Deal
from obligations.models import DeadlineRule
from parties.models import Address, DealParty, Party

from .documents import (
    FORMAT_VERSION,
    AddressData,
    AddressRefData,
    ClosingData,
    ClosingItemData,
    DealData,
    DocumentError,
    DrawData,
    EquityLineData,
    EventData,
    EventKindData,
    NoteData,
    NoticeMethodData,
    ObligationData,
    PartyData,
    PersonData,
    RelatedAgreementData,
    ReservationData,
    ReserveCovenantData,
    RoleData,
    RuleData,
    SectionData,
    ShareClassData,
    TrancheData,
    WarrantData,
    _Record,
    document_parse,
)


class ExportError(ValueError):
    """A deal the format cannot write as it stands; the message says what to correct."""


def deal_document_export(*, deal: Deal) -> dict:
    """The deal as a deal document (a JSON-ready dict), checked by the same reader that loads documents."""
    document = document_dump(deal_data(deal=deal))
    try:
        document_parse(raw=document, source=f'the deal "{deal.title}"')
    except DocumentError as error:
        # The desk holds something a document cannot say (e.g. a closing item conditioned on a role nobody plays).
        raise ExportError(f"{error} Correct it on the deal's page, then export again.") from error
    return document


def deal_find(*, title_or_id: str) -> Deal:
    """The deal with this id or exact title; ExportError naming what was looked for when there is none."""
    deal = None
    if title_or_id.isdigit():
        deal = Deal.objects.filter(pk=int(title_or_id)).first()
    deal = deal or Deal.objects.filter(title=title_or_id).first()
    if deal is None:
        raise ExportError(f'There is no deal with the id or title "{title_or_id}".')
    return deal


def deal_data(*, deal: Deal) -> DealData:
    company = _company(deal)
    parties = _parties(deal, company)
    order = {party.pk: index for index, party in enumerate(parties)}

    def by_document_order(rows: typing.Iterable[Party]) -> list[Party]:
        return sorted(rows, key=lambda party: order[party.pk])

    def name(party: Party | None) -> str:
        return party.legal_name if party is not None else ""

    _same_issuer(deal, company)
    sections = tuple(
        SectionData(number=s.number, heading=s.heading, no_obligation=s.no_obligation, reading=s.reading)
        for s in deal.sections.order_by("position", "pk")
    )
    return DealData(
        format_version=FORMAT_VERSION,
        title=deal.title,
        agreement_name=deal.agreement_name,
        kind=deal.kind,
        status=deal.status,
        dated_as_of=deal.dated_as_of,
        closing_date=deal.closing_date,
        governing_law=deal.governing_law,
        forum=deal.forum,
        notes=deal.notes,
        reminder_days_before=deal.reminder_days_before,
        reminder_copies_to=deal.reminder_copies_to,
        company=company.legal_name,
        related_agreements=tuple(
            RelatedAgreementData(title=r.title, dated_as_of=r.dated_as_of, description=r.description)
            for r in deal.related_agreements.order_by("pk")
        ),
        parties=tuple(party_data(party) for party in parties),
        roles=tuple(_role(role, by_document_order) for role in
                    deal.deal_parties.select_related("party", "signatory", "notice_address").order_by("pk")),
        notice_methods=tuple(
            NoticeMethodData(method=m.method, effective_when=m.effective_when,
                             days_after_sending=m.days_after_sending, section=m.section)
            for m in deal.notice_methods.order_by("pk")
        ),
        event_kinds=tuple(EventKindData(name=k.name, description=k.description)
                          for k in deal.event_kinds.order_by("pk")),
        # A draw's event is the draw's own (Draw.save makes it): the draw is written, not its event.
        events=tuple(
            EventData(name=e.name, description=e.description, kind=e.kind.name if e.kind else "", date=e.date)
            for e in deal.events.filter(draw__isnull=True).select_related("kind").order_by("pk")
        ),
        share_classes=tuple(
            ShareClassData(
                name=c.name, kind=c.kind, par_value=c.par_value, authorized=c.authorized,
                issued_and_outstanding=c.issued_and_outstanding, as_of=c.as_of, section=c.section,
                reservations=tuple(ReservationData(purpose=r.purpose, shares=r.shares)
                                   for r in c.reservations.order_by("pk")),
            )
            for c in deal.share_classes.order_by("pk")
        ),
        reserve_covenant=_reserve_covenant(deal),
        tranches=tuple(
            TrancheData(name=t.name, amount=t.amount, warrant_shares=t.warrant_shares, event=t.event.name,
                        days_to_close=t.days_to_close, section=t.section)
            for t in deal.tranches.select_related("event").order_by("pk")
        ),
        convertible_notes=tuple(
            NoteData(
                name=n.name, tranche=n.tranche.name if n.tranche else "", holder=name(n.holder),
                principal=n.principal, interest_rate=n.interest_rate, secured=n.secured, issue_date=n.issue_date,
                maturity_date=n.maturity_date, repaid_or_converted_on=n.repaid_or_converted_on,
                conversion_price=n.conversion_price, conversion_terms=n.conversion_terms, section=n.section,
            )
            for n in deal.convertible_notes.select_related("tranche", "holder").order_by("pk")
        ),
        warrants=tuple(
            WarrantData(
                name=w.name, tranche=w.tranche.name if w.tranche else "", holder=name(w.holder), shares=w.shares,
                exercise_price=w.exercise_price, issue_date=w.issue_date, expiry_date=w.expiry_date,
                section=w.section,
            )
            for w in deal.warrants.select_related("tranche", "holder").order_by("pk")
        ),
        equity_lines=tuple(
            EquityLineData(
                investor=line.investor.legal_name, placement_agent=name(line.placement_agent),
                commitment=line.commitment, placement_fee_rate=line.placement_fee_rate, section=line.section,
                draws=tuple(DrawData(date=d.date, amount=d.amount) for d in line.draws.order_by("date", "pk")),
            )
            for line in deal.equity_lines.select_related("investor", "placement_agent").order_by("pk")
        ),
        obligations=tuple(
            ObligationData(
                section=o.section, title=o.title, kind=o.kind,
                obligor="" if o.obligor_id == company.pk else o.obligor.legal_name,
                beneficiaries=tuple(p.legal_name for p in by_document_order(o.beneficiaries.all())),
                clause_text=o.clause_text, consequence=o.consequence, penalty=o.penalty,
                penalty_rate=o.penalty_rate, penalty_base_amount=o.penalty_base_amount,
                reminder_days_before=o.reminder_days_before,
                rules=tuple(_rule(r) for r in o.rules.filter(part_of=None).order_by("pk")),
            )
            for o in deal.obligations.select_related("obligor").order_by("pk")
        ),
        closings=tuple(
            ClosingData(
                name=c.name, section=c.section, tranche=c.tranche.name if c.tranche else "",
                scheduled_for=c.scheduled_for, notes=c.notes,
                items=tuple(
                    ClosingItemData(section=i.section, title=i.title, kind=i.kind, condition_of=i.condition_of,
                                    satisfied_by=name(i.satisfied_by), text=i.text)
                    for i in c.items.select_related("satisfied_by").order_by("pk")
                ),
            )
            for c in deal.closings.select_related("tranche").order_by("pk")
        ),
        sections=sections,
    )


def _company(deal: Deal) -> Party:
    role = deal.deal_parties.filter(role=DealParty.Role.COMPANY).select_related("party").order_by("pk").first()
    if role is None:
        raise ExportError(f'The deal "{deal.title}" has no party in the role "Company (issuer)"; '
                          "add one on the deal's page, then export again.")
    return role.party


def _same_issuer(deal: Deal, company: Party) -> None:
    # A document's instruments are all issued by its company (loading.py sets the issuer so).
    for rows in (deal.share_classes.all(), deal.convertible_notes.all(), deal.warrants.all(), deal.equity_lines.all()):
        for row in rows.exclude(issuer=company).select_related("issuer"):
            raise ExportError(f'"{row}" is issued by {row.issuer}, not by the deal\'s company {company}; '
                              "a deal document holds the company's own instruments only.")


def _parties(deal: Deal, company: Party) -> list[Party]:
    """Every party the deal names anywhere, in the order of their rows."""
    ids = {company.pk}
    ids |= set(deal.deal_parties.values_list("party", flat=True))
    ids |= set(Address.objects.filter(copy_roles__deal=deal).values_list("party", flat=True))
    ids |= set(deal.obligations.values_list("obligor", flat=True))
    ids |= set(deal.obligations.values_list("beneficiaries", flat=True))
    for rows, fields in ((deal.convertible_notes, ("holder",)), (deal.warrants, ("holder",)),
                         (deal.equity_lines, ("investor", "placement_agent"))):
        for field_name in fields:
            ids |= set(rows.values_list(field_name, flat=True))
    ids |= set(deal.closings.values_list("items__satisfied_by", flat=True))
    ids.discard(None)
    return list(Party.objects.filter(pk__in=ids).order_by("pk"))


def party_data(party: Party) -> PartyData:
    """A party as the desk holds it, with its people and addresses."""
    return PartyData(
        legal_name=party.legal_name, short_name=party.short_name, form=party.form, jurisdiction=party.jurisdiction,
        is_broker_dealer=party.is_broker_dealer, is_accredited_investor=party.is_accredited_investor,
        fiscal_year_end_month=party.fiscal_year_end_month, fiscal_year_end_day=party.fiscal_year_end_day,
        notes=party.notes,
        people=tuple(PersonData(name=p.name, title=p.title, email=p.email, phone=p.phone,
                                receives_reminders=p.receives_reminders) for p in party.people.order_by("pk")),
        addresses=tuple(AddressData(**{f.name: getattr(a, f.name) for f in dataclasses.fields(AddressData)})
                        for a in party.addresses.order_by("pk")),
    )


def _role(role: DealParty, by_document_order) -> RoleData:
    copies = list(role.copy_to.select_related("party"))
    owners = {address.party.pk: address.party for address in copies}
    copy_to, other = [], []
    for party in by_document_order(owners.values()):
        for address in sorted((a for a in copies if a.party_id == party.pk), key=lambda a: a.pk):
            if address.label == "Notices":
                copy_to.append(party.legal_name)
            else:
                other.append(AddressRefData(party=party.legal_name, label=address.label))
    return RoleData(
        party=role.party.legal_name, role=role.role,
        signatory=role.signatory.name if role.signatory else "", signed_by_way_of=role.signed_by_way_of,
        notice_address=role.notice_address.label if role.notice_address else "",
        copy_to=tuple(copy_to), copy_to_addresses=tuple(other),
    )


def _reserve_covenant(deal: Deal) -> ReserveCovenantData | None:
    covenant = getattr(deal, "reserve_covenant", None)  # the reverse one-to-one raises when there is none
    if covenant is None:
        return None
    return ReserveCovenantData(share_class=covenant.share_class.name, multiple=covenant.multiple,
                               section=covenant.section)


def _rule(rule: DeadlineRule) -> RuleData:
    return RuleData(
        kind=rule.kind, offset=rule.offset, unit=rule.offset_unit, direction=rule.direction, anchor=rule.anchor,
        event=rule.anchor_event.name if rule.anchor_event else "",
        event_kind=rule.event_kind.name if rule.event_kind else "",
        frequency=rule.frequency, only_periods=rule.only_periods,
        starts_with=rule.starts_with.name if rule.starts_with else "",
        ends_with=rule.ends_with.name if rule.ends_with else "",
        ends_when_notes_repaid=rule.ends_when_notes_repaid, roll=rule.roll, holiday_calendar=rule.holiday_calendar,
        fixed_date=rule.fixed_date, window_start=rule.window_start, window_end=rule.window_end,
        limbs=tuple(_rule(limb) for limb in rule.limbs.order_by("pk")),
    )


# --------------------------------------------------------------------------
# Writing records as JSON
# --------------------------------------------------------------------------


def document_dump(record: _Record) -> dict:
    """A record as the JSON object a document holds: fields in declared order, those at their default left out."""
    result = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        has_default = f.default is not dataclasses.MISSING
        if has_default and value == f.default:
            continue
        result[f.name] = _dump_value(value)
    return result


def _dump_value(value: Any) -> Any:
    if isinstance(value, _Record):
        return document_dump(value)
    if isinstance(value, tuple):
        return [_dump_value(item) for item in value]
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def decimal_text(value: Decimal) -> str:
    """The shortest exact writing: "0.010000" (as the database keeps a rate) and "0.01" are both "0.01"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text
