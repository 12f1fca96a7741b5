"""Reading the folder of sample deals: each deal document, and the section map kept beside it.

The format itself, its records and the reading of one document are in
dealdesk/deal_documents/documents.py; this module adds what a folder of several documents
needs: one title per deal, a party written the same way in every document, and each
`<deal>.sections.json` joined to the document it maps.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from pathlib import Path

from dealdesk.deal_documents.documents import (
    DealData,
    DocumentError,
    PartyData,
    SectionData,
    Where,
    _build,
    _check_sections,
    document_read,
    json_read,
)

# `2005-calbatech-spa.sections.json` is the section map of `2005-calbatech-spa.json`.
SECTIONS_SUFFIX = ".sections.json"


def documents_read(*, folder: Path) -> tuple[DealData, ...]:
    """Every deal document of the folder (file-name order), each checked whole with its section map joined in.

    Nothing touches the database.
    """
    deals: list[DealData] = []
    seen_titles: dict[str, Path] = {}
    seen_parties: dict[str, tuple[PartyData, Path]] = {}
    paths: dict[str, Path] = {}
    for path in sorted(Path(folder).glob("*.json")):
        if path.name.endswith(SECTIONS_SUFFIX):
            continue  # a deal's section map, read by section_maps_read
        deal = document_read(path=path)
        if deal.title in seen_titles:
            raise DocumentError(f'{path}: deal: the title "{deal.title}" is also that of {seen_titles[deal.title]}.')
        seen_titles[deal.title] = path
        # A party is one row however many deals it is in: its documents must agree on it.
        for party in deal.parties:
            first, first_path = seen_parties.setdefault(party.legal_name, (party, path))
            if first != party:
                raise DocumentError(
                    f'{path}: party "{party.legal_name}": differs from the same party in {first_path}; '
                    "write it the same way in both."
                )
        deals.append(deal)
        paths[deal.title] = path
    maps = section_maps_read(folder=folder, deals=tuple(deals))
    joined = []
    for deal in deals:
        if deal.title in maps and deal.sections:
            raise DocumentError(f"{paths[deal.title]}: deal: has its own sections and a section map beside it; "
                                "keep one of the two.")
        joined.append(dataclasses.replace(deal, sections=maps[deal.title].sections) if deal.title in maps else deal)
    return tuple(joined)


@dataclass(frozen=True, kw_only=True)
class SectionMapData:
    LABEL: typing.ClassVar[str] = "section map"
    KEY: typing.ClassVar[tuple[str, ...]] = ("deal",)
    deal: str  # the title of the deal document it maps
    sections: tuple[SectionData, ...]  # in the agreement's order


def section_maps_read(*, folder: Path, deals: tuple[DealData, ...]) -> dict[str, SectionMapData]:
    """Every *.sections.json of the folder, checked whole, by the title of the deal it maps."""
    titles = [deal.title for deal in deals]
    maps: dict[str, tuple[SectionMapData, Path]] = {}
    for path in sorted(Path(folder).glob("*" + SECTIONS_SUFFIX)):
        def fail(where: Where, problem: str, path: Path = path) -> typing.NoReturn:
            raise DocumentError(f"{path}: {' > '.join(where) or 'section map'}: {problem}")

        section_map = _build(SectionMapData, json_read(path=path), (), fail)
        if section_map.deal not in titles:
            fail((), f'deal: "{section_map.deal}" is not the title of a deal document ({"; ".join(titles)}).')
        if section_map.deal in maps:
            fail((), f'deal: "{section_map.deal}" already has its section map in {maps[section_map.deal][1]}.')
        _check_sections(section_map.sections, fail)
        maps[section_map.deal] = (section_map, path)
    return {title: section_map for title, (section_map, _) in maps.items()}
