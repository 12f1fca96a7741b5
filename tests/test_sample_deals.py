"""The sample deals as `manage.py load_sample_deals` loads them, checked against the agreements.

Every number below is read off the two agreements in the seeds folder; every due
date was counted by hand on a calendar with the Federal Reserve holidays of the
year (e.g. Memorial Day Mon 30 May 2005, Independence Day Mon 4 Jul 2005, Labor
Day Mon 5 Sep 2005, New Year's Day observed Mon 2 Jan 2006).
"""
import datetime
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models.signals import post_save

from dealdesk import sample_deals
from deals.models import Deal, DealEvent
from instruments.models import ConvertibleNote, ShareClass, Tranche, Warrant
from instruments.services import reserve_test
from obligations import signals
from obligations.models import DeadlineRule, Obligation, Occurrence
from parties.models import DealParty, Party, Person
from parties.services import notice_effective_on
from reckoning.penalties import Spell

PAA = "Cal-Bay International – Placement Agent Agreement (equity line)"
SPA = "CalbaTech – Securities Purchase Agreement (10% secured convertible notes)"
BUYERS = [
    "AJW Partners, LLC",
    "AJW Offshore, Ltd.",
    "AJW Qualified Partners, LLC",
    "New Millennium Capital Partners II, LLC",
]
D = datetime.date

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_sample_deals", stdout=out)
    return out.getvalue()


def role(deal, legal_name, role):
    return DealParty.objects.get(deal=deal, party__legal_name=legal_name, role=role)


def due_dates(deal, title, section=None) -> list[datetime.date]:
    filters = {"rule__obligation__deal": deal, "rule__obligation__title": title}
    if section:
        filters["rule__obligation__section"] = section
    return list(Occurrence.objects.filter(**filters).order_by("due_date").values_list("due_date", flat=True))


def snapshot():
    return set(Occurrence.objects.values_list("id", "rule_id", "key", "due_date", "status"))


def date_event(deal, name, day):
    """The desk enters the day an event of the deal happened (the admin saves it the same way)."""
    event = deal.events.get(name=name)
    event.date = day
    event.save()
    return event


def fresh(rule):
    """The rule as the deal page reads it now, its events' dates included."""
    return DeadlineRule.objects.get(pk=rule.pk)


# PAA s.5(D): "during the registration period of the Equity Line Credit Agreement, to the Placement
# Agent upon the Placement Agent's request".
REQUEST_5D = "Placement Agent's request for financial statements (s.5(D))"
REGISTRATION_ENDS = "End of the registration period of the Equity Line"


# --- Deal 1: Placement Agent Agreement --------------------------------------------------


def test_placement_agent_agreement_is_dated_and_governed_as_written(paa):
    assert paa.agreement_name == "Placement Agent Agreement"
    assert paa.kind == Deal.Kind.EQUITY_LINE
    assert paa.dated_as_of == D(2003, 6, 16)
    assert paa.closing_date is None  # the agreement dates no closing
    assert paa.governing_law == "Massachusetts"
    assert paa.forum.startswith(
        "Any suit, action, proceeding or litigation arising out of or relating to this Agreement shall be "
        "brought and prosecuted in such federal or state court or courts located within the Commonwealth of "
        "Massachusetts as provided by law."
    )
    assert list(paa.related_agreements.values_list("title", "dated_as_of")) == [
        ("Investment Agreement", D(2003, 6, 16)),
        ("Registration Rights Agreement", D(2003, 6, 16)),
    ]


def test_placement_agent_agreement_parties_sign_as_on_the_signature_page(paa):
    signed = {
        (dp.party.legal_name, dp.role): (
            dp.signatory and (dp.signatory.name, dp.signatory.title), dp.signed_by_way_of
        )
        for dp in paa.deal_parties.select_related("party", "signatory")
    }
    assert signed == {
        ("Cal-Bay International, Inc.", "company"): (("Charles Prebay", "Chief Financial Officer, Vice President"), ""),
        ("Oftring & Company, Inc.", "placement_agent"): (("Robert J. Oftring", "President"), ""),
        ("Dutchess Private Equities Fund, L.P.", "investor"): (
            ("Douglas H. Leighton", "A Managing Member"),
            "By its general partner Dutchess Capital Management, LLC",
        ),
        ("Cletha Walstrand, Attorney at Law", "company_counsel"): (None, ""),
    }


def test_placement_agent_agreement_party_facts(paa):
    oftring = Party.objects.get(legal_name="Oftring & Company, Inc.")
    dutchess = Party.objects.get(legal_name="Dutchess Private Equities Fund, L.P.")
    walstrand = Party.objects.get(legal_name="Cletha Walstrand, Attorney at Law")
    assert oftring.is_broker_dealer is True
    assert (dutchess.form, dutchess.jurisdiction) == (Party.Form.LP, "Delaware")
    assert walstrand.form == Party.Form.INDIVIDUAL
    assert Party.objects.filter(is_broker_dealer=True).count() == 1


