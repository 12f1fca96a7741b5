"""The review page's reading of an intake: the text cut where spans begin and end, proposals in words.

No requests or templates here: what a proposal's record says is put in the words a
deal administrator reads ("10 calendar days after each SEC report filed"), and the agreement's
text is cut into pieces so that any proposal's span is a run of whole pieces the page can mark.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from deals.models import Deal
from obligations.models import Obligation
from parties.models import DealParty, Party
from reckoning.deadlines import DayCount, Direction, Frequency, RuleKind

from .models import KIND_LABELS, IntakeProposal

# The groups of the proposals column, in the order a deal is read.
GROUPS = (
    ("deal", "Deal", ("deal",)),
    ("parties", "Parties and roles", ("party", "role")),
    ("addresses", "Notice addresses and methods", ("address", "notice_method")),
    ("instruments", "Instruments", ("share_class", "tranche", "convertible_note", "warrant", "equity_line")),
    ("obligations", "Obligations", ("obligation",)),
    ("closings", "Closings", ("closing",)),
)
ANCHORS = {"agreement_date": "the date of the agreement", "closing_date": "the closing date"}
# Fields the compact list leaves out: shown elsewhere (title, rules) or too long to list (the clause).
NOT_LISTED = {"clause_text", "rules", "people", "addresses", "items", "draws", "reservations", "limbs", "forum",
              "notes", "title", "section"}
LONGEST_VALUE = 90
OBLIGATION_KINDS = dict(Obligation.Kind.choices)
# A record's coded values shown by their labels, as the desk's own pages show them.
LABELS = {
    ("obligation", "kind"): OBLIGATION_KINDS,
    ("deal", "kind"): dict(Deal.Kind.choices),
    ("party", "form"): dict(Party.Form.choices),
    ("role", "role"): dict(DealParty.Role.choices),
}


@dataclass(frozen=True)
class Piece:
    start: int
    text: str
    section_id: str = ""  # an anchor: a section starts here


@dataclass
class Card:
    row: IntakeProposal
    headline: str
    fields: list[tuple[str, str]]
    rules: list[str]
    words: str  # the span's own words, shortened


@dataclass
class Group:
    slug: str
    label: str
    cards: list[Card] = field(default_factory=list)
    by_section: list[tuple[str, list[Card]]] = field(default_factory=list)


def section_id(number: str) -> str:
    """An HTML id for a section number: "4(g)(i)" -> "s-4-g-i"."""
    return "s-" + "-".join(re.findall(r"[A-Za-z0-9]+", number))


def text_pieces(*, text: str, sections: list, rows: list[IntakeProposal]) -> list[Piece]:
    """The text cut at every section start and every span's start and end, each piece with its offset."""
    anchors: dict[int, str] = {}
    for number, _heading, start, _end in sections:
        anchors.setdefault(start, section_id(number))
    cuts = {0, len(text), *anchors}
    for row in rows:
        cuts.update((min(row.span_start, len(text)), min(row.span_end, len(text))))
    bounds = sorted(cuts)
    return [Piece(start=start, text=text[start:end], section_id=anchors.get(start, ""))
            for start, end in zip(bounds, bounds[1:]) if end > start]


def proposal_groups(rows: list[IntakeProposal], text: str) -> list[Group]:
    groups = []
    for slug, label, kinds in GROUPS:
        group = Group(slug=slug, label=label, cards=[card(row, text) for row in rows if row.kind in kinds])
        if not group.cards:
            continue
        if slug == "obligations":
            sections: dict[str, list[Card]] = {}
            for one in group.cards:
                sections.setdefault(one.row.section or "Unnumbered", []).append(one)
            group.by_section = list(sections.items())
        groups.append(group)
    return groups


def card(row: IntakeProposal, text: str) -> Card:
    record = row.record or {}
    words = " ".join(text[row.span_start:row.span_end].split())
    return Card(row=row, headline=headline(row.kind, record), fields=record_fields(record, row.kind),
                rules=[rule_words(rule) for rule in record.get("rules", []) if isinstance(rule, dict)],
                words=_shorten(words, 220))


