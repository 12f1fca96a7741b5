"""The section map: every numbered section of an agreement, held by what the desk tracks or marked as carrying none.

The two agreements' texts are in docs/agreements/ (copies of the seeds); the
maps are dealdesk/sample_deals/*.sections.json, loaded with the sample deals.
"""
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.html import escape

from dealdesk import sample_deals
from deals.admin import NOT_HELD_STYLE, READING_STYLE
from deals.models import AgreementSection, Deal
from deals.sections import cited_sections, section_map
from tests.factories import ConvertibleNoteFactory, DealFactory, ObligationFactory

pytestmark = pytest.mark.django_db

PAA = "Cal-Bay International – Placement Agent Agreement (equity line)"
SPA = "CalbaTech – Securities Purchase Agreement (10% secured convertible notes)"
AGREEMENTS = Path(__file__).resolve().parent.parent / "docs" / "agreements"
TEXTS = {PAA: AGREEMENTS / "000_91a4470c9beab2b0.txt", SPA: AGREEMENTS / "003_040fbbd37f20b493.txt"}


# --- Reading the numbered sections out of the agreements' own text ----------------------

ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]

# SPA: recitals "     A.", sections "     1.", sub-sections "        a.", paragraphs "            (i)".
# Lettered or numbered items inside a paragraph ("(i) except as provided ...") never start an indented line.
SPA_MARKER = re.compile(r"^(?: {5}(?P<top>\d+|[A-Z])\.| {8}(?P<sub>[a-z])\.| {12}\((?P<para>[ivx]+)\))\s", re.M)

# PAA: sections "1." at the margin, then "A." (at a line's start or after a sentence: "11.  MISCELLANEOUS.  A.  This",
# "... Offering Materials. D. At"), then "(i)" starting an indented line. Only the next number in sequence counts,
# so "(x)" wrapped to a line's start inside s.3(A)(i), or "J." in "Robert J. Oftring", is not taken for one.
PAA_MARKER = re.compile(r"^(?P<top>\d+)\.\s|(?:^\s*|\.\s+)(?P<letter>[A-Z])\.\s|^\s+\((?P<para>[ivx]+)\)\s", re.M)


def spa_sections(text: str) -> list[tuple[str, str]]:
    """(number, the words after it) for each numbered paragraph of the SPA, in order."""
    found, top, sub = [], None, None
    for match in SPA_MARKER.finditer(text):
        if match["top"] and match["top"].isdigit():
            top = number = match["top"]
        elif match["top"]:
            number = f"Recital {match['top']}"
        elif match["sub"]:
            sub = number = f"{top}({match['sub']})"
        else:
            number = f"{sub}({match['para']})"
        found.append((number, text[match.end():]))
    return found


def paa_sections(text: str) -> list[tuple[str, str]]:
    """(number, the words after it) for each numbered paragraph of the PAA, in order."""
    found, top, letter, para = [], None, None, None
    for match in PAA_MARKER.finditer(text):
        if match["top"]:
            if top is not None and int(match["top"]) <= int(top):
                continue
            top, letter, para = match["top"], None, None
            number = top
        elif match["letter"]:
            if top is None or match["letter"] != (chr(ord(letter) + 1) if letter else "A"):
                continue
            letter, para = match["letter"], None
            number = f"{top}({letter})"
        else:
            if letter is None or match["para"] != ROMAN[ROMAN.index(para) + 1 if para else 0]:
                continue
            para = match["para"]
            number = f"{top}({letter})({para})"
        found.append((number, text[match.end():]))
    return found


PARSERS = {PAA: paa_sections, SPA: spa_sections}