def test_placement_agent_agreement_notice_addresses_print_as_in_section_11b(paa):
    company = role(paa, "Cal-Bay International, Inc.", "company")
    agent = role(paa, "Oftring & Company, Inc.", "placement_agent")
    investor = role(paa, "Dutchess Private Equities Fund, L.P.", "investor")
    counsel = role(paa, "Cletha Walstrand, Attorney at Law", "company_counsel")

    assert company.notice_address.lines() == [
        "Cal-Bay International, Inc.", "1582 Parkway Loop, Suite G", "Tustin, CA 92780",
        "Attention: Charles Prebay",
    ]
    assert (company.notice_address.phone, company.notice_address.fax) == ("714.258.7070", "714.258.7077")
    assert [a.lines() for a in company.copy_to.all()] == [
        ["Cletha Walstrand, Attorney at Law", "8 East Broadway, Suite 609", "Salt Lake City, UT 84111"],
    ]
    assert counsel.notice_address == company.copy_to.get()
    assert (counsel.notice_address.phone, counsel.notice_address.fax) == ("(801) 363-0890", "(801) 363-8512")

    assert agent.notice_address.lines() == [
        "Oftring & Company, Inc.", "588 Main Street", "Worcester, MA 01608",
        "Attention: Robert J. Oftring, President",
    ]
    assert (agent.notice_address.phone, agent.notice_address.fax) == ("508.791.7111", "508.791.7382")
    assert investor.notice_address.lines() == [
        "Dutchess Private Equities Fund, L.P.", "312 Stuart St.", "Boston, MA 02116",
    ]
    assert (investor.notice_address.phone, investor.notice_address.fax) == ("(617) 960-3582", "(617) 960-3772")
    assert not agent.copy_to.exists() and not investor.copy_to.exists()


def test_placement_agent_agreement_notices_by_mail_count_when_posted(paa):
    methods = {m.method: (m.effective_when, m.days_after_sending, m.section) for m in paa.notice_methods.all()}
    assert methods == {
        "mail": ("days_after_sending", 0, "11(B)"),
        "hand": ("on_receipt", 0, "11(B)"),
        "fax": ("on_receipt", 0, "11(B)"),
    }
    posted = notice_effective_on(deal=paa, method="mail", sent_on=D(2003, 7, 1))
    assert posted.effective_on == D(2003, 7, 1)


def test_placement_agent_agreement_common_stock_and_equity_line(paa):
    stock = paa.share_classes.get()
    assert (stock.issuer.legal_name, stock.kind, stock.par_value) == (
        "Cal-Bay International, Inc.", "common", Decimal("0.001")
    )
    assert (stock.authorized, stock.issued_and_outstanding, stock.as_of) == (75_000_000, 24_985_000, D(2003, 6, 16))
    line = paa.equity_lines.get()
    assert line.commitment == Decimal("10000000.00")
    assert line.placement_fee_rate == Decimal("0.01")
    assert line.investor.legal_name == "Dutchess Private Equities Fund, L.P."
    assert line.placement_agent.legal_name == "Oftring & Company, Inc."
    assert line.fee_for(Decimal("250000")) == Decimal("2500.00")


def test_quarterly_statements_wait_for_the_request_then_fall_45_days_after_each_quarter_end(paa):
    obligation = paa.obligations.get(section="5(D)(i)")
    assert obligation.obligor.legal_name == "Cal-Bay International, Inc."
    assert [p.legal_name for p in obligation.beneficiaries.all()] == ["Oftring & Company, Inc."]
    assert obligation.consequence == ""  # the agreement states none
    rule = obligation.rules.get()
    assert (rule.starts_with.name, rule.ends_with.name, rule.window_end) == (REQUEST_5D, REGISTRATION_ENDS, None)
    # "upon the Placement Agent's request": nothing is due until the request is entered.
    assert due_dates(paa, obligation.title) == []
    assert rule.waiting_reason() == f"Waiting on: {REQUEST_5D}"

    date_event(paa, REQUEST_5D, D(2004, 1, 15))
    assert fresh(rule).waiting_reason() == ""
    # Counted from the first quarter end on or after the request.
    assert due_dates(paa, obligation.title)[:5] == [
        D(2004, 5, 17),  # 31 Mar 2004 + 45 = Sat 15 May
        D(2004, 8, 16),  # 30 Jun 2004 + 45 = Sat 14 Aug
        D(2004, 11, 15),  # 30 Sep 2004 + 45 = Sun 14 Nov
        D(2005, 2, 14),  # 31 Dec 2004 + 45 = Mon 14 Feb (Washington's Birthday is Mon 21 Feb 2005)
        D(2005, 5, 16),  # 31 Mar 2005 + 45 = Sun 15 May
    ]

    # "during the registration period": the quarters ended by its last day, and no more.
    date_event(paa, REGISTRATION_ENDS, D(2005, 6, 30))
    assert due_dates(paa, obligation.title) == [
        D(2004, 5, 17), D(2004, 8, 16), D(2004, 11, 15), D(2005, 2, 14), D(2005, 5, 16),
        D(2005, 8, 15),  # 30 Jun 2005 + 45 = Sun 14 Aug
    ]


