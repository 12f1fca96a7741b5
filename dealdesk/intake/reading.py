"""What a reader hands the desk: the agreement's sections and its proposals, each tied to its words.

Every proposal carries the exact span of the agreement text it came from (character offsets into
`Reading.text`), the record it proposes in the deal document's own shape (docs/deal-document.md),
and a short "why" a deal administrator can check against the highlighted words.
"""
from __future__ import annotations

import typing
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of `Reading.text`."""

    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start:self.end]


@dataclass(frozen=True)
class Section:
    """One numbered section as the agreement numbers it ("4(g)", "5(D)(i)", "Recital B", "Preamble")."""

    number: str
    heading: str
    span: Span  # the whole section, heading included, sub-sections included


# What a proposal proposes; each is one record of the deal document (docs/deal-document.md):
#   deal        the deal's own fields: title, agreement_name, kind, dated_as_of, closing_date,
#               governing_law, forum (the record is a partial DealData dict, no lists)
#   party       a PartyData dict without addresses ("legal_name", "form", "jurisdiction", "people")
#   address     an AddressData dict plus "party": the legal name whose address it is
#   role        a RoleData dict ("party", "role", "copy_to", ...)
#   share_class, tranche, convertible_note, warrant, equity_line
#               the instrument records, as in the document's lists
#   obligation  an ObligationData dict with its rules; a rule may name events and kinds of event
#               the reader made up ("Form D filed"): assembly adds them to the document
#   closing     a ClosingData dict
#   notice_method  a NoticeMethodData dict
PROPOSAL_KINDS = (
    "deal", "party", "address", "role", "notice_method", "share_class", "tranche",
    "convertible_note", "warrant", "equity_line", "obligation", "closing",
)

# An obligation's shape, as a deal administrator names it: dated, recurring, per event or standing
# (derived from its kind and rules by `obligation_shape`); a closing's checklist items are the
# fifth shape, proposed as `closing` records.
SHAPES = ("dated", "recurring", "per_event", "standing")


@dataclass(frozen=True)
class Proposal:
    kind: str  # one of PROPOSAL_KINDS
    section: str  # the section number it came from; "" for the preamble and signature pages
    span: Span  # the exact words it came from
    record: dict  # the proposed record, in the deal document's shape
    why: str = ""  # what in the words led to it, in a sentence ("'within ten (10) days after filing'")

    def __post_init__(self) -> None:
        if self.kind not in PROPOSAL_KINDS:
            raise ValueError(f"unknown proposal kind {self.kind!r}")


@dataclass(frozen=True)
class Reading:
    text: str  # the agreement's plain text, as extracted: every span indexes it
    sections: tuple[Section, ...]
    proposals: tuple[Proposal, ...]
    # Sections no proposal cites and the reader had no reason to pass over, with why not:
    # listed on the review page, never silently dropped.
    unplaced: tuple[tuple[str, str], ...] = ()  # (section number, reason)
    # Sections the reader read and passed over on purpose, with why they carry nothing to track
    # ("Representation: nothing to track"): the section map's `no_obligation` (assembly.py).
    passed_over: tuple[tuple[str, str], ...] = ()  # (section number, reason)
    reader: str = ""  # which reader made it, recorded with the review


class Reader(typing.Protocol):
    name: str

    def read(self, text: str) -> Reading: ...


def obligation_shape(record: dict) -> str:
    """dated / recurring / per_event / standing, from an obligation record."""
    if record.get("kind") == "standing_covenant":
        return "standing"
    kinds = {rule.get("kind") for rule in record.get("rules", ())}
    if "recurring" in kinds or "period" in kinds:
        return "recurring"
    if "each_event" in kinds:
        return "per_event"
    return "dated"


@dataclass(frozen=True)
class DealTerms:
    """Who the agreement's defined terms stand for, read from its preamble (parties.py), used by clauses.py.

    `terms` maps a defined term as the agreement capitalises it, singular and plural, to the legal
    names it stands for: {"Company": ("CalbaTech, Inc.",), "Buyer": (...), "Buyers": (...)}.
    `roles` maps a deal-document role ("company", "investor", "placement_agent", ...) to legal names.
    """

    company: str  # the issuer's legal name
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def names(self, term: str) -> tuple[str, ...]:
        return self.terms.get(term, ())
