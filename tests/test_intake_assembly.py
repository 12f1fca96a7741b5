"""Accepted proposals put together as one deal document (dealdesk/intake/assembly.py), and that document loaded.

The Cal-Bay sample document is cut into proposals, one per record, as a reader would propose
them; assembled back, it is the sample again in everything the desk loads, and loaded, its due
dates are the sample's.
"""
import dataclasses
import datetime
import json
from pathlib import Path

import pytest

from dealdesk.deal_documents.documents import DocumentError, document_parse
from dealdesk.deal_documents.loading import deals_load
from dealdesk.intake.assembly import (
    ATTESTATIONS_DESCRIPTION,
    REJECTED,
    AssemblyError,
    assembled_deal,
    document_from_proposals,
)
from dealdesk.intake.reader import NOTHING_FOUND, read_agreement, unplaced_sections
from dealdesk.intake.reading import Proposal, Reading, Section, Span
from deals.models import AgreementSection, Deal, DealEvent
from obligations.models import Occurrence

SAMPLES = Path(__file__).resolve().parent.parent / "dealdesk" / "sample_deals"
CALBAY = SAMPLES / "2003-calbay-placement-agent.json"
ASSEMBLED = "Cal-Bay, as assembled from its proposals"
NOWHERE = Span(0, 0)
HERE_SPAN = Span(0, 10)
D = datetime.date

# What a reader proposes as the deal's own record (the rest of the document is in lists of records).
DEAL_FIELDS = ("title", "agreement_name", "kind", "dated_as_of", "closing_date", "governing_law", "forum",
               "notes", "company", "related_agreements", "reserve_covenant")
INSTRUMENTS = {"share_classes": "share_class", "tranches": "tranche", "convertible_notes": "convertible_note",
               "warrants": "warrant", "equity_lines": "equity_line"}


def without_comments(value):
    if isinstance(value, dict):
        return {key: without_comments(item) for key, item in value.items() if not key.startswith("_")}
    if isinstance(value, list):
        return [without_comments(item) for item in value]
    return value


def sample_raw(path: Path) -> dict:
    raw = without_comments(json.loads(path.read_text()))
    sections = json.loads(path.with_name(path.name.replace(".json", ".sections.json")).read_text())
    raw["sections"] = without_comments(sections["sections"])
    return raw


def sample_as_reading(raw: dict) -> Reading:
    """The reviewed document as a reader's proposals, one per record, and its section map as the reading's sections."""
    proposals = [Proposal("deal", "", NOWHERE, {k: raw[k] for k in DEAL_FIELDS if k in raw})]
    for party in raw["parties"]:
        proposals.append(Proposal("party", "", NOWHERE, {k: v for k, v in party.items() if k != "addresses"}))
        for address in party.get("addresses", []):
            proposals.append(Proposal("address", "", NOWHERE, {**address, "party": party["legal_name"]}))
    proposals += [Proposal("role", "", NOWHERE, role) for role in raw["roles"]]
    proposals += [Proposal("notice_method", m["section"], NOWHERE, m) for m in raw["notice_methods"]]
    for list_name, kind in INSTRUMENTS.items():
        proposals += [Proposal(kind, record["section"], NOWHERE, record) for record in raw.get(list_name, [])]
    proposals += [Proposal("obligation", o["section"], NOWHERE, o) for o in raw["obligations"]]
    proposals += [Proposal("closing", c["section"], NOWHERE, c) for c in raw.get("closings", [])]
    return Reading(
        text="",
        sections=tuple(Section(s["number"], s.get("heading", ""), NOWHERE) for s in raw["sections"]),
        proposals=tuple(proposals),
        passed_over=tuple((s["number"], s["no_obligation"]) for s in raw["sections"] if s.get("no_obligation")),
        reader="the reviewed sample",
    )


def accept_all(reading: Reading) -> list[tuple[Proposal, dict]]:
    return [(proposal, proposal.record) for proposal in reading.proposals]


@pytest.fixture
def calbay() -> dict:
    return sample_raw(CALBAY)


@pytest.mark.parametrize("sample_file", [CALBAY, SAMPLES / "2005-calbatech-spa.json"])
def test_a_sample_cut_into_proposals_assembles_back_into_the_sample(sample_file):
    raw = sample_raw(sample_file)
    sample = document_parse(raw=raw, source="sample")
    reading = sample_as_reading(raw)

    assembled = assembled_deal(reading=reading, records=accept_all(reading), title=ASSEMBLED)

    assert assembled.title == ASSEMBLED
    # Events are not proposals: the rules name them, and assembly adds them with the words that named them.
    assert sorted(e.name for e in assembled.events) == sorted(e.name for e in sample.events)
    assert sorted(k.name for k in assembled.event_kinds) == sorted(k.name for k in sample.event_kinds)
    # The section map keeps every number, heading and reason; the desk's readings are a person's, not a reader's.
    assert [(s.number, s.heading, s.no_obligation) for s in assembled.sections] == [
        (s.number, s.heading, s.no_obligation) for s in sample.sections]
    same_otherwise = dataclasses.replace(
        assembled, title=sample.title, events=sample.events, event_kinds=sample.event_kinds,
        sections=sample.sections)
    assert same_otherwise == sample


