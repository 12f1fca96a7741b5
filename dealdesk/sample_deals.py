"""The two seed agreements, held completely, and the loader behind `manage.py load_sample_deals`.

The data comes first, written as the agreements state it (sections cited), then
the loader. The loader matches every row by its natural key, so running it
again changes nothing; it never creates occurrences itself: the signals in
obligations/signals.py compute them when deals, events and rules are saved.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction

from deals.models import Deal, DealEvent, RelatedAgreement
from instruments.models import (
    ConvertibleNote,
    EquityLine,
    ReserveCovenant,
    ShareClass,
    ShareReservation,
    Tranche,
    Warrant,
)
from obligations.models import DeadlineRule, Obligation, Occurrence
from parties.models import Address, DealParty, NoticeMethod, Party, Person

Form = Party.Form
Role = DealParty.Role
Method = NoticeMethod.Method
Kind = Obligation.Kind
Penalty = Obligation.Penalty
Unit = DeadlineRule.Unit
Anchor = DeadlineRule.Anchor
Frequency = DeadlineRule.Frequency


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonData:
    name: str
    title: str = ""
    email: str = ""
    receives_reminders: bool = False


@dataclass(frozen=True)
class AddressData:
    city: str
    street_line_1: str = ""
    street_line_2: str = ""
    po_box: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = "United States"
    attention: str = ""
    phone: str = ""
    fax: str = ""
    label: str = "Notices"


@dataclass(frozen=True)
class PartyData:
    legal_name: str
    form: str
    short_name: str = ""
    jurisdiction: str = ""
    is_broker_dealer: bool = False
    is_accredited_investor: bool = False
    people: tuple[PersonData, ...] = ()
    addresses: tuple[AddressData, ...] = ()


@dataclass(frozen=True)
class RoleData:
    party: str  # legal name
    role: str
    signatory: str = ""
    signed_by_way_of: str = ""
    notice_address: str = "Notices"  # label of one of the party's addresses
    copy_to: tuple[str, ...] = ()  # parties whose "Notices" address gets a copy


@dataclass(frozen=True)
class NoticeMethodData:
    method: str
    days_after_sending: int | None  # None: effective on receipt


@dataclass(frozen=True)
class EventData:
    name: str
    description: str


@dataclass(frozen=True)
class ShareClassData:
    kind: str
    name: str
    authorized: int
    issued_and_outstanding: int
    as_of: datetime.date
    section: str
    par_value: Decimal | None = None
    reservations: tuple[tuple[str, int], ...] = ()  # (purpose, shares)


@dataclass(frozen=True)
class TrancheData:
    name: str
    amount: Decimal
    warrant_shares: int
    event: str
    days_to_close: int
    section: str


@dataclass(frozen=True)
class NoteData:
    name: str
    principal: Decimal
    interest_rate: Decimal
    secured: bool
    issue_date: datetime.date | None
    section: str
    conversion_terms: str = ""
    tranche: str = ""


@dataclass(frozen=True)
class WarrantData:
    name: str
    shares: int
    issue_date: datetime.date | None
    section: str
    tranche: str = ""


@dataclass(frozen=True)
class EquityLineData:
    investor: str
    placement_agent: str
    commitment: Decimal
    placement_fee_rate: Decimal
    section: str


@dataclass(frozen=True)
class RuleData:
    kind: str
    anchor: str = ""
    event: str = ""
    offset: int = 0
    unit: str = Unit.CALENDAR_DAYS
    frequency: str = ""


def after(offset: int, unit: str, anchor: str, event: str = "") -> RuleData:
    return RuleData(DeadlineRule.Kind.AFTER_ANCHOR, anchor, event, offset, unit)


def each(frequency: str, offset: int, unit: str) -> RuleData:
    # Open-ended: neither agreement dates the end of these reporting duties.
    return RuleData(DeadlineRule.Kind.RECURRING, offset=offset, unit=unit, frequency=frequency)


def lasting(offset: int, unit: str, anchor: str, event: str = "") -> RuleData:
    return RuleData(DeadlineRule.Kind.PERIOD, anchor, event, offset, unit)


@dataclass(frozen=True)
class ObligationData:
    title: str
    section: str
    kind: str
    clause_text: str
    beneficiaries: tuple[str, ...]
    obligor: str = ""  # empty: the deal's company
    consequence: str = ""
    penalty: str = Penalty.NONE
    penalty_rate: Decimal | None = None
    rules: tuple[RuleData, ...] = ()


@dataclass(frozen=True)
class DealData:
    title: str
    agreement_name: str
    kind: str
    dated_as_of: datetime.date
    closing_date: datetime.date | None
    governing_law: str
    forum: str
    company: str
    roles: tuple[RoleData, ...]
    notice_methods: tuple[NoticeMethodData, ...]
    notice_section: str
    related_agreements: tuple[tuple[str, datetime.date | None, str], ...] = ()
    events: tuple[EventData, ...] = ()
    share_classes: tuple[ShareClassData, ...] = ()
    reserve_covenant: tuple[str, Decimal, str] | None = None  # (share class, multiple, section)
    tranches: tuple[TrancheData, ...] = ()
    convertible_notes: tuple[NoteData, ...] = ()
    warrants: tuple[WarrantData, ...] = ()
    equity_lines: tuple[EquityLineData, ...] = ()
    obligations: tuple[ObligationData, ...] = ()
    notes: str = ""


# --------------------------------------------------------------------------
# Parties (shared across deals: a party is matched by its legal name)
# --------------------------------------------------------------------------

CAL_BAY = "Cal-Bay International, Inc."
OFTRING = "Oftring & Company, Inc."
DUTCHESS = "Dutchess Private Equities Fund, L.P."
# The notice clause names her so; she is an individual, not a firm.
WALSTRAND = "Cletha Walstrand, Attorney at Law"

CALBATECH = "CalbaTech, Inc."
AJW_PARTNERS = "AJW Partners, LLC"
AJW_OFFSHORE = "AJW Offshore, Ltd."
AJW_QUALIFIED = "AJW Qualified Partners, LLC"
NEW_MILLENNIUM = "New Millennium Capital Partners II, LLC"
BUYERS = (AJW_PARTNERS, AJW_OFFSHORE, AJW_QUALIFIED, NEW_MILLENNIUM)
SICHENZIA = "Sichenzia Ross Friedman Ference LLP"
BALLARD = "Ballard Spahr Andrews & Ingersoll, LLP"

RIBOTSKY = "Corey S. Ribotsky"
# SPA signature pages: three buyers share the Roslyn address.
ROSLYN = AddressData(
    street_line_1="1044 Northern Boulevard", street_line_2="Suite 302",
    city="Roslyn", region="New York", postal_code="11576",
    phone="(516) 739-7110", fax="(516) 739-7115",
)
# Demo data, not in the agreements: a finance contact per company so the
# reminder emails of a later feature have somewhere to go.
FINANCE_DESK = "Finance Desk"

PARTIES: tuple[PartyData, ...] = (
    PartyData(
        CAL_BAY, Form.CORPORATION, short_name="Cal-Bay",
        people=(
            PersonData("Charles Prebay", "Chief Financial Officer, Vice President"),
            PersonData(FINANCE_DESK, email="finance@calbay.example.com", receives_reminders=True),  # demo
        ),
        # PAA s.11(B); the clause prints his name without "Attention:".
        addresses=(AddressData(
            street_line_1="1582 Parkway Loop, Suite G", city="Tustin", region="CA", postal_code="92780",
            attention="Charles Prebay", phone="714.258.7070", fax="714.258.7077",
        ),),
    ),
    PartyData(
        # PAA s.2(A)(vi) and s.10: a registered broker-dealer.
        OFTRING, Form.CORPORATION, short_name="Oftring", is_broker_dealer=True,
        people=(PersonData("Robert J. Oftring", "President"),),
        addresses=(AddressData(
            street_line_1="588 Main Street", city="Worcester", region="MA", postal_code="01608",
            attention="Robert J. Oftring, President", phone="508.791.7111", fax="508.791.7382",
        ),),
    ),
    PartyData(
        DUTCHESS, Form.LP, short_name="Dutchess", jurisdiction="Delaware",
        people=(PersonData("Douglas H. Leighton", "A Managing Member"),),
        addresses=(AddressData(
            street_line_1="312 Stuart St.", city="Boston", region="MA", postal_code="02116",
            phone="(617) 960-3582", fax="(617) 960-3772",
        ),),
    ),
    PartyData(
        WALSTRAND, Form.INDIVIDUAL, short_name="Cletha Walstrand",
        addresses=(AddressData(
            street_line_1="8 East Broadway, Suite 609", city="Salt Lake City", region="UT",
            postal_code="84111", phone="(801) 363-0890", fax="(801) 363-8512",
        ),),
    ),
    PartyData(
        CALBATECH, Form.CORPORATION, short_name="CalbaTech", jurisdiction="Nevada",
        people=(
            PersonData("James DeOlden", "Chief Executive Officer"),
            PersonData(FINANCE_DESK, email="finance@calbatech.example.com", receives_reminders=True),  # demo
        ),
        addresses=(AddressData(  # SPA s.8(f)
            street_line_1="15375 Barranca Parkway", street_line_2="Suite I-101",
            city="Irvine", region="CA", postal_code="92618", attention="Chief Executive Officer",
            phone="(949) 450-9912", fax="(949) 450-9954",
        ),),
    ),
    # SPA s.2(b): each buyer is an accredited investor; s.2(i): residence as on its signature page.
    # Corey S. Ribotsky signs for all four; a Person belongs to one party, so each gets its own.
    PartyData(
        AJW_PARTNERS, Form.LLC, short_name="AJW Partners", jurisdiction="Delaware",
        is_accredited_investor=True, people=(PersonData(RIBOTSKY, "Manager"),), addresses=(ROSLYN,),
    ),
    PartyData(
        AJW_OFFSHORE, Form.LIMITED, short_name="AJW Offshore", jurisdiction="Cayman Islands",
        is_accredited_investor=True, people=(PersonData(RIBOTSKY, "Manager"),),
        # The signature page prints "Cayman Island, B.W.I."; the residence line says Cayman Islands.
        addresses=(AddressData(po_box="P.O. Box 32021 SMB", city="Grand Cayman", country="Cayman Islands, B.W.I."),),
    ),
    PartyData(
        AJW_QUALIFIED, Form.LLC, short_name="AJW Qualified Partners", jurisdiction="New York",
        is_accredited_investor=True, people=(PersonData(RIBOTSKY, "Manager"),), addresses=(ROSLYN,),
    ),
    PartyData(
        NEW_MILLENNIUM, Form.LLC, short_name="New Millennium", jurisdiction="New York",
        is_accredited_investor=True, people=(PersonData(RIBOTSKY, "Manager"),), addresses=(ROSLYN,),
    ),
    PartyData(
        SICHENZIA, Form.LLP, short_name="Sichenzia Ross",
        addresses=(AddressData(
            street_line_1="1065 Avenue of the Americas", city="New York", region="NY", postal_code="10018",
            attention="Gregory Sichenzia, Esq.", phone="(212) 930-9700", fax="(212) 930-9725",
        ),),
    ),
    PartyData(
        BALLARD, Form.LLP, short_name="Ballard Spahr",
        addresses=(AddressData(
            street_line_1="1735 Market Street", street_line_2="51st Floor", city="Philadelphia",
            region="Pennsylvania", postal_code="19103", attention="Gerald J. Guarcini, Esq.",
            phone="215-864-8625", fax="215-864-8999",
        ),),
    ),
)


# --------------------------------------------------------------------------
# Deal 1: Placement Agent Agreement, June 16, 2003 (equity line)
# --------------------------------------------------------------------------

PAA_DATE = datetime.date(2003, 6, 16)

PLACEMENT_AGENT_AGREEMENT = DealData(
    title="Cal-Bay International – Placement Agent Agreement (equity line)",
    agreement_name="Placement Agent Agreement",
    kind=Deal.Kind.EQUITY_LINE,
    dated_as_of=PAA_DATE,
    # No closing date: s.8 speaks of "the applicable Closing", one per draw under the
    # Investment Agreement, and dates none. Left empty for the desk to fill; recurring
    # deadlines count from the agreement date meanwhile.
    closing_date=None,
    governing_law="Massachusetts",
    notes="No closing date: s.8 contemplates a closing for each draw (\"the applicable Closing\") and dates none.",
    forum=(
        "Any suit, action, proceeding or litigation arising out of or relating to this Agreement shall be "
        "brought and prosecuted in such federal or state court or courts located within the Commonwealth of "
        "Massachusetts as provided by law. The parties consent to the jurisdiction of those courts and waive "
        "any claim of inconvenient forum (s.11(C))."
    ),
    company=CAL_BAY,
    # s.1: the "Offering Materials", both dated the date hereof.
    related_agreements=(
        ("Investment Agreement", PAA_DATE, "The Company sells the Investor up to $10,000,000 of Common Stock (s.1)."),
        ("Registration Rights Agreement", PAA_DATE, "Registration rights of the Investor for the Common Stock (s.1)."),
    ),
    roles=(
        RoleData(CAL_BAY, Role.COMPANY, signatory="Charles Prebay", copy_to=(WALSTRAND,)),
        RoleData(OFTRING, Role.PLACEMENT_AGENT, signatory="Robert J. Oftring"),
        RoleData(DUTCHESS, Role.INVESTOR, signatory="Douglas H. Leighton",
                 signed_by_way_of="By its general partner Dutchess Capital Management, LLC"),
        RoleData(WALSTRAND, Role.COMPANY_COUNSEL),
    ),
    # s.11(B): effective when deposited in the mail, or when received if delivered by hand or faxed.
    notice_methods=(
        NoticeMethodData(Method.MAIL, 0),
        NoticeMethodData(Method.HAND, None),
        NoticeMethodData(Method.FAX, None),
    ),
    notice_section="11(B)",
    share_classes=(
        ShareClassData(ShareClass.Kind.COMMON, "Common Stock", authorized=75_000_000,
                       issued_and_outstanding=24_985_000, as_of=PAA_DATE, section="3(A)(ii)",
                       par_value=Decimal("0.001")),
    ),
    equity_lines=(
        EquityLineData(DUTCHESS, OFTRING, commitment=Decimal("10000000"),
                       placement_fee_rate=Decimal("0.01"), section="1, 10"),
    ),
    # s.5(D) also covers (iii) copies of stockholder materials "at the time" they are furnished,
    # with no separate deadline. s.6(E) (notify within 5 business days of an action being
    # commenced) is not loaded: who must notify depends on who is sued, unknown in advance.
    obligations=(
        ObligationData(
            "Quarterly financial statements to the Placement Agent", "5(D)(i)", Kind.REPORTING,
            clause_text=(
                "To deliver, during the registration period of the Equity Line Credit Agreement, to the "
                "Placement Agent upon the Placement Agent's request, (i) within forty five (45) days, a "
                "statement of its income for each such quarterly period, and its balance sheet and a statement "
                "of changes in stockholders' equity as of the end of such quarterly period, all in reasonable "
                "detail, certified by its principal financial or accounting officer."
            ),
            beneficiaries=(OFTRING,),
            rules=(each(Frequency.QUARTERLY, 45, Unit.CALENDAR_DAYS),),
        ),
        ObligationData(
            "Annual financial statements to the Placement Agent", "5(D)(ii)", Kind.REPORTING,
            clause_text=(
                "To deliver, during the registration period of the Equity Line Credit Agreement, to the "
                "Placement Agent upon the Placement Agent's request, (ii) within ninety (90) days after the close "
                "of each fiscal year, its balance sheet as of the close of such fiscal year, together with a "
                "statement of income, a statement of changes in stockholders' equity and a statement of cash flow "
                "for such fiscal year, ... accompanied by a copy of the certificate or report thereon of "
                "independent auditors if audited financial statements are prepared."
            ),
            beneficiaries=(OFTRING,),
            # The agreement does not state Cal-Bay's fiscal year end: the party default (31 December) applies.
            rules=(each(Frequency.FISCAL_YEARLY, 90, Unit.CALENDAR_DAYS),),
        ),
    ),
)


# --------------------------------------------------------------------------
# Deal 2: Securities Purchase Agreement, May 23, 2005 (secured convertible notes)
# --------------------------------------------------------------------------

SPA_DATE = datetime.date(2005, 5, 23)
FILING_DATE = "Filing Date"
EFFECTIVE_DATE = "Effective Date"
EXPENSE_NOTICE = "Expense notice or invoice received"
OPINION_DELIVERED = "Opinion of counsel delivered"
RESERVE_SHORTFALL = "Reserved Amount exceeds Authorized and Reserved Shares"
SEC_REPORT_FILED = "SEC report filed"
PRESS_RELEASE_ISSUED = "Press release issued"

# Recital B: $2,000,000 of Notes and Warrants for 12,143,290 shares in all. s.4(l) adds the
# Filing and Effectiveness tranches of $600,000 and 3,642,987 warrant shares each, so the
# Closing takes 2,000,000 - 2 x 600,000 = $800,000 and 12,143,290 - 2 x 3,642,987 = 4,857,316
# warrant shares (check: the same ratio, 3,642,987 x 800/600 = 4,857,316).
TOTAL_PRINCIPAL = Decimal("2000000")
TOTAL_WARRANT_SHARES = 12_143_290
TRANCHE_PRINCIPAL = Decimal("600000")
TRANCHE_WARRANT_SHARES = 3_642_987
CLOSING_PRINCIPAL = TOTAL_PRINCIPAL - 2 * TRANCHE_PRINCIPAL
CLOSING_WARRANT_SHARES = TOTAL_WARRANT_SHARES - 2 * TRANCHE_WARRANT_SHARES

CONVERSION_TERMS = (
    "Convertible into Common Stock at the Conversion Price, which the Notes (Exhibit A) define; "
    "Exhibit A is not part of the agreement text, so enter the price from it."
)
# s.4(l): the Additional Notes and Warrants have terms identical to the Closing ones.
ADDITIONAL_NOTE_TERMS = CONVERSION_TERMS + " Terms identical to the Closing Notes (s.4(l))."

SLDA = Decimal("0.03")  # s.2(f): 3% of the outstanding Notes per month, prorated
SLDA_DEFINITION = (
    "Standard Liquidated Damages Amount (s.2(f)): three percent (3%) of the outstanding amount of the Notes "
    "per month plus accrued and unpaid interest on the Notes, prorated for partial months, in cash or shares "
    "at the option of the Company."
)
BREACH_OF_COVENANTS = (
    "s.4(o): If the Company breaches any of the covenants set forth in this Section 4, and in addition to any "
    "other remedies available to the Buyers, the Company shall pay to the Buyers the Standard Liquidated "
    "Damages Amount, in cash or in shares of Common Stock at the option of the Company, until such breach is "
    "cured. " + SLDA_DEFINITION
)

SECURITIES_PURCHASE_AGREEMENT = DealData(
    title="CalbaTech – Securities Purchase Agreement (10% secured convertible notes)",
    agreement_name="Securities Purchase Agreement",
    kind=Deal.Kind.CONVERTIBLE_NOTES,
    dated_as_of=SPA_DATE,
    closing_date=SPA_DATE,  # s.1(c): 12:00 noon, Eastern Standard Time on May 23, 2005
    governing_law="New York",
    notes="The signature pages leave each Buyer's principal, warrants and purchase price blank; the Notes "
          "and Warrants are recorded for the Buyers together.",
    forum=(
        "Exclusive jurisdiction of the United States federal courts located in New York, New York with respect "
        "to any dispute arising under this Agreement, the agreements entered into in connection herewith or the "
        "transactions contemplated hereby or thereby; the defense of an inconvenient forum is waived (s.8(a))."
    ),
    company=CALBATECH,
    related_agreements=(
        ("Registration Rights Agreement", SPA_DATE, "Exhibit C; executed contemporaneously (recital D)."),
        ("10% Secured Convertible Notes", None, "Form of the Notes, Exhibit A (recital B)."),
        ("Warrants", None, "Form of the Warrants, Exhibit B (recital B)."),
        ("Irrevocable Transfer Agent Instructions", None, "Instructions to the transfer agent (s.5, s.7(c))."),
    ),
    # Not happened yet when the deal was loaded: the desk enters each date when it happens.
    events=(
        EventData(FILING_DATE, "The Company files the Registration Statement under the Registration Rights "
                               "Agreement (s.4(l))."),
        EventData(EFFECTIVE_DATE, "The Registration Statement is declared effective (s.4(l))."),
        EventData(EXPENSE_NOTICE, "A Buyer gives written notice of, or invoices, expenses to reimburse (s.4(f))."),
        EventData(OPINION_DELIVERED, "A Buyer delivers an opinion of counsel on a transfer under an exemption, "
                                     "such as Rule 144 or Regulation S (s.2(f))."),
        EventData(RESERVE_SHORTFALL, "The Reserved Amount (twice the shares issuable) exceeds the shares "
                                     "authorized and reserved (s.4(h))."),
        EventData(SEC_REPORT_FILED, "The Company files a Form 10-KSB, 10-QSB or 8-K with the SEC (s.4(g)(i))."),
        EventData(PRESS_RELEASE_ISSUED, "The Company or a Subsidiary issues a press release (s.4(g)(ii))."),
    ),
    roles=(
        RoleData(CALBATECH, Role.COMPANY, signatory="James DeOlden", copy_to=(SICHENZIA,)),
        RoleData(AJW_PARTNERS, Role.INVESTOR, signatory=RIBOTSKY, signed_by_way_of="By: SMS Group, LLC",
                 copy_to=(BALLARD,)),
        RoleData(AJW_OFFSHORE, Role.INVESTOR, signatory=RIBOTSKY,
                 signed_by_way_of="By: First Street Manager II, LLC", copy_to=(BALLARD,)),
        RoleData(AJW_QUALIFIED, Role.INVESTOR, signatory=RIBOTSKY, signed_by_way_of="By: AJW Manager, LLC",
                 copy_to=(BALLARD,)),
        # "LLP" as printed on the signature page (AJW Offshore's manager is printed "LLC").
        RoleData(NEW_MILLENNIUM, Role.INVESTOR, signatory=RIBOTSKY,
                 signed_by_way_of="By: First Street Manager II, LLP", copy_to=(BALLARD,)),
        RoleData(SICHENZIA, Role.COMPANY_COUNSEL),
        RoleData(BALLARD, Role.INVESTOR_COUNSEL),
    ),
    # s.8(f) lists certified or registered mail, personal delivery, courier and fax, but
    # states mail effectiveness only "if mailed by regular United States mail": five days
    # after being placed in the mail. Certified mail is recorded with the same five days:
    # it is the only mail the clause allows, "placed in the mail" describes it as well,
    # and the return receipt proves the posting date the count starts from.
    notice_methods=(
        NoticeMethodData(Method.MAIL, 5),
        NoticeMethodData(Method.CERTIFIED_MAIL, 5),
        NoticeMethodData(Method.HAND, None),
        NoticeMethodData(Method.COURIER, None),
        NoticeMethodData(Method.FAX, None),
    ),
    notice_section="8(f)",
    share_classes=(
        ShareClassData(
            ShareClass.Kind.COMMON, "Common Stock", authorized=200_000_000, issued_and_outstanding=43_980_227,
            as_of=SPA_DATE, section="3(c)", par_value=Decimal("0.001"),
            reservations=(
                (ShareReservation.Purpose.STOCK_OPTIONS, 380_000),
                # Stated as zero in s.3(c); kept so the record matches the agreement line by line.
                (ShareReservation.Purpose.OTHER_CONVERTIBLES, 0),
                (ShareReservation.Purpose.DEAL_SECURITIES, 90_953_246),
            ),
        ),
        # s.3(c) gives no par value for the preferred stock.
        ShareClassData(ShareClass.Kind.PREFERRED, "Preferred Stock", authorized=25_000_000,
                       issued_and_outstanding=1_250_000, as_of=SPA_DATE, section="3(c)"),
    ),
    reserve_covenant=("Common Stock", Decimal("2"), "4(h)"),
    tranches=(
        TrancheData("Filing tranche", TRANCHE_PRINCIPAL, TRANCHE_WARRANT_SHARES, FILING_DATE, 5, "4(l)"),
        TrancheData("Effectiveness tranche", TRANCHE_PRINCIPAL, TRANCHE_WARRANT_SHARES, EFFECTIVE_DATE, 5, "4(l)"),
    ),
    # Held by the buyers together: the signature pages leave each buyer's amounts blank.
    convertible_notes=(
        NoteData("Closing Notes", CLOSING_PRINCIPAL, Decimal("0.10"), True, SPA_DATE, "Recital B, 1(a)",
                 conversion_terms=CONVERSION_TERMS),
        NoteData("Filing Notes", TRANCHE_PRINCIPAL, Decimal("0.10"), True, None, "4(l)",
                 conversion_terms=ADDITIONAL_NOTE_TERMS, tranche="Filing tranche"),
        NoteData("Effectiveness Notes", TRANCHE_PRINCIPAL, Decimal("0.10"), True, None, "4(l)",
                 conversion_terms=ADDITIONAL_NOTE_TERMS, tranche="Effectiveness tranche"),
    ),
    # Exercise prices are in the Warrants (Exhibit B), not in the agreement.
    warrants=(
        WarrantData("Closing Warrants", CLOSING_WARRANT_SHARES, SPA_DATE, "Recital B, 1(a)"),
        WarrantData("Filing Warrants", TRANCHE_WARRANT_SHARES, None, "4(l)", tranche="Filing tranche"),
        WarrantData("Effectiveness Warrants", TRANCHE_WARRANT_SHARES, None, "4(l)", tranche="Effectiveness tranche"),
    ),
    # Not loaded, having no deadline the desk can compute: s.4(e)'s 20-business-day notice before a
    # Future Offering (counted back from a closing) and the Capital Raising Limitations' end (two
    # years after the Lock-up Period, whose end may depend on the Effective Date).
    obligations=(
        ObligationData(
            "Monthly list of shares authorized, reserved and issuable", "4(h)", Kind.SHARE_RESERVE,
            clause_text=(
                "In order to ensure that the Company has authorized a sufficient amount of shares to meet the "
                "Reserved Amount at all times, the Company must deliver to the Buyer at the end of every month a "
                "list detailing (1) the current amount of shares authorized by the Company and reserved for the "
                "Buyer; and (2) amount of shares issuable upon conversion of the Notes and upon exercise of the "
                "Warrants and as payment of interest accrued on the Notes for one year."
            ),
            beneficiaries=BUYERS,
            consequence=(
                "If the Company fails to provide such list within five (5) business days of the end of each "
                "month, the Company shall pay the Standard Liquidated Damages Amount, in cash or in shares of "
                "Common Stock at the option of the Buyer, until the list is delivered. " + SLDA_DEFINITION
            ),
            penalty=Penalty.MONTHLY_ON_NOTES, penalty_rate=SLDA,
            rules=(each(Frequency.MONTHLY, 5, Unit.BUSINESS_DAYS),),
        ),
        ObligationData(
            "Shareholder approval of more authorized shares", "4(h)", Kind.SHARE_RESERVE,
            clause_text=(
                "If at any time the number of shares of Common Stock authorized and reserved for issuance "
                "(\"Authorized and Reserved Shares\") is below the Reserved Amount, the Company will promptly "
                "take all corporate action necessary to authorize and reserve a sufficient number of shares, ... "
                "obtain shareholder approval of an increase in such authorized number of shares ..."
            ),
            beneficiaries=BUYERS,
            consequence=(
                "If the Company fails to obtain such shareholder approval within thirty (30) days following the "
                "date on which the number of Reserved Amount exceeds the Authorized and Reserved Shares, the "
                "Company shall pay to the Borrower [sic: the Buyer] the Standard Liquidated Damages Amount, in "
                "cash or in shares of Common Stock at the option of the Buyer. " + SLDA_DEFINITION
            ),
            penalty=Penalty.MONTHLY_ON_NOTES, penalty_rate=SLDA,
            rules=(after(30, Unit.CALENDAR_DAYS, Anchor.EVENT, RESERVE_SHORTFALL),),
        ),
        ObligationData(
            "Press release on the transaction", "4(c)", Kind.NOTICE,
            clause_text=(
                "The Company shall issue a press release describing the materials terms of the transaction "
                "contemplated hereby as soon as practicable following the Closing Date but in no event more than "
                "two (2) business days of the Closing Date, which press release shall be subject to prior review "
                "by the Buyers. ... such press release shall not disclose the name of the Buyers unless expressly "
                "consented to in writing by the Buyers or unless required by applicable law or regulation."
            ),
            beneficiaries=BUYERS,
            consequence=BREACH_OF_COVENANTS, penalty=Penalty.MONTHLY_ON_NOTES, penalty_rate=SLDA,
            rules=(after(2, Unit.BUSINESS_DAYS, Anchor.CLOSING_DATE),),
        ),
        ObligationData(
            "Key man life insurance", "4(m)", Kind.OTHER,
            clause_text=(
                "The Company shall use its best efforts to obtain, on or before five (5) business days from the "
                "date hereof, key man life insurance on James DeOlden, Edward Deese and John Bowers."
            ),
            beneficiaries=BUYERS,
            # No penalty figure: the covenant is to use best efforts, so not having the policy by
            # the date is not by itself a breach to charge damages for.
            consequence=BREACH_OF_COVENANTS,
            rules=(after(5, Unit.BUSINESS_DAYS, Anchor.AGREEMENT_DATE),),
        ),
        ObligationData(
            "Blue sky qualification and evidence of it", "4(b)", Kind.FILING,
            clause_text=(
                "The Company shall, on or before the Closing Date, take such action as the Company shall "
                "reasonably determine is necessary to qualify the Securities for sale to the Buyers at the "
                "applicable closing pursuant to this Agreement under applicable securities or \"blue sky\" laws "
                "of the states of the United States (or to obtain an exemption from such qualification), and "
                "shall provide evidence of any such action so taken to each Buyer on or prior to the Closing Date."
            ),
            beneficiaries=BUYERS,
            consequence=BREACH_OF_COVENANTS, penalty=Penalty.MONTHLY_ON_NOTES, penalty_rate=SLDA,
            rules=(after(0, Unit.CALENDAR_DAYS, Anchor.CLOSING_DATE),),
        ),
        ObligationData(
            "Written update of the capitalization representation", "3(c)", Kind.REPORTING,
            clause_text=(
                "The Company shall provide the Buyer with a written update of this representation signed by the "
                "Company's Chief Executive or Chief Financial Officer on behalf of the Company as of the Closing "
                "Date."
            ),
            beneficiaries=BUYERS,
            # A missing update is not a breach of a representation, so s.3(z) does not price it.
            rules=(after(0, Unit.CALENDAR_DAYS, Anchor.CLOSING_DATE),),
        ),
        # s.4(l) tranche closings. The Buyers "shall purchase", but the closing is an exchange: the
        # Company issues and delivers the Additional Notes and Warrants against payment, and the
        # desk reminds the Company's staff. So the Company is the obligor and the Buyers, who may
        # decline if the s.7 conditions fail, the beneficiaries. No consequence is stated.
        ObligationData(
            "Filing tranche closing", "4(l)", Kind.CLOSING,
            clause_text=(
                "The Company and the Buyers agree that, upon the filing by the Company of the Registration "
                "Statement to be filed pursuant to the Registration Rights Agreement (the \"Filing Date\"), the "
                "Buyers shall purchase additional Notes (the \"Filing Notes\") in the aggregate principal amount "
                "of Six Hundred Thousand Dollars ($600,000) and additional warrants (the \"Filing Warrants\") to "
                "purchase an aggregate of 3,642,987 shares of Common Stock, for an aggregate purchase price of "
                "Six Hundred Thousand Dollars ($600,000), with the closing of such purchase to occur within five "
                "(5) days of the Filing Date; provided, however, that the obligation of each Buyer to purchase "
                "the Filing Notes and the Filing Warrants is subject to the satisfaction ... of the conditions "
                "set forth in Section 7."
            ),
            beneficiaries=BUYERS,
            rules=(after(5, Unit.CALENDAR_DAYS, Anchor.EVENT, FILING_DATE),),
        ),
        ObligationData(
            "Effectiveness tranche closing", "4(l)", Kind.CLOSING,
            clause_text=(
                "The Company and the Buyers further agree that, upon the declaration of effectiveness of the "
                "Registration Statement ... (the \"Effective Date\"), the Buyers shall purchase additional notes "
                "(the \"Effectiveness Notes\") in the aggregate principal amount of Six Hundred Thousand Dollars "
                "($600,000) and additional warrants (the \"Effectiveness Warrants\") to purchase an aggregate of "
                "3,642,987 shares of Common Stock, for an aggregate purchase price of Six Hundred Thousand "
                "Dollars ($600,000), with the closing of such purchase to occur within five (5) days of the "
                "Effective Date; provided ... the conditions set forth in Section 7; and, provided, further, that "
                "there shall not have been a Material Adverse Effect as of such effective date."
            ),
            beneficiaries=BUYERS,
            rules=(after(5, Unit.CALENDAR_DAYS, Anchor.EVENT, EFFECTIVE_DATE),),
        ),
        ObligationData(
            "Lock-up Period: no discounted or variable equity financing", "4(e)", Kind.NEGATIVE_COVENANT,
            clause_text=(
                "The Company will not, without the prior written consent of a majority-in-interest of the Buyers, "
                "... negotiate or contract with any party to obtain additional equity financing ... during the "
                "period (the \"Lock-up Period\") beginning on the Closing Date and ending on the later of (i) two "
                "hundred seventy (270) days from the Closing Date and (ii) one hundred eighty (180) days from the "
                "date the Registration Statement ... is declared effective (plus any days in which sales cannot "
                "be made thereunder). [Desk note: the period ends on the later of the two end dates shown; add by "
                "hand any days in which sales cannot be made under the Registration Statement.]"
            ),
            beneficiaries=BUYERS,
            # A restriction: a breach is acting within the period, not missing a date, so no rate runs.
            consequence=BREACH_OF_COVENANTS,
            rules=(
                lasting(270, Unit.CALENDAR_DAYS, Anchor.CLOSING_DATE),
                # Limb (ii) waits for the Effective Date.
                lasting(180, Unit.CALENDAR_DAYS, Anchor.EVENT, EFFECTIVE_DATE),
            ),
        ),
        # s.4(n): each Buyer agrees severally (preamble), so each has its own restriction to track.
        *(
            ObligationData(
                f"No short sales by {buyer}", "4(n)", Kind.NEGATIVE_COVENANT,
                obligor=buyer,
                clause_text=(
                    "The Buyers agree that, so long as any of the Notes remain outstanding, but in no event less "
                    "than two (2) years from the date hereof, the Buyers will not enter into or effect any \"short "
                    "sales\" (as such term is defined in Rule 3b-3 of the 1934 Act) of the Common Stock or hedging "
                    "transaction which establishes a net short position with respect to the Common Stock. [Desk "
                    "note: the end date shown is the two-year minimum; the restriction lasts longer while any "
                    "Notes remain outstanding.]"
                ),
                beneficiaries=(CALBATECH,),
                rules=(lasting(2, Unit.YEARS, Anchor.AGREEMENT_DATE),),
            )
            for buyer in BUYERS
        ),
        ObligationData(
            "Reimbursement of the Buyers' expenses", "4(f)", Kind.PAYMENT,
            clause_text=(
                "When possible, the Company must pay these fees directly, otherwise the Company must make "
                "immediate payment for reimbursement to the Buyers for all fees and expenses immediately upon "
                "written notice by the Buyer or the submission of an invoice by the Buyer."
            ),
            beneficiaries=BUYERS,
            consequence=(
                "If the Company fails to reimburse the Buyer in full within three (3) business days of the written "
                "notice or submission of invoice by the Buyer, the Company shall pay interest on the total amount "
                "of fees to be reimbursed at a rate of 15% per annum."
            ),
            # The amount is known only from the invoice: the desk enters it as the penalty base.
            penalty=Penalty.ANNUAL_ON_AMOUNT, penalty_rate=Decimal("0.15"),
            rules=(after(3, Unit.BUSINESS_DAYS, Anchor.EVENT, EXPENSE_NOTICE),),
        ),
        ObligationData(
            "Acceptance of a Buyer's opinion of counsel", "2(f)", Kind.OTHER,
            clause_text=(
                "The Securities may not be transferred unless ... the Buyer shall have delivered to the Company "
                "an opinion of counsel reasonably acceptable to the Company ... to the effect that the Securities "
                "to be sold or transferred may be sold or transferred pursuant to an exemption from such "
                "registration, which opinion shall be accepted by the Company."
            ),
            beneficiaries=BUYERS,
            consequence=(
                "In the event that the Company does not accept the opinion of counsel provided by the Buyer with "
                "respect to the transfer of Securities pursuant to an exemption from registration, such as Rule "
                "144 or Regulation S, within three (3) business days of delivery of the opinion to the Company, "
                "the Company shall pay to the Buyer liquidated damages of three percent (3%) of the outstanding "
                "amount of the Notes per month plus accrued and unpaid interest on the Notes, prorated for partial "
                "months, in cash or shares at the option of the Company (\"Standard Liquidated Damages Amount\")."
            ),
            penalty=Penalty.MONTHLY_ON_NOTES, penalty_rate=SLDA,
            rules=(after(3, Unit.BUSINESS_DAYS, Anchor.EVENT, OPINION_DELIVERED),),
        ),
        ObligationData(
            "Copies of SEC reports to each Buyer", "4(g)(i)", Kind.REPORTING,
            clause_text=(
                "The Company agrees to send the following reports to each Buyer until such Buyer transfers, "
                "assigns, or sells all of the Securities: (i) within ten (10) days after the filing with the SEC, "
                "a copy of its Annual Report on Form 10-KSB its Quarterly Reports on Form 10-QSB and any Current "
                "Reports on Form 8-K."
            ),
            beneficiaries=BUYERS,
            consequence=BREACH_OF_COVENANTS, penalty=Penalty.MONTHLY_ON_NOTES, penalty_rate=SLDA,
            rules=(after(10, Unit.CALENDAR_DAYS, Anchor.EVENT, SEC_REPORT_FILED),),
        ),
        ObligationData(
            "Copies of press releases to each Buyer", "4(g)(ii)", Kind.REPORTING,
            clause_text=(
                "The Company agrees to send the following reports to each Buyer until such Buyer transfers, "
                "assigns, or sells all of the Securities: ... (ii) within one (1) day after release, copies of all "
                "press releases issued by the Company or any of its Subsidiaries."
            ),
            beneficiaries=BUYERS,
            consequence=BREACH_OF_COVENANTS, penalty=Penalty.MONTHLY_ON_NOTES, penalty_rate=SLDA,
            rules=(after(1, Unit.CALENDAR_DAYS, Anchor.EVENT, PRESS_RELEASE_ISSUED),),
        ),
    ),
)

DEALS: tuple[DealData, ...] = (PLACEMENT_AGENT_AGREEMENT, SECURITIES_PURCHASE_AGREEMENT)


# --------------------------------------------------------------------------
# Loader
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DealSummary:
    title: str
    parties: int
    instruments: int
    obligations: int
    occurrences: int

    def __str__(self) -> str:
        return (
            f"{self.title}: {self.parties} parties, {self.instruments} instruments, "
            f"{self.obligations} obligations, {self.occurrences} occurrences"
        )


@dataclass
class LoadResult:
    deals: list[DealSummary] = field(default_factory=list)
    created: int = 0
    updated: int = 0


class _Loader:
    """Creates or updates rows by natural key; saves only what differs, after full_clean()."""

    def __init__(self) -> None:
        self.created = 0
        self.updated = 0
        self._new: set[tuple[type[models.Model], int]] = set()

    def upsert(self, model: type[models.Model], lookup: dict, values: dict, create_only: dict | None = None):
        """Match on `lookup`; set `values`; set `create_only` (fields the desk fills later) only on creation."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            return self.create(model, **lookup, **values, **(create_only or {}))
        changed = {name: value for name, value in values.items() if _value(obj, name) != _pk(value)}
        if not changed:
            return obj
        for name, value in changed.items():
            setattr(obj, name, value)
        self.updated += 1
        obj.full_clean()
        obj.save()
        return obj

    def create(self, model: type[models.Model], **values):
        obj = model(**values)
        obj.full_clean()
        obj.save()
        self.created += 1
        self._new.add((model, obj.pk))
        return obj

    def set_m2m(self, manager, objects: list[models.Model]) -> None:
        wanted = {o.pk for o in objects}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(objects)
            # Filling the links of a row just created is part of creating it.
            if (type(manager.instance), manager.instance.pk) not in self._new:
                self.updated += 1


