"""The deal document: any deal written out and loaded back unchanged, its version, its schema, its bad input."""
import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from closings.models import Closing, ClosingItem
from dealdesk import sample_deals
from dealdesk.deal_documents.documents import DocumentError, document_parse
from dealdesk.deal_documents.export import ExportError, deal_document_export
from dealdesk.deal_documents.schema import SCHEMA_FILE, document_schema, schema_text
from dealdesk.deal_documents.views import deal_document_download
from deals.models import AgreementSection, Deal, DealEvent, EventKind, RelatedAgreement
from instruments.models import ConvertibleNote, Draw, EquityLine, ReserveCovenant, ShareReservation, Tranche, Warrant
from obligations.models import DeadlineRule, Obligation, Occurrence
from parties.models import DealParty, NoticeMethod, Party
from tests.factories import (
    AddressFactory,
    DealFactory,
    DealPartyFactory,
    PartyFactory,
    PersonFactory,
    ShareClassFactory,
)

pytestmark = pytest.mark.django_db

SAMPLES = ["2003-calbay-placement-agent", "2005-calbatech-spa"]


def without_comments(value):
    """A document as the desk keeps it: the keys starting with "_" are for the reader only."""
    if isinstance(value, dict):
        return {key: without_comments(item) for key, item in value.items() if not key.startswith("_")}
    if isinstance(value, list):
        return [without_comments(item) for item in value]
    return value


def sample_file_content(name):
    """The sample's document with its section map joined in as "sections", comments left out."""
    document = json.loads((sample_deals.FOLDER / f"{name}.json").read_text(encoding="utf-8"))
    section_map = json.loads((sample_deals.FOLDER / f"{name}.sections.json").read_text(encoding="utf-8"))
    return without_comments({**document, "sections": section_map["sections"]})


def empty_the_desk():
    # In the order the protecting foreign keys allow: what names events, tranches and classes first.
    for model in (Obligation, Closing, ReserveCovenant, ConvertibleNote, Warrant, EquityLine, Tranche, DealEvent,
                  EventKind, Deal, Party):
        model.objects.all().delete()
    assert (Deal.objects.count(), Party.objects.count()) == (0, 0)


def export_text(deal):
    return json.dumps(deal_document_export(deal=deal), indent=2, ensure_ascii=False) + "\n"


@pytest.fixture
def samples():
    sample_deals.sample_deals_load()
    return {name: sample_file_content(name) for name in SAMPLES}


# --- Round trips ------------------------------------------------------------------------


def test_each_sample_exports_as_its_file_says_less_its_comments(samples):
    for name, content in samples.items():
        exported = deal_document_export(deal=Deal.objects.get(title=content["title"]))

        assert exported == content, name
        # The same keys in the same order too, the section map apart (a file of its own beside the sample).
        assert list(exported) == [key for key in content if key != "sections"] + ["sections"], name


def test_an_exported_sample_loaded_into_an_empty_desk_exports_the_same_document(samples, tmp_path):
    texts = {}
    for name, content in samples.items():
        path = tmp_path / f"{name}.json"
        path.write_text(export_text(Deal.objects.get(title=content["title"])), encoding="utf-8")
        texts[name] = path
    occurrences = {title: Occurrence.objects.for_deal(Deal.objects.get(title=title)).count()
                   for title in (content["title"] for content in samples.values())}
    empty_the_desk()

    for name, path in texts.items():
        call_command("load_deal", str(path), stdout=StringIO())
    for name, path in texts.items():
        deal = Deal.objects.get(title=samples[name]["title"])
        assert export_text(deal) == path.read_text(encoding="utf-8"), name
        # The same due dates follow, computed by the same signals.
        assert Occurrence.objects.for_deal(deal).count() == occurrences[deal.title]


def test_loading_an_exported_document_again_changes_nothing(samples, tmp_path):
    path = tmp_path / "spa.json"
    call_command("export_deal", samples["2005-calbatech-spa"]["title"], output=str(path), stdout=StringIO())
    out = StringIO()

    call_command("load_deal", str(path), stdout=out)

    assert out.getvalue().splitlines()[-1] == "Nothing changed: the deal was already loaded as the document says."


