"""A reading scored against a reviewed deal document: precision and recall, and what was missed or made up.

Behind `manage.py score_intake AGREEMENT DOCUMENT`. Each category pairs what the document holds
with what the reader proposed, one to one (a proposal counts for one expected record at most):

- parties by legal name, ignoring case, spacing and punctuation;
- addresses by (party, first street line, city, postal code), the same way;
- instruments: a share class by name, a tranche by amount, a note by principal, a warrant by
  shares, an equity line by commitment;
- obligations with a determinable deadline (every kind but standing_covenant) by section (an
  expected "8(C), 8(D)" matches either), shape (dated / recurring / per event) and rules: the same
  rules in the same order, each the same in everything but the names of its events;
- standing covenants, apart, by section.

Precision is over what the reader proposed in the category, recall over what the document holds.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from dealdesk.deal_documents.documents import DealData, RuleData, document_parse, json_read
from deals.models import AgreementSection
from deals.sections import cited_sections

from .reading import Proposal, Reading, obligation_shape

PARTIES = "parties"
ADDRESSES = "addresses"
INSTRUMENTS = "instruments"
DATED = "obligations with a determinable deadline"
STANDING = "standing covenants"

# How each instrument is told apart: proposal kind -> (the document's list, the field compared, what to call it)
INSTRUMENT_KEYS = {
    "share_class": ("share_classes", "name", "share class"),
    "tranche": ("tranches", "amount", "tranche of"),
    "convertible_note": ("convertible_notes", "principal", "convertible note of"),
    "warrant": ("warrants", "shares", "warrant for"),
    "equity_line": ("equity_lines", "commitment", "equity line of"),
}
# The fields of a rule compared as they are; its events and kinds of event count only as set or not.
RULE_FIELDS = ("kind", "offset", "unit", "direction", "anchor", "frequency", "only_periods",
               "ends_when_notes_repaid", "roll", "fixed_date")
RULE_NAMES = ("starts_with", "ends_with", "event", "event_kind")
RULE_DEFAULTS = {f.name: f.default for f in dataclasses.fields(RuleData) if f.default is not dataclasses.MISSING}


@dataclass(frozen=True)
class Category:
    name: str
    matched: tuple[str, ...]  # the expected records the reader found
    missed: tuple[str, ...]  # the expected records it did not
    extra: tuple[str, ...]  # what it proposed that matches nothing expected

    @property
    def precision(self) -> float | None:
        proposed = len(self.matched) + len(self.extra)
        return len(self.matched) / proposed if proposed else None

    @property
    def recall(self) -> float | None:
        expected = len(self.matched) + len(self.missed)
        return len(self.matched) / expected if expected else None

    def line(self) -> str:
        found = len(self.matched)
        return (f"{self.name}: precision {_percent(self.precision)} ({found} of {found + len(self.extra)} proposed), "
                f"recall {_percent(self.recall)} ({found} of {found + len(self.missed)} expected)")


@dataclass(frozen=True)
class Score:
    categories: tuple[Category, ...]

    def category(self, name: str) -> Category:
        return next(category for category in self.categories if category.name == name)

    def lines(self) -> list[str]:
        """The figures, one category a line, then each miss and each extra with what it is."""
        lines = [category.line() for category in self.categories]
        for heading, attribute in (("Missed", "missed"), ("Extra", "extra")):
            items = [(category.name, item) for category in self.categories for item in getattr(category, attribute)]
            lines.append(f"{heading} ({len(items)}):" if items else f"{heading}: none")
            lines += [f"  {name}: {item}" for name, item in items]
        return lines


def _percent(fraction: float | None) -> str:
    return "n/a" if fraction is None else f"{fraction:.1%}"


def reviewed_document_read(*, path: Path) -> DealData:
    """A reviewed deal document from its file, with its section map joined when one lies beside it."""
    path = Path(path)
    raw = json_read(path=path)
    section_map = path.with_name(path.name.removesuffix(".json") + ".sections.json")
    if isinstance(raw, dict) and "sections" not in raw and section_map.is_file():
        sections = json_read(path=section_map)
        if isinstance(sections, dict) and "sections" in sections:
            raw = {**raw, "sections": sections["sections"]}
    return document_parse(raw=raw, source=str(path))


def score(*, reading: Reading, document: dict | DealData) -> Score:
    """How the reading's proposals compare with the reviewed document, category by category."""
    deal = document if isinstance(document, DealData) else document_parse(raw=document, source="The reviewed document")
    proposed: dict[str, list[Proposal]] = {}
    for proposal in reading.proposals:
        proposed.setdefault(proposal.kind, []).append(proposal)
    obligations = proposed.get("obligation", [])
    return Score(categories=(
        _parties(deal, proposed.get("party", [])),
        _addresses(deal, proposed.get("address", [])),
        _instruments(deal, proposed),
        _obligations(deal, [p for p in obligations if obligation_shape(p.record) != "standing"]),
        _standing(deal, [p for p in obligations if obligation_shape(p.record) == "standing"]),
    ))


