"""Intake: the deal, its parties, notice addresses, roles and instruments read from an agreement's words.

The two sample agreements are compared with their reviewed deal documents record by record; the
small texts after them are agreements of other shapes (a loan's preamble, a notices block with
"Attention:" and "E-mail:", an individual investor) so that the reading is not fitted to two deals.
"""
import json
from pathlib import Path

import pytest

from dealdesk.intake import numbers
from dealdesk.intake.parties import deal_proposals
from dealdesk.intake.reading import Section, Span
from dealdesk.intake.sections import agreement_sections
from tests.test_intake_sections import CREDIT, MODERN_NOTE, PIPE

AGREEMENTS = Path(__file__).parent / "data" / "agreements"
SAMPLES = Path(__file__).parent.parent / "dealdesk" / "sample_deals"


def _sections(text: str, marks: list[tuple[str, str, str | None]]) -> tuple[Section, ...]:
    """Sections found by the words they start and stop at (the sections reader is not needed here)."""
    found = []
    for number, first_words, stop_words in marks:
        start = text.index(first_words)
        end = text.index(stop_words, start) if stop_words else len(text)
        found.append(Section(number=number, heading="", span=Span(start, end)))
    return tuple(found)


def _calbay() -> tuple[str, tuple[Section, ...]]:
    text = (AGREEMENTS / "calbay-2003.txt").read_text()
    return text, _sections(text, [
        ("Preamble", "The  undersigned", "1.   OFFERING"),
        ("1", "1.   OFFERING", "2.   REPRESENTATIONS"),
        ("3", "3.   REPRESENTATIONS  AND", "4.   REPRESENTATIONS"),
        ("3(A)", "A.  The  Company  represents", "4.   REPRESENTATIONS"),
        ("3(A)(ii)", "(ii)  The  Company  has  a  duly", "(iii)  The  Common Stock"),
        ("10", "10.  PLACEMENT", "11.  MISCELLANEOUS"),
        ("11", "11.  MISCELLANEOUS", "IN  WITNESS"),
        ("11(B)", "B. Any notice", "C.   This Agreement shall be governed"),
        ("11(C)", "C.   This Agreement shall be governed", "D.   This  Agreement  and"),
        ("Signatures", "IN  WITNESS", None),
    ])


def _calbatech() -> tuple[str, tuple[Section, ...]]:
    text = (AGREEMENTS / "calbatech-spa-2005.txt").read_text()
    return text, _sections(text, [
        ("Preamble", "SECURITIES PURCHASE AGREEMENT (this", "WHEREAS:"),
        ("Recital B", "B.  Buyers desire", "C.  Each Buyer wishes"),
        ("1", "1.  PURCHASE AND SALE", "2.  BUYERS'"),
        ("3", "3.  REPRESENTATIONS AND WARRANTIES OF THE COMPANY", "4.  COVENANTS."),
        ("3(c)", "c.  Capitalization.", "d.  Issuance of Shares."),
        ("4", "4.  COVENANTS.", "5.  TRANSFER AGENT"),
        ("4(l)", "l.  Subsequent Investment.", "m.  Key Man Insurance."),
        ("8", "8.  GOVERNING LAW;", "IN WITNESS WHEREOF"),
        ("8(a)", "a.  Governing Law.", "b.  Counterparts;"),
        ("8(f)", "f.  Notices.", "g.  Successors and Assigns."),
        ("Signatures", "IN WITNESS WHEREOF", None),
    ])


def _reviewed(name: str) -> dict:
    def without_comments(value):
        if isinstance(value, dict):
            return {k: without_comments(v) for k, v in value.items() if not k.startswith("_")}
        if isinstance(value, list):
            return [without_comments(v) for v in value]
        return value
    return without_comments(json.loads((SAMPLES / f"{name}.json").read_text()))


def _records(proposals, kind: str) -> list[dict]:
    return [proposal.record for proposal in proposals if proposal.kind == kind]


def _sorted(records) -> list[str]:
    return sorted(json.dumps(record, sort_keys=True) for record in records)


SAMPLE_READINGS = [("calbay", _calbay, "2003-calbay-placement-agent"), ("calbatech", _calbatech, "2005-calbatech-spa")]


# ---------------------------------------------------------------------------------------------
# The two samples against their reviewed documents


@pytest.mark.parametrize("label, read, document", SAMPLE_READINGS)
def test_it_proposes_exactly_the_reviewed_parties(label, read, document):
    text, sections = read()
    proposals, _ = deal_proposals(text=text, sections=sections)
    expected = []
    for party in _reviewed(document)["parties"]:
        record = {"legal_name": party["legal_name"], "form": party["form"]}
        if party.get("jurisdiction"):
            record["jurisdiction"] = party["jurisdiction"]
        # The reviewed documents add a finance contact the agreements do not name (demo data).
        people = [person for person in party.get("people", []) if not person.get("receives_reminders")]
        if people:
            record["people"] = people
        expected.append(record)
    assert _sorted(_records(proposals, "party")) == _sorted(expected)


