"""Splitting an agreement's text into its numbered sections, each with its exact span."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from dealdesk.intake.extract import agreement_text
from dealdesk.intake.reading import Section
from dealdesk.intake.sections import agreement_sections, subsections_inline

AGREEMENTS = Path(__file__).parent / "data" / "agreements"
SAMPLE_DEALS = Path(__file__).parent.parent / "dealdesk" / "sample_deals"
SAMPLES = [
    ("calbay-2003.txt", "2003-calbay-placement-agent.sections.json"),
    ("calbatech-spa-2005.txt", "2005-calbatech-spa.sections.json"),
]


def sample_text(name: str) -> str:
    path = AGREEMENTS / name
    return agreement_text(data=path.read_bytes(), filename=name)


def section_map(name: str) -> list[dict]:
    return json.loads((SAMPLE_DEALS / name).read_text())["sections"]


def by_number(sections: tuple[Section, ...]) -> dict[str, Section]:
    return {section.number: section for section in sections}


def numbers(text: str) -> list[str]:
    return [section.number for section in agreement_sections(text)]


# -- The two sample agreements --------------------------------------------------------------------

@pytest.mark.parametrize(("agreement", "sections_json"), SAMPLES)
def test_it_finds_exactly_the_sections_of_the_reviewed_section_map(agreement, sections_json):
    found = agreement_sections(sample_text(agreement))
    expected = [entry["number"] for entry in section_map(sections_json)]
    assert [section.number for section in found] == ["Preamble", *expected, "Signatures"]


@pytest.mark.parametrize(("agreement", "sections_json"), SAMPLES)
def test_it_reads_each_caption_the_section_map_records(agreement, sections_json):
    found = by_number(agreement_sections(sample_text(agreement)))
    expected = {entry["number"]: entry["heading"] for entry in section_map(sections_json) if entry.get("heading")}
    assert {number: found[number].heading for number in expected} == expected


@pytest.mark.parametrize(("agreement", "sections_json"), SAMPLES)
def test_it_splits_the_text_as_pasted_with_its_edgar_wrapping_the_same_way(agreement, sections_json):
    text = (AGREEMENTS / agreement).read_text()
    expected = [entry["number"] for entry in section_map(sections_json)]
    assert numbers(text) == ["Preamble", *expected, "Signatures"]


@pytest.mark.parametrize(("agreement", "sections_json"), SAMPLES)
def test_every_parent_span_holds_its_children_and_spans_follow_in_order(agreement, sections_json):
    found = agreement_sections(sample_text(agreement))
    spans = {section.number: section.span for section in found}
    for section in found:
        parent = section.number.rpartition("(")[0]
        if parent in spans:
            assert spans[parent].start <= section.span.start and section.span.end <= spans[parent].end, section.number
    starts = [section.span.start for section in found]
    assert starts == sorted(starts)


def test_calbay_spans_index_the_words_of_each_section():
    text = sample_text("calbay-2003.txt")
    found = by_number(agreement_sections(text))
    assert found["Preamble"].span.of(text).startswith("CAL-BAY INTERNATIONAL, INC.\n")
    assert found["Preamble"].span.of(text).endswith('(the "INVESTOR") as follows:')
    # "2. REPRESENTATIONS ... OF THE PLACEMENT AGENT. A. The": A. starts inside the caption's line.
    assert found["2(A)"].span.of(text).startswith("A. The\n     Placement  Agent  represents,")
    assert found["5(D)(i)"].span.of(text) == (
        "(i)  within  forty  five (45) days, a statement of its income for each such\n"
        "     quarterly  period,  and  its  balance  sheet  and a statement of changes in\n"
        "     stockholders'  equity  as  of  the  end  of  such  quarterly period, all in\n"
        "     reasonable  detail,  certified  by  its  principal  financial or accounting\n"
        "     officer;"
    )
    # "... Offering Materials. D. At Closing": D. inside a paragraph, after C.
    assert found["8(C)"].span.of(text).endswith("except  as  set  forth  in the Offering Materials.")
    assert found["8(D)"].span.of(text).startswith("D. At\n     Closing,  the  Placement  Agent  shall receive")
    # No section 9 in the agreement: 10 follows 8 and the page number between them is no section.
    assert found["10"].span.of(text) == (
        "10.  PLACEMENT  AGENT  FEE: The Company agrees to pay Oftring & Company, Inc., a\n"
        "     registered  broker  dealer,  1%  of  the  Put Amount on each draw as a fee."
    )
    # The blank-page note and the page number end no section.
    assert found["11(E)"].span.of(text).endswith("any\n     other  provision  of  this  Agreement.")
    assert found["Signatures"].span.of(text).startswith("IN  WITNESS  WHEREOF,  the parties hereto")
    assert found["Signatures"].span.of(text).endswith("Title:  A  Managing  Member")


def test_spa_spans_index_the_words_of_each_section():
    text = sample_text("calbatech-spa-2005.txt")
    found = by_number(agreement_sections(text))
    assert found["Preamble"].span.of(text).startswith("EXHIBIT 10.11")
    assert found["Preamble"].span.of(text).endswith('(the "Buyers").')
    assert found["Recital D"].span.of(text).endswith("applicable state securities laws.")
    assert found["4(g)"].span.of(text).startswith("g.  Financial Information.  The Company agrees to\nsend")
    assert found["3(s)(ii)"].span.of(text).startswith("(ii)  Other than those that are or were stored,")
    assert found["8"].span.of(text).endswith("without any bond or other security being required.")
    assert found["Signatures"].span.of(text).endswith("Aggregate Purchase Price:\n$______")


def test_a_wrapped_line_starting_with_a_roman_numeral_is_no_section():
    # SPA s.2(f): "The Buyer understands that\n(i) except as provided ..." wraps inside a sentence.
    found = numbers(sample_text("calbatech-spa-2005.txt"))
    assert "2(f)(i)" not in found and "4(j)(i)" not in found and "3(v)(iii)" not in found


# -- Other shapes ---------------------------------------------------------------------------------

LOAN = """\
LOAN AGREEMENT

