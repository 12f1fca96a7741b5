"""Every admin screen opens for a deal administrator and shows what the deal holds."""
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from closings.models import Closing, ClosingItem
from deals.models import AgreementSection, Deal, RelatedAgreement
from instruments.models import Draw, ReserveCovenant, ShareReservation, Tranche
from obligations.models import CalendarFeed, DeadlineRule, Obligation, Occurrence, Reminder
from parties.models import DealParty, NoticeMethod
from tests.factories import (
    AddressFactory,
    ConvertibleNoteFactory,
    DealEventFactory,
    DealFactory,
    DealPartyFactory,
    DeadlineRuleFactory,
    EquityLineFactory,
    ObligationFactory,
    PartyFactory,
    PersonFactory,
    ShareClassFactory,
    WarrantFactory,
)

pytestmark = pytest.mark.django_db

OUR_APPS = {"dealdesk", "parties", "instruments", "closings", "obligations"}


@pytest.fixture
def deal(django_user_model):
    """The SPA of 23 May 2005, cut down to one of each thing the admin shows."""
    deal = DealFactory(title="CalbaTech 10% secured convertible notes", dated_as_of=datetime.date(2005, 5, 23),
                       closing_date=datetime.date(2005, 5, 23))
    filing = DealEventFactory(deal=deal, name="Filing Date", date=datetime.date(2005, 6, 22))
    RelatedAgreement.objects.create(deal=deal, title="Security Agreement")
    AgreementSection.objects.create(deal=deal, number="4(h)", heading="Authorization and Reservation of Shares")
    company = PartyFactory(legal_name="CalbaTech, Inc.", short_name="CalbaTech")
    buyer = PartyFactory(legal_name="AJW Partners, LLC", form="llc")
    signatory = PersonFactory(party=company, name="Edward Deese", title="President")
    address = AddressFactory(party=company, street_line_1="2 Park Plaza, Suite 750", city="Irvine", region="CA")
    counsel = AddressFactory(party=buyer, label="Copy to", street_line_1="1735 Market Street", city="Philadelphia")
    role = DealPartyFactory(deal=deal, party=company, role=DealParty.Role.COMPANY, signatory=signatory,
                            notice_address=address)
    role.copy_to.add(counsel)
    DealPartyFactory(deal=deal, party=buyer, role=DealParty.Role.INVESTOR)
    NoticeMethod.objects.create(deal=deal, method=NoticeMethod.Method.FAX,
                                effective_when=NoticeMethod.EffectiveWhen.ON_RECEIPT, section="8(f)")
    common = ShareClassFactory(deal=deal, issuer=company)
    ShareReservation.objects.create(share_class=common, purpose=ShareReservation.Purpose.DEAL_SECURITIES,
                                    shares=20_000_000)
    tranche = Tranche.objects.create(deal=deal, name="Filing tranche", amount=Decimal("600000"),
                                     event=filing, days_to_close=5, section="4(l)")
    ConvertibleNoteFactory(deal=deal, issuer=company, name="Closing notes", principal=Decimal("800000"),
                           conversion_price=Decimal("0.10"))
    WarrantFactory(deal=deal, issuer=company, name="Closing warrants", shares=4_857_316, tranche=tranche)
    line = EquityLineFactory(deal=deal, issuer=company, investor=buyer, commitment=Decimal("10000000"),
                             placement_fee_rate=Decimal("0.01"))
    Draw.objects.create(equity_line=line, date=datetime.date(2005, 8, 1), amount=Decimal("250000"))
    ReserveCovenant.objects.create(deal=deal, share_class=common, section="4(h)")
    closing = Closing.objects.create(deal=deal, name="Filing tranche closing", section="4(l)", tranche=tranche)
    ClosingItem.objects.create(closing=closing, section="7(h)", title="Opinion of the Company's counsel",
                               text="The Buyer shall have received an opinion of the Company's counsel.",
                               kind=ClosingItem.Kind.DELIVERABLE, condition_of=ClosingItem.ConditionOf.INVESTOR,
                               satisfied_by=company)
    # SPA s.4(h): monthly statements within five business days of each month end, for a year.
    obligation = ObligationFactory(deal=deal, obligor=company, title="Monthly shareholder statement",
                                   section="4(h)")
    DeadlineRuleFactory(obligation=obligation, window_end=datetime.date(2006, 4, 30))
    occurrence = Occurrence.objects.filter(rule__obligation=obligation).first()
    Reminder.objects.create(occurrence=occurrence, due_date=occurrence.due_date, days_from_due=-7,
                            scheduled_for=occurrence.due_date - datetime.timedelta(days=7))
    CalendarFeed.objects.create(user=django_user_model.objects.create_user("finance", "finance@example.com"))
    return deal