def test_annual_statements_wait_for_the_request_then_fall_90_days_after_each_fiscal_year_end(paa):
    obligation = paa.obligations.get(section="5(D)(ii)")
    rule = obligation.rules.get()
    assert (rule.starts_with.name, rule.ends_with.name) == (REQUEST_5D, REGISTRATION_ENDS)
    assert due_dates(paa, obligation.title) == []
    assert rule.waiting_reason() == f"Waiting on: {REQUEST_5D}"

    request = date_event(paa, REQUEST_5D, D(2004, 1, 15))
    # The first fiscal year closing after the request is 2004 (Cal-Bay's year: the party default, 31 Dec).
    assert due_dates(paa, obligation.title)[:3] == [
        D(2005, 3, 31),  # 31 + 28 + 31
        D(2006, 3, 31),
        D(2007, 4, 2),  # Sat 31 Mar 2007
    ]

    request.date = D(2003, 12, 1)  # a request before the close of 2003 reaches the 2003 statements
    request.save()
    assert due_dates(paa, obligation.title)[:2] == [
        D(2004, 3, 30),  # 2004 is a leap year: 31 + 29 + 30
        D(2005, 3, 31),
    ]

    date_event(paa, REGISTRATION_ENDS, D(2006, 6, 30))
    assert due_dates(paa, obligation.title) == [D(2004, 3, 30), D(2005, 3, 31), D(2006, 3, 31)]


PAA_OBLIGATIONS = [
    ("2(A)(iii)", "Copies of this Agreement forwarded to the Company and the Investor", "other"),
    ("2(A)(iv)", "No action that would make the Offering violate the securities laws", "standing_covenant"),
    ("2(A)(v)", "Reasonable efforts to confirm the Investor is accredited and its information accurate",
     "standing_covenant"),
    ("4(A)(iii)", "Due diligence questionnaires forwarded to the Placement Agent", "standing_covenant"),
    ("5(A)", "Advice of a material adverse change to the Placement Agent", "notice"),
    ("5(B)", "Commercially reasonable efforts to qualify or register the Common Stock, at the Company's cost",
     "standing_covenant"),
    ("5(C)", "Copies of financial statements, public reports and stockholder documents", "reporting"),
    ("5(D)(i)", "Quarterly financial statements to the Placement Agent", "reporting"),
    ("5(D)(ii)", "Annual financial statements to the Placement Agent", "reporting"),
    ("5(D)(iii)", "Copies of stockholder materials to the Placement Agent", "reporting"),
    ("5(E)", "Compliance with the Offering Materials", "standing_covenant"),
    ("5(F)", "Dealings with officers, directors and affiliates at arm's length", "standing_covenant"),
    ("6(A)", "Company's indemnity of the Placement Agent", "standing_covenant"),
    ("6(B)", "Placement Agent's indemnity of the Company", "standing_covenant"),
    ("6(C)", "Investor's indemnity of the Placement Agent", "standing_covenant"),
    ("6(D)", "Placement Agent's indemnity of the Investor", "standing_covenant"),
    ("6(E)", "Company notifies the Placement Agent of an action", "notice"),
    ("6(E)", "Investor notifies the Placement Agent of an action", "notice"),
    ("6(E)", "Placement Agent notifies the indemnifying party of an action", "notice"),
    ("6(F)", "Contribution where indemnification is unavailable", "standing_covenant"),
    ("7", "Expenses of the Offering borne by the Company", "standing_covenant"),
    ("8(A)", "Opinion of the Company's counsel upon effectiveness of the registration statement", "closing"),
    ("8(B)", "Documents, certificates and opinions the Placement Agent requires, at each draw's Closing", "closing"),
    ("8(C), 8(D)", "Officers' certificate at each draw's Closing: s.8(C) conditions met, representations true",
     "closing"),
]


def test_placement_agent_agreement_holds_24_obligations_and_only_the_agreement_copies_are_dated(paa):
    assert list(paa.obligations.values_list("section", "title", "kind")) == PAA_OBLIGATIONS
    # Every other duty waits on a request, an event or the first attestation: none of them has happened.
    dated = Occurrence.objects.filter(rule__obligation__deal=paa)
    assert [(o.obligation.section, o.due_date, o.computation) for o in dated] == [
        ("2(A)(iii)", D(2003, 6, 16), "Date of the agreement 16 Jun 2003 + 0 calendar days = Mon 16 Jun 2003"),
    ]


# --- Deal 2: Securities Purchase Agreement ---------------------------------------------


def test_securities_purchase_agreement_is_dated_closed_and_governed_as_written(spa):
    assert spa.agreement_name == "Securities Purchase Agreement"
    assert spa.kind == Deal.Kind.CONVERTIBLE_NOTES
    assert (spa.dated_as_of, spa.closing_date) == (D(2005, 5, 23), D(2005, 5, 23))
    assert spa.governing_law == "New York"
    assert spa.forum.startswith(
        "Exclusive jurisdiction of the United States federal courts located in New York, New York"
    )
    assert list(spa.related_agreements.order_by("title").values_list("title", flat=True)) == [
        "10% Secured Convertible Notes",
        "Irrevocable Transfer Agent Instructions",
        "Registration Rights Agreement",
        "Warrants",
    ]
    events = dict(spa.events.values_list("name", "date"))
    assert events["Filing Date"] is None and events["Effective Date"] is None
    assert set(events.values()) == {None}