TABLE OF CONTENTS

ARTICLE I     DEFINITIONS .......................................... 1
ARTICLE II    THE LOAN ............................................. 2
Section 2.1   Advances ............................................. 2

This LOAN AGREEMENT is made as of March 1, 2024 between Acme Lending LLC (the "Lender") and
Widget Co. (the "Borrower").

WHEREAS, the Borrower wishes to borrow money; and

WHEREAS, the Lender is willing to lend it.

NOW, THEREFORE, the parties agree as follows:

ARTICLE I
DEFINITIONS

Section 1.1 Defined Terms. As used herein, "Business Day" means a day banks are open.

ARTICLE II
THE LOAN

Section 2.1 Advances. The Lender shall make advances to the Borrower as follows.
Section 4(c) of the Security Agreement governs each advance once it is made.

(a) each advance shall be at least $100,000; and

(b) no advance shall be made after the Maturity Date, except as provided in
(i) the Security Agreement or (ii) any note.

                                  - 3 -

Section 2.2 Repayment. The Borrower shall repay each advance:

(a) in monthly installments;

(b) in full on the Maturity Date.

ARTICLE IV
REPORTING

Section 4.1 Financial Statements. The Borrower shall deliver the following.

4.2(a)(ii) Within forty-five (45) days after the end of each of the first three fiscal
quarters, its unaudited balance sheet.

Section 4.3 Notices. The Borrower shall give notice of any default promptly, but in
any event within five (5) Business Days.

IN WITNESS WHEREOF, the parties have executed this Agreement.

ACME LENDING LLC

By: ________________

EXHIBIT A

