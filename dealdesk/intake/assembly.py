"""The proposals a person accepted, as proposed or edited, put together as one deal document (docs/deal-document.md).

`document_from_proposals` builds the document's dict; `assembled_deal` reads it with the same
`document_parse` every document gets, so the review page loads it with `deals_load(deals=(deal,))`.
What the proposals leave out is filled in so the document holds together:

- a party a role, an obligation or an instrument names is written out, even if only by name;
- an event or a kind of event a rule names and no proposal defines is added, described by the
  clause that named it ("Named by s.4(g)(i): <the words>");
- a standing covenant is attested each quarter from "Compliance attestations begin", the
  desk's own practice, added once;
- every section of the reading is in the section map, once, with why it holds nothing when the
  reader passed it over or the person rejected all that came from it.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from dealdesk.deal_documents.documents import FORMAT_VERSION, DealData, DocumentError, document_parse
from deals.models import AgreementSection, DealEvent, EventKind
from deals.sections import cited_sections
from obligations.models import Obligation

from .reading import Proposal, Reading

# How errors name the document being put together.
SOURCE = "The proposed deal"

REJECTED = "Not held: rejected at review"
ATTESTATIONS_BEGIN = "Compliance attestations begin"
ATTESTATIONS_DESCRIPTION = (
    "Desk practice, not an event of the agreement: the day the desk starts attesting, at each fiscal quarter "
    "end, that the parties keep the standing covenants that have no date of their own."
)
# A standing covenant's rule when its proposal gives none: attested each quarter (docs/deal-document.md).
ATTESTATION_RULE = {"kind": "recurring", "frequency": "quarterly", "starts_with": ATTESTATIONS_BEGIN}
# What the section map says of the opening words and the signature pages: the parties hold them.
UNNUMBERED_HELD = {
    "preamble": "The parties and the agreement's date: held on the deal and its parties",
    "signatures": "Signatures: held on the parties' roles",
}

# The deal's own fields a deal proposal may set (DealData, without its lists of records).
DEAL_FIELDS = (
    "title", "agreement_name", "kind", "status", "dated_as_of", "closing_date", "governing_law", "forum",
    "notes", "reminder_days_before", "reminder_copies_to", "company", "related_agreements", "reserve_covenant",
)
INSTRUMENT_LISTS = {  # proposal kind -> (the document's list, the field that names a record)
    "share_class": ("share_classes", "name"),
    "tranche": ("tranches", "name"),
    "convertible_note": ("convertible_notes", "name"),
    "warrant": ("warrants", "name"),
    "equity_line": ("equity_lines", "investor"),
}
# A party's form read off its name, for a party the proposals name without proposing it.
FORM_ENDINGS = (
    ("l.l.c.", "llc"), ("llc", "llc"), ("l.l.p.", "llp"), ("llp", "llp"), ("l.p.", "lp"), ("lp", "lp"),
    ("ltd.", "limited"), ("limited", "limited"), ("inc.", "corporation"), ("inc", "corporation"),
    ("corporation", "corporation"), ("corp.", "corporation"), ("company", "corporation"),
)
DESCRIPTION_WORDS = 240  # characters of the clause kept in an added event's description
TITLE_LENGTH = Obligation._meta.get_field("title").max_length
NAME_LENGTH = min(DealEvent._meta.get_field("name").max_length, EventKind._meta.get_field("name").max_length)


class AssemblyError(DocumentError):
    """The accepted proposals cannot make a deal; the message says what to accept or edit."""


def assembled_deal(*, reading: Reading, records: list[tuple[Proposal, dict]], title: str | None = None) -> DealData:
    """The accepted proposals as a checked deal document, ready for `deals_load`; DocumentError if they cannot be one."""
    document = document_from_proposals(reading=reading, records=records, title=title)
    return document_parse(raw=document, source=SOURCE)


def document_from_proposals(
    *, reading: Reading, records: list[tuple[Proposal, dict]], title: str | None = None,
) -> dict:
    """One deal document (format_version 1) from the accepted proposals, each with its final record."""
    by_kind: dict[str, list[tuple[Proposal, dict]]] = defaultdict(list)
    for proposal, record in records:
        by_kind[proposal.kind].append((proposal, _plain(record)))
    deal = _deal_fields([record for _, record in by_kind["deal"]])
    parties = _Parties()
    for _, record in by_kind["party"]:
        parties.add(record)
    for _, record in by_kind["address"]:
        parties.add_address(record)
    company = _company(deal, by_kind["role"])
    parties.ensure(company)
    events = _Events(reading, defined=deal.pop("events", []), defined_kinds=deal.pop("event_kinds", []))

    instruments = _instruments(by_kind, parties, events)
    obligations = _obligations(by_kind["obligation"], parties, events)
    roles = _roles([record for _, record in by_kind["role"]], company, parties)
    closings = _closings([record for _, record in by_kind["closing"]], instruments["tranches"])
    agreement_name = deal.get("agreement_name") or "Agreement"
    document = {
        "format_version": FORMAT_VERSION,
        "title": title or deal.get("title") or f"{parties.short_name(company)} – {agreement_name}",
        "agreement_name": agreement_name,
        "kind": deal.get("kind") or _deal_kind(instruments),
        "status": deal.get("status", "active"),
        "dated_as_of": _required(deal, "dated_as_of", "agreement date"),
        "closing_date": deal.get("closing_date"),
        "governing_law": deal.get("governing_law", ""),
        "forum": deal.get("forum", ""),
        "notes": deal.get("notes", ""),
        "reminder_days_before": deal.get("reminder_days_before", ""),
        "reminder_copies_to": deal.get("reminder_copies_to", ""),
        "company": company,
        "related_agreements": deal.get("related_agreements", []),
        "parties": parties.records(),
        "roles": roles,
        "notice_methods": _unique([record for _, record in by_kind["notice_method"]], "method"),
        "event_kinds": events.kind_records(),
        "events": events.records(),
        **instruments,
        "reserve_covenant": deal.get("reserve_covenant"),
        "obligations": obligations,
        "closings": closings,
        "sections": _sections(reading, records),
    }
    return document


# --------------------------------------------------------------------------
# The deal and its parties
# --------------------------------------------------------------------------


def _deal_fields(records: list[dict]) -> dict:
    """The deal proposals' fields, the first to set each one winning; "events" and "event_kinds" kept as definitions."""
    deal: dict[str, Any] = {}
    for record in records:
        for name in (*DEAL_FIELDS, "events", "event_kinds"):
            if name in record and record[name] not in ("", None):
                deal.setdefault(name, record[name])
    return deal