@pytest.mark.parametrize("label, read, document", SAMPLE_READINGS)
def test_it_proposes_exactly_the_reviewed_notice_addresses(label, read, document):
    text, sections = read()
    proposals, _ = deal_proposals(text=text, sections=sections)
    expected = [{"party": party["legal_name"], **address}
                for party in _reviewed(document)["parties"] for address in party.get("addresses", [])]
    assert _sorted(_records(proposals, "address")) == _sorted(expected)


@pytest.mark.parametrize("label, read, document", SAMPLE_READINGS)
def test_it_proposes_the_reviewed_notice_methods_with_their_section(label, read, document):
    text, sections = read()
    proposals, _ = deal_proposals(text=text, sections=sections)
    assert _sorted(_records(proposals, "notice_method")) == _sorted(_reviewed(document)["notice_methods"])


@pytest.mark.parametrize("label, read, document", SAMPLE_READINGS)
def test_it_proposes_the_reviewed_share_classes_and_equity_lines(label, read, document):
    text, sections = read()
    proposals, _ = deal_proposals(text=text, sections=sections)
    reviewed = _reviewed(document)
    assert _sorted(_records(proposals, "share_class")) == _sorted(reviewed.get("share_classes", []))
    assert _sorted(_records(proposals, "equity_line")) == _sorted(reviewed.get("equity_lines", []))
    assert _sorted(_records(proposals, "tranche")) == _sorted(reviewed.get("tranches", []))


def test_it_proposes_the_roles_copies_and_signatories_of_the_placement_agent_agreement():
    text, sections = _calbay()
    proposals, terms = deal_proposals(text=text, sections=sections)
    roles = {record["party"]: record for record in _records(proposals, "role")}
    assert roles["Cal-Bay International, Inc."] == {
        "party": "Cal-Bay International, Inc.", "role": "company", "signatory": "Charles Prebay",
        "copy_to": ["Cletha Walstrand, Attorney at Law"],
    }
    assert roles["Oftring & Company, Inc."]["role"] == "placement_agent"
    assert roles["Dutchess Private Equities Fund, L.P."]["signed_by_way_of"] == \
        "By It's general partner Dutchess Capital Management, LLC"
    assert roles["Cletha Walstrand, Attorney at Law"] == {"party": "Cletha Walstrand, Attorney at Law", "role": "company_counsel"}
    # The preamble prints "PLACEMENTAGENT"; the body says "Placement Agent".
    assert terms.names("Placement Agent") == ("Oftring & Company, Inc.",)
    assert terms.company == "Cal-Bay International, Inc."


def test_it_proposes_the_reviewed_roles_of_the_securities_purchase_agreement():
    text, sections = _calbatech()
    proposals, terms = deal_proposals(text=text, sections=sections)
    assert _sorted(_records(proposals, "role")) == _sorted(_reviewed("2005-calbatech-spa")["roles"])
    buyers = ("AJW Partners, LLC", "AJW Offshore, Ltd.", "AJW Qualified Partners, LLC",
              "New Millennium Capital Partners II, LLC")
    assert terms.names("Buyers") == buyers
    assert terms.names("Buyer") == buyers
    assert terms.roles["investor_counsel"] == ("Ballard Spahr Andrews & Ingersoll, LLP",)


def test_it_reads_the_deal_fields_of_both_samples():
    deal_fields = {}
    for read in (_calbay, _calbatech):
        text, sections = read()
        proposals, _ = deal_proposals(text=text, sections=sections)
        merged = {}
        for record in _records(proposals, "deal"):
            merged.update(record)
        deal_fields[read.__name__] = {k: v for k, v in merged.items() if k != "forum"}
    assert deal_fields == {
        "_calbay": {
            "agreement_name": "Placement Agent Agreement", "title": "Cal-Bay International – Placement Agent Agreement",
            "company": "Cal-Bay International, Inc.", "dated_as_of": "2003-06-16", "kind": "equity_line",
            "governing_law": "Massachusetts",
        },
        "_calbatech": {
            "agreement_name": "Securities Purchase Agreement", "title": "CalbaTech – Securities Purchase Agreement",
            "company": "CalbaTech, Inc.", "dated_as_of": "2005-05-23", "kind": "convertible_notes",
            "governing_law": "New York", "closing_date": "2005-05-23",
        },
    }