1. Form of Note. This is not a section of the agreement.
"""


def test_articles_and_sections_numbered_section_5_1_style():
    found = agreement_sections(LOAN)
    assert [(section.number, section.heading) for section in found] == [
        ("Preamble", ""),
        ("Recital 1", ""),
        ("Recital 2", ""),
        ("Article I", "Definitions"),
        ("1.1", "Defined Terms"),
        ("Article II", "The Loan"),
        ("2.1", "Advances"),
        ("2.1(a)", ""),
        ("2.1(b)", ""),
        ("2.2", "Repayment"),
        ("2.2(a)", ""),
        ("2.2(b)", ""),
        ("Article IV", "Reporting"),
        ("4.1", "Financial Statements"),
        ("4.2(a)(ii)", ""),
        ("4.3", "Notices"),
        ("Signatures", ""),
    ]


def test_the_table_of_contents_cross_references_and_exhibits_make_no_sections():
    found = by_number(agreement_sections(LOAN))
    assert found["Preamble"].span.of(LOAN) == (
        'This LOAN AGREEMENT is made as of March 1, 2024 between Acme Lending LLC (the "Lender") and\n'
        'Widget Co. (the "Borrower").'
    )
    assert found["Article I"].span.of(LOAN).startswith("ARTICLE I\nDEFINITIONS\n\nSection 1.1")
    assert found["2.1(b)"].span.of(LOAN) == (
        "(b) no advance shall be made after the Maturity Date, except as provided in\n"
        "(i) the Security Agreement or (ii) any note."
    )
    assert found["4.2(a)(ii)"].span.of(LOAN).endswith("its unaudited balance sheet.")
    assert found["Signatures"].span.of(LOAN) == (
        "IN WITNESS WHEREOF, the parties have executed this Agreement.\n\nACME LENDING LLC\n\nBy: ________________"
    )


LETTERED = """\
CONSULTING AGREEMENT dated as of January 2, 2024 between Alpha Corp. and Beta LLC, who agree:

1. SERVICES. The Consultant shall provide the services below. A. Reports. The Consultant
shall deliver a report each month. B. Meetings. The Consultant shall attend a meeting each
quarter. The parties met on 3 January. C. Records. The Consultant shall keep records.

2. PAYMENT.

(a) The Company shall pay each invoice within thirty (30) days after receipt.

(b) Late amounts bear interest at 1% per month, as stated in Section
2(a) and in clause (a) above.

(c) Each payment is made by wire.