def _pk(value):
    return value.pk if isinstance(value, models.Model) else value


def _value(obj: models.Model, name: str):
    """A field's stored value; a foreign key compares by its id, without a query."""
    return obj._meta.get_field(name).value_from_object(obj)


@transaction.atomic
def sample_deals_load() -> LoadResult:
    """Load both seed agreements completely; running it again changes nothing."""
    loader = _Loader()
    parties = {data.legal_name: _load_party(loader, data) for data in PARTIES}
    result = LoadResult()
    for data in DEALS:
        deal = _load_deal(loader, data, parties)
        result.deals.append(_summarise(deal))
    result.created, result.updated = loader.created, loader.updated
    return result


def _load_party(loader: _Loader, data: PartyData) -> Party:
    party = loader.upsert(Party, {"legal_name": data.legal_name}, {
        "short_name": data.short_name,
        "form": data.form,
        "jurisdiction": data.jurisdiction,
        "is_broker_dealer": data.is_broker_dealer,
        "is_accredited_investor": data.is_accredited_investor,
    })
    for person in data.people:
        loader.upsert(Person, {"party": party, "name": person.name}, {
            "title": person.title, "email": person.email, "receives_reminders": person.receives_reminders,
        })
    for address in data.addresses:
        values = {name: getattr(address, name) for name in AddressData.__dataclass_fields__ if name != "label"}
        loader.upsert(Address, {"party": party, "label": address.label}, values)
    return party