def test_events_the_rules_name_are_described_by_the_clause_that_names_them(calbay):
    reading = sample_as_reading(calbay)

    document = document_from_proposals(reading=reading, records=accept_all(reading))

    events = {event["name"]: event["description"] for event in document["events"]}
    assert events["End of the registration period of the Equity Line"] == (
        "Named by s.5(D)(i): To deliver, during the registration period of the Equity Line Credit Agreement, to "
        "the Placement Agent upon the Placement Agent's request, (i) within forty five (45) days, a statement of "
        "its income for each such quarterly period, and its …")
    assert events["Compliance attestations begin"] == ATTESTATIONS_DESCRIPTION
    assert [e["name"] for e in document["events"]].count("Compliance attestations begin") == 1
    kinds = {kind["name"]: kind["description"] for kind in document["event_kinds"]}
    assert kinds["Draw on the equity line"].startswith("Named by s.8(B): ")


def occurrences(deal: Deal) -> dict[tuple[str, str], list[D]]:
    rows = Occurrence.objects.for_deal(deal).order_by("due_date").values_list(
        "rule__obligation__section", "rule__obligation__title", "due_date")
    dates: dict[tuple[str, str], list[D]] = {}
    for section, title, due in rows:
        dates.setdefault((section, title), []).append(due)
    return dates


def live_through(deal: Deal) -> None:
    """The same days entered on each deal: every event happens, and one event of each kind."""
    for index, event in enumerate(deal.events.order_by("name")):
        event.date = D(2003, 7, 1) + datetime.timedelta(days=10 * index)
        if "registration period" in event.name:
            event.date = D(2004, 12, 31)
        event.save()
    for index, kind in enumerate(deal.event_kinds.order_by("name")):
        DealEvent.objects.create(deal=deal, kind=kind, name=f"{kind.name[:80]} #1",
                                 date=D(2003, 9, 5) + datetime.timedelta(days=index))


@pytest.mark.django_db
def test_the_assembled_calbay_deal_loads_with_the_due_dates_of_the_sample(calbay):
    sample_data = document_parse(raw=calbay, source="sample")
    reading = sample_as_reading(calbay)
    deals_load(deals=(sample_data,))
    deals_load(deals=(assembled_deal(reading=reading, records=accept_all(reading), title=ASSEMBLED),))
    sample, assembled = Deal.objects.get(title=sample_data.title), Deal.objects.get(title=ASSEMBLED)

    live_through(sample)
    live_through(assembled)

    expected = occurrences(sample)
    assert sum(len(dates) for dates in expected.values()) > 50  # every shape of rule has come due
    assert occurrences(assembled) == expected
    assert occurrences(assembled)[("2(A)(iii)", "Copies of this Agreement forwarded to the Company and the Investor")] == [
        D(2003, 6, 16)]


def small_reading(*proposals: Proposal, sections=(), passed_over=(), unplaced=()) -> Reading:
    return Reading(text="THE AGREEMENT " * 40, sections=tuple(sections), proposals=tuple(proposals),
                   passed_over=tuple(passed_over), unplaced=tuple(unplaced), reader="by hand")


DEAL = Proposal("deal", "", Span(0, 13), {"agreement_name": "Loan Agreement", "dated_as_of": "2024-03-01",
                                           "governing_law": "New York", "company": "Borrower Co., Inc."})


AFTER_EFFECTIVE_DATE = {"kind": "after_anchor", "offset": 3, "unit": "business_days", "anchor": "event",
                        "event": "Effective Date"}


def obligation(section: str, title: str, **fields) -> Proposal:
    record = {"section": section, "title": title, "kind": "reporting", "beneficiaries": ["Lender Bank, N.A."],
              "clause_text": f"The Borrower shall deliver {title.lower()}.",
              "rules": [{"kind": "after_anchor", "offset": 10, "anchor": "agreement_date"}], **fields}
    return Proposal("obligation", section, NOWHERE, record)