def registered_models():
    return [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]


def test_every_domain_model_has_an_admin():
    from django.apps import apps

    from obligations.models import KeptPenalty

    # Historical records are shown on each object's "History" page, not as models of their own; kept
    # penalties are the fees report's own computation, shown there and never edited.
    ours = {m for m in apps.get_models()
            if m._meta.app_label in OUR_APPS and not m._meta.model_name.startswith("historical")}
    assert ours - set(registered_models()) == {KeptPenalty}


def test_admin_index_is_titled_dealdesk(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Deals, parties, instruments and obligations | dealdesk</title>" in page
    assert '<div id="site-name"><a href="/admin/">dealdesk</a></div>' in page
    assert "Django administration" not in page


def test_every_changelist_lists_the_deal_s_rows(admin_client, deal):
    for model in registered_models():
        obj = model.objects.order_by("pk").first()
        assert obj is not None, f"the sample deal has no {model._meta.verbose_name}"
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

        response = admin_client.get(url)

        assert response.status_code == 200, url
        change_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        assert change_url in response.content.decode(), url


def test_every_change_page_shows_its_object(admin_client, deal):
    for model in registered_models():
        obj = model.objects.order_by("pk").first()
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])

        response = admin_client.get(url)

        assert response.status_code == 200, url
        assert escape(str(obj)) in response.content.decode(), url


def test_every_add_page_opens_except_for_computed_rows(admin_client, deal):
    computed = {Occurrence, Reminder}
    for model in registered_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")

        response = admin_client.get(url)

        expected = 403 if model in computed else 200
        assert response.status_code == expected, url
        if expected == 200:
            assert f"Add {model._meta.verbose_name}" in response.content.decode(), url


def test_deal_page_is_the_workspace(admin_client, deal):
    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk]))
    page = response.content.decode()

    inline_models = {formset.opts.model for formset in response.context["inline_admin_formsets"]}
    assert {"EventKind", "DealEvent", "RelatedAgreement", "DealParty", "NoticeMethod", "ShareClass", "ConvertibleNote",
            "Warrant", "EquityLine", "Tranche", "ReserveCovenant", "Closing", "Obligation"} == {
        m.__name__ for m in inline_models}
    # Those with more fields than one table row holds at 1366 px are small forms, one per row.
    stacked = {formset.opts.model.__name__ for formset in response.context["inline_admin_formsets"]
               if formset.opts.template == "admin/edit_inline/stacked.html"}
    assert stacked == {"DealParty", "ShareClass", "ConvertibleNote", "Warrant", "EquityLine", "Tranche"}
    # 2 x (8,000,000 conversion shares + 4,857,316 warrant shares) against 20,000,000 reserved.
    assert "2 x 12,857,316 issuable = 25,714,632 required; 20,000,000 reserved: SHORT by 5,714,632." in page
    assert "Monthly shareholder statement" in page
    obligation = Obligation.objects.get(title="Monthly shareholder statement")
    assert reverse("admin:obligations_obligation_change", args=[obligation.pk]) in page


def test_deal_page_counts_overdue_due_dates_and_shows_the_next_one(admin_client, deal):
    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk]))

    fields = {f.field["name"]: f.contents() for fieldset in response.context["adminform"]
              for line in fieldset for f in line if f.is_readonly}
    # Twelve month ends, 31 May 2005 to 30 Apr 2006, all long past: all overdue, and none is still ahead (the
    # next due date is the earliest open one from today on, not the oldest open one, 7 June 2005).
    assert fields["deal_overdue_count"] == "12"
    assert fields["deal_next_due_date"] == "none ahead"