def _load_deal(loader: _Loader, data: DealData, parties: dict[str, Party]) -> Deal:
    deal_values = {
        "agreement_name": data.agreement_name,
        "kind": data.kind,
        "dated_as_of": data.dated_as_of,
        "governing_law": data.governing_law,
        "forum": data.forum,
        "notes": data.notes,
    }
    if data.closing_date is None:
        # A closing date the desk enters later is kept.
        deal = loader.upsert(Deal, {"title": data.title}, deal_values, create_only={"closing_date": None})
    else:
        deal = loader.upsert(Deal, {"title": data.title}, {**deal_values, "closing_date": data.closing_date})

    for title, dated_as_of, description in data.related_agreements:
        loader.upsert(RelatedAgreement, {"deal": deal, "title": title},
                      {"dated_as_of": dated_as_of, "description": description})

    events = {}
    for event in data.events:
        # The date is the desk's to enter when the event happens; reloading never clears it.
        events[event.name] = loader.upsert(DealEvent, {"deal": deal, "name": event.name},
                                           {"description": event.description}, create_only={"date": None})

    for role in data.roles:
        _load_role(loader, deal, role, parties)

    for method in data.notice_methods:
        on_receipt = method.days_after_sending is None
        loader.upsert(NoticeMethod, {"deal": deal, "method": method.method}, {
            "effective_when": NoticeMethod.EffectiveWhen.ON_RECEIPT if on_receipt
            else NoticeMethod.EffectiveWhen.DAYS_AFTER_SENDING,
            "days_after_sending": 0 if on_receipt else method.days_after_sending,
            "section": data.notice_section,
        })

    company = parties[data.company]
    _load_instruments(loader, deal, data, company, parties, events)

    for obligation in data.obligations:
        _load_obligation(loader, deal, obligation, company, parties, events)
    return deal