def test_it_reads_the_notes_and_warrants_of_the_recitals_less_the_later_tranches():
    text, sections = _calbatech()
    proposals, _ = deal_proposals(text=text, sections=sections)
    notes = {record["name"]: (record["principal"], record["interest_rate"], record["secured"], record.get("tranche", ""))
             for record in _records(proposals, "convertible_note")}
    assert notes == {
        "Closing Notes": ("800000", "0.1", True, ""),
        "Filing Notes": ("600000", "0.1", True, "Filing tranche"),
        "Effectiveness Notes": ("600000", "0.1", True, "Effectiveness tranche"),
    }
    warrants = {record["name"]: record["shares"] for record in _records(proposals, "warrant")}
    assert warrants == {"Closing Warrants": 4857316, "Filing Warrants": 3642987, "Effectiveness Warrants": 3642987}
    closing_notes = next(p for p in proposals if p.kind == "convertible_note" and p.record["name"] == "Closing Notes")
    assert "2000000 less the later tranches' 1200000" in closing_notes.why
    assert closing_notes.section == "Recital B"


def test_every_proposal_cites_words_of_the_agreement():
    text, sections = _calbatech()
    proposals, _ = deal_proposals(text=text, sections=sections)
    assert len(proposals) == 41
    assert all(0 <= p.span.start < p.span.end <= len(text) and p.why for p in proposals)
    address = next(p for p in proposals if p.kind == "address" and p.record["party"] == "Ballard Spahr Andrews & Ingersoll, LLP")
    assert address.section == "8(f)"
    counsel = next(p for p in proposals if p.kind == "party" and p.record["legal_name"] == "Ballard Spahr Andrews & Ingersoll, LLP")
    assert counsel.section == "8(f)"
    assert next(p for p in proposals if p.kind == "party" and p.record["legal_name"] == "AJW Partners, LLC").section == ""
    assert " ".join(address.span.of(text).split()) == (
        "Ballard Spahr Andrews & Ingersoll, LLP 1735 Market Street 51st Floor Philadelphia, Pennsylvania 19103 "
        "Attention: Gerald J. Guarcini, Esq. Telephone: 215-864-8625 Facsimile: 215-864-8999"
    )


@pytest.mark.parametrize("label, read, document", SAMPLE_READINGS)
def test_without_sections_it_finds_the_same_parties_and_addresses_in_the_text(label, read, document):
    text, sections = read()
    with_sections, _ = deal_proposals(text=text, sections=sections)
    without, _ = deal_proposals(text=text, sections=())
    for kind in ("party", "address"):
        assert _sorted(_records(without, kind)) == _sorted(_records(with_sections, kind))


# ---------------------------------------------------------------------------------------------
# Other shapes

LOAN = """\
                                CREDIT AGREEMENT

     This CREDIT AGREEMENT (this "Agreement") is entered into as of March 1, 2021, among
ACME WIDGETS CORP., a Delaware corporation (the "Borrower"), the Lenders party hereto, and
FIRST NATIONAL BANK, N.A., as Administrative Agent.

     1.  Notices.  All notices hereunder shall be in writing and shall be deemed given when
delivered by hand, one business day after deposit with a recognized overnight courier, when
sent by e-mail, or three (3) business days after being mailed by certified mail, return receipt
requested, addressed as follows:

     If to the Borrower:

          Acme Widgets Corp.
          100 Main Street, Suite 200
          Wilmington, DE 19801
          Attention: Chief Financial Officer
          Facsimile: (302) 555-0100
          E-mail: cfo@acme.example.com

     with a copy (which shall not constitute notice) to:

          Smith & Jones LLP
          1 Penn Plaza
          New York, New York 10119
          Attention: Mary Smith, Esq.
          E-mail: msmith@smithjones.example.com

     If to the Administrative Agent:

          First National Bank, N.A.
          200 Market Street
          Philadelphia, PA 19103
          Attention: Agency Services

     2.  Governing Law.  This Agreement shall be governed by the laws of the State of Delaware.

     IN WITNESS WHEREOF, the parties have executed this Agreement as of the date first above written.

ACME WIDGETS CORP., as Borrower

By: /s/ Jane Roe
Name: Jane Roe
Title: Chief Financial Officer

FIRST NATIONAL BANK, N.A., as Administrative Agent and as a Lender

By: /s/ John Doe
Name: John Doe
Title: Managing Director

SECOND CITY BANK, as a Lender

By: /s/ Ann Lee
Name: Ann Lee
Title: Vice President
"""


