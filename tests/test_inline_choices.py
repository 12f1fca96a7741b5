"""The deal page's inline selects offer the deal's own events, tranches and share classes, never another deal's."""
import datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from instruments.models import ReserveCovenant, Tranche
from tests.factories import (
    ConvertibleNoteFactory,
    DealEventFactory,
    DealFactory,
    PartyFactory,
    ShareClassFactory,
    WarrantFactory,
)

pytestmark = pytest.mark.django_db

BLANK = "---------"


class _SelectReader(HTMLParser):
    """Every <select> on the page: its name and the texts of its options, in order."""

    def __init__(self):
        super().__init__()
        self.selects: dict[str, list[str]] = {}
        self._select = self._option = None

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            self._select = dict(attrs)["name"]
            self.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self._option = []

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            self.selects[self._select].append(" ".join("".join(self._option).split()))
            self._option = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._option is not None:
            self._option.append(data)


def selects(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    reader = _SelectReader()
    reader.feed(response.content.decode())
    return reader.selects


def offered(client, page: str, select: str) -> list[str]:
    """The options of one select of a change page; a blank row's ("-__prefix__-") as "Add another" reads them,
    from the page asked for that inline's blank row (deals.admin.BlankRowsOnDemandMixin)."""
    if "-__prefix__-" in select:
        page += "?blank_row=" + select.split("-__prefix__-")[0]
    return selects(client.get(page))[select]


def tranche(deal, event, name: str) -> Tranche:
    return Tranche.objects.create(deal=deal, event=event, name=name, amount=Decimal("600000.00"), days_to_close=5)


@pytest.fixture
def calbatech():
    """SPA s.4(l): a tranche closes within days of an event of this deal."""
    deal = DealFactory(title="CalbaTech 2005 notes")
    company = PartyFactory(legal_name="CalbaTech, Inc.")
    closing = DealEventFactory(deal=deal, name="Closing Date", date=datetime.date(2005, 5, 23))
    filing = DealEventFactory(deal=deal, name="Filing Date", date=datetime.date(2005, 6, 22))
    filing_tranche = tranche(deal, filing, "Filing Tranche")
    tranche(deal, closing, "Closing Tranche")
    common = ShareClassFactory(deal=deal, issuer=company, name="Common Stock")
    ShareClassFactory(deal=deal, issuer=company, name="Series A Preferred", kind="preferred")
    ConvertibleNoteFactory(deal=deal, issuer=company, name="Filing Notes", tranche=filing_tranche)
    WarrantFactory(deal=deal, issuer=company, name="Filing Warrants", tranche=filing_tranche)
    ReserveCovenant.objects.create(deal=deal, share_class=common, multiple=Decimal("2"), section="4(h)")
    return deal


@pytest.fixture
def cal_bay():
    deal = DealFactory(title="Cal-Bay equity line")
    effective = DealEventFactory(deal=deal, name="Effective Date", date=datetime.date(2003, 9, 1))
    tranche(deal, effective, "Second Tranche")
    ShareClassFactory(deal=deal, issuer=PartyFactory(legal_name="Cal-Bay International, Inc."),
                      name="Common Stock")
    return deal


CALBATECH_EVENTS = [BLANK, "Closing Date (2005-05-23)", "Filing Date (2005-06-22)"]
CALBATECH_TRANCHES = [BLANK, "Closing Tranche", "Filing Tranche"]
CALBATECH_SHARE_CLASSES = [BLANK, "CalbaTech, Inc. Common Stock", "CalbaTech, Inc. Series A Preferred"]


# The saved rows' selects ("-0-", "-1-") and the blank row that "Add another" copies ("-__prefix__-").
@pytest.mark.parametrize(("select", "expected"), [
    ("tranches-0-event", CALBATECH_EVENTS),
    ("tranches-1-event", CALBATECH_EVENTS),
    ("tranches-__prefix__-event", CALBATECH_EVENTS),
    ("convertible_notes-0-tranche", CALBATECH_TRANCHES),
    ("convertible_notes-__prefix__-tranche", CALBATECH_TRANCHES),
    ("warrants-0-tranche", CALBATECH_TRANCHES),
    ("warrants-__prefix__-tranche", CALBATECH_TRANCHES),
    ("reserve_covenant-0-share_class", CALBATECH_SHARE_CLASSES),
])
def test_a_deal_page_offers_only_that_deals_events_tranches_and_share_classes(admin_client, calbatech, cal_bay,
                                                                               select, expected):
    assert offered(admin_client, reverse("admin:dealdesk_deal_change", args=[calbatech.pk]), select) == expected


@pytest.mark.parametrize(("select", "expected"), [
    ("tranches-0-event", [BLANK, "Effective Date (2003-09-01)"]),
    ("convertible_notes-__prefix__-tranche", [BLANK, "Second Tranche"]),
    ("warrants-__prefix__-tranche", [BLANK, "Second Tranche"]),
    ("reserve_covenant-__prefix__-share_class", [BLANK, "Cal-Bay International, Inc. Common Stock"]),
])
def test_the_other_deals_page_offers_only_its_own_rows(admin_client, calbatech, cal_bay, select, expected):
    assert offered(admin_client, reverse("admin:dealdesk_deal_change", args=[cal_bay.pk]), select) == expected


@pytest.mark.parametrize("select", [
    "tranches-__prefix__-event",
    "convertible_notes-__prefix__-tranche",
    "warrants-__prefix__-tranche",
    "reserve_covenant-__prefix__-share_class",
])
def test_on_the_add_page_nothing_can_be_picked_until_the_deal_is_saved(admin_client, calbatech, cal_bay, select):
    assert offered(admin_client, reverse("admin:dealdesk_deal_add"), select) == [BLANK]