def test_parties_a_role_or_an_obligation_names_are_written_out_with_their_addresses():
    address = Proposal("address", "9", Span(0, 10), {"party": "Lender Bank, N.A.", "street_line_1": "1 Main St",
                                                      "city": "New York", "region": "NY", "postal_code": "10001"})
    role = Proposal("role", "", Span(0, 5), {"party": "Lender Bank, N.A.", "role": "investor",
                                             "signatory": "Pat Lee", "copy_to": ["Counsel LLP"]})
    reading = small_reading(DEAL, address, role, obligation("5(a)", "Monthly report"))

    document = document_from_proposals(reading=reading, records=accept_all(reading))

    assert document["parties"] == [
        {"legal_name": "Lender Bank, N.A.", "form": "other", "people": [{"name": "Pat Lee"}],
         "addresses": [{"street_line_1": "1 Main St", "city": "New York", "region": "NY", "postal_code": "10001"}]},
        {"legal_name": "Borrower Co., Inc.", "form": "corporation", "people": [], "addresses": []},
        {"legal_name": "Counsel LLP", "form": "llp", "people": [], "addresses": []},
    ]
    # The company plays its part though no role was proposed; a copy goes only to a party with an address.
    assert document["roles"] == [
        {"party": "Borrower Co., Inc.", "role": "company", "notice_address": "", "copy_to": [], "copy_to_addresses": []},
        {"party": "Lender Bank, N.A.", "role": "investor", "signatory": "Pat Lee", "copy_to": [],
         "copy_to_addresses": []},
    ]
    assert document["title"] == "Borrower Co., Inc. – Loan Agreement"
    assert document["kind"] == "other"
    assert assembled_deal(reading=reading, records=accept_all(reading)).company == "Borrower Co., Inc."


def test_two_obligations_of_one_section_and_title_are_told_apart():
    reading = small_reading(DEAL, obligation("5(a)", "Compliance certificate"),
                            obligation("5(a)", "Compliance certificate"), obligation("5(a)", "Compliance certificate"))

    deal = assembled_deal(reading=reading, records=accept_all(reading))

    assert [o.title for o in deal.obligations] == [
        "Compliance certificate", "Compliance certificate (2)", "Compliance certificate (3)"]


def test_the_section_map_says_why_each_section_holds_nothing():
    held, rejected = obligation("5(a)", "Annual budget"), obligation("5(b)", "Insurance certificate")
    sections = [Section("Preamble", "", Span(0, 5)), Section("1", "Definitions", Span(5, 60)),
                Section("1(a)", "", Span(10, 20)), Section("5", "Covenants", Span(60, 200)),
                Section("5(a)", "", Span(60, 100)), Section("5(b)", "", Span(100, 150)),
                Section("5 (B)", "Insurance", Span(150, 200)), Section("6", "Notices", Span(200, 300))]
    reading = small_reading(DEAL, held, rejected, sections=sections,
                            passed_over=[("1", "Definitions")], unplaced=[("6", "no duty, party or figure found")])

    deal = assembled_deal(reading=reading, records=[(DEAL, DEAL.record), (held, held.record)])

    assert [(s.number, s.heading, s.no_obligation) for s in deal.sections] == [
        ("Preamble", "", "The parties and the agreement's date: held on the deal and its parties"),
        ("1", "Definitions", "Definitions"),
        ("1(a)", "", "Definitions"),
        ("5", "Covenants", ""),
        ("5(a)", "", ""),
        ("5(b)", "Insurance", REJECTED),
        ("6", "Notices", "no duty, party or figure found"),
    ]


def test_an_event_a_rule_names_is_kept_as_the_deal_proposal_defines_it():
    deal = Proposal("deal", "", Span(0, 13), {**DEAL.record, "events": [
        {"name": "Effective Date", "description": "The registration statement is declared effective."}]})
    duty = obligation("4(b)", "Opinion on effectiveness", rules=[
        {"kind": "after_anchor", "offset": 3, "unit": "business_days", "anchor": "event", "event": "Effective Date"},
        {"kind": "later_of", "limbs": [{"kind": "after_anchor", "anchor": "event", "event": "Closing held"},
                                       {"kind": "after_anchor", "anchor": "agreement_date", "offset": 30}]}])
    reading = small_reading(deal, duty)

    assembled = assembled_deal(reading=reading, records=accept_all(reading))

    assert [(e.name, e.description) for e in assembled.events] == [
        ("Effective Date", "The registration statement is declared effective."),
        ("Closing held", "Named by s.4(b): The Borrower shall deliver opinion on effectiveness."),
    ]


@pytest.mark.parametrize(("deal_record", "roles", "message"), [
    ({"dated_as_of": "2024-03-01"}, [],
     "The proposed deal has no company: accept a party in the role of company, or edit the deal proposal to name it."),
    ({"company": "Borrower Co., Inc."}, [],
     "The proposed deal has no agreement date: accept or edit the deal proposal to give it."),
])
def test_a_deal_missing_what_it_needs_is_refused_in_one_sentence(deal_record, roles, message):
    deal = Proposal("deal", "", Span(0, 13), deal_record)
    reading = small_reading(deal)

    with pytest.raises(AssemblyError) as refused:
        document_from_proposals(reading=reading, records=accept_all(reading))

    assert str(refused.value) == message
    assert isinstance(refused.value, DocumentError)