def test_a_loan_preamble_names_the_borrower_the_agent_and_the_lenders_of_the_signature_pages():
    proposals, terms = deal_proposals(text=LOAN, sections=())
    parties = {r["legal_name"]: r for r in _records(proposals, "party")}
    assert parties["Acme Widgets Corp."] == {
        "legal_name": "Acme Widgets Corp.", "form": "corporation", "jurisdiction": "Delaware",
        "people": [{"name": "Jane Roe", "title": "Chief Financial Officer"}],
    }
    assert parties["First National Bank, N.A."]["people"] == [{"name": "John Doe", "title": "Managing Director"}]
    assert parties["Second City Bank"]["people"] == [{"name": "Ann Lee", "title": "Vice President"}]
    assert sorted(parties) == ["Acme Widgets Corp.", "First National Bank, N.A.", "Second City Bank", "Smith & Jones LLP"]
    assert terms.names("Borrower") == ("Acme Widgets Corp.",)
    assert terms.names("Administrative Agent") == ("First National Bank, N.A.",)
    assert terms.names("Lenders") == ("Second City Bank",)
    assert terms.company == "Acme Widgets Corp."
    roles = {r["party"]: r["role"] for r in _records(proposals, "role")}
    assert roles == {"Acme Widgets Corp.": "company", "First National Bank, N.A.": "other",
                     "Second City Bank": "investor", "Smith & Jones LLP": "company_counsel"}


def test_a_notices_block_with_attention_facsimile_and_email_lines():
    proposals, _ = deal_proposals(text=LOAN, sections=())
    addresses = {r["party"]: r for r in _records(proposals, "address")}
    assert addresses == {
        "Acme Widgets Corp.": {
            "party": "Acme Widgets Corp.", "street_line_1": "100 Main Street, Suite 200", "city": "Wilmington",
            "region": "DE", "postal_code": "19801", "attention": "Chief Financial Officer",
            "fax": "(302) 555-0100", "email": "cfo@acme.example.com",
        },
        "Smith & Jones LLP": {
            "party": "Smith & Jones LLP", "street_line_1": "1 Penn Plaza", "city": "New York", "region": "New York",
            "postal_code": "10119", "attention": "Mary Smith, Esq.", "email": "msmith@smithjones.example.com",
        },
        "First National Bank, N.A.": {
            "party": "First National Bank, N.A.", "street_line_1": "200 Market Street", "city": "Philadelphia",
            "region": "PA", "postal_code": "19103", "attention": "Agency Services",
        },
    }
    roles = {r["party"]: r for r in _records(proposals, "role")}
    assert roles["Acme Widgets Corp."]["copy_to"] == ["Smith & Jones LLP"]


def test_notice_methods_each_take_the_days_written_beside_them():
    proposals, _ = deal_proposals(text=LOAN, sections=())
    methods = {r["method"]: (r["effective_when"], r.get("days_after_sending", 0)) for r in _records(proposals, "notice_method")}
    assert methods == {
        "hand": ("on_receipt", 0),
        "courier": ("days_after_sending", 1),
        "email": ("days_after_sending", 0),
        "certified_mail": ("days_after_sending", 3),
        "mail": ("days_after_sending", 3),
    }


def test_a_loan_reads_its_name_date_law_and_kind():
    proposals, _ = deal_proposals(text=LOAN, sections=())
    merged = {}
    for record in _records(proposals, "deal"):
        merged.update(record)
    assert merged == {
        "agreement_name": "Credit Agreement", "title": "Acme Widgets – Credit Agreement",
        "company": "Acme Widgets Corp.", "dated_as_of": "2021-03-01", "kind": "other", "governing_law": "Delaware",
    }


INDIVIDUAL = """\
SUBSCRIPTION AGREEMENT

This Subscription Agreement is made this 5th day of January, 2010, by and between Zeta Labs, Inc.,
a Nevada corporation (the "Company"), and John Q. Public, an individual residing in Austin, Texas
(the "Investor").

1. Purchase. The Investor shall purchase 100,000 shares of Common Stock of the Company.

IN WITNESS WHEREOF, the parties have signed this Agreement.

COMPANY:

ZETA LABS, INC.

By: /s/ Mary Major
Name: Mary Major
Title: President

INVESTOR:

/s/ John Q. Public
John Q. Public
"""


def test_an_individual_investor_is_a_party_of_form_individual_who_signs_for_himself():
    proposals, terms = deal_proposals(text=INDIVIDUAL, sections=())
    parties = {r["legal_name"]: r for r in _records(proposals, "party")}
    assert parties == {
        "Zeta Labs, Inc.": {"legal_name": "Zeta Labs, Inc.", "form": "corporation", "jurisdiction": "Nevada",
                            "people": [{"name": "Mary Major", "title": "President"}]},
        "John Q. Public": {"legal_name": "John Q. Public", "form": "individual", "people": [{"name": "John Q. Public"}]},
    }
    roles = {r["party"]: r for r in _records(proposals, "role")}
    assert roles["John Q. Public"] == {"party": "John Q. Public", "role": "investor", "signatory": "John Q. Public"}
    assert terms.names("Investor") == ("John Q. Public",)
    merged = {}
    for record in _records(proposals, "deal"):
        merged.update(record)
    assert (merged["dated_as_of"], merged["kind"]) == ("2010-01-05", "pipe")