3. TERM. This Agreement ends on December 31, 2025 unless renewed by the parties in writing.
"""


def test_lettered_items_at_line_start_and_inside_a_paragraph():
    found = agreement_sections(LETTERED)
    assert [(section.number, section.heading) for section in found] == [
        ("Preamble", ""),
        ("1", "Services"),
        ("1(A)", "Reports"),
        ("1(B)", "Meetings"),
        ("1(C)", "Records"),
        ("2", "Payment"),
        ("2(a)", ""),
        ("2(b)", ""),
        ("2(c)", ""),
        ("3", "Term"),
    ]
    spans = by_number(found)
    assert spans["1(B)"].span.of(LETTERED) == (
        "B. Meetings. The Consultant shall attend a meeting each\nquarter. The parties met on 3 January."
    )
    assert spans["2(b)"].span.of(LETTERED).endswith("2(a) and in clause (a) above.")


def test_a_roman_numeral_after_h_is_the_letter_i():
    text = "".join(f"{letter}. Item {letter}. The Company shall do thing {letter} on time.\n\n" for letter in "abcdefghij")
    text = "1. COVENANTS.\n\n" + text
    assert numbers(text)[-3:] == ["1(h)", "1(i)", "1(j)"]


def test_numbers_inside_a_sentence_are_no_sections():
    text = (
        "1. PAYMENT. The Company shall pay the fee on the dates set out in the schedule in effect from time to time,\n"
        "2. The second line of the same sentence wraps here and is no section at all.\n\n"
        "2. NOTICES. Notices are given in writing.\n"
    )
    assert numbers(text) == ["1", "2"]


# -- Items inside a sentence ---------------------------------------------------------------------

def test_it_finds_the_items_running_inside_spa_section_4g():
    text = sample_text("calbatech-spa-2005.txt")
    items = subsections_inline(text, by_number(agreement_sections(text))["4(g)"])
    assert [(item.number, item.span.of(text)) for item in items] == [
        ("4(g)(i)", "(i) within ten (10) days\nafter the filing with the SEC, a copy of its Annual Report on Form\n"
                    "10-KSB its Quarterly Reports on Form 10-QSB and any Current Reports\non Form 8-K"),
        ("4(g)(ii)", "(ii) within one (1) day after release, copies of all\npress releases issued by the Company "
                     "or any of its Subsidiaries"),
        ("4(g)(iii)", "(iii) contemporaneously with the making available or giving to the\nshareholders of the "
                      "Company, copies of any notices or other\ninformation the Company makes available or gives "
                      "to such\nshareholders."),
    ]


def test_the_last_inline_item_ends_with_its_sentence():
    text = sample_text("calbay-2003.txt")
    items = subsections_inline(text, by_number(agreement_sections(text))["6(A)"])
    assert [item.number for item in items] == ["6(A)(i)", "6(A)(ii)", "6(A)(iii)"]
    assert items[-1].span.of(text) == (
        "(iii) the breach of any representation, warranty, covenant\n"
        "     or  agreement  made  by  the Company in this Agreement."
    )


def test_references_to_items_are_not_items():
    text = (
        "4. NOTICES. The Company shall give the notices described in clauses (i) and (ii) of Section 3 "
        "promptly, and in any event within five (5) days, as Section 3(i) requires.\n"
    )
    section = agreement_sections(text)[-1]
    assert section.number == "4"
    assert subsections_inline(text, section) == ()


NOTE_PURCHASE = """\
NOTE PURCHASE AGREEMENT

This Note Purchase Agreement is entered into as of June 1, 2021 by and among Foo Inc. (the
"Company") and the purchasers listed on Schedule A (the "Purchasers").

RECITALS

A. The Company wishes to issue notes.

B. The Purchasers wish to buy them.

AGREEMENT

ARTICLE 1
DEFINITIONS

Section 1.01. Definitions. "Business Day" means any day banks in New York are open.

ARTICLE 2
COVENANTS

Section 2.01. Reports. The Company shall deliver to each Purchaser:

(a) within 45 days after the end of each of the first three fiscal quarters, its quarterly report;

(b) within 90 days after the end of each fiscal year, its annual report, together with:

(i) a compliance certificate; and

(ii) a statement of reserves; and

(c) promptly, but in any event within five Business Days, notice of any Default.

Section 2.02. Notices of Events. On each anniversary of the Closing Date, the Company shall confirm its address.

[Signature Page Follows]