def _required(deal: dict, name: str, what: str) -> Any:
    if not deal.get(name):
        raise AssemblyError(f"{SOURCE} has no {what}: accept or edit the deal proposal to give it.")
    return deal[name]


def _company(deal: dict, roles: list[tuple[Proposal, dict]]) -> str:
    """The issuer: the deal proposal's company, else the party proposed in the role of company."""
    if deal.get("company"):
        return deal["company"]
    for _, record in roles:
        if record.get("role") == "company" and record.get("party"):
            return record["party"]
    raise AssemblyError(f"{SOURCE} has no company: accept a party in the role of company, "
                        "or edit the deal proposal to name it.")


class _Parties:
    """Party records by legal name, in the order the proposals name them, each with its addresses."""

    def __init__(self) -> None:
        self._parties: dict[str, dict] = {}

    def add(self, record: dict) -> None:
        name = record.get("legal_name")
        if not name:
            raise AssemblyError(f"{SOURCE}: a party proposal has no legal name; edit it to give one, or reject it.")
        if name not in self._parties:
            self._parties[name] = {**record, "form": record.get("form") or _form_of(name),
                                   "people": [], "addresses": []}
        party = self._parties[name]
        for person in record.get("people", []):
            self.add_person(name, person)
        for address in record.get("addresses", []):
            self._append_address(party, address)

    def ensure(self, name: str) -> dict:
        """The party of that name, written out by name alone if no proposal wrote it."""
        if name not in self._parties:
            self.add({"legal_name": name})
        return self._parties[name]

    def add_person(self, party_name: str, person: dict) -> None:
        people = self.ensure(party_name)["people"]
        if person.get("name") and person["name"] not in [p["name"] for p in people]:
            people.append(person)

    def add_address(self, record: dict) -> None:
        address = dict(record)
        name = address.pop("party", "")
        if not name:
            raise AssemblyError(f"{SOURCE}: an address proposal names no party; "
                                "edit it to say whose it is, or reject it.")
        if not address.get("city"):
            raise AssemblyError(f'{SOURCE}: the address of "{name}" has no city; edit it to give one, or reject it.')
        self._append_address(self.ensure(name), address)

    @staticmethod
    def _append_address(party: dict, address: dict) -> None:
        # Two notice addresses of one party (a main and a branch office) keep both, the second labelled apart.
        labels = [a.get("label", "Notices") for a in party["addresses"]]
        label = address.get("label", "Notices")
        if label in labels:
            address = {**address, "label": _numbered(label, labels)}
        party["addresses"].append(address)

    def labels(self, name: str) -> list[str]:
        return [a.get("label", "Notices") for a in self.ensure(name)["addresses"]]

    def short_name(self, name: str) -> str:
        return self.ensure(name).get("short_name") or name

    def records(self) -> list[dict]:
        return list(self._parties.values())


def _form_of(name: str) -> str:
    lowered = name.lower().rstrip()
    for ending, form in FORM_ENDINGS:
        if lowered.endswith(ending) and (len(lowered) == len(ending) or not lowered[-len(ending) - 1].isalnum()):
            return form
    return "other"