def test_an_agreement_with_no_preamble_signatures_or_notices_proposes_no_parties():
    proposals, terms = deal_proposals(text="The parties agree to agree.\n", sections=())
    assert [p.kind for p in proposals] == ["deal"]
    assert proposals[0].record == {"kind": "other"}
    assert terms.company == ""


# ---------------------------------------------------------------------------------------------
# Numbers in words and figures


@pytest.mark.parametrize("words, expected", [
    ("forty five", 45), ("Two Million", 2_000_000), ("Six Hundred Thousand", 600_000),
    ("twelve million one hundred forty three thousand two hundred ninety", 12_143_290), ("zero", 0),
    ("two hundred seventy", 270), ("twenty-one", 21), ("five pounds", None),
])
def test_numbers_in_words(words, expected):
    assert numbers.words_number(words) == expected


def test_amounts_rates_counts_and_dates_as_agreements_write_them():
    assert numbers.dollars("Two Million Dollars ($2,000,000)") == 2_000_000
    assert numbers.plain_decimal(numbers.dollars("par value $.001 per share")) == "0.001"
    assert numbers.plain_decimal(numbers.rate("fifteen percent (15%) per annum")) == "0.15"
    assert numbers.day_count("within forty five (45) days") == 45
    assert numbers.date_of(numbers.date_match("made this 16th day of June, 2003")).isoformat() == "2003-06-16"
    assert numbers.date_of(numbers.date_match("Dated  as  of:  June  16,  2003.")).isoformat() == "2003-06-16"


SCHEDULED = """\
NOTE PURCHASE AGREEMENT

This Note Purchase Agreement (this "Agreement") is dated as of April 2, 2012, by and among
Orion Devices, Inc., a Delaware corporation (the "Company"), and the purchasers listed on
Schedule A hereto (each a "Purchaser" and collectively the "Purchasers").

1. Sale. The Company shall issue and sell to the Purchasers its 8% Senior Secured Convertible
Notes in the aggregate principal amount of One Million Dollars ($1,000,000) (the "Notes").

2. Notices. Notices shall be effective upon receipt if delivered by hand, addressed as follows:

If to the Company, to it at: Orion Devices, Inc., 12 Harbor Road, Dover, DE 19901, Attention: Chief Executive Officer

If to a Purchaser: to the address set forth on Schedule A.

IN WITNESS WHEREOF, the parties have signed this Agreement.

ORION DEVICES, INC.

By: /s/ Ruth Park
Name: Ruth Park
Title: Chief Executive Officer

                                   SCHEDULE A

Name of Purchaser                    Principal Amount of Notes
Harbor Point Fund, L.P.              $600,000
Jane Q. Investor                     $400,000
"""


def test_purchasers_listed_on_a_schedule_are_parties_with_their_term():
    proposals, terms = deal_proposals(text=SCHEDULED, sections=())
    parties = {r["legal_name"]: r["form"] for r in _records(proposals, "party")}
    assert parties == {"Orion Devices, Inc.": "corporation", "Harbor Point Fund, L.P.": "lp", "Jane Q. Investor": "individual"}
    assert terms.names("Purchasers") == ("Harbor Point Fund, L.P.", "Jane Q. Investor")
    assert terms.names("Purchaser") == ("Harbor Point Fund, L.P.", "Jane Q. Investor")
    assert terms.roles["investor"] == ("Harbor Point Fund, L.P.", "Jane Q. Investor")


def test_an_address_written_on_one_line_is_split_into_its_parts():
    proposals, _ = deal_proposals(text=SCHEDULED, sections=())
    assert _records(proposals, "address") == [{
        "party": "Orion Devices, Inc.", "street_line_1": "12 Harbor Road", "city": "Dover", "region": "DE",
        "postal_code": "19901", "attention": "Chief Executive Officer",
    }]
    notes = _records(proposals, "convertible_note")
    assert [(n["name"], n["principal"], n["interest_rate"], n["secured"]) for n in notes] == [("Notes", "1000000", "0.08", True)]


