"""The closing checklists report: one row per item, on screen, as CSV and from the command, now and as of a day."""
import csv
import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from closings.models import Closing, ClosingItem
from closings.services import closing_complete
from parties.models import DealParty
from tests.desk_clock import at
from tests.factories import DealFactory, DealPartyFactory, PartyFactory

pytestmark = pytest.mark.django_db

HEADER = ["deal", "closing", "section", "kind", "item", "delivered_by", "status", "done_on", "evidence", "closed_on"]


@pytest.fixture
def auditor(client, django_user_model):
    user = django_user_model.objects.create_user("auditor", is_staff=True)
    user.groups.add(Group.objects.get(name="Auditors"))
    client.force_login(user)
    return client


def add_item(closing, section, title, kind, party, condition_of=ClosingItem.ConditionOf.INVESTOR):
    return ClosingItem.objects.create(closing=closing, section=section, title=title, kind=kind,
                                      condition_of=condition_of, satisfied_by=party, text=f"The words of {section}.")


def satisfy(item, on: datetime.date, evidence: str, status=ClosingItem.Status.SATISFIED):
    item.status, item.done_on, item.evidence = status, on, evidence
    item.full_clean()
    item.save()


@pytest.fixture
def closings():
    """The SPA's initial closing (s.1(c)) held on 23 May 2005, and its Filing tranche closing still to come."""
    with at("2005-05-20"):
        deal = DealFactory(title="CalbaTech 10% secured convertible notes")
        company = PartyFactory(legal_name="CalbaTech, Inc.")
        buyer = PartyFactory(legal_name="AJW Partners, LLC", form="llc")
        DealPartyFactory(deal=deal, party=company, role=DealParty.Role.COMPANY)
        DealPartyFactory(deal=deal, party=buyer, role=DealParty.Role.INVESTOR)
        initial = Closing.objects.create(deal=deal, name="Initial closing", section="1(c)",
                                         scheduled_for=datetime.date(2005, 5, 23))
        price = add_item(initial, "6(b)", "Purchase Price delivered by AJW Partners, LLC",
                         ClosingItem.Kind.DELIVERABLE, buyer, ClosingItem.ConditionOf.COMPANY)
        opinion = add_item(initial, "7(h)", "Opinion of the Company's counsel", ClosingItem.Kind.DELIVERABLE, company)
        no_mae = add_item(initial, "7(f)", "No Material Adverse Effect", ClosingItem.Kind.CONDITION, None)
        filing = Closing.objects.create(deal=deal, name="Filing tranche closing", section="4(l)")
        add_item(filing, "7(h)", "Opinion of the Company's counsel", ClosingItem.Kind.DELIVERABLE, company)
    with at("2005-05-23", 15):
        satisfy(price, datetime.date(2005, 5, 23), "Wire of $800,000 received 23 May 2005")
        satisfy(opinion, datetime.date(2005, 5, 23), "Opinion dated 23 May 2005 on file")
        satisfy(no_mae, datetime.date(2005, 5, 23), "Waived by each Buyer in writing", ClosingItem.Status.WAIVED)
    with at("2005-05-24"):
        closing_complete(closing=initial, on=datetime.date(2005, 5, 23), by=None)
    return deal


def exported(*args: str) -> list[dict[str, str]]:
    out = StringIO()
    call_command("export_report", "closings", *args, stdout=out)
    reader = csv.DictReader(StringIO(out.getvalue()))
    rows = list(reader)
    assert reader.fieldnames == HEADER
    return rows