def _roles(records: list[dict], company: str, parties: _Parties) -> list[dict]:
    """Each (party, role) once; its signatory among the party's people and its notice addresses ones it has."""
    roles: dict[tuple[str, str], dict] = {}
    if not any(record.get("role") == "company" and record.get("party") == company for record in records):
        records = [{"party": company, "role": "company"}, *records]
    for record in records:
        party = record.get("party")
        if not party or not record.get("role"):
            raise AssemblyError(f"{SOURCE}: a role proposal lacks its party or its role; edit it, or reject it.")
        if (party, record["role"]) in roles:
            continue
        parties.ensure(party)
        role = dict(record)
        if role.get("signatory"):
            parties.add_person(party, {"name": role["signatory"]})
        if role.get("notice_address", "Notices") not in parties.labels(party):
            role["notice_address"] = ""
        # A copy goes to a party's notice address; one with no address gets none.
        copy_to = []
        for name in role.get("copy_to", []):
            parties.ensure(name)
            if "Notices" in parties.labels(name):
                copy_to.append(name)
        role["copy_to"] = copy_to
        role["copy_to_addresses"] = [
            ref for ref in role.get("copy_to_addresses", [])
            if ref.get("party") and ref.get("label") in parties.labels(ref["party"])
        ]
        roles[(party, record["role"])] = role
    return list(roles.values())


# --------------------------------------------------------------------------
# Events the rules name
# --------------------------------------------------------------------------


class _Events:
    """The events and kinds of event of the document: those defined, then those the rules name.

    A name longer than the desk keeps is shortened, and every rule naming it renamed to match.
    """

    def __init__(self, reading: Reading, *, defined: list[dict], defined_kinds: list[dict]) -> None:
        self._reading = reading
        self._events = {event["name"]: event for event in defined}
        self._kinds = {kind["name"]: kind for kind in defined_kinds}
        self._stored_as: dict[tuple[str, str], str] = {}  # (events or kinds, name as proposed) -> name kept

    def event(self, name: str, proposal: Proposal, words: str) -> str:
        """The name the document keeps for the event `name`, added if no proposal defines it."""
        if not name:
            return name
        if name == ATTESTATIONS_BEGIN and name not in self._events:
            self._events[name] = {"name": name, "description": ATTESTATIONS_DESCRIPTION}
        return self._kept(self._events, "events", name, proposal, words)

    def kind(self, name: str, proposal: Proposal, words: str) -> str:
        return self._kept(self._kinds, "kinds", name, proposal, words) if name else name

    def rule(self, rule: dict, proposal: Proposal, words: str) -> None:
        """Adds what the rule names, and renames in it any name that had to be shortened."""
        for field in ("event", "starts_with", "ends_with"):
            if rule.get(field):
                rule[field] = self.event(rule[field], proposal, words)
        if rule.get("event_kind"):
            rule["event_kind"] = self.kind(rule["event_kind"], proposal, words)
        for limb in rule.get("limbs", []):
            self.rule(limb, proposal, words)

    def _kept(self, records: dict[str, dict], which: str, name: str, proposal: Proposal, words: str) -> str:
        if name in records:
            return name
        if (which, name) not in self._stored_as:
            kept = _shortened(name, NAME_LENGTH, taken=list(records))
            if kept not in records:
                records[kept] = {"name": kept, "description": self._named_by(proposal, words)}
            self._stored_as[(which, name)] = kept
        return self._stored_as[(which, name)]

    def _named_by(self, proposal: Proposal, words: str) -> str:
        # The exact words the proposal came from; the clause's text when the reading keeps no span of it.
        words = " ".join((proposal.span.of(self._reading.text) or words).split())
        if len(words) > DESCRIPTION_WORDS:
            words = words[:DESCRIPTION_WORDS].rsplit(" ", 1)[0] + " …"
        where = f"s.{proposal.section}" if proposal.section else "the agreement"
        return f"Named by {where}: {words}"

    def records(self) -> list[dict]:
        return list(self._events.values())

    def kind_records(self) -> list[dict]:
        return list(self._kinds.values())


# --------------------------------------------------------------------------
# Instruments, obligations, closings
# --------------------------------------------------------------------------


def _instruments(by_kind: dict, parties: _Parties, events: _Events) -> dict[str, list[dict]]:
    lists: dict[str, list[dict]] = {}
    for kind, (list_name, key) in INSTRUMENT_LISTS.items():
        records = []
        for proposal, record in by_kind[kind]:
            if kind == "tranche" and record.get("event"):
                record["event"] = events.event(record["event"], proposal, record.get("name", ""))
            for name in ("holder", "investor", "placement_agent"):
                if record.get(name):
                    parties.ensure(record[name])
            records.append(record)
        lists[list_name] = _unique(records, key, rename=(key == "name"))
    tranches = [tranche["name"] for tranche in lists["tranches"]]
    for note_or_warrant in (*lists["convertible_notes"], *lists["warrants"]):
        if note_or_warrant.get("tranche") and note_or_warrant["tranche"] not in tranches:
            note_or_warrant["tranche"] = ""  # its tranche was rejected at review
    return lists