def test_securities_purchase_agreement_parties_sign_as_on_the_signature_pages(spa):
    signed = {
        (dp.party.legal_name, dp.role): (
            dp.signatory and (dp.signatory.name, dp.signatory.title), dp.signed_by_way_of
        )
        for dp in spa.deal_parties.select_related("party", "signatory")
    }
    assert signed == {
        ("CalbaTech, Inc.", "company"): (("James DeOlden", "Chief Executive Officer"), ""),
        ("AJW Partners, LLC", "investor"): (("Corey S. Ribotsky", "Manager"), "By: SMS Group, LLC"),
        ("AJW Offshore, Ltd.", "investor"): (("Corey S. Ribotsky", "Manager"), "By: First Street Manager II, LLC"),
        ("AJW Qualified Partners, LLC", "investor"): (("Corey S. Ribotsky", "Manager"), "By: AJW Manager, LLC"),
        ("New Millennium Capital Partners II, LLC", "investor"): (
            ("Corey S. Ribotsky", "Manager"), "By: First Street Manager II, LLP",
        ),
        ("Sichenzia Ross Friedman Ference LLP", "company_counsel"): (None, ""),
        ("Ballard Spahr Andrews & Ingersoll, LLP", "investor_counsel"): (None, ""),
    }
    # One human, one Person per party he signs for.
    assert sorted(Person.objects.filter(name="Corey S. Ribotsky").values_list("party__legal_name", flat=True)) == (
        sorted(BUYERS)
    )


def test_each_buyer_is_an_accredited_investor_resident_where_its_signature_page_says(spa):
    buyers = {p.legal_name: (p.form, p.jurisdiction, p.is_accredited_investor) for p in Party.objects.filter(
        legal_name__in=BUYERS)}
    assert buyers == {
        "AJW Partners, LLC": ("llc", "Delaware", True),
        "AJW Offshore, Ltd.": ("limited", "Cayman Islands", True),
        "AJW Qualified Partners, LLC": ("llc", "New York", True),
        "New Millennium Capital Partners II, LLC": ("llc", "New York", True),
    }
    calbatech = Party.objects.get(legal_name="CalbaTech, Inc.")
    assert (calbatech.form, calbatech.jurisdiction, calbatech.is_accredited_investor) == (
        "corporation", "Nevada", False
    )


def test_securities_purchase_agreement_notice_addresses_print_as_in_section_8f(spa):
    company = role(spa, "CalbaTech, Inc.", "company")
    assert company.notice_address.lines() == [
        "CalbaTech, Inc.", "15375 Barranca Parkway", "Suite I-101", "Irvine, CA 92618",
        "Attention: Chief Executive Officer",
    ]
    assert (company.notice_address.phone, company.notice_address.fax) == ("(949) 450-9912", "(949) 450-9954")
    [copy] = company.copy_to.all()
    assert copy.lines() == [
        "Sichenzia Ross Friedman Ference LLP", "1065 Avenue of the Americas", "New York, NY 10018",
        "Attention: Gregory Sichenzia, Esq.",
    ]
    assert (copy.phone, copy.fax) == ("(212) 930-9700", "(212) 930-9725")
    assert role(spa, "Sichenzia Ross Friedman Ference LLP", "company_counsel").notice_address == copy

    ballard = role(spa, "Ballard Spahr Andrews & Ingersoll, LLP", "investor_counsel").notice_address
    assert ballard.lines() == [
        "Ballard Spahr Andrews & Ingersoll, LLP", "1735 Market Street", "51st Floor",
        "Philadelphia, Pennsylvania 19103", "Attention: Gerald J. Guarcini, Esq.",
    ]
    assert (ballard.phone, ballard.fax) == ("215-864-8625", "215-864-8999")

    for buyer in BUYERS:
        buyer_role = role(spa, buyer, "investor")
        assert list(buyer_role.copy_to.all()) == [ballard], buyer
        address = buyer_role.notice_address
        if buyer == "AJW Offshore, Ltd.":
            assert address.lines() == [
                "AJW Offshore, Ltd.", "P.O. Box 32021 SMB", "Grand Cayman", "Cayman Islands, B.W.I.",
            ]
            assert (address.po_box, address.country, address.phone, address.fax) == (
                "P.O. Box 32021 SMB", "Cayman Islands, B.W.I.", "", ""
            )
        else:
            assert address.lines() == [buyer, "1044 Northern Boulevard", "Suite 302", "Roslyn, New York 11576"]
            assert (address.phone, address.fax) == ("(516) 739-7110", "(516) 739-7115")


def test_securities_purchase_agreement_notices_by_mail_count_five_days_after_posting(spa):
    methods = {m.method: (m.effective_when, m.days_after_sending, m.section) for m in spa.notice_methods.all()}
    assert methods == {
        "mail": ("days_after_sending", 5, "8(f)"),
        "certified_mail": ("days_after_sending", 5, "8(f)"),
        "hand": ("on_receipt", 0, "8(f)"),
        "courier": ("on_receipt", 0, "8(f)"),
        "fax": ("on_receipt", 0, "8(f)"),
    }
    assert notice_effective_on(deal=spa, method="certified_mail", sent_on=D(2005, 6, 1)).effective_on == D(2005, 6, 6)