IN WITNESS WHEREOF, the parties have signed.
"""


def test_sections_numbered_1_01_with_items_nested_under_items():
    found = agreement_sections(NOTE_PURCHASE)
    assert [section.number for section in found] == [
        "Preamble", "Recital A", "Recital B", "Article 1", "1.01", "Article 2", "2.01",
        "2.01(a)", "2.01(b)", "2.01(b)(i)", "2.01(b)(ii)", "2.01(c)", "2.02", "Signatures",
    ]
    spans = by_number(found)
    assert spans["Recital B"].span.of(NOTE_PURCHASE) == "B. The Purchasers wish to buy them."
    assert spans["2.01(b)"].span.of(NOTE_PURCHASE).endswith("(ii) a statement of reserves; and")
    assert spans["2.02"].heading == "Notices of Events"
    assert spans["2.02"].span.of(NOTE_PURCHASE).endswith("the Company shall confirm its address.")


@pytest.mark.parametrize(("agreement", "sections_json"), SAMPLES)
def test_the_same_agreement_filed_as_edgar_html_splits_the_same_way(agreement, sections_json):
    # Each paragraph of the filed text becomes an HTML paragraph, its double spaces &nbsp;, as
    # EDGAR filers' converters write them.
    paragraphs = re.split(r"\n\s*\n", sample_text(agreement))
    body = "".join(
        f'<p style="margin:0"><font size="2">{html.escape(paragraph).replace("  ", "&nbsp; ")}</font></p>\n'
        for paragraph in paragraphs
    )
    filing = f"<DOCUMENT>\n<TYPE>EX-10.1\n<TEXT>\n<html><body>\n{body}</body></html>\n</TEXT>\n</DOCUMENT>\n"
    text = agreement_text(data=filing.encode(), filename="exhibit.htm")
    expected = [entry["number"] for entry in section_map(sections_json)]
    assert numbers(text) == ["Preamble", *expected, "Signatures"]


# -- Agreements of other common shapes ----------------------------------------------------------

# A modern note purchase agreement as a word processor exports it: no blank lines, curly quotes,
# headings with no closing period over "(a) Caption." items, recitals under "RECITALS".
MODERN_NOTE = (
    "Exhibit 4.2\n"
    "SERIES B CONVERTIBLE NOTE PURCHASE AGREEMENT\n"
    "This Series B Convertible Note Purchase Agreement, dated as of March 3, 2024 (this “Agreement”), is entered "
    "into by and among Larkspur Robotics, Inc., a Delaware corporation (the “Company”), and the investors listed on "
    "the schedule of investors attached hereto as Exhibit A (each an “Investor” and, together, the “Investors”).\n"
    "RECITALS\n"
    "A. The Company wishes to raise money by selling convertible notes to the Investors.\n"
    "B. The Investors are willing to buy the notes on the terms set out below.\n"
    "AGREEMENT\n"
    "1. Purchase and Sale\n"
    "(a) Sale of Notes. The Company shall sell to each Investor a note in the amount shown beside its name on Exhibit A.\n"
    "(b) Closing. The closing shall take place remotely on the date the Company and the Investors agree.\n"
    "2. Company Covenants\n"
    "(a) Financial Reports. The Company shall deliver to each Investor, within thirty (30) days after the end of each "
    "month, an unaudited balance sheet.\n"
    "(b) Inspection. The Company shall permit each Investor to visit its offices upon reasonable written request.\n"
    "3. General Provisions\n"
    "(a) Governing Law. This Agreement is governed by the laws of the State of Delaware.\n"
    "(b) Counterparts. This Agreement may be signed in counterparts.\n"
)


def test_a_modern_note_agreement_with_headings_on_their_own_lines_and_no_blank_lines():
    found = agreement_sections(MODERN_NOTE)
    assert [(section.number, section.heading) for section in found] == [
        ("Preamble", ""),
        ("Recital A", ""),
        ("Recital B", ""),
        ("1", "Purchase and Sale"),
        ("1(a)", "Sale of Notes"),
        ("1(b)", "Closing"),
        ("2", "Company Covenants"),
        ("2(a)", "Financial Reports"),
        ("2(b)", "Inspection"),
        ("3", "General Provisions"),
        ("3(a)", "Governing Law"),
        ("3(b)", "Counterparts"),
    ]
    spans = by_number(found)
    assert spans["Preamble"].span.of(MODERN_NOTE).startswith("Exhibit 4.2\nSERIES B")
    assert spans["Preamble"].span.of(MODERN_NOTE).endswith("the “Investors”).")
    assert spans["Recital B"].span.of(MODERN_NOTE) == "B. The Investors are willing to buy the notes on the terms set out below."
    assert spans["1"].span.of(MODERN_NOTE).startswith("1. Purchase and Sale\n(a) Sale of Notes.")
    assert spans["1"].span.of(MODERN_NOTE).endswith("the Investors agree.")
    assert spans["2(a)"].span.of(MODERN_NOTE) == (
        "(a) Financial Reports. The Company shall deliver to each Investor, within thirty (30) days after the end of "
        "each month, an unaudited balance sheet."
    )


CREDIT = """\
CREDIT AGREEMENT