def headline(kind: str, record: dict) -> str:
    """What the record is, in a line."""
    name = {
        "deal": lambda r: r.get("title") or r.get("agreement_name") or "The deal: " + ", ".join(
            name.replace("_", " ") for name in r if not name.startswith("_")),
        "party": lambda r: r.get("legal_name", ""),
        "address": lambda r: ", ".join(filter(None, (r.get("party"), r.get("street_line_1"), r.get("city")))),
        "role": lambda r: f"{r.get('party', '?')} as {str(r.get('role', '?')).replace('_', ' ')}",
        "notice_method": lambda r: f"Notices by {str(r.get('method', '?')).replace('_', ' ')}",
        "obligation": lambda r: r.get("title", ""),
    }.get(kind, lambda r: r.get("name") or r.get("investor") or "")(record)
    return name or KIND_LABELS.get(kind, kind)


def record_fields(record: dict, kind: str = "") -> list[tuple[str, str]]:
    """The record's short values as (label, value), in the record's order."""
    fields = []
    for name, value in record.items():
        if isinstance(value, str):
            value = LABELS.get((kind, name), {}).get(value, value)
        if name in NOT_LISTED or name.startswith("_") or value in ("", None, [], {}, False):
            continue
        if isinstance(value, list):
            value = ", ".join(str(item.get("name", item)) if isinstance(item, dict) else str(item) for item in value)
        elif isinstance(value, dict):
            continue
        fields.append((name.replace("_", " "), _shorten(str(value), LONGEST_VALUE)))
    return fields


def rule_words(rule: dict) -> str:
    """A deadline rule in words: "10 calendar days after each SEC report filed"."""
    return _when(rule) + _limits(rule)


def _when(rule: dict) -> str:
    kind = rule.get("kind", "")
    counted = f"{_amount(rule)} {_label(Direction, rule.get('direction', 'after'))}" if rule.get("offset") else ""
    if kind == RuleKind.FIXED_DATE:
        return f"On {rule.get('fixed_date') or '?'}"
    if kind == RuleKind.RECURRING:
        periods = _label(Frequency, rule.get("frequency", "")).lower() or "each period end"
        text = f"{_amount(rule)} after {periods}" if counted else f"At {periods}"
        return text + (f" (periods {rule['only_periods']} only)" if rule.get("only_periods") else "")
    if kind == RuleKind.PERIOD:
        return f"A period of {_amount(rule)} from {_anchor(rule)}"
    if kind == RuleKind.EACH_EVENT:
        each = f"each {rule.get('event_kind') or '?'}"
        return f"{counted} {each}" if counted else f"On {each}"
    if kind in (RuleKind.LATER_OF, RuleKind.EARLIER_OF):
        which = "The later of" if kind == RuleKind.LATER_OF else "The earlier of"
        return f"{which}: " + "; ".join(rule_words(limb) for limb in rule.get("limbs", []))
    if kind == RuleKind.AFTER_ANCHOR:
        return f"{counted} {_anchor(rule)}" if counted else f"On {_anchor(rule)}"
    return f"A rule of kind {kind or '?'}"


def _limits(rule: dict) -> str:
    text = ""
    if rule.get("starts_with"):
        text += f"; once {rule['starts_with']}"
    if rule.get("ends_with"):
        text += f"; until {rule['ends_with']}"
    if rule.get("ends_when_notes_repaid"):
        text += "; while any Note is outstanding"
    return text


def _amount(rule: dict) -> str:
    return f"{rule.get('offset', 0)} {_label(DayCount, rule.get('unit', 'calendar_days'))}"


def _anchor(rule: dict) -> str:
    anchor = rule.get("anchor", "")
    if anchor == "event" or rule.get("event"):
        return rule.get("event") or "an event"
    return ANCHORS.get(anchor, anchor.replace("_", " ") or "?")


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value).replace("_", " ")


def _shorten(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most].rsplit(" ", 1)[0] + " …"