def test_securities_purchase_agreement_capitalization_as_in_section_3c(spa):
    common = spa.share_classes.get(kind=ShareClass.Kind.COMMON)
    assert (common.name, common.par_value, common.authorized, common.issued_and_outstanding, common.as_of) == (
        "Common Stock", Decimal("0.001"), 200_000_000, 43_980_227, D(2005, 5, 23)
    )
    assert dict(common.reservations.values_list("purpose", "shares")) == {
        "stock_options": 380_000,
        "other_convertibles": 0,
        "deal_securities": 90_953_246,
    }
    assert common.unreserved_unissued == 200_000_000 - 43_980_227 - 380_000 - 90_953_246
    preferred = spa.share_classes.get(kind=ShareClass.Kind.PREFERRED)
    assert (preferred.name, preferred.par_value, preferred.authorized, preferred.issued_and_outstanding) == (
        "Preferred Stock", None, 25_000_000, 1_250_000
    )
    covenant = spa.reserve_covenant
    assert (covenant.share_class, covenant.multiple, covenant.section) == (common, Decimal("2.00"), "4(h)")


def test_closing_notes_and_warrants_are_what_the_tranches_leave_of_the_totals(spa):
    closing_notes = ConvertibleNote.objects.get(deal=spa, name="Closing Notes")
    assert closing_notes.principal == Decimal("800000.00")
    assert (closing_notes.interest_rate, closing_notes.secured, closing_notes.issue_date) == (
        Decimal("0.10"), True, D(2005, 5, 23)
    )
    assert closing_notes.conversion_price is None
    assert "Exhibit A" in closing_notes.conversion_terms
    assert (closing_notes.issuer.legal_name, closing_notes.holder, closing_notes.tranche) == (
        "CalbaTech, Inc.", None, None
    )
    assert Warrant.objects.get(deal=spa, name="Closing Warrants").shares == 4_857_316

    # Recital B totals.
    assert sum(n.principal for n in spa.convertible_notes.all()) == Decimal("2000000.00")
    assert sum(w.shares for w in spa.warrants.all()) == 12_143_290
    # The desk cannot run the reserve test until the Conversion Price is entered from Exhibit A.
    assert reserve_test(deal=spa).required is None


def test_filing_and_effectiveness_tranches_as_in_section_4l(spa):
    tranches = {
        t.name: (t.amount, t.warrant_shares, t.event.name, t.days_to_close, t.section)
        for t in Tranche.objects.filter(deal=spa).select_related("event")
    }
    assert tranches == {
        "Filing tranche": (Decimal("600000.00"), 3_642_987, "Filing Date", 5, "4(l)"),
        "Effectiveness tranche": (Decimal("600000.00"), 3_642_987, "Effective Date", 5, "4(l)"),
    }
    for prefix in ("Filing", "Effectiveness"):
        note = ConvertibleNote.objects.get(deal=spa, name=f"{prefix} Notes")
        warrant = Warrant.objects.get(deal=spa, name=f"{prefix} Warrants")
        assert (note.tranche.name, note.principal, note.interest_rate, note.secured, note.issue_date) == (
            f"{prefix} tranche", Decimal("600000.00"), Decimal("0.10"), True, None
        )
        assert (warrant.tranche.name, warrant.shares, warrant.issue_date) == (f"{prefix} tranche", 3_642_987, None)


def test_monthly_reserve_list_is_due_five_business_days_after_each_month_end(spa):
    obligation = spa.obligations.get(title="Monthly list of shares authorized, reserved and issuable")
    assert obligation.section == "4(h)"
    assert sorted(p.legal_name for p in obligation.beneficiaries.all()) == sorted(BUYERS)
    assert (obligation.penalty, obligation.penalty_rate) == ("monthly_on_notes", Decimal("0.03"))
    assert obligation.consequence.startswith(
        "If the Company fails to provide such list within five (5) business days of the end of each month, "
        "the Company shall pay the Standard Liquidated Damages Amount"
    )
    assert due_dates(spa, obligation.title)[:9] == [
        D(2005, 6, 7),  # May: Jun 1, 2, 3, 6, 7
        D(2005, 7, 8),  # June: Mon 4 Jul Independence Day skipped
        D(2005, 8, 5),
        D(2005, 9, 8),  # August: Mon 5 Sep Labor Day skipped
        D(2005, 10, 7),
        D(2005, 11, 7),
        D(2005, 12, 7),
        D(2006, 1, 9),  # December: Mon 2 Jan 2006 New Year's Day observed skipped
        D(2006, 2, 7),
    ]
    # A month missed by ten days costs 3% a month on the $800,000 of Closing Notes plus their 10% interest
    # (15 to 24 days of it), prorated: 10/30 x 3% x (800,000 + 800,000 x 10% x 19.5/365 on average) = 8,042.74.
    may = Spell(D(2005, 6, 7), D(2005, 6, 17))
    assert obligation.penalty_accrued(spells=[may]) == Decimal("8042.74")


def test_one_off_covenants_fall_on_the_business_days_counted_from_may_23_2005(spa):
    assert due_dates(spa, "Press release on the transaction") == [D(2005, 5, 25)]  # Mon 23 May + 2
    assert due_dates(spa, "Key man life insurance") == [D(2005, 5, 31)]  # Memorial Day skipped
    assert due_dates(spa, "Blue sky qualification and evidence of it") == [D(2005, 5, 23)]
    assert due_dates(spa, "Written update of the capitalization representation") == [D(2005, 5, 23)]
    key_man = spa.obligations.get(section="4(m)")
    assert "James DeOlden, Edward Deese and John Bowers" in key_man.clause_text
    assert key_man.consequence.startswith("s.4(o): If the Company breaches any of the covenants")