def admin_like_deal():
    """A deal entered field by field, as in the admin, using every rule shape and record the desk has."""
    deal = DealFactory(title="Admin-made SPA", status=Deal.Status.DRAFT, reminder_days_before="10, 3, 0",
                       reminder_copies_to="desk@example.com", notes="Entered by hand.")
    company = PartyFactory(legal_name="Acme Devices, Inc.", fiscal_year_end_month=6, fiscal_year_end_day=30)
    investor = PartyFactory(legal_name="Jane Investor", form=Party.Form.INDIVIDUAL, is_accredited_investor=True)
    counsel = PartyFactory(legal_name="Counsel & Co. LLP", form=Party.Form.LLP)
    ceo = PersonFactory(party=company, name="Ann Chief", title="CEO", phone="555-0100")
    AddressFactory(party=company)
    AddressFactory(party=investor, street_line_3="Floor 3", email="jane@example.com")
    AddressFactory(party=counsel)
    branch = AddressFactory(party=counsel, label="New York office", city="New York", region="NY")
    company_role = DealPartyFactory(deal=deal, party=company, role=DealParty.Role.COMPANY, signatory=ceo,
                                    notice_address=company.addresses.get())
    company_role.copy_to.set([counsel.addresses.get(label="Notices"), branch])
    DealPartyFactory(deal=deal, party=investor, role=DealParty.Role.INVESTOR, notice_address=None)
    DealPartyFactory(deal=deal, party=counsel, role=DealParty.Role.COMPANY_COUNSEL)
    NoticeMethod.objects.create(deal=deal, method="courier", effective_when="days_after_sending",
                                days_after_sending=1, section="9(f)")
    RelatedAgreement.objects.create(deal=deal, title="Security Agreement", dated_as_of=None)
    filed = EventKind.objects.create(deal=deal, name="SEC report filed", description="Each 10-Q or 10-K filed.")
    DealEvent.objects.create(deal=deal, name="Q1 10-Q filed", kind=filed, date=datetime.date(2005, 8, 12),
                             description="")
    request = DealEvent.objects.create(deal=deal, name="Written request", description="The Buyer asks in writing.")
    effective = DealEvent.objects.create(deal=deal, name="Effective Date", date=datetime.date(2005, 9, 1),
                                         description="Registration statement effective.")
    common = ShareClassFactory(deal=deal, issuer=company, issued_and_outstanding=1_000_000,
                               as_of=datetime.date(2005, 5, 23), section="3(c)")
    ShareReservation.objects.create(share_class=common, purpose="stock_options", shares=50_000)
    ReserveCovenant.objects.create(deal=deal, share_class=common, multiple=Decimal("1.5"), section="4(h)")
    tranche = Tranche.objects.create(deal=deal, name="Second tranche", amount=Decimal("250000.00"),
                                     warrant_shares=1000, event=effective, days_to_close=5, section="4(l)")
    ConvertibleNote.objects.create(
        deal=deal, issuer=company, holder=investor, name="Note A", principal=Decimal("500000.00"),
        interest_rate=Decimal("0.080000"), secured=True, issue_date=datetime.date(2005, 5, 23),
        maturity_date=datetime.date(2007, 5, 23), conversion_price=Decimal("0.125000"), section="1(a)")
    ConvertibleNote.objects.create(deal=deal, issuer=company, tranche=tranche, name="Note B",
                                   principal=Decimal("250000"), interest_rate=Decimal("0.08"), section="4(l)")
    Warrant.objects.create(deal=deal, issuer=company, holder=investor, name="Warrant A", shares=40_000,
                           exercise_price=Decimal("0.2"), issue_date=datetime.date(2005, 5, 23),
                           expiry_date=datetime.date(2010, 5, 23), section="1(a)")
    line = EquityLine.objects.create(deal=deal, issuer=company, investor=investor, commitment=Decimal("1000000"),
                                     placement_fee_rate=Decimal("0.01"), section="10")
    Draw.objects.create(equity_line=line, date=datetime.date(2005, 10, 3), amount=Decimal("50000"))

    def obligation(section, title, *rules, **fields):
        row = Obligation.objects.create(deal=deal, obligor=fields.pop("obligor", company), section=section,
                                        title=title, clause_text=f"The words of s.{section}.", **fields)
        row.beneficiaries.set([investor])
        for rule in rules:
            limbs = rule.pop("limbs", ())
            parent = DeadlineRule.objects.create(obligation=row, **rule)
            for limb in limbs:
                DeadlineRule.objects.create(obligation=row, part_of=parent, **limb)
        return row

    obligation("4(a)", "Fixed date", {"kind": "fixed_date", "fixed_date": datetime.date(2005, 12, 31),
                                      "roll": "preceding"})
    obligation("4(b)", "Before closing", {"kind": "after_anchor", "anchor": "closing_date", "offset": 20,
                                          "offset_unit": "business_days", "direction": "before",
                                          "holiday_calendar": "nyse"})
    obligation("4(c)", "Lock-up", {"kind": "period", "anchor": "event", "anchor_event": effective, "offset": 270})
    obligation("4(d)", "First three quarters", {"kind": "recurring", "frequency": "quarterly", "offset": 45,
                                                "only_periods": "1, 2, 3", "window_start": datetime.date(2005, 6, 30),
                                                "window_end": datetime.date(2007, 6, 30),
                                                "ends_when_notes_repaid": True})
    obligation("4(e)", "Each filing", {"kind": "each_event", "event_kind": filed, "offset": 10,
                                       "starts_with": request, "ends_with": effective, "roll": "none"})
    obligation("4(f)", "Later of", {"kind": "later_of", "limbs": [
        {"kind": "after_anchor", "anchor": "agreement_date", "offset": 2, "offset_unit": "months"},
        {"kind": "after_anchor", "anchor": "event", "anchor_event": effective, "offset": 5},
    ]})
    obligation("4(g)", "Earlier of", {"kind": "earlier_of", "limbs": [
        {"kind": "fixed_date", "fixed_date": datetime.date(2006, 1, 15)},
        {"kind": "after_anchor", "anchor": "closing_date", "offset": 1, "offset_unit": "years"},
    ]}, kind="payment", penalty="annual_on_amount", penalty_rate=Decimal("0.15"),
        penalty_base_amount=Decimal("10000"), reminder_days_before="5, 1")
    obligation("4(i)", "Keep the listing", {"kind": "recurring", "frequency": "anniversary"},
               kind="standing_covenant", obligor=investor)
    closing = Closing.objects.create(deal=deal, name="Second closing", section="4(l)", tranche=tranche,
                                     scheduled_for=datetime.date(2005, 9, 8), notes="After effectiveness.")
    ClosingItem.objects.create(closing=closing, section="7(a)", title="Note delivered", text="The Note.",
                               kind="deliverable", condition_of="investor", satisfied_by=company)
    ClosingItem.objects.create(closing=closing, section="7(b)", title="No injunction", text="No injunction.",
                               kind="condition", condition_of="company")
    for position, number in enumerate(["1(a)", "3(c)", "4(a)", "4(b)"], 1):
        AgreementSection.objects.create(deal=deal, number=number, position=position,
                                        no_obligation="Recital" if number == "1(a)" else "")
    return deal