dated as of May 15, 2024

among

ACME CORP.,
as Borrower,

THE LENDERS FROM TIME TO TIME PARTY HERETO

and

FIRST BANK, N.A.,
as Administrative Agent

TABLE OF CONTENTS

ARTICLE I      DEFINITIONS ......................................... 1
Section 1.01   Defined Terms ....................................... 1
ARTICLE VI     AFFIRMATIVE COVENANTS ............................... 9
Section 6.01   Financial Statements ................................ 9

CREDIT AGREEMENT (this “Agreement”) dated as of May 15, 2024, among ACME CORP., a Delaware corporation (the \
“Borrower”), the LENDERS from time to time party hereto, and FIRST BANK, N.A., as Administrative Agent.

The parties hereto agree as follows:

ARTICLE I
DEFINITIONS

Section 1.01 Defined Terms. As used in this Agreement, the terms below have the meanings given.

Section 1.02 Terms Generally. Words in the singular include the plural.

ARTICLE VI
AFFIRMATIVE COVENANTS

SECTION 6.01 Financial Statements. The Borrower will furnish to the Administrative Agent:

(a) within ninety (90) days after the end of each fiscal year, its audited balance sheet; and

(b) within forty-five (45) days after the end of each of the first three fiscal quarters, its unaudited balance sheet.

SECTION 6.02 Notices of Material Events. The Borrower will give the Administrative Agent prompt written notice of \
any Default.

ARTICLE IX
MISCELLANEOUS

SECTION 9.01 Notices. All notices shall be in writing and delivered by hand or overnight courier service, \
addressed as follows:

(a) if to the Borrower, to it at 500 Harbor Drive, Tampa, FL 33602, Attention: Treasurer; and

(b) if to the Administrative Agent, to First Bank, N.A., 77 Lake Street, Chicago, IL 60601, Attention: Loan Agency.

SECTION 9.02 Governing Law. This Agreement shall be construed in accordance with and governed by the law of the \
State of New York.

IN WITNESS WHEREOF, the parties hereto have caused this Agreement to be duly executed as of the day and year \
first above written.

ACME CORP., as Borrower

By: ______________________
Name: Dana Fox
Title: Treasurer

FIRST BANK, N.A., as Administrative Agent and as a Lender

By: ______________________
Name: Omar Reyes
Title: Director

NORTHERN TRUST BANK, as a Lender

By: ______________________
Name:
Title:
"""


def test_a_credit_agreement_with_a_cover_page_articles_and_sections_6_01():
    found = agreement_sections(CREDIT)
    assert [(section.number, section.heading) for section in found] == [
        ("Preamble", ""),
        ("Article I", "Definitions"),
        ("1.01", "Defined Terms"),
        ("1.02", "Terms Generally"),
        ("Article VI", "Affirmative Covenants"),
        ("6.01", "Financial Statements"),
        ("6.01(a)", ""),
        ("6.01(b)", ""),
        ("6.02", "Notices of Material Events"),
        ("Article IX", "Miscellaneous"),
        ("9.01", "Notices"),
        ("9.01(a)", ""),
        ("9.01(b)", ""),
        ("9.02", "Governing Law"),
        ("Signatures", ""),
    ]
    spans = by_number(found)
    # The cover page lists the parties too; the preamble is the paragraph that defines their terms.
    assert spans["Preamble"].span.of(CREDIT).startswith("CREDIT AGREEMENT (this “Agreement”) dated as of May 15")
    assert spans["Preamble"].span.of(CREDIT).endswith("The parties hereto agree as follows:")
    assert spans["Article VI"].span.of(CREDIT).endswith("prompt written notice of any Default.")
    assert spans["6.01(b)"].span.of(CREDIT) == (
        "(b) within forty-five (45) days after the end of each of the first three fiscal quarters, its unaudited "
        "balance sheet."
    )
    assert spans["Signatures"].span.of(CREDIT).endswith("Name:\nTitle:")


PIPE = """\
SECURITIES PURCHASE AGREEMENT