@pytest.mark.parametrize("label, read, document", SAMPLE_READINGS)
def test_with_the_sections_reader_the_parties_addresses_and_instruments_are_the_reviewed_ones(label, read, document):
    from dealdesk.intake.sections import agreement_sections

    text, _ = read()
    proposals, _ = deal_proposals(text=text, sections=agreement_sections(text))
    reviewed = _reviewed(document)
    assert sorted(r["legal_name"] for r in _records(proposals, "party")) == sorted(p["legal_name"] for p in reviewed["parties"])
    assert _sorted(_records(proposals, "address")) == _sorted(
        {"party": party["legal_name"], **address} for party in reviewed["parties"] for address in party.get("addresses", []))
    assert _sorted(_records(proposals, "notice_method")) == _sorted(reviewed["notice_methods"])
    for kind, key, field in (("convertible_note", "convertible_notes", "principal"), ("warrant", "warrants", "shares"),
                             ("share_class", "share_classes", "name"), ("equity_line", "equity_lines", "commitment"),
                             ("tranche", "tranches", "amount")):
        assert sorted(str(r[field]) for r in _records(proposals, kind)) == sorted(str(r[field]) for r in reviewed.get(key, []))


ABROAD = """\
SECURITIES PURCHASE AGREEMENT

This Securities Purchase Agreement (this "Agreement") is dated as of July 1, 2008, between
Lumen Optics Corp., a Nevada corporation (the "Company"), and Maple Capital Ltd., a company
organized under the laws of the Province of Ontario (the "Investor").

1. Notices. Notices shall be sent by e-mail or courier and are effective on receipt:

If to the Investor:

Maple Capital Ltd.
45 King Street West
Toronto, Ontario M5H 1J8
Canada
Attention: General Counsel

With a copy to:

Barnes & Wright LLP
1 Bank Street
London EC2V 7HN
United Kingdom
"""


def test_a_notice_address_abroad_keeps_its_region_postal_code_and_country():
    proposals, _ = deal_proposals(text=ABROAD, sections=())
    assert {r["party"]: r for r in _records(proposals, "address")} == {
        "Maple Capital Ltd.": {
            "party": "Maple Capital Ltd.", "street_line_1": "45 King Street West", "city": "Toronto", "region": "Ontario",
            "postal_code": "M5H 1J8", "country": "Canada", "attention": "General Counsel",
        },
        "Barnes & Wright LLP": {
            "party": "Barnes & Wright LLP", "street_line_1": "1 Bank Street", "city": "London", "postal_code": "EC2V 7HN",
            "country": "United Kingdom",
        },
    }
    parties = {r["legal_name"]: r for r in _records(proposals, "party")}
    assert parties["Maple Capital Ltd."] == {"legal_name": "Maple Capital Ltd.", "form": "limited", "jurisdiction": "Ontario"}
    roles = {r["party"]: r for r in _records(proposals, "role")}
    assert roles["Barnes & Wright LLP"] == {"party": "Barnes & Wright LLP", "role": "investor_counsel"}
    assert roles["Maple Capital Ltd."]["copy_to"] == ["Barnes & Wright LLP"]


def test_an_individual_signing_under_a_quoted_heading_with_a_name_line_and_state_law():
    text = (
        'LOAN AGREEMENT\n\nThis Loan Agreement is made as of May 1, 2015, between Delta Tools, Inc., a Texas corporation\n'
        '(the "Borrower"), and Carol Danvers (the "Lender").\n\n1. Law. This Agreement shall be governed by Texas law.\n\n'
        'IN WITNESS WHEREOF, the parties have signed.\n\n"LENDER":\n\n_____________________\nName: Carol Danvers\n'
    )
    proposals, terms = deal_proposals(text=text, sections=())
    parties = {r["legal_name"]: r for r in _records(proposals, "party")}
    assert parties["Carol Danvers"] == {"legal_name": "Carol Danvers", "form": "individual", "people": [{"name": "Carol Danvers"}]}
    assert terms.names("Lender") == ("Carol Danvers",)
    assert {k: v for r in _records(proposals, "deal") for k, v in r.items()}["governing_law"] == "Texas"


def test_definitions_after_the_list_of_parties_name_no_party():
    text = (
        'WARRANT PURCHASE AGREEMENT\n\nThis Warrant Purchase Agreement (this "Agreement") is made as of June 3, 2019, '
        'by and between Nova Bio, Inc., a Delaware corporation (the "Company"), and Ridge Partners, L.P. (the '
        '"Purchaser"). The Company wishes to sell warrants to purchase 50,000 shares of Common Stock (the "Warrants").\n'
    )
    proposals, terms = deal_proposals(text=text, sections=())
    assert [r["legal_name"] for r in _records(proposals, "party")] == ["Nova Bio, Inc.", "Ridge Partners, L.P."]
    assert terms.names("Purchaser") == ("Ridge Partners, L.P.",)
    assert [(r["name"], r["shares"]) for r in _records(proposals, "warrant")] == [("Warrants", 50000)]
    assert {k: v for r in _records(proposals, "deal") for k, v in r.items()}["kind"] == "warrants"