def test_a_deal_entered_by_hand_round_trips_through_an_empty_desk(tmp_path):
    deal = admin_like_deal()
    path = tmp_path / "deal.json"
    first = export_text(deal)
    path.write_text(first, encoding="utf-8")
    empty_the_desk()

    call_command("load_deal", str(path), stdout=StringIO())

    loaded = Deal.objects.get(title="Admin-made SPA")
    assert export_text(loaded) == first
    # What the document says reached the desk's rows, not only its own text.
    later_of = DeadlineRule.objects.get(obligation__deal=loaded, kind="later_of")
    assert [(limb.anchor, limb.offset, limb.offset_unit) for limb in later_of.limbs.order_by("pk")] == [
        ("agreement_date", 2, "months"), ("event", 5, "calendar_days")]
    assert DealEvent.objects.get(deal=loaded, name="Q1 10-Q filed").kind.name == "SEC report filed"
    assert list(Draw.objects.filter(equity_line__deal=loaded).values_list("date", "amount")) == [
        (datetime.date(2005, 10, 3), Decimal("50000.00"))]
    company_role = DealParty.objects.get(deal=loaded, role="company")
    assert sorted(company_role.copy_to.values_list("label", flat=True)) == ["New York office", "Notices"]
    assert Party.objects.get(legal_name="Acme Devices, Inc.").fiscal_year_end_month == 6