def test_lock_up_waits_for_the_effective_date_then_ends_on_the_later_of_its_two_limbs(spa):
    obligation = spa.obligations.get(section="4(e)", title="Lock-up Period: no discounted or variable equity financing")
    assert "one hundred eighty (180) days from the date the Registration Statement" in obligation.clause_text
    rule = obligation.rules.get(part_of=None)
    assert rule.describe() == (
        "The later of two or more dates: 270 calendar days from Closing date; 180 calendar days from Effective Date"
    )
    # Limb (i) alone is known: the end is at least 23 May 2005 + 270 days, but not yet known.
    assert not Occurrence.objects.filter(rule__obligation=obligation).exists()
    assert rule.waiting_reason() == "Waiting on: Effective Date; at least Fri 17 Feb 2006 (limb (i))"

    date_event(spa, "Effective Date", D(2005, 9, 15))
    [occurrence] = Occurrence.objects.filter(rule__obligation=obligation)
    assert (occurrence.rule, occurrence.period_start, occurrence.period_end, occurrence.due_date) == (
        rule, D(2005, 5, 23), D(2006, 3, 14), D(2006, 3, 14)  # 15 Sep 2005 + 180, later than 17 Feb 2006
    )
    assert fresh(rule).waiting_reason() == ""


def test_each_buyer_may_not_sell_short_while_any_note_is_outstanding_and_for_at_least_two_years(spa):
    restrictions = {
        o.obligor.legal_name: ([p.legal_name for p in o.beneficiaries.all()], due_dates(spa, o.title),
                               o.rules.get(part_of=None).waiting_reason())
        for o in spa.obligations.filter(section="4(n)")
    }
    # "so long as any of the Notes remain outstanding, but in no event less than two (2) years from the date hereof"
    assert restrictions == {
        buyer: (["CalbaTech, Inc."], [], "Waiting on: No Note outstanding; at least Wed 23 May 2007 (limb (i))")
        for buyer in BUYERS
    }

    repaid = date_event(spa, "No Note outstanding", D(2008, 1, 10))
    periods = {
        o.obligor.legal_name: list(Occurrence.objects.filter(rule__obligation=o).values_list(
            "period_start", "period_end", "due_date"))
        for o in spa.obligations.filter(section="4(n)")
    }
    assert periods == {buyer: [(D(2005, 5, 23), D(2008, 1, 10), D(2008, 1, 10))] for buyer in BUYERS}

    repaid.date = D(2006, 3, 1)  # the Notes gone early: the two years still run
    repaid.save()
    for buyer in BUYERS:
        assert due_dates(spa, f"No short sales by {buyer}") == [D(2007, 5, 23)], buyer


def test_event_triggered_obligations_wait_for_their_events_with_the_stated_consequences(spa):
    waiting = {
        o.section + " " + o.title: (
            r.anchor_event.name if r.anchor == DeadlineRule.Anchor.EVENT else r.event_kind.name,
            r.offset, r.offset_unit, r.direction, o.penalty, o.penalty_rate,
        )
        for o in spa.obligations.all()
        for r in o.rules.all()
        if r.anchor == DeadlineRule.Anchor.EVENT or r.kind == DeadlineRule.Kind.EACH_EVENT
    }
    sld = ("monthly_on_notes", Decimal("0.03"))  # the Standard Liquidated Damages Amount
    assert waiting == {
        "2(f) Acceptance of a Buyer's opinion of counsel": (
            "Opinion of counsel delivered", 3, "business_days", "after", *sld),
        "3(z) Standard Liquidated Damages while a breach of a Section 3 representation is uncured": (
            "Material breach of a Section 3 representation", 0, "calendar_days", "after", *sld),
        "4(b) Form D filed; a copy to each Buyer": ("Form D filed", 0, "calendar_days", "after", "none", None),
        "4(e) Lock-up Period: no discounted or variable equity financing": (
            "Effective Date", 180, "calendar_days", "after", "none", None),
        "4(e) Written notice of a proposed Future Offering to each Buyer": (
            "Future Offering closing (proposed)", 20, "business_days", "before", "none", None),
        "4(f) Reimbursement of the Buyers' expenses": (
            "Expense notice or invoice received", 3, "business_days", "after", "annual_on_amount", Decimal("0.15")),
        "4(g)(i) Copies of SEC reports to each Buyer": ("SEC report filed", 10, "calendar_days", "after", *sld),
        "4(g)(ii) Copies of press releases to each Buyer": ("Press release issued", 1, "calendar_days", "after", *sld),
        "4(g)(iii) Copies of notices and information given to shareholders": (
            "Notice or information given to shareholders", 0, "calendar_days", "after", *sld),
        "4(h) Shareholder approval of more authorized shares": (
            "Reserved Amount exceeds Authorized and Reserved Shares", 30, "calendar_days", "after", *sld),
        "4(i) Copies of listing-eligibility notices to each Buyer": (
            "Listing notice received", 0, "calendar_days", "after", "none", None),
        "4(l) Filing tranche closing": ("Filing Date", 5, "calendar_days", "after", "none", None),
        "4(l) Effectiveness tranche closing": ("Effective Date", 5, "calendar_days", "after", "none", None),
        "4(o) Standard Liquidated Damages while a breach of a Section 4 covenant is uncured": (
            "Breach of a Section 4 covenant", 0, "calendar_days", "after", *sld),
        **{f"4(n) No short sales by {buyer}": ("No Note outstanding", 0, "calendar_days", "after", "none", None)
           for buyer in BUYERS},
    }
    # None of those events has happened: no due date yet, the lock-up and short-sale limbs' parents included.
    titles = [key.split(" ", 1)[1] for key in waiting]
    assert not Occurrence.objects.filter(rule__obligation__deal=spa, rule__obligation__title__in=titles).exists()
    expenses = spa.obligations.get(section="4(f)")
    assert expenses.consequence.endswith("at a rate of 15% per annum.")