def test_an_individual_signing_by_slash_s_under_a_heading():
    text = (
        'SUBSCRIPTION AGREEMENT\n\nThis Subscription Agreement is made as of March 3, 2011, between Kappa Systems, Inc., '
        'a Colorado corporation (the "Company"), and the subscriber named on the signature page hereto (the "Subscriber").\n\n'
        'IN WITNESS WHEREOF, the parties have signed.\n\nSUBSCRIBER:\n\nBy: /s/ Peter Parker\nName: Peter Parker\n'
    )
    proposals, terms = deal_proposals(text=text, sections=())
    assert [r["legal_name"] for r in _records(proposals, "party")] == ["Kappa Systems, Inc.", "Peter Parker"]
    assert terms.names("Subscriber") == ("Peter Parker",)
    roles = {r["party"]: r for r in _records(proposals, "role")}
    assert roles["Peter Parker"] == {"party": "Peter Parker", "role": "investor", "signatory": "Peter Parker"}


# ---------------------------------------------------------------------------------------------
# Agreements of other common shapes, read with the sections reader as the desk reads them

def _read(text: str):
    return deal_proposals(text=text, sections=agreement_sections(text))


def _deal(proposals) -> dict:
    merged = {}
    for record in _records(proposals, "deal"):
        merged.update(record)
    return merged


def test_a_modern_note_agreement_names_itself_in_full_and_says_its_investors_are_not_in_the_text():
    proposals, terms = _read(MODERN_NOTE)
    assert _deal(proposals) == {
        "agreement_name": "Series B Convertible Note Purchase Agreement",
        "title": "Larkspur Robotics – Series B Convertible Note Purchase Agreement",
        "company": "Larkspur Robotics, Inc.", "dated_as_of": "2024-03-03", "kind": "convertible_notes",
        "governing_law": "Delaware",
    }
    assert _records(proposals, "party") == [
        {"legal_name": "Larkspur Robotics, Inc.", "form": "corporation", "jurisdiction": "Delaware"},
    ]
    assert _records(proposals, "role") == [{"party": "Larkspur Robotics, Inc.", "role": "company"}]
    assert terms.company == "Larkspur Robotics, Inc." and terms.names("Investors") == ()
    # The investors are only described ("listed on ... Exhibit A", which is not in the text): none is
    # proposed, and the deal's proposal says so.
    named = next(p for p in proposals if p.kind == "deal" and "agreement_name" in p.record)
    assert named.why == (
        'The agreement names itself "Series B Convertible Note Purchase Agreement". The Investors are "the investors '
        'listed on the schedule of investors attached hereto as Exhibit A", and no one of them is named in the text: '
        "none is proposed; add each from the schedule or signature pages."
    )
    assert named.span.of(MODERN_NOTE) == "SERIES B CONVERTIBLE NOTE PURCHASE AGREEMENT"


def test_a_credit_agreement_names_the_borrower_the_agent_and_the_lenders_in_their_usual_case():
    proposals, terms = _read(CREDIT)
    assert _sorted(_records(proposals, "party")) == _sorted([
        {"legal_name": "Acme Corp.", "form": "corporation", "jurisdiction": "Delaware",
         "people": [{"name": "Dana Fox", "title": "Treasurer"}]},
        {"legal_name": "First Bank, N.A.", "form": "other", "people": [{"name": "Omar Reyes", "title": "Director"}]},
        {"legal_name": "Northern Trust Bank", "form": "other"},
    ])
    assert _sorted(_records(proposals, "role")) == _sorted([
        {"party": "Acme Corp.", "role": "company", "signatory": "Dana Fox"},
        {"party": "First Bank, N.A.", "role": "other", "signatory": "Omar Reyes"},
        {"party": "Northern Trust Bank", "role": "investor"},
    ])
    assert terms.names("Borrower") == ("Acme Corp.",)
    assert terms.names("Administrative Agent") == ("First Bank, N.A.",)
    assert terms.names("Lenders") == ("Northern Trust Bank",)
    assert _deal(proposals)["title"] == "Acme – Credit Agreement"