def _deal_kind(instruments: dict[str, list[dict]]) -> str:
    if instruments["equity_lines"]:
        return "equity_line"
    if instruments["convertible_notes"]:
        return "convertible_notes"
    if instruments["warrants"]:
        return "warrants"
    return "other"


def _obligations(accepted: list[tuple[Proposal, dict]], parties: _Parties, events: _Events) -> list[dict]:
    """Each obligation with its parties and events; a second of the same section and title is "(2)"."""
    obligations: list[dict] = []
    taken: set[tuple[str, str]] = set()
    for proposal, record in accepted:
        obligation = dict(record)
        if obligation.get("kind") == "standing_covenant" and not obligation.get("rules"):
            obligation["rules"] = [dict(ATTESTATION_RULE)]
        for name in (obligation.get("obligor"), *obligation.get("beneficiaries", [])):
            if name:
                parties.ensure(name)
        for rule in obligation.get("rules", []):
            events.rule(rule, proposal, obligation.get("clause_text", ""))
        section = obligation.setdefault("section", proposal.section)
        title = _shortened(obligation.get("title", ""), TITLE_LENGTH - len(" (99)"), taken=[])
        obligation["title"] = title
        titles = [t for s, t in taken if s == section]
        if title in titles:
            obligation["title"] = title = _numbered(title, titles)
        taken.add((section, title))
        obligations.append(obligation)
    return obligations


def _closings(records: list[dict], tranches: list[dict]) -> list[dict]:
    names = [tranche["name"] for tranche in tranches]
    closings = _unique(records, "name", rename=True)
    for closing in closings:
        if closing.get("tranche") and closing["tranche"] not in names:
            closing["tranche"] = ""  # its tranche was rejected at review
    return closings


# --------------------------------------------------------------------------
# The section map
# --------------------------------------------------------------------------


def _sections(reading: Reading, records: list[tuple[Proposal, dict]]) -> list[dict]:
    """Every section of the reading once, in order; `no_obligation` says why one holds nothing."""
    key = AgreementSection.key
    held = {key(number) for proposal, record in records
            for number in cited_sections(record.get("section") or proposal.section)}
    proposed = {key(number) for proposal in reading.proposals for number in cited_sections(proposal.section)}
    reasons = [(number, reason) for number, reason in (*reading.passed_over, *reading.unplaced)]
    sections: dict[str, dict] = {}
    for section in reading.sections:
        number = " ".join(section.number.split())
        found = sections.get(key(number))
        if found is not None:
            found["heading"] = found["heading"] or section.heading[:200]  # "4 (G)" repeats "4(g)"
            continue
        if key(number) in held:
            no_obligation = ""
        elif key(number) in proposed:
            no_obligation = REJECTED
        else:
            no_obligation = _reason(number, reasons) or UNNUMBERED_HELD.get(key(number), "")
        sections[key(number)] = {"number": number, "heading": section.heading[:200], "no_obligation": no_obligation}
    return list(sections.values())


def _reason(number: str, reasons: list[tuple[str, str]]) -> str:
    """The reason given for the section itself, else for the nearest section it is under."""
    for candidate, reason in sorted(reasons, key=lambda pair: -len(pair[0])):
        if AgreementSection.is_under(number, candidate):
            return reason
    return ""


# --------------------------------------------------------------------------
# Small pieces
# --------------------------------------------------------------------------


def _unique(records: list[dict], key: str, *, rename: bool = False) -> list[dict]:
    """Records with distinct `key`: a repeat is renamed "(2)" when `rename`, else left out (the first stands)."""
    kept: list[dict] = []
    for record in records:
        taken = [r.get(key) for r in kept]
        if record.get(key) in taken:
            if not rename:
                continue
            record = {**record, key: _numbered(record[key], taken)}
        kept.append(record)
    return kept


def _shortened(name: str, length: int, *, taken: list[str]) -> str:
    """`name` if it fits in `length` characters, else its start with "…", told apart from `taken` by a number."""
    if len(name) <= length:
        return name
    short = name[:length - 1].rstrip() + "…"
    number = 2
    while short in taken:
        suffix = f"… ({number})"
        short, number = name[:length - len(suffix)].rstrip() + suffix, number + 1
    return short


def _numbered(name: str, taken: list[str]) -> str:
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


def _plain(value: Any) -> Any:
    """A record as JSON writes it: a copy, with dates as "YYYY-MM-DD" and amounts as numbers in quotes."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value
