"""The section map: which of the desk's rows hold each numbered section of a deal's agreement.

Rows in the apps above this one cite the agreement in a `section` field
("4(h)", "5(D)(i)", "Recital B, 1(a)"). This core may not import those apps, so
each app says here which of its models cite sections, how to reach the deal
from a row and what to call it, from its own AppConfig.ready():

    register(Obligation, kind="obligation", describe=lambda o: o.title)
    register(ClosingItem, kind="closing item", deal_field="closing__deal", select_related=["closing"])

`section_map(deal)` then walks the deal's AgreementSections in order: each is
held by the registered rows that cite it or a section under it ("4(g)(i)" is
under "4(g)"; numbers compare without case or spaces), or marked as carrying
no obligation, or else not yet held. Rows citing a section the map does not
have are returned too, so nothing cites a section the map lacks: "4(q)" when
the map lists 4(a) to 4(o); not "4(g)(i)" when the map lists no sub-section of
4(g) (an item within its text).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models

from deals.models import AgreementSection, Deal

__all__ = [
    "Held", "MapEntry", "SectionMap", "Source",
    "cited_sections", "citations_in", "register", "registered", "section_map",
]


@dataclass(frozen=True)
class Source:
    """One model whose rows cite sections of the deal's agreement."""

    model: type[models.Model]
    kind: str  # what the row is, in a few words: "obligation", "closing item", "convertible notes"
    deal_field: str | None  # the lookup from a row to its deal ("deal", "closing__deal"); None: the row is the deal
    cites: Callable[[models.Model], str]  # the row's citation, e.g. "Recital B, 1(a)"
    describe: Callable[[models.Model], str]  # the row in a few words
    select_related: tuple[str, ...] = ()

    def rows(self, deal: Deal) -> Iterable[models.Model]:
        lookup = {"pk": deal.pk} if self.deal_field is None else {self.deal_field: deal}
        queryset = self.model._default_manager.filter(**lookup)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        return queryset.order_by("pk")


_SOURCES: dict[type[models.Model], Source] = {}


def register(
    model: type[models.Model],
    *,
    kind: str,
    deal_field: str | None = "deal",
    section_field: str = "section",
    cites: Callable[[models.Model], str] | None = None,
    describe: Callable[[models.Model], str] = str,
    select_related: Iterable[str] = (),
) -> None:
    """Declare that `model`'s rows cite sections (by default in its `section` field). Registering again replaces."""
    _SOURCES[model] = Source(
        model=model,
        kind=kind,
        deal_field=deal_field,
        cites=cites or (lambda row: getattr(row, section_field)),
        describe=describe,
        select_related=tuple(select_related),
    )


def registered() -> tuple[Source, ...]:
    return tuple(_SOURCES.values())


def cited_sections(citation: str) -> list[str]:
    """The sections one citation names: "Recital B, 1(a)" -> ["Recital B", "1(a)"]; "s.4(h)" -> ["4(h)"]."""
    parts = [re.sub(r"^(?:s\.|section\s)\s*", "", part.strip(), flags=re.IGNORECASE)
             for part in re.split(r"[,;]", citation)]
    return [" ".join(part.split()) for part in parts if part.strip()]


def citations_in(text: str) -> list[str]:
    """The sections a piece of prose cites as "s.8(a)": "... forum is waived (s.8(a))." -> ["8(a)"]."""
    return re.findall(r"\bs\.\s?(\d+(?:\([0-9A-Za-z]+\))*)", text)


@dataclass(frozen=True)
class Held:
    """One row of the desk citing a section: what it is, what it is called, which section it cites."""

    kind: str
    title: str
    section: str  # the one section of the row's citation this entry is about
    row: models.Model

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


@dataclass(frozen=True)
class MapEntry:
    section: AgreementSection
    held: tuple[Held, ...]  # every row citing the section or a section under it
    own: tuple[Held, ...]  # those for which this is the closest section of the map (the rest sit under a sub-section)

    class Status:
        HELD = "held"
        NO_OBLIGATION = "no obligation"
        NOT_HELD = "not yet held"

    @property
    def status(self) -> str:
        if self.held:
            return self.Status.HELD
        if self.section.no_obligation.strip():
            return self.Status.NO_OBLIGATION
        return self.Status.NOT_HELD


@dataclass(frozen=True)
class SectionMap:
    entries: tuple[MapEntry, ...]
    unmapped: tuple[Held, ...] = field(default=())  # rows citing a section the map does not have

    def not_held(self) -> list[AgreementSection]:
        return [entry.section for entry in self.entries if entry.status == MapEntry.Status.NOT_HELD]

    def count(self, status: str) -> int:
        return sum(1 for entry in self.entries if entry.status == status)


def section_map(deal: Deal) -> SectionMap:
    """Each of the deal's sections in order with the rows that hold it, and the rows citing no section of the map."""
    sections = list(deal.sections.order_by("position", "id"))
    held: dict[int, list[Held]] = {section.pk: [] for section in sections}
    own: dict[int, list[Held]] = {section.pk: [] for section in sections}
    unmapped: list[Held] = []
    has_sub_sections = {
        section.pk: any(other.pk != section.pk and AgreementSection.is_under(other.number, section.number)
                        for other in sections)
        for section in sections
    }
    for source in registered():
        for row in source.rows(deal):
            for cited in cited_sections(source.cites(row) or ""):
                item = Held(kind=source.kind, title=source.describe(row), section=cited, row=row)
                holders = [section for section in sections if AgreementSection.is_under(cited, section.number)]
                closest = max(holders, key=lambda section: len(AgreementSection.key(section.number)), default=None)
                if closest is None or (AgreementSection.key(cited) != AgreementSection.key(closest.number)
                                       and has_sub_sections[closest.pk]):
                    # "4(q)" where the map lists 4(a) to 4(o): a section it does not have. "4(g)(i)" where
                    # 4(g) has no sub-sections in the map is an item of 4(g)'s text, and 4(g) holds it.
                    unmapped.append(item)
                    continue
                for section in holders:
                    held[section.pk].append(item)
                own[closest.pk].append(item)
    entries = tuple(
        MapEntry(section=section, held=tuple(held[section.pk]), own=tuple(own[section.pk])) for section in sections
    )
    return SectionMap(entries=entries, unmapped=tuple(unmapped))