def test_every_obligation_is_owed_by_a_party_to_its_deal(loaded):
    for obligation in Obligation.objects.select_related("deal", "obligor"):
        assert obligation.deal.deal_parties.filter(party=obligation.obligor).exists(), obligation


def test_company_finance_desks_receive_reminders_at_example_addresses(loaded):
    desks = Person.objects.filter(receives_reminders=True).order_by("party__legal_name")
    assert [(p.party.legal_name, p.name, p.email) for p in desks] == [
        ("Cal-Bay International, Inc.", "Finance Desk", "finance@calbay.example.com"),
        ("CalbaTech, Inc.", "Finance Desk", "finance@calbatech.example.com"),
    ]


# --- Events entered later ----------------------------------------------------------------


def test_entering_the_filing_date_adds_only_the_filing_tranche_closing(spa):
    before = snapshot()
    event = spa.events.get(name="Filing Date")
    event.date = D(2005, 7, 1)
    event.save()

    [added] = snapshot() - before
    assert before <= snapshot()
    occurrence = Occurrence.objects.get(id=added[0])
    assert (occurrence.obligation.title, occurrence.due_date) == ("Filing tranche closing", D(2005, 7, 6))


def test_entering_the_effective_date_adds_the_closing_and_the_lock_up_limb(spa):
    before = snapshot()
    event = spa.events.get(name="Effective Date")
    event.date = D(2005, 9, 15)
    event.save()

    added = Occurrence.objects.filter(id__in=[row[0] for row in snapshot() - before])
    assert sorted((o.obligation.title, o.due_date) for o in added) == [
        ("Effectiveness tranche closing", D(2005, 9, 20)),
        ("Lock-up Period: no discounted or variable equity financing", D(2006, 3, 14)),  # 15 Sep + 180
    ]


def test_reloading_keeps_an_event_date_the_desk_entered(spa):
    DealEvent.objects.filter(deal=spa, name="Filing Date").update(date=D(2005, 7, 1))
    load()
    assert spa.events.get(name="Filing Date").date == D(2005, 7, 1)


# --- The command ------------------------------------------------------------------------


def test_loading_twice_leaves_every_table_unchanged(loaded):
    def counts():
        return {model._meta.label: model.objects.count() for model in apps.get_models()}

    first = counts()
    assert first["dealdesk.Deal"] == 2
    output = load()
    assert counts() == first
    assert output.endswith("Nothing changed: the sample deals were already loaded.\n")


def test_reloading_puts_back_a_number_that_differs_from_the_agreement(loaded):
    ShareClass.objects.filter(name="Preferred Stock").update(authorized=30_000_000)
    output = load()
    assert ShareClass.objects.get(name="Preferred Stock").authorized == 25_000_000
    assert output.endswith("0 rows created, 1 updated.\n")


def test_the_command_prints_a_summary_per_deal():
    with time_machine.travel(datetime.datetime(2005, 6, 1, 12, 0), tick=False):
        output = load()
    # Horizon 1 Jun 2005 + 400 days = 6 Jul 2006; no event of either deal has a date yet.
    # PAA: only s.2(A)(iii), dated the agreement date; s.5(D) waits for the request, the rest for events.
    # SPA: 14 month ends (May 2005 to Jun 2006) + 4(c) press release, 4(m), 4(b) blue sky, 3(c) and 1(b);
    # the lock-up waits for the Effective Date and the 4 short-sale periods for "No Note outstanding".
    assert output.splitlines()[:2] == [
        f"{PAA}: 4 parties, 2 instruments, 24 obligations, 1 occurrences",
        f"{SPA}: 7 parties, 8 instruments, 39 obligations, 19 occurrences",
    ]
    assert output.splitlines()[2].endswith("rows created, 0 updated.")


def test_occurrences_come_from_the_signals_not_from_the_loader():
    receivers = [
        (signals.rule_saved, DeadlineRule, "sync_rule"),
        (signals.event_saved, DealEvent, "sync_event"),
        (signals.deal_saved, Deal, "sync_deal"),
        (signals.party_saved, Party, "sync_party"),
    ]
    for _, sender, uid in receivers:
        post_save.disconnect(sender=sender, dispatch_uid=uid)
    try:
        load()
    finally:
        for receiver, sender, uid in receivers:
            post_save.connect(receiver, sender=sender, dispatch_uid=uid)
    # PAA: 24 obligations, 5(C) has two rules; SPA: 39 obligations, the lock-up and each of the 4 short-sale
    # restrictions a later-of rule with two limbs: 25 + 39 + 2 + 4 x 2.
    assert DeadlineRule.objects.count() == 74
    assert Occurrence.objects.count() == 0


