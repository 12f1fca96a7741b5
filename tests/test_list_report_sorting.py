"""Sorting a list report by a column some rows leave blank: the blanks go last, whichever way it is sorted."""
import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from deals.reporting import get_report
from tests.factories import (
    AddressFactory,
    ConvertibleNoteFactory,
    DealFactory,
    DealPartyFactory,
    PartyFactory,
    PersonFactory,
    ShareClassFactory,
    WarrantFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(client, django_user_model):
    user = django_user_model.objects.create_user("auditor", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Auditors"))
    client.force_login(user)
    return client


def shown(client, url: str, column: str) -> list:
    """The column's values, top to bottom, on the report page the user opens."""
    response = client.get(url)
    assert response.status_code == 200
    return [row.record[column] for row in response.context["table"].paginated_rows]


@pytest.fixture
def register():
    """One deal's instruments; the register lists share classes, then notes by name, then warrants."""
    deal = DealFactory(title="CalbaTech 2005 notes")
    company = PartyFactory(legal_name="CalbaTech, Inc.")
    ShareClassFactory(deal=deal, issuer=company, name="Common Stock")
    ConvertibleNoteFactory(deal=deal, issuer=company, name="Closing Notes", maturity_date=datetime.date(2007, 5, 23),
                           conversion_price=Decimal("0.10"))
    ConvertibleNoteFactory(deal=deal, issuer=company, name="Effectiveness Notes", maturity_date=None,
                           conversion_price=Decimal("0.07"))
    ConvertibleNoteFactory(deal=deal, issuer=company, name="Filing Notes", maturity_date=datetime.date(2006, 11, 23),
                           conversion_price=None)
    WarrantFactory(deal=deal, issuer=company, name="Closing Warrants")


def test_it_lists_the_register_in_its_own_order_when_unsorted(auditor, register):
    assert shown(auditor, "/reports/instruments/", "name") == [
        "Common Stock", "Closing Notes", "Effectiveness Notes", "Filing Notes", "Closing Warrants",
    ]


def test_sorting_by_maturity_puts_the_rows_without_one_last(auditor, register):
    assert shown(auditor, "/reports/instruments/?sort=maturity_date", "name") == [
        "Filing Notes", "Closing Notes", "Common Stock", "Effectiveness Notes", "Closing Warrants",
    ]


def test_sorting_by_maturity_descending_still_puts_the_rows_without_one_last(auditor, register):
    assert shown(auditor, "/reports/instruments/?sort=-maturity_date", "name") == [
        "Closing Notes", "Filing Notes", "Common Stock", "Effectiveness Notes", "Closing Warrants",
    ]


def test_sorting_by_conversion_price_puts_the_rows_without_one_last_both_ways(auditor, register):
    ascending = shown(auditor, "/reports/instruments/?sort=conversion_price", "name")
    descending = shown(auditor, "/reports/instruments/?sort=-conversion_price", "name")

    assert ascending == ["Effectiveness Notes", "Closing Notes", "Common Stock", "Filing Notes", "Closing Warrants"]
    assert descending == ["Closing Notes", "Effectiveness Notes", "Common Stock", "Filing Notes", "Closing Warrants"]


def test_a_second_sort_column_orders_the_blanks_among_themselves(register):
    report = get_report("instruments")
    filterset = report.filterset({})
    assert filterset.is_valid()

    order = ["-maturity_date", "-name"]
    expected = [
        ("Closing Notes", datetime.date(2007, 5, 23)),
        ("Filing Notes", datetime.date(2006, 11, 23)),
        ("Effectiveness Notes", None),
        ("Common Stock", None),
        ("Closing Warrants", None),
    ]
    # The page is sorted by the database, the CSV by Python: the same order.
    assert [(row["name"], row["maturity_date"]) for row in report.page(filterset, order, 0, 50)] == expected
    assert [(row["name"], row["maturity_date"]) for row in report.rows(filterset, order)] == expected


@pytest.fixture
def directory():
    """Four parties to one deal; only two have a signatory on file ("" in the directory)."""
    deal = DealFactory(title="Cal-Bay equity line")
    signed = {"company": "Robert Rowe", "investor": "douglas Leighton", "placement_agent": "", "transfer_agent": ""}
    names = {"company": "Cal-Bay International, Inc.", "investor": "Dutchess Private Equities Fund, L.P.",
             "placement_agent": "Park Capital Securities, LLC", "transfer_agent": "Signature Stock Transfer, Inc."}
    for role, legal_name in names.items():
        party = PartyFactory(legal_name=legal_name)
        signatory = PersonFactory(party=party, name=signed[role]) if signed[role] else None
        DealPartyFactory(deal=deal, party=party, role=role, signatory=signatory,
                         notice_address=AddressFactory(party=party))


def test_sorting_the_directory_by_signatory_puts_parties_without_one_last_both_ways(auditor, directory):
    ascending = shown(auditor, "/reports/parties/?sort=signatory", "party")
    descending = shown(auditor, "/reports/parties/?sort=-signatory", "party")

    # Text sorts without regard to case: "douglas Leighton" comes before "Robert Rowe".
    assert ascending == ["Dutchess Private Equities Fund, L.P.", "Cal-Bay International, Inc.",
                         "Park Capital Securities, LLC", "Signature Stock Transfer, Inc."]
    assert descending == ["Cal-Bay International, Inc.", "Dutchess Private Equities Fund, L.P.",
                          "Park Capital Securities, LLC", "Signature Stock Transfer, Inc."]