def _load_role(loader: _Loader, deal: Deal, role: RoleData, parties: dict[str, Party]) -> None:
    party = parties[role.party]
    signatory = Person.objects.get(party=party, name=role.signatory) if role.signatory else None
    notice_address = Address.objects.get(party=party, label=role.notice_address) if role.notice_address else None
    deal_party = loader.upsert(DealParty, {"deal": deal, "party": party, "role": role.role}, {
        "signatory": signatory,
        "signed_by_way_of": role.signed_by_way_of,
        "notice_address": notice_address,
    })
    copies = [Address.objects.get(party=parties[name], label="Notices") for name in role.copy_to]
    loader.set_m2m(deal_party.copy_to, copies)


def _load_instruments(
    loader: _Loader, deal: Deal, data: DealData, company: Party, parties: dict[str, Party],
    events: dict[str, DealEvent],
) -> None:
    share_classes = {}
    for sc in data.share_classes:
        share_class = loader.upsert(ShareClass, {"deal": deal, "issuer": company, "name": sc.name}, {
            "kind": sc.kind,
            "par_value": sc.par_value,
            "authorized": sc.authorized,
            "issued_and_outstanding": sc.issued_and_outstanding,
            "as_of": sc.as_of,
            "section": sc.section,
        })
        share_classes[sc.name] = share_class
        for purpose, shares in sc.reservations:
            loader.upsert(ShareReservation, {"share_class": share_class, "purpose": purpose}, {"shares": shares})

    if data.reserve_covenant:
        class_name, multiple, section = data.reserve_covenant
        loader.upsert(ReserveCovenant, {"deal": deal},
                      {"share_class": share_classes[class_name], "multiple": multiple, "section": section})

    tranches = {}
    for t in data.tranches:
        tranches[t.name] = loader.upsert(Tranche, {"deal": deal, "name": t.name}, {
            "amount": t.amount,
            "warrant_shares": t.warrant_shares,
            "event": events[t.event],
            "days_to_close": t.days_to_close,
            "section": t.section,
        })

    # Issue dates (empty until a tranche closes), conversion and exercise prices are the
    # desk's to enter: set on creation only, so what it enters later survives a reload.
    for note in data.convertible_notes:
        loader.upsert(ConvertibleNote, {"deal": deal, "name": note.name}, {
            "issuer": company,
            "tranche": tranches.get(note.tranche),
            "principal": note.principal,
            "interest_rate": note.interest_rate,
            "secured": note.secured,
            "conversion_terms": note.conversion_terms,
            "section": note.section,
        }, create_only={"issue_date": note.issue_date, "conversion_price": None})
    for warrant in data.warrants:
        loader.upsert(Warrant, {"deal": deal, "name": warrant.name}, {
            "issuer": company,
            "tranche": tranches.get(warrant.tranche),
            "shares": warrant.shares,
            "section": warrant.section,
        }, create_only={"issue_date": warrant.issue_date, "exercise_price": None})

    for line in data.equity_lines:
        investor = parties[line.investor]
        loader.upsert(EquityLine, {"deal": deal, "issuer": company, "investor": investor}, {
            "placement_agent": parties[line.placement_agent],
            "commitment": line.commitment,
            "placement_fee_rate": line.placement_fee_rate,
            "section": line.section,
        })


