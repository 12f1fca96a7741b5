"""The rule reader ("rules-v1"): the agreement's sections, then what its words propose, each tied to its span.

    1. sections.py numbers the text into sections;
    2. parties.py reads the preamble, recitals, notices and signature pages (the deal, its parties,
       addresses, roles and instruments) and the defined terms that stand for the parties;
    3. clauses.py reads each section's sentences for duties with deadlines, knowing who the terms name;
    4. every leaf section nothing cites and nothing passed over is listed as unplaced, so a person
       sees it on the review page rather than losing it.

Deterministic and offline; a stronger reader implements `reading.Reader` in its place.
"""
from __future__ import annotations

from deals.models import AgreementSection
from deals.sections import cited_sections

from . import clauses, extract, parties, sections
from .reading import Proposal, Reader, Reading, Section

# Why a section is listed for the administrator when the reader found nothing in it.
NOTHING_FOUND = "no duty, party or figure found"

# Read whole by parties.py, not section by section; never "unplaced".
UNNUMBERED = ("Preamble", "Signatures")


class RuleReader:
    name = "rules-v1"

    def read(self, text: str) -> Reading:
        found = sections.agreement_sections(text)
        deal_side, terms = parties.deal_proposals(text=text, sections=found)
        duties, passed_over = clauses.obligation_proposals(text=text, sections=found, terms=terms)
        proposals = (*deal_side, *duties)
        return Reading(
            text=text,
            sections=found,
            proposals=proposals,
            unplaced=unplaced_sections(sections=found, proposals=proposals, passed_over=passed_over),
            passed_over=tuple(passed_over),
            reader=self.name,
        )


def read_agreement(*, data: bytes, filename: str, reader: Reader | None = None) -> Reading:
    """An upload's bytes read by `reader` (the rule reader unless told); IntakeRefused for what is not an agreement."""
    text = extract.agreement_text(data=data, filename=filename)
    return (reader or RuleReader()).read(text)


def unplaced_sections(
    *, sections: tuple[Section, ...], proposals: tuple[Proposal, ...] | list[Proposal],
    passed_over: list[tuple[str, str]] | tuple[tuple[str, str], ...],
) -> tuple[tuple[str, str], ...]:
    """Each leaf section no proposal cites and no reason passes over, with `NOTHING_FOUND`.

    A reason given for a section covers the sections under it ("Definitions" for 1 covers 1(a)).
    """
    key = AgreementSection.key
    cited = {key(number) for proposal in proposals for number in cited_sections(proposal.section)}
    covered = [number for number, _ in passed_over]
    unplaced = []
    for section in leaf_sections(sections):
        if section.number in UNNUMBERED:
            continue
        if key(section.number) in cited or any(AgreementSection.is_under(section.number, other) for other in covered):
            continue
        unplaced.append((section.number, NOTHING_FOUND))
    return tuple(unplaced)


def leaf_sections(sections: tuple[Section, ...]) -> list[Section]:
    """The sections with no section inside their span."""
    return [
        section for section in sections
        if not any(
            other is not section and section.span.start <= other.span.start and other.span.end <= section.span.end
            and (other.span.start, other.span.end) != (section.span.start, section.span.end)
            for other in sections
        )
    ]