def test_deal_page_without_covenant_says_so(admin_client):
    deal = DealFactory()

    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk]))

    assert "No reserve covenant recorded." in response.content.decode()


def test_draw_page_shows_the_placement_fee(admin_client, deal):
    draw = Draw.objects.get()

    response = admin_client.get(reverse("admin:instruments_draw_change", args=[draw.pk]))

    # PAA s.10: 1% of a $250,000 draw.
    assert "$2,500.00 (1.00% of the draw)" in response.content.decode()


def test_obligation_page_lists_its_due_dates_with_their_computation(admin_client, deal):
    obligation = Obligation.objects.get(title="Monthly shareholder statement")
    first = Occurrence.objects.filter(rule__obligation=obligation).order_by("due_date").first()

    response = admin_client.get(reverse("admin:obligations_obligation_change", args=[obligation.pk]))

    page = response.content.decode()
    assert reverse("admin:obligations_occurrence_change", args=[first.pk]) in page
    assert escape(first.computation) in page


def obligation_due(days_from_today: int, title: str) -> Obligation:
    due = timezone.localdate() + datetime.timedelta(days=days_from_today)
    rule = DeadlineRuleFactory(obligation__title=title, kind=DeadlineRule.Kind.FIXED_DATE, frequency="",
                               fixed_date=due, roll="none")
    return rule.obligation


def test_obligation_changelist_shows_next_due_date_and_standing(admin_client, settings):
    settings.DUE_SOON_DAYS = 14
    obligation_due(-1, "Late filing")
    obligation_due(14, "Statement due in two weeks")
    obligation_due(15, "Statement due later")

    response = admin_client.get(reverse("admin:obligations_obligation_changelist"))

    rows = {row.title: row for row in response.context["cl"].result_list}
    model_admin = admin.site._registry[Obligation]
    standing = {title: model_admin.standing(row) for title, row in rows.items()}
    assert standing == {"Late filing": "overdue", "Statement due in two weeks": "due soon",
                        "Statement due later": "open"}
    # Overdue is counted on its own; the next due date is the earliest open one from today on.
    assert (rows["Late filing"].overdue, rows["Late filing"].next_due) == (1, None)
    assert rows["Statement due in two weeks"].next_due == timezone.localdate() + datetime.timedelta(days=14)
    assert "overdue" in response.content.decode()


def test_occurrence_standing_filter_keeps_only_overdue_rows(admin_client, settings):
    settings.DUE_SOON_DAYS = 14
    obligation_due(-1, "Late filing")
    obligation_due(3, "Statement due soon")

    response = admin_client.get(reverse("admin:obligations_occurrence_changelist") + "?standing=overdue")

    assert [o.rule.obligation.title for o in response.context["cl"].result_list] == ["Late filing"]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model_name", ["obligation", "occurrence", "deal"])
def test_changelist_runs_as_many_queries_for_30_rows_as_for_3(admin_client, model_name):
    url = reverse(f"admin:{'dealdesk' if model_name == 'deal' else 'obligations'}_{model_name}_changelist")
    for n in range(3):
        obligation_due(n, f"Obligation {n}")
    few = count_queries(admin_client, url)
    for n in range(3, 30):
        obligation_due(n, f"Obligation {n}")

    many = count_queries(admin_client, url)

    assert Deal.objects.count() == 30
    assert many == few


def test_sample_deals_open_on_their_workspace_page(admin_client):
    call_command("load_sample_deals", stdout=io.StringIO())

    assert Deal.objects.count() == 2  # the two seed agreements
    for deal in Deal.objects.all():
        response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk]))
        assert response.status_code == 200
        assert escape(deal.title) in response.content.decode()
    for model in registered_models():
        response = admin_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        assert response.status_code == 200, model