def test_the_document_of_a_deal_entered_by_hand_says_each_rule_shape():
    document = deal_document_export(deal=admin_like_deal())

    rules = {o["section"]: o["rules"] for o in document["obligations"]}
    assert rules["4(b)"] == [{"kind": "after_anchor", "offset": 20, "unit": "business_days", "direction": "before",
                              "anchor": "closing_date", "holiday_calendar": "nyse"}]
    assert rules["4(d)"] == [{"kind": "recurring", "offset": 45, "frequency": "quarterly", "only_periods": "1, 2, 3",
                              "ends_when_notes_repaid": True, "window_start": "2005-06-30",
                              "window_end": "2007-06-30"}]
    assert rules["4(e)"] == [{"kind": "each_event", "offset": 10, "event_kind": "SEC report filed",
                              "starts_with": "Written request", "ends_with": "Effective Date", "roll": "none"}]
    assert rules["4(g)"][0]["limbs"] == [
        {"kind": "fixed_date", "fixed_date": "2006-01-15"},
        {"kind": "after_anchor", "offset": 1, "unit": "years", "anchor": "closing_date"},
    ]
    assert document["roles"][0]["copy_to"] == ["Counsel & Co. LLP"]
    assert document["roles"][0]["copy_to_addresses"] == [{"party": "Counsel & Co. LLP", "label": "New York office"}]
    assert [e["name"] for e in document["events"]] == ["Q1 10-Q filed", "Written request", "Effective Date"]
    assert document["convertible_notes"][0]["interest_rate"] == "0.08"


def test_a_deal_without_a_company_cannot_be_exported_and_says_why():
    deal = DealFactory(title="No company yet")

    with pytest.raises(ExportError) as error:
        deal_document_export(deal=deal)

    assert str(error.value) == ('The deal "No company yet" has no party in the role "Company (issuer)"; '
                                "add one on the deal's page, then export again.")


# --- The version and the schema ---------------------------------------------------------


def spa_document():
    return json.loads((sample_deals.FOLDER / "2005-calbatech-spa.json").read_text(encoding="utf-8"))


def test_a_document_of_another_version_is_refused_before_its_fields_are_read():
    document = spa_document()
    document["format_version"] = 2
    document["a_field_of_version_2"] = True

    with pytest.raises(DocumentError) as error:
        document_parse(raw=document, source="spa.json")

    assert str(error.value) == ("spa.json: deal: format_version: this desk reads version 1 of the deal document, "
                                "and this document is version 2.")


def test_a_document_without_a_version_says_what_to_write():
    document = spa_document()
    del document["format_version"]

    with pytest.raises(DocumentError) as error:
        document_parse(raw=document, source="spa.json")

    assert str(error.value) == ('spa.json: deal: the field "format_version" is missing; write "format_version": 1 '
                                "for a document of this version of the format.")


def test_the_schema_file_is_the_one_the_records_generate():
    # If this fails, the records changed: run `manage.py export_deal --schema <the file>` and review the diff.
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


def test_the_schema_says_what_the_reader_requires_and_allows():
    schema = document_schema()
    rule = schema["$defs"]["RuleData"]

    assert schema["properties"]["format_version"] == {"const": 1}
    assert schema["required"][:3] == ["format_version", "title", "agreement_name"]
    assert rule["required"] == ["kind"]
    assert rule["properties"]["kind"]["enum"] == [
        "fixed_date", "after_anchor", "recurring", "period", "each_event", "later_of", "earlier_of"]
    assert rule["properties"]["limbs"] == {"type": "array", "items": {"$ref": "#/$defs/RuleData"}, "default": []}
    assert schema["$defs"]["NoteData"]["properties"]["principal"]["pattern"] == r"^-?[0-9]+(\.[0-9]+)?$"
    assert schema["additionalProperties"] is False