# --------------------------------------------------------------------------
# The categories
# --------------------------------------------------------------------------


def _parties(deal: DealData, proposals: list[Proposal]) -> Category:
    expected = [(_plain(party.legal_name), party.legal_name) for party in deal.parties]
    found = [(_plain(p.record.get("legal_name", "")), p.record.get("legal_name", "")) for p in proposals]
    return _by_key(PARTIES, expected, found)


def _addresses(deal: DealData, proposals: list[Proposal]) -> Category:
    def described(party: str, address: Any) -> tuple[tuple, str]:
        get = address.get if isinstance(address, dict) else (lambda name: getattr(address, name))
        key = tuple(_plain(value or "") for value in (party, get("street_line_1"), get("city"), get("postal_code")))
        street = get("street_line_1") or "(no street)"
        return key, f"{party}: {street}, {get('city')} {get('postal_code') or ''}".rstrip()

    expected = [described(party.legal_name, address) for party in deal.parties for address in party.addresses]
    found = [described(p.record.get("party", ""), p.record) for p in proposals]
    return _by_key(ADDRESSES, expected, found)


def _instruments(deal: DealData, proposed: dict[str, list[Proposal]]) -> Category:
    expected, found = [], []
    for kind, (list_name, field_name, called) in INSTRUMENT_KEYS.items():
        for record in getattr(deal, list_name):
            expected.append(_instrument(kind, called, getattr(record, field_name)))
        for proposal in proposed.get(kind, []):
            found.append(_instrument(kind, called, proposal.record.get(field_name)))
    return _by_key(INSTRUMENTS, expected, found)


def _instrument(kind: str, called: str, value: Any) -> tuple[tuple, str]:
    if kind == "share_class":
        return (kind, _plain(str(value or ""))), f"{called} {value}"
    return (kind, _number(value)), f"{called} {value}"


def _obligations(deal: DealData, proposals: list[Proposal]) -> Category:
    expected = [o for o in deal.obligations if o.kind != "standing_covenant"]

    def fits(obligation, proposal: Proposal) -> bool:
        record = proposal.record
        return (_same_section(obligation.section, record.get("section") or proposal.section)
                and obligation_shape(dataclasses.asdict(obligation)) == obligation_shape(record)
                and _rules(dataclasses.asdict(obligation)) == _rules(record))

    return _by_fit(DATED, expected, proposals, fits,
                   lambda o: _obligation_text(dataclasses.asdict(o), o.section),
                   lambda p: _obligation_text(p.record, p.record.get("section") or p.section))