def test_a_bad_number_fails_loudly_and_loads_nothing(tmp_path):
    def issue_more_common_than_authorized(document):
        document["share_classes"][0]["issued_and_outstanding"] = 300_000_000

    seed_documents_in(tmp_path, issue_more_common_than_authorized)

    with pytest.raises(ValidationError, match="More shares are issued than authorized."):
        sample_deals.sample_deals_load(folder=tmp_path)
    assert Deal.objects.count() == 0
    assert Party.objects.count() == 0
    assert Occurrence.objects.count() == 0


# --- The documents ----------------------------------------------------------------------

SPA_DOCUMENT = "2005-calbatech-spa.json"
SPA_PARTIES = (
    "CalbaTech, Inc.; AJW Partners, LLC; AJW Offshore, Ltd.; AJW Qualified Partners, LLC; "
    "New Millennium Capital Partners II, LLC; Sichenzia Ross Friedman Ference LLP; "
    "Ballard Spahr Andrews & Ingersoll, LLP"
)


def seed_documents_in(folder, change_spa=lambda document: None):
    """Copies of the seed documents in `folder`, the SPA's changed by `change_spa`."""
    for source in sorted(sample_deals.FOLDER.glob("*.json")):
        document = json.loads(source.read_text(encoding="utf-8"))
        if source.name == SPA_DOCUMENT:
            change_spa(document)
        (folder / source.name).write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder / SPA_DOCUMENT


def misspell_offset(document):
    rule = document["obligations"][3]["rules"][0]
    rule["ofset"] = rule.pop("offset")


def name_a_party_not_in_the_document(document):
    document["obligations"][2]["beneficiaries"][0] = "AJW Partners LLC"


def date_the_capitalization_on_the_32nd(document):
    document["share_classes"][0]["as_of"] = "2005-05-32"


def write_a_rate_as_a_float(document):
    document["obligations"][0]["penalty_rate"] = 0.03


def drop_the_company(document):
    del document["company"]


@pytest.mark.parametrize(("change", "record_and_problem"), [
    (misspell_offset, (
        'obligation #4 "4(m) / Key man life insurance" > rule #1: unknown field "ofset"; '
        "the fields are: kind, offset, unit, direction, anchor, event, event_kind, frequency, only_periods, "
        "starts_with, ends_with, ends_when_notes_repaid, roll, holiday_calendar, fixed_date, window_start, "
        "window_end, limbs."
    )),
    (name_a_party_not_in_the_document, (
        'obligation #3 "4(c) / Press release on the transaction": beneficiaries: '
        f'"AJW Partners LLC" is not one of the parties of this document ({SPA_PARTIES}).'
    )),
    (date_the_capitalization_on_the_32nd, (
        'share class #1 "Common Stock": as_of: should be a date in quotes written YYYY-MM-DD, '
        'e.g. "2005-05-23", not "2005-05-32".'
    )),
    (write_a_rate_as_a_float, (
        'obligation #1 "4(h) / Monthly list of shares authorized, reserved and issuable": '
        'penalty_rate: should be a number in quotes, e.g. "0.03", not 0.03.'
    )),
    (drop_the_company, 'deal: the field "company" is missing.'),
])
def test_a_malformed_document_names_its_file_and_record_and_saves_nothing(tmp_path, change, record_and_problem):
    spa_path = seed_documents_in(tmp_path, change)

    with pytest.raises(sample_deals.DocumentError) as error:
        sample_deals.sample_deals_load(folder=tmp_path)

    assert str(error.value) == f"{spa_path}: {record_and_problem}"
    assert Deal.objects.count() == 0
    assert Party.objects.count() == 0


def test_the_command_prints_what_is_wrong_with_a_document(tmp_path, monkeypatch):
    spa_path = seed_documents_in(tmp_path, date_the_capitalization_on_the_32nd)
    monkeypatch.setattr(sample_deals, "FOLDER", tmp_path)

    with pytest.raises(CommandError, match="^" + re.escape(f'{spa_path}: share class #1 "Common Stock": as_of: ')):
        load()
    assert Deal.objects.count() == 0


def test_a_party_written_differently_in_two_documents_is_refused(tmp_path):
    seed_documents_in(tmp_path)
    again = json.loads((tmp_path / SPA_DOCUMENT).read_text(encoding="utf-8"))
    again["title"] = "CalbaTech – a later agreement"
    again["parties"][0]["jurisdiction"] = "Delaware"
    (tmp_path / "2006-calbatech-later.json").write_text(json.dumps(again), encoding="utf-8")

    with pytest.raises(sample_deals.DocumentError) as error:
        sample_deals.sample_deals_load(folder=tmp_path)

    assert str(error.value) == (
        f'{tmp_path / "2006-calbatech-later.json"}: party "CalbaTech, Inc.": differs from the same party in '
        f"{tmp_path / SPA_DOCUMENT}; write it the same way in both."
    )


def test_a_folder_of_documents_loads_like_the_seeds(tmp_path):
    first = sample_deals.sample_deals_load(folder=seed_documents_in(tmp_path).parent)
    # 107 rows of the deals, their parties, events and instruments; 63 obligations and their 74 rules;
    # 143 agreement sections; 3 closings and their 44 items. Occurrences come from the signals, not counted.
    assert (first.created, first.updated) == (434, 0)
    again = sample_deals.sample_deals_load()
    assert (again.created, again.updated) == (0, 0)