def _load_obligation(
    loader: _Loader, deal: Deal, data: ObligationData, company: Party, parties: dict[str, Party],
    events: dict[str, DealEvent],
) -> None:
    obligation = loader.upsert(Obligation, {"deal": deal, "section": data.section, "title": data.title}, {
        "obligor": parties[data.obligor] if data.obligor else company,
        "clause_text": data.clause_text,
        "kind": data.kind,
        "consequence": data.consequence,
        "penalty": data.penalty,
        "penalty_rate": data.penalty_rate,
    })
    loader.set_m2m(obligation.beneficiaries, [parties[name] for name in data.beneficiaries])

    # Rules have no natural key: the n-th rule of the data is the n-th rule stored. Rules
    # the desk adds later come after them and are left alone. Saving a rule lets the
    # post_save signal compute its occurrences.
    stored = list(obligation.rules.order_by("id"))
    for index, rule in enumerate(data.rules):
        values = {
            "kind": rule.kind,
            "anchor": rule.anchor,
            "anchor_event": events[rule.event] if rule.event else None,
            "offset": rule.offset,
            "offset_unit": rule.unit,
            "frequency": rule.frequency,
        }
        if index < len(stored):
            loader.upsert(DeadlineRule, {"pk": stored[index].pk}, values)
        else:
            loader.create(DeadlineRule, obligation=obligation, **values)


def _summarise(deal: Deal) -> DealSummary:
    instruments = (
        deal.share_classes.count() + deal.convertible_notes.count()
        + deal.warrants.count() + deal.equity_lines.count()
    )
    return DealSummary(
        title=deal.title,
        parties=Party.objects.filter(deal_roles__deal=deal).distinct().count(),
        instruments=instruments,
        obligations=deal.obligations.count(),
        occurrences=Occurrence.objects.for_deal(deal).count(),
    )