def test_the_company_may_come_from_its_role_rather_than_the_deal_proposal():
    deal = Proposal("deal", "", Span(0, 13), {"dated_as_of": "2024-03-01", "agreement_name": "Note Purchase Agreement"})
    role = Proposal("role", "", Span(0, 5), {"party": "Issuer Holdings Ltd.", "role": "company"})
    reading = small_reading(deal, role)

    assembled = assembled_deal(reading=reading, records=accept_all(reading))

    assert (assembled.company, assembled.parties[0].form, assembled.kind) == ("Issuer Holdings Ltd.", "limited", "other")


AGREEMENTS = Path(__file__).resolve().parent / "data" / "agreements"


@pytest.mark.django_db
@pytest.mark.parametrize("agreement", ["calbay-2003.txt", "calbatech-spa-2005.txt"])
def test_an_agreement_read_and_accepted_whole_loads_as_a_deal(agreement):
    reading = read_agreement(data=(AGREEMENTS / agreement).read_bytes(), filename=agreement)

    deal_data = assembled_deal(reading=reading, records=accept_all(reading), title=f"Read from {agreement}")
    result = deals_load(deals=(deal_data,))

    deal = Deal.objects.get(title=f"Read from {agreement}")
    assert reading.reader == "rules-v1"
    assert result.deals[0].obligations == len([p for p in reading.proposals if p.kind == "obligation"])
    assert deal.sections.count() == len({AgreementSection.key(s.number) for s in reading.sections})
    assert set(deal.sections.exclude(no_obligation="").values_list("number", flat=True)) >= {
        number for number, _ in reading.unplaced}


def test_an_added_event_is_described_by_the_exact_words_its_proposal_came_from():
    text = ("4. Covenants. (b) Opinion. The Borrower shall deliver an opinion of counsel within three (3) "
            "business days after the Effective Date.")
    words = text.index("The Borrower")
    duty = Proposal("obligation", "4(b)", Span(words, len(text)), {
        **obligation("4(b)", "Opinion of counsel").record,
        "rules": [{**AFTER_EFFECTIVE_DATE}]})
    reading = Reading(text=text, sections=(), proposals=(DEAL, duty))

    document = document_from_proposals(reading=reading, records=accept_all(reading))

    assert document["events"] == [{"name": "Effective Date", "description": (
        "Named by s.4(b): The Borrower shall deliver an opinion of counsel within three (3) business days "
        "after the Effective Date.")}]


def test_a_leaf_section_nothing_cites_or_passes_over_is_listed_as_unplaced():
    sections = (Section("Preamble", "", Span(0, 10)), Section("1", "Definitions", Span(10, 50)),
                Section("1(a)", "", Span(20, 30)), Section("2", "Purchase", Span(50, 90)),
                Section("3", "Covenants", Span(90, 200)), Section("3(a)", "", Span(100, 150)),
                Section("3(b)", "", Span(150, 200)), Section("Signatures", "", Span(200, 220)))
    cites = [Proposal("obligation", "3(A)", HERE_SPAN, {}), Proposal("tranche", "2, 3(c)", HERE_SPAN, {})]

    unplaced = unplaced_sections(sections=sections, proposals=cites, passed_over=[("1", "Definitions")])

    assert unplaced == (("3(b)", NOTHING_FOUND),)
    assert NOTHING_FOUND == "no duty, party or figure found"


def test_a_name_longer_than_the_desk_keeps_is_shortened_everywhere_it_is_used():
    long_kind = "Receipt by an indemnified party of notice of the commencement of any action " + "X" * 60 + " (a)"
    other_kind = long_kind.replace("(a)", "(b)")  # the same first hundred characters
    duty = obligation("6(E)", "Notice of an action " * 15, rules=[
        {"kind": "each_event", "offset": 5, "unit": "business_days", "event_kind": long_kind},
        {"kind": "each_event", "offset": 5, "unit": "business_days", "event_kind": other_kind}])
    reading = small_reading(DEAL, duty)

    deal = assembled_deal(reading=reading, records=accept_all(reading))

    first, second = (kind.name for kind in deal.event_kinds)
    assert (len(first), first.endswith("XXX…")) == (100, True)
    assert (len(second), second.endswith("X… (2)")) == (100, True)
    assert [rule.event_kind for rule in deal.obligations[0].rules] == [first, second]
    assert len(deal.obligations[0].title) == 195