# --- Bad input to load_deal -------------------------------------------------------------


def broken_reference(path):
    document = spa_document()
    document["obligations"][2]["beneficiaries"][0] = "AJW Partners LLC"
    path.write_text(json.dumps(document), encoding="utf-8")


def version_two(path):
    document = spa_document()
    document["format_version"] = 2
    path.write_text(json.dumps(document), encoding="utf-8")


def not_json(path):
    path.write_text("{\"title\": \"half a document\",\n", encoding="utf-8")


def not_text(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")


def no_file(path):
    pass


@pytest.mark.parametrize(("make", "problem"), [
    (no_file, "there is no such file."),
    (not_json, "not valid JSON: Expecting property name enclosed in double quotes at line 2, column 1."),
    (not_text, "is not text (a deal document is a JSON file in UTF-8)."),
    (version_two, "deal: format_version: this desk reads version 1 of the deal document, and this document is "
                  "version 2."),
    (broken_reference, 'obligation #3 "4(c) / Press release on the transaction": beneficiaries: "AJW Partners LLC" '
                       "is not one of the parties of this document (CalbaTech, Inc.; AJW Partners, LLC; AJW Offshore, "
                       "Ltd.; AJW Qualified Partners, LLC; New Millennium Capital Partners II, LLC; Sichenzia Ross "
                       "Friedman Ference LLP; Ballard Spahr Andrews & Ingersoll, LLP)."),
])
def test_load_deal_refuses_bad_input_in_one_sentence_and_saves_nothing(tmp_path, make, problem):
    path = tmp_path / "deal.json"
    make(path)

    with pytest.raises(CommandError) as error:
        call_command("load_deal", str(path), stdout=StringIO())

    assert str(error.value) == f"{path}: {problem}"
    assert (Deal.objects.count(), Party.objects.count(), Obligation.objects.count()) == (0, 0, 0)


def test_load_deal_refuses_a_document_the_desk_cannot_save_and_saves_nothing(tmp_path):
    document = spa_document()
    document["share_classes"][0]["issued_and_outstanding"] = 300_000_000
    path = tmp_path / "deal.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("load_deal", str(path), stdout=StringIO())

    assert str(error.value) == f"{path}: the desk cannot save the deal as written: More shares are issued than authorized."
    assert (Deal.objects.count(), Party.objects.count()) == (0, 0)


# --- export_deal and the admin download -------------------------------------------------


def test_export_deal_names_a_deal_it_cannot_find():
    with pytest.raises(CommandError) as error:
        call_command("export_deal", "No such deal", stdout=StringIO())

    assert str(error.value) == 'There is no deal with the id or title "No such deal".'


def test_export_deal_finds_a_deal_by_id_and_prints_its_document():
    deal = admin_like_deal()
    out = StringIO()

    call_command("export_deal", str(deal.pk), stdout=out)

    assert json.loads(out.getvalue()) == deal_document_export(deal=deal)


def test_the_admin_download_is_the_same_document_as_an_attachment():
    deal = admin_like_deal()
    user = User.objects.create_user("clerk", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_deal", content_type__app_label="dealdesk"))
    request = RequestFactory().get(f"/admin/deals/{deal.pk}/document.json")
    request.user = user

    response = deal_document_download(request, deal.pk)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="admin-made-spa.json"'
    assert json.loads(response.content) == deal_document_export(deal=deal)


def test_the_admin_download_is_refused_without_the_right_to_view_deals():
    from django.core.exceptions import PermissionDenied

    deal = admin_like_deal()
    request = RequestFactory().get("/")
    request.user = User.objects.create_user("visitor", password="x", is_staff=True)

    with pytest.raises(PermissionDenied):
        deal_document_download(request, deal.pk)