This Securities Purchase Agreement (this "Agreement") is dated as of October 7, 2024, between Bluefin \
Therapeutics, Inc., a Delaware corporation (the "Company"), and each purchaser identified on the signature pages \
hereto (each, including its successors and assigns, a "Purchaser" and collectively, the "Purchasers").

WHEREAS, the Company wishes to sell shares of its common stock in a private placement; and

WHEREAS, each Purchaser wishes to buy the shares on the terms set out in this Agreement.

NOW, THEREFORE, the Company and each Purchaser agree as follows:

ARTICLE I.
PURCHASE AND SALE

1.1 Closing. On the Closing Date, the Company shall sell, and each Purchaser shall buy, 2,500,000 shares of \
Common Stock at $4.00 per share.

1.2 Deliveries. At the Closing the Company shall deliver the shares to each Purchaser.

ARTICLE II.
COVENANTS

2.1 Registration Statement. Within thirty (30) calendar days after the Closing Date, the Company shall file a \
registration statement covering the resale of the shares.

2.2 Notices. Any notice under this Agreement shall be in writing and shall be deemed given on the date of \
delivery by hand or by e-mail, addressed as follows:

If to the Company:

Bluefin Therapeutics, Inc.
40 Pier Road, Suite 12
Boston, MA 02110
Attention: Chief Financial Officer
E-mail: cfo@bluefin.example.com

with a copy (which shall not constitute notice) to:

Hale & Ward LLP
9 Court Square
Boston, MA 02108
Attention: Rita Hale

If to a Purchaser: to its address on its signature page.

IN WITNESS WHEREOF, the parties have executed this Agreement as of the date first written above.

BLUEFIN THERAPEUTICS, INC.

By: ______________________
Name: Lee Chan
Title: Chief Executive Officer

[PURCHASER SIGNATURE PAGE]

Name of Purchaser: Cobalt Ridge Partners, L.P.

By: ______________________
Name: Priya Nair
Title: Managing Partner

Address for Notice:
220 Elm Street
Greenwich, CT 06830
"""


def test_a_pipe_agreement_with_whereas_recitals_and_decimal_sections_under_articles():
    found = agreement_sections(PIPE)
    assert [(section.number, section.heading) for section in found] == [
        ("Preamble", ""),
        ("Recital 1", ""),
        ("Recital 2", ""),
        ("Article I", "Purchase and Sale"),
        ("1.1", "Closing"),
        ("1.2", "Deliveries"),
        ("Article II", "Covenants"),
        ("2.1", "Registration Statement"),
        ("2.2", "Notices"),
        ("Signatures", ""),
    ]
    spans = by_number(found)
    assert spans["Recital 2"].span.of(PIPE) == (
        "WHEREAS, each Purchaser wishes to buy the shares on the terms set out in this Agreement."
    )
    assert spans["2.2"].span.of(PIPE).endswith("If to a Purchaser: to its address on its signature page.")
    assert spans["Signatures"].span.of(PIPE).endswith("Greenwich, CT 06830")


def test_a_caption_set_off_by_a_dash_after_its_number():
    text = (
        "This Loan Agreement (this \"Agreement\") is made as of June 1, 2024 between Pine Bank (the \"Bank\") and "
        "Cedar Tools LLC (the \"Borrower\").\n\n"
        "ARTICLE I - DEFINITIONS\n\n1.1 Defined Terms. Terms are defined below.\n\n"
        "ARTICLE II - LOANS\n\nSection 2.1 — Advances. The Bank may make advances.\n\n2.2 Interest. Interest accrues daily.\n"
    )
    assert [(section.number, section.heading) for section in agreement_sections(text)] == [
        ("Preamble", ""), ("Article I", "Definitions"), ("1.1", "Defined Terms"), ("Article II", "Loans"),
        ("2.1", "Advances"), ("2.2", "Interest"),
    ]