def downloaded(client, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/reports/closings/csv/{query}")
    assert response.status_code == 200
    return list(csv.DictReader(StringIO(b"".join(response.streaming_content).decode())))


def test_each_item_is_a_row_with_who_delivers_it_and_what_became_of_it(closings):
    with at("2005-06-01"):
        rows = exported()

    deal = "CalbaTech 10% secured convertible notes"
    assert rows == [
        {"deal": deal, "closing": "Initial closing", "section": "6(b)", "kind": "Deliverable (must be delivered)",
         "item": "Purchase Price delivered by AJW Partners, LLC", "delivered_by": "AJW Partners, LLC",
         "status": "Satisfied (delivered)", "done_on": "2005-05-23",
         "evidence": "Wire of $800,000 received 23 May 2005", "closed_on": "2005-05-23"},
        {"deal": deal, "closing": "Initial closing", "section": "7(f)", "kind": "Condition (must be true)",
         "item": "No Material Adverse Effect", "delivered_by": "", "status": "Waived", "done_on": "2005-05-23",
         "evidence": "Waived by each Buyer in writing", "closed_on": "2005-05-23"},
        {"deal": deal, "closing": "Initial closing", "section": "7(h)", "kind": "Deliverable (must be delivered)",
         "item": "Opinion of the Company's counsel", "delivered_by": "CalbaTech, Inc.",
         "status": "Satisfied (delivered)", "done_on": "2005-05-23", "evidence": "Opinion dated 23 May 2005 on file",
         "closed_on": "2005-05-23"},
        {"deal": deal, "closing": "Filing tranche closing", "section": "7(h)",
         "kind": "Deliverable (must be delivered)", "item": "Opinion of the Company's counsel",
         "delivered_by": "CalbaTech, Inc.", "status": "Open", "done_on": "", "evidence": "", "closed_on": ""},
    ]


def test_it_keeps_to_one_status_and_one_deal(closings):
    other = DealFactory(title="Cal-Bay equity line")
    agent = PartyFactory(legal_name="Oftring & Company, Inc.")
    DealPartyFactory(deal=other, party=agent, role=DealParty.Role.PLACEMENT_AGENT)
    draw_closing = Closing.objects.create(deal=other, name="Draw of 2003-09-01", section="8")
    add_item(draw_closing, "8(D)", "Officers' certificate", ClosingItem.Kind.DELIVERABLE, None,
             ClosingItem.ConditionOf.PLACEMENT_AGENT)

    open_items = exported("--status", "open")
    calbatech = exported("--deal", str(closings.pk))
    waived = exported("--deal", str(closings.pk), "--status", "waived")

    assert [(r["deal"], r["closing"], r["section"]) for r in open_items] == [
        ("Cal-Bay equity line", "Draw of 2003-09-01", "8(D)"),
        ("CalbaTech 10% secured convertible notes", "Filing tranche closing", "7(h)"),
    ]
    assert {r["deal"] for r in calbatech} == {"CalbaTech 10% secured convertible notes"}
    assert len(calbatech) == 4
    assert [r["item"] for r in waived] == ["No Material Adverse Effect"]


def test_the_command_names_the_statuses_it_knows(closings):
    with pytest.raises(CommandError, match="^--status must be one of open, satisfied, waived; not 'done'.$"):
        exported("--status", "done")


def test_the_page_shows_the_rows_and_the_download_gives_the_same(auditor, closings):
    page = auditor.get("/reports/closings/?status=open")
    index = auditor.get("/reports/").content.decode()

    assert page.status_code == 200
    content = page.content.decode()
    assert "<h1>Closing checklists</h1>" in content
    assert "Filing tranche closing" in content and "Initial closing" not in content
    assert 'href="/reports/closings/csv/?status=open"' in content
    assert '<a href="/reports/closings/">Closing checklists</a>' in index
    assert downloaded(auditor, "?status=open") == exported("--status", "open")


def test_as_of_a_day_each_item_and_closing_stand_as_they_did_then(auditor, closings):
    with at("2005-06-01"):
        before_the_closing = downloaded(auditor, "?as_of=2005-05-22")
        closing_day = downloaded(auditor, "?as_of=2005-05-23")
        day_after = downloaded(auditor, "?as_of=2005-05-24")
        before_any = downloaded(auditor, "?as_of=2005-05-19")
        from_the_command = exported("--as-of", "2005-05-23")

    def initial(rows):
        return [(r["section"], r["status"], r["done_on"], r["closed_on"]) for r in rows
                if r["closing"] == "Initial closing"]

    assert initial(before_the_closing) == [("6(b)", "Open", "", ""), ("7(f)", "Open", "", ""),
                                           ("7(h)", "Open", "", "")]
    assert initial(closing_day) == [("6(b)", "Satisfied (delivered)", "2005-05-23", ""),
                                    ("7(f)", "Waived", "2005-05-23", ""),
                                    ("7(h)", "Satisfied (delivered)", "2005-05-23", "")]
    assert initial(day_after) == [("6(b)", "Satisfied (delivered)", "2005-05-23", "2005-05-23"),
                                  ("7(f)", "Waived", "2005-05-23", "2005-05-23"),
                                  ("7(h)", "Satisfied (delivered)", "2005-05-23", "2005-05-23")]
    assert before_any == []
    assert from_the_command == closing_day


def test_as_of_a_day_an_item_deleted_since_still_shows_and_one_added_since_does_not(auditor, closings):
    filing = Closing.objects.get(name="Filing tranche closing")
    with at("2005-06-10"):
        filing.items.get().delete()
        add_item(filing, "7(i)", "Officer's certificate updating the capitalization (s.3(c))",
                 ClosingItem.Kind.DELIVERABLE, None)
    with at("2005-06-20"):
        then = downloaded(auditor, "?as_of=2005-06-01&status=open")
        now = downloaded(auditor, "?status=open")

    assert [r["section"] for r in then] == ["7(h)"]
    assert [r["section"] for r in now] == ["7(i)"]


@pytest.mark.parametrize("sort", ["", "section", "-section", "-deal,closing", "delivered_by", "-done_on",
                                  "status,-item", "-closed_on", "kind,evidence"])
def test_the_database_sorts_today_as_the_audit_trail_rebuild_sorts_a_past_day(auditor, closings, sort):
    # Today's rows are sorted by the database, a past day's in Python: the same items, in the same order.
    with at("2005-05-25"):
        other = DealFactory(title="cal-bay equity line")  # lower case: text sorts without regard to case
        agent = PartyFactory(legal_name="oftring & Company, Inc.")
        DealPartyFactory(deal=other, party=agent, role=DealParty.Role.PLACEMENT_AGENT)
        draw = Closing.objects.create(deal=other, name="Draw of 2003-09-01", section="8")
        for section in ["10(a)", "8(D)", "8(d)", "8", "8(D)(ii)", "2.1", "1O(a)"]:
            add_item(draw, section, f"Item {section}", ClosingItem.Kind.DELIVERABLE,
                     agent if section < "8" else None, ClosingItem.ConditionOf.PLACEMENT_AGENT)
    with at("2005-05-26"):
        satisfy(draw.items.get(section="8"), datetime.date(2005, 5, 26), "Certificate on file")
    with at("2005-06-01"):
        today = downloaded(auditor, f"?sort={sort}")
        rebuilt = downloaded(auditor, f"?sort={sort}&as_of=2005-06-01")

    assert len(today) == 11
    assert today == rebuilt
    if sort == "section":  # by their numbers, then without regard to case; a tie by deal, closing, item
        assert [r["section"] for r in today] == ["1O(a)", "2.1", "6(b)", "7(f)", "7(h)", "7(h)", "8", "8(D)",
                                                 "8(d)", "8(D)(ii)", "10(a)"]