def _standing(deal: DealData, proposals: list[Proposal]) -> Category:
    expected = [o for o in deal.obligations if o.kind == "standing_covenant"]
    return _by_fit(STANDING, expected, proposals,
                   lambda o, p: _same_section(o.section, p.record.get("section") or p.section),
                   lambda o: f's.{o.section} "{o.title}"',
                   lambda p: f's.{p.record.get("section") or p.section} "{p.record.get("title", "")}"')


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Case, spacing and punctuation ignored: "Oftring & Company, Inc." is "oftringcompanyinc"."""
    return re.sub(r"[\W_]+", "", str(text).lower())


def _number(value: Any) -> Decimal | str:
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return str(value)


def _same_section(expected: str, proposed: str) -> bool:
    key = AgreementSection.key
    return bool({key(n) for n in cited_sections(expected)} & {key(n) for n in cited_sections(proposed or "")})


def _rules(record: dict) -> tuple:
    return tuple(_rule(rule) for rule in record.get("rules", ()))


def _rule(rule: dict) -> tuple:
    """A rule as scoring compares it: its fields, whether it names each kind of event, and its limbs."""
    rule = {**RULE_DEFAULTS, **rule}
    fields = []
    for name in RULE_FIELDS:
        value = rule.get(name)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif name == "offset":
            value = _number(value or 0)
        elif name == "only_periods":
            value = "".join(str(value or "").split())
        fields.append(value)
    names_set = tuple(bool(rule.get(name)) for name in RULE_NAMES)
    return (*fields, *names_set, tuple(_rule(limb) for limb in rule.get("limbs") or ()))


def _obligation_text(record: dict, section: str) -> str:
    rules = "; ".join(_rule_text(rule) for rule in record.get("rules", ())) or "no rule"
    return f's.{section} "{record.get("title", "")}" ({obligation_shape(record)}: {rules})'


def _rule_text(rule: dict) -> str:
    """A rule in a few words, so a miss shows what differs: "recurring quarterly, 45 calendar_days after"."""
    rule = {**RULE_DEFAULTS, **rule}
    words = [rule["kind"]]
    if rule.get("frequency"):
        words.append(rule["frequency"] + (f" (periods {rule['only_periods']})" if rule.get("only_periods") else ""))
    if rule.get("offset"):
        words.append(f"{rule['offset']} {rule['unit']} {rule['direction']}")
    if rule.get("anchor"):
        words.append(f"the {rule['event']}" if rule["anchor"] == "event" else rule["anchor"])
    for name, said in (("event_kind", "each"), ("starts_with", "from"), ("ends_with", "until")):
        if rule.get(name):
            words.append(f"{said} {rule[name]}")
    if rule.get("fixed_date"):
        words.append(f"on {rule['fixed_date']}")
    if rule.get("ends_when_notes_repaid"):
        words.append("while notes are outstanding")
    if rule.get("roll") != "following":
        words.append(f"roll {rule['roll']}")
    if rule.get("limbs"):
        words.append("[" + " | ".join(_rule_text(limb) for limb in rule["limbs"]) + "]")
    return ", ".join(str(word) for word in words)


def _by_key(name: str, expected: list[tuple[Any, str]], found: list[tuple[Any, str]]) -> Category:
    return _by_fit(name, expected, found, lambda e, f: e[0] == f[0], lambda e: e[1], lambda f: f[1])


def _by_fit(
    name: str, expected: Sequence, found: Sequence, fits: Callable[[Any, Any], bool],
    describe_expected: Callable[[Any], str], describe_found: Callable[[Any], str],
) -> Category:
    """The largest one-to-one pairing of expected with found records that fit each other (augmenting paths)."""
    candidates = [[j for j, item in enumerate(found) if fits(wanted, item)] for wanted in expected]
    partner_of_found: dict[int, int] = {}

    def pair(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j not in seen:
                seen.add(j)
                if j not in partner_of_found or pair(partner_of_found[j], seen):
                    partner_of_found[j] = i
                    return True
        return False

    for i in range(len(expected)):
        pair(i, set())
    paired = set(partner_of_found.values())
    return Category(
        name=name,
        matched=tuple(describe_expected(expected[i]) for i in sorted(paired)),
        missed=tuple(describe_expected(expected[i]) for i in range(len(expected)) if i not in paired),
        extra=tuple(describe_found(found[j]) for j in range(len(found)) if j not in partner_of_found),
    )