def document_of(title: str) -> dict:
    for path in sample_deals.FOLDER.glob("*.sections.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        if document["deal"] == title:
            return document
    raise AssertionError(f"no section map for {title}")


@pytest.mark.parametrize("title", [PAA, SPA], ids=["PAA", "SPA"])
def test_the_map_lists_every_numbered_section_of_the_text_in_its_order_and_no_other(title):
    in_text = [number for number, _ in PARSERS[title](TEXTS[title].read_text(encoding="utf-8"))]
    in_map = [section["number"] for section in document_of(title)["sections"]]

    missing = [number for number in in_text if number not in in_map]
    extra = [number for number in in_map if number not in in_text]
    assert (missing, extra) == ([], []), f"in the text, not in the map: {missing}; in the map, not in the text: {extra}"
    assert in_map == in_text


def test_the_text_parsers_find_what_the_agreements_number():
    paa = [number for number, _ in paa_sections(TEXTS[PAA].read_text(encoding="utf-8"))]
    spa = [number for number, _ in spa_sections(TEXTS[SPA].read_text(encoding="utf-8"))]

    # PAA: 1, 2(A)(i)-(vi), 3(A)(i)-(iii), 4(A)(i)-(iii), 5(A)-(F) with 5(D)(i)-(iii), 6(A)-(F), 7, 8(A)-(D),
    # no 9, 10, 11(A)-(E).
    assert len(paa) == 49
    assert [n for n in paa if "(" not in n] == ["1", "2", "3", "4", "5", "6", "7", "8", "10", "11"]
    assert [n for n in paa if n.startswith("8")] == ["8", "8(A)", "8(B)", "8(C)", "8(D)"]
    assert [n for n in paa if n.startswith("5(D)")] == ["5(D)", "5(D)(i)", "5(D)(ii)", "5(D)(iii)"]
    # SPA: recitals A-D; 1(a)-(c), 2(a)-(i), 3(a)-(z) with 3(s)(i)-(iii), 4(a)-(o), 5, 6(a)-(d), 7(a)-(i), 8(a)-(m).
    assert len(spa) == 4 + 8 + 3 + 9 + 26 + 3 + 15 + 4 + 9 + 13
    assert spa[:5] == ["Recital A", "Recital B", "Recital C", "Recital D", "1"]
    assert [n for n in spa if n.startswith("3(s)")] == ["3(s)", "3(s)(i)", "3(s)(ii)", "3(s)(iii)"]
    assert spa[-1] == "8(m)"


@pytest.mark.parametrize("title", [PAA, SPA], ids=["PAA", "SPA"])
def test_each_heading_is_the_agreement_s_own_caption(title):
    headings = {section["number"]: section.get("heading", "") for section in document_of(title)["sections"]}
    wrong = []
    for number, after in PARSERS[title](TEXTS[title].read_text(encoding="utf-8")):
        heading = headings.get(number, "")
        words = " ".join(after.split())
        # The caption runs up to its full stop (a top-level PAA one to a colon: "PLACEMENT AGENT FEE:").
        if heading and not (words.lower().startswith(heading.lower())
                            and (heading.endswith(".") or words[len(heading):][:1] in (".", ":"))):
            wrong.append(f"{number} {heading!r}: the text reads {words[:len(heading) + 10]!r}")
    assert wrong == []


def test_the_pa_agreement_has_no_section_9_and_the_map_says_so():
    sections = document_of(PAA)["sections"]

    assert "9" not in [section["number"] for section in sections]
    ten = next(section for section in sections if section["number"] == "10")
    assert ten["reading"].startswith("There is no section 9: the agreement runs from 8 to 10.")


# --- The walk: each section of the sample deals held or marked ---------------------------


def not_held(title: str) -> list[str]:
    return [section.number for section in section_map(Deal.objects.get(title=title)).not_held()]


def test_every_section_of_the_placement_agent_agreement_is_held_or_marked(loaded):
    offending = not_held(PAA)
    assert offending == [], f"PAA sections neither held nor marked as carrying no obligation: {', '.join(offending)}"


def test_every_section_of_the_securities_purchase_agreement_is_held_or_marked(loaded):
    offending = not_held(SPA)
    assert offending == [], f"SPA sections neither held nor marked as carrying no obligation: {', '.join(offending)}"


@pytest.mark.parametrize("title", [PAA, SPA], ids=["PAA", "SPA"])
def test_no_row_of_the_sample_deals_cites_a_section_the_map_lacks(loaded, title):
    unmapped = [f"s.{held.section} {held}" for held in section_map(Deal.objects.get(title=title)).unmapped]
    assert unmapped == []


def test_the_sample_deals_say_their_exhibits_and_schedules_are_not_held(loaded):
    spa = Deal.objects.get(title=SPA)
    paa = Deal.objects.get(title=PAA)

    assert spa.notes.endswith(
        "Not held: the agreement's exhibits (A, form of Note; B, form of Warrant; C, Registration Rights "
        "Agreement; D, form of opinion of the Company's counsel) and its schedules (3(a), 3(c), 3(f), 3(g), 3(i), "
        "3(j), 3(l), 3(m), 3(s), 3(t) and 4(d)) are not among the documents the desk was given, so nothing that "
        "only they say is recorded. The section map accounts for every numbered section of the agreement itself.")
    assert "Not held: the agreement has no exhibits or schedules" in paa.notes


def test_the_sample_section_maps_load_once(loaded):
    spa = Deal.objects.get(title=SPA)
    assert spa.sections.count() == 94
    assert Deal.objects.get(title=PAA).sections.count() == 49

    again = sample_deals.sample_deals_load()

    assert (again.created, again.updated) == (0, 0)
    borrower = spa.sections.get(number="4(h)")
    assert (borrower.heading, borrower.position) == ("Authorization and Reservation of Shares", 570)
    assert borrower.reading.startswith("If shareholder approval is not obtained within 30 days, \"the Company "
                                       "shall pay to the Borrower the Standard Liquidated Damages Amount\".")


# --- What holds a section ----------------------------------------------------------------


@pytest.fixture
def spa_like():
    """A deal with a few sections of the SPA, and rows citing them."""
    deal = DealFactory(title="CalbaTech notes")
    for position, (number, heading, why) in enumerate([
        ("Recital B", "", ""),
        ("1", "Purchase and Sale of Notes and Warrants", ""),
        ("1(a)", "Purchase of Notes and Warrants", ""),
        ("4", "Covenants", ""),
        ("4(g)", "Financial Information", ""),
        ("4(i)", "Listing", ""),
        ("8(b)", "Counterparts; Signatures by Facsimile", "Boilerplate: counterparts"),
        ("10", "Fees", ""),
    ]):
        AgreementSection.objects.create(deal=deal, number=number, heading=heading, no_obligation=why,
                                        position=position * 10)
    return deal


def test_a_row_holds_the_section_it_cites_and_every_section_above_it(spa_like):
    ObligationFactory(deal=spa_like, section="4 (G)(i)", title="10-QSB copies")

    the_map = {entry.section.number: entry for entry in section_map(spa_like).entries}

    assert [str(held) for held in the_map["4(g)"].own] == ["obligation: 10-QSB copies"]
    assert [str(held) for held in the_map["4"].held] == ["obligation: 10-QSB copies"]
    assert the_map["4"].own == ()  # shown once, on the closest section
    assert (the_map["4"].status, the_map["4(i)"].status, the_map["8(b)"].status) == (
        "held", "not yet held", "no obligation")


def test_a_row_citing_two_sections_holds_both_and_1_is_not_10(spa_like):
    ConvertibleNoteFactory(deal=spa_like, name="Closing Notes", principal=Decimal("800000"), section="Recital B, 1(a)")

    held = {entry.section.number: [str(h) for h in entry.own] for entry in section_map(spa_like).entries}

    assert held["Recital B"] == held["1(a)"] == ["convertible notes: Closing Notes ($800,000.00)"]
    assert held["10"] == []


def test_a_row_citing_a_section_missing_from_the_map_is_reported(spa_like):
    ObligationFactory(deal=spa_like, section="4(q)", title="Monthly list")
    ObligationFactory(deal=spa_like, section="4(g)(ii)", title="Press releases")

    the_map = section_map(spa_like)

    assert [(held.section, str(held)) for held in the_map.unmapped] == [("4(q)", "obligation: Monthly list")]


def test_citations_split_on_commas_and_drop_the_s():
    assert cited_sections("Recital B, 1(a)") == ["Recital B", "1(a)"]
    assert cited_sections("s.4(h); 1,  10") == ["4(h)", "1", "10"]
    assert cited_sections("") == []


# --- The deal's page ----------------------------------------------------------------------


class SectionRows(HTMLParser):
    """The section map's table as the reader sees it: (number, heading, what the desk holds) per row, as text."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell, self.in_body = [], None, None, False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.row = []
        elif self.row is not None and tag == "td":
            self.cell = []
        elif self.cell is not None and tag in ("li", "div"):
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(tuple(self.row))
            self.row = None
        elif tag == "tbody":
            self.in_body = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def section_map_of(response) -> str:
    fields = {f.field["name"]: f.contents() for fieldset in response.context["adminform"]
              for line in fieldset for f in line if f.is_readonly}
    return fields["section_map"]


def test_the_deal_page_shows_the_section_map_at_a_glance(admin_client, spa_like):
    obligation = ObligationFactory(deal=spa_like, section="4(g)(i)", title="10-QSB copies")
    note = ConvertibleNoteFactory(deal=spa_like, name="Closing Notes", principal=Decimal("800000"),
                                  section="Recital B, 1(a)")
    AgreementSection.objects.filter(deal=spa_like, number="Recital B").update(
        reading="The $2,000,000 is all the Notes, the two $600,000 tranches included.")
    ObligationFactory(deal=spa_like, section="4(q)", title="Monthly list")

    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[spa_like.pk]))

    html = section_map_of(response)
    table = SectionRows()
    table.feed(html)
    assert table.rows == [
        ("Recital B", "", "convertible notes: Closing Notes ($800,000.00) "
                          "Reading: The $2,000,000 is all the Notes, the two $600,000 tranches included."),
        ("1", "Purchase and Sale of Notes and Warrants", "Held through its sub-sections"),
        ("1(a)", "Purchase of Notes and Warrants", "convertible notes: Closing Notes ($800,000.00)"),
        ("4", "Covenants", "Held through its sub-sections"),
        ("4(g)", "Financial Information", "obligation: 10-QSB copies"),
        ("4(i)", "Listing", "Not yet held"),
        ("8(b)", "Counterparts; Signatures by Facsimile", "No obligation: Boilerplate: counterparts"),
        ("10", "Fees", "Not yet held"),
    ]
    # Each row the desk holds links to its own page; what is not held stands out, readings are highlighted.
    assert f'obligation: <a href="{reverse("admin:obligations_obligation_change", args=[obligation.pk])}">' in html
    assert f'<a href="{reverse("admin:instruments_convertiblenote_change", args=[note.pk])}">' in html
    assert f'<span style="{NOT_HELD_STYLE}">Not yet held</span>' in html
    assert f'<div style="{READING_STYLE}"><strong>Reading:</strong> The $2,000,000 is all the Notes' in html
    summary = re.sub(r"<[^>]+>", "", html.split("<table")[0])
    assert summary.startswith("8 sections: 5 held, 1 with no obligation, 2 not yet held. Edit the sections · "
                              "Add a section")
    assert "Citing a section the map does not have:s.4(q) obligation: Monthly list" in summary
    changelist = reverse("admin:dealdesk_agreementsection_changelist") + f"?deal__id__exact={spa_like.pk}"
    assert f'<a href="{changelist}">Edit the sections</a>' in html


def test_a_deal_without_a_map_says_so(admin_client):
    deal = DealFactory()

    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk]))

    assert re.sub(r"<[^>]+>", "", section_map_of(response)) == "No section map yet. Edit the sections · Add a section"


def test_the_sample_spa_page_shows_its_readings_and_reasons(admin_client, loaded):
    deal = Deal.objects.get(title=SPA)

    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk]))

    page = response.content.decode()
    assert page.count("<tr><td style=\"white-space: nowrap\"><strong>") == 94
    assert ("<strong>8(b)</strong></td><td>Counterparts; Signatures by Facsimile</td>"
            "<td>No obligation: Boilerplate: counterparts and signatures by facsimile</td>") in page
    assert escape("The desk reads \"the Borrower\" as the Buyer") in page
    assert escape("The desk takes the second: the recital states what the Buyers \"desire to purchase\"") in page


# --- Keeping one number once a deal -------------------------------------------------------


def test_a_section_number_is_refused_twice_in_a_deal_whatever_its_case_or_spaces(admin_client, spa_like):
    url = reverse("admin:dealdesk_agreementsection_add")

    response = admin_client.post(url, {"deal": spa_like.pk, "number": "4 (G)", "position": "45", "heading": "",
                                       "no_obligation": "", "reading": ""})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"number": [
        "This deal already has section 4(g) (Financial Information). Each section appears once in the map: "
        "edit that one instead."]}
    assert AgreementSection.objects.filter(deal=spa_like).count() == 8


def test_the_same_number_is_accepted_in_another_deal(admin_client, spa_like):
    other = DealFactory()

    response = admin_client.post(reverse("admin:dealdesk_agreementsection_add"), {
        "deal": other.pk, "number": "4(g)", "position": "10", "heading": "Financial Information",
        "no_obligation": "", "reading": ""})

    assert response.status_code == 302
    assert AgreementSection.objects.get(deal=other).number == "4(g)"


def test_a_list_of_numbers_is_refused():
    section = AgreementSection(deal=DealFactory(), number="1, 10")

    with pytest.raises(ValidationError) as error:
        section.full_clean()

    assert error.value.message_dict == {"number": ["One section a row: enter a single number, e.g. 4(g), not a list."]}


def test_the_database_refuses_a_second_4g_too(spa_like):
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementSection.objects.create(deal=spa_like, number="4(G)")


def test_a_section_map_repeating_a_number_names_its_file_and_section(tmp_path):
    for source in sample_deals.FOLDER.glob("*.json"):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "2005-calbatech-spa.sections.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["sections"].insert(10, {"number": "1 (C)", "heading": "Closing Date"})
    path.write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(sample_deals.DocumentError) as error:
        sample_deals.sample_deals_load(folder=tmp_path)

    assert str(error.value) == f'{path}: section #11 "1 (C)": repeats section #8.'
    assert Deal.objects.count() == 0


def test_every_model_citing_a_section_is_registered_for_the_map():
    from django.apps import apps

    from deals.sections import registered

    citing = {model.__name__ for model in apps.get_models()
              if model._meta.app_label in {"dealdesk", "parties", "instruments", "closings", "obligations"}
              and not model.__name__.startswith("Historical")
              and any(field.name == "section" for field in model._meta.fields)}
    assert citing - {source.model.__name__ for source in registered()} == set()