def test_a_credit_agreement_gives_its_notice_addresses_in_a_lettered_list_on_one_line_each():
    proposals, _ = _read(CREDIT)
    addresses = [(p.section, p.record) for p in proposals if p.kind == "address"]
    assert addresses == [
        ("9.01(a)", {"party": "Acme Corp.", "street_line_1": "500 Harbor Drive", "city": "Tampa", "region": "FL",
                     "postal_code": "33602", "attention": "Treasurer"}),
        ("9.01(b)", {"party": "First Bank, N.A.", "street_line_1": "77 Lake Street", "city": "Chicago", "region": "IL",
                     "postal_code": "60601", "attention": "Loan Agency"}),
    ]
    methods = {r["method"]: (r["effective_when"], r["section"]) for r in _records(proposals, "notice_method")}
    assert methods == {"hand": ("on_receipt", "9.01"), "courier": ("on_receipt", "9.01")}


def test_a_pipe_agreement_reads_its_purchaser_from_a_counterpart_page_and_the_company_copy_to():
    proposals, terms = _read(PIPE)
    assert _sorted(_records(proposals, "party")) == _sorted([
        {"legal_name": "Bluefin Therapeutics, Inc.", "form": "corporation", "jurisdiction": "Delaware",
         "people": [{"name": "Lee Chan", "title": "Chief Executive Officer"}]},
        {"legal_name": "Cobalt Ridge Partners, L.P.", "form": "lp",
         "people": [{"name": "Priya Nair", "title": "Managing Partner"}]},
        {"legal_name": "Hale & Ward LLP", "form": "llp"},
    ])
    assert _sorted(_records(proposals, "role")) == _sorted([
        {"party": "Bluefin Therapeutics, Inc.", "role": "company", "signatory": "Lee Chan", "copy_to": ["Hale & Ward LLP"]},
        {"party": "Cobalt Ridge Partners, L.P.", "role": "investor", "signatory": "Priya Nair"},
        {"party": "Hale & Ward LLP", "role": "company_counsel"},
    ])
    assert terms.names("Purchasers") == ("Cobalt Ridge Partners, L.P.",)
    assert _sorted(_records(proposals, "address")) == _sorted([
        {"party": "Bluefin Therapeutics, Inc.", "street_line_1": "40 Pier Road, Suite 12", "city": "Boston",
         "region": "MA", "postal_code": "02110", "attention": "Chief Financial Officer",
         "email": "cfo@bluefin.example.com"},
        {"party": "Hale & Ward LLP", "street_line_1": "9 Court Square", "city": "Boston", "region": "MA",
         "postal_code": "02108", "attention": "Rita Hale"},
        {"party": "Cobalt Ridge Partners, L.P.", "street_line_1": "220 Elm Street", "city": "Greenwich",
         "region": "CT", "postal_code": "06830"},
    ])
    assert _deal(proposals)["kind"] == "pipe"


FORM_SIGNATURES = """\
SUBSCRIPTION AGREEMENT

This Subscription Agreement (this "Agreement") is made as of July 1, 2024 between Tern Solar Corp., a Colorado \
corporation (the "Company"), and the subscriber named on the signature page hereto (the "Subscriber").

1. Subscription. The Subscriber subscribes for 10,000 shares of the Company's common stock.

IN WITNESS WHEREOF, the parties have signed this Agreement on the date first written above.

COMPANY:

TERN SOLAR CORP.

By: ______________________
Name: Maya Ortiz
Title: President

SUBSCRIBER:

WILLOW CREEK HOLDINGS LLC

By: ______________________ Name: {name} Title: {title}

Address:
8 Canyon Road
Boulder, CO 80302
"""


@pytest.mark.parametrize(("name", "title", "people", "role"), [
    ("", "", [], {"party": "Willow Creek Holdings LLC", "role": "investor"}),
    ("Sam Reed", "Manager", [{"name": "Sam Reed", "title": "Manager"}],
     {"party": "Willow Creek Holdings LLC", "role": "investor", "signatory": "Sam Reed"}),
])
def test_a_signature_line_with_its_name_and_title_fields_on_the_same_line(name, title, people, role):
    text = FORM_SIGNATURES.format(name=name, title=title)
    proposals, _ = _read(text)
    parties = {r["legal_name"]: r for r in _records(proposals, "party")}
    assert parties["Willow Creek Holdings LLC"] == {
        "legal_name": "Willow Creek Holdings LLC", "form": "llc", **({"people": people} if people else {}),
    }
    assert parties["Tern Solar Corp."]["people"] == [{"name": "Maya Ortiz", "title": "President"}]
    assert {r["party"]: r for r in _records(proposals, "role")}["Willow Creek Holdings LLC"] == role
    assert {r["party"]: r for r in _records(proposals, "address")}["Willow Creek Holdings LLC"] == {
        "party": "Willow Creek Holdings LLC", "street_line_1": "8 Canyon Road", "city": "Boulder", "region": "CO",
        "postal_code": "80302",
    }
