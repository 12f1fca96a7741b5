"""The closings of the sample deals as `load_sample_deals` loads them, read off the agreements' own sections."""
import datetime
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from closings.models import Closing, ClosingItem
from closings.services import closing_complete
from dealdesk import sample_deals
from deals.models import Deal

pytestmark = pytest.mark.django_db

PAA = "Cal-Bay International – Placement Agent Agreement (equity line)"
SPA = "CalbaTech – Securities Purchase Agreement (10% secured convertible notes)"
SPA_DOCUMENT = "2005-calbatech-spa.json"
COMPANY = "CalbaTech, Inc."
BUYERS = ["AJW Partners, LLC", "AJW Offshore, Ltd.", "AJW Qualified Partners, LLC",
          "New Millennium Capital Partners II, LLC"]
DELIVERABLE, CONDITION = "deliverable", "condition"

# SPA s.7 as each closing lists it: (section, title, kind, delivered or satisfied by).
SECTION_7 = [
    ("7(a)", "Agreement and Registration Rights Agreement executed and delivered by the Company", DELIVERABLE,
     COMPANY),
    ("7(b)", "Executed Notes and Warrants delivered", DELIVERABLE, COMPANY),
    ("7(c)", "Irrevocable Transfer Agent Instructions delivered and acknowledged", DELIVERABLE, COMPANY),
    ("7(d)", "Company's representations true; its covenants performed", CONDITION, COMPANY),
    ("7(d)", "Certificate of the chief executive officer", DELIVERABLE, COMPANY),
    ("7(e)", "No order or law prohibiting the transactions", CONDITION, None),
    ("7(f)", "No Material Adverse Effect", CONDITION, None),
    ("7(g)", "Shares authorized for quotation on the OTCBB; trading not suspended", CONDITION, COMPANY),
    ("7(h)", "Opinion of the Company's counsel", DELIVERABLE, COMPANY),
    ("7(i)", "Officer's certificate updating the capitalization (s.3(c))", DELIVERABLE, COMPANY),
]


def load() -> str:
    out = StringIO()
    call_command("load_sample_deals", stdout=out)
    return out.getvalue()


@pytest.fixture
def spa():
    load()
    return Deal.objects.get(title=SPA)


def checklist(deal, name) -> list[tuple]:
    closing = Closing.objects.get(deal=deal, name=name)
    return [(item.section, item.title, item.kind, item.satisfied_by.legal_name if item.satisfied_by else None)
            for item in closing.items.select_related("satisfied_by").order_by("section", "id")]


def test_the_filing_tranche_closing_holds_the_section_7_conditions_each_with_its_section(spa):
    closing = Closing.objects.get(deal=spa, name="Filing tranche closing")

    assert (closing.section, closing.tranche.name, closing.scheduled_for, closing.closed_on) == (
        "4(l)", "Filing tranche", None, None)
    assert checklist(spa, "Filing tranche closing") == SECTION_7
    assert set(closing.items.values_list("condition_of", "status")) == {("investor", "open")}


def test_each_item_carries_the_agreement_s_words(spa):
    opinion = ClosingItem.objects.get(closing__deal=spa, closing__name="Filing tranche closing", section="7(h)")
    listing = ClosingItem.objects.get(closing__deal=spa, closing__name="Filing tranche closing", section="7(g)")

    assert opinion.text == (
        "The Buyer shall have received an opinion of the Company's counsel, dated as of the Closing Date, in form, "
        "scope and substance reasonably satisfactory to the Buyer and in substantially the same form as Exhibit "
        "\"D\" attached hereto."
    )
    assert listing.text == (
        "The Conversion Shares and Warrant Shares shall have been authorized for quotation on the OTCBB and "
        "trading in the Common Stock on the OTCBB shall not have been suspended by the SEC or the OTCBB."
    )


def test_the_effectiveness_tranche_closing_adds_the_proviso_of_no_material_adverse_effect(spa):
    closing = Closing.objects.get(deal=spa, name="Effectiveness tranche closing")

    assert closing.tranche.name == "Effectiveness tranche"
    assert checklist(spa, "Effectiveness tranche closing") == [
        ("4(l)", "No Material Adverse Effect as of the Effective Date", CONDITION, None), *SECTION_7,
    ]


def test_the_initial_closing_is_set_for_23_may_2005_with_sections_6_and_7_and_nothing_marked_done(spa):
    closing = Closing.objects.get(deal=spa, name="Initial closing")

    assert (closing.section, closing.scheduled_for, closing.closed_on, closing.tranche) == (
        "1(c)", datetime.date(2005, 5, 23), None, None)
    assert checklist(spa, "Initial closing") == [
        *[("6(a)", f"Agreement and Registration Rights Agreement executed and delivered by {buyer}", DELIVERABLE,
           buyer) for buyer in BUYERS],
        *[("6(b)", f"Purchase Price delivered by {buyer}", DELIVERABLE, buyer) for buyer in BUYERS],
        *[("6(c)", f"Representations of {buyer} true; its covenants performed", CONDITION, buyer)
          for buyer in BUYERS],
        ("6(d)", "No order or law prohibiting the transactions", CONDITION, None),
        *SECTION_7,
    ]
    # s.6: conditions of the Company's obligation to sell; s.7: of each Buyer's obligation to purchase.
    assert set(closing.items.filter(section__startswith="6").values_list("condition_of", flat=True)) == {"company"}
    assert set(closing.items.filter(section__startswith="7").values_list("condition_of", flat=True)) == {"investor"}
    assert set(closing.items.values_list("status", flat=True)) == {"open"}
    assert "The agreement does not record what was delivered at the Closing" in closing.notes


def test_the_placement_agent_agreement_has_no_closing_while_no_draw_is_recorded():
    load()

    assert Closing.objects.filter(deal__title=PAA).count() == 0


def test_the_sample_spa_cannot_be_completed_while_its_items_are_open(spa):
    closing = Closing.objects.get(deal=spa, name="Initial closing")

    with pytest.raises(ValidationError) as error:
        closing_complete(closing=closing, on=datetime.date(2005, 5, 23), by=None)

    assert error.value.messages[0].startswith(
        "Initial closing cannot be completed while 23 items are open: 6(a) Agreement and Registration Rights "
        "Agreement executed and delivered by AJW Partners, LLC; ")


def test_reloading_keeps_what_the_desk_recorded(spa):
    closing = Closing.objects.get(deal=spa, name="Filing tranche closing")
    closing.scheduled_for = datetime.date(2005, 7, 5)
    closing.save()
    opinion = closing.items.get(section="7(h)")
    opinion.status, opinion.done_on, opinion.evidence = "satisfied", datetime.date(2005, 7, 5), "Opinion on file"
    opinion.save()

    output = load()

    assert output.endswith("Nothing changed: the sample deals were already loaded.\n")
    closing.refresh_from_db()
    opinion.refresh_from_db()
    assert closing.scheduled_for == datetime.date(2005, 7, 5)
    assert (opinion.status, opinion.done_on, opinion.evidence) == ("satisfied", datetime.date(2005, 7, 5),
                                                                   "Opinion on file")


def test_reloading_puts_back_the_agreement_s_words(spa):
    ClosingItem.objects.filter(section="7(h)").update(text="Edited")

    output = load()

    assert output.endswith("0 rows created, 3 updated.\n")
    assert set(ClosingItem.objects.filter(section="7(h)").values_list("text", flat=True)) == {
        "The Buyer shall have received an opinion of the Company's counsel, dated as of the Closing Date, in form, "
        "scope and substance reasonably satisfactory to the Buyer and in substantially the same form as Exhibit "
        "\"D\" attached hereto."
    }


def test_the_sample_spa_workspace_lists_its_three_closings(admin_client, spa):
    page = admin_client.get(reverse("admin:dealdesk_deal_change", args=[spa.pk])).content.decode()

    for name in ("Initial closing", "Filing tranche closing", "Effectiveness tranche closing"):
        assert f'value="{name}"' in page


def test_the_closings_report_lists_every_item_of_the_sample_spa():
    load()
    spa = Deal.objects.get(title=SPA)
    out = StringIO()

    call_command("export_report", "closings", "--deal", str(spa.pk), stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 1 + 23 + 10 + 11
    assert lines[1] == (
        f'{SPA},Initial closing,6(a),Deliverable (must be delivered),"Agreement and Registration Rights Agreement '
        'executed and delivered by AJW Partners, LLC","AJW Partners, LLC",Open,,,'
    )


# --- Malformed closings -------------------------------------------------------------------


def seed_documents_in(folder, change_spa):
    for source in sorted(sample_deals.FOLDER.glob("*.json")):
        document = json.loads(source.read_text(encoding="utf-8"))
        if source.name == SPA_DOCUMENT:
            change_spa(document)
        (folder / source.name).write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder / SPA_DOCUMENT


def name_a_tranche_not_in_the_document(document):
    document["closings"][1]["tranche"] = "Filing Tranche"


def have_a_lawyer_deliver_an_item(document):
    document["closings"][0]["items"][13]["satisfied_by"] = "Cletha Walstrand, Attorney at Law"


def misspell_the_kind(document):
    document["closings"][2]["items"][0]["kind"] = "precondition"


def repeat_an_item(document):
    items = document["closings"][1]["items"]
    items.append(dict(items[8]))


def make_a_condition_of_the_placement_agent(document):
    document["closings"][1]["items"][0]["condition_of"] = "placement_agent"


SPA_DEAL_PARTIES = (
    "CalbaTech, Inc.; AJW Partners, LLC; AJW Offshore, Ltd.; AJW Qualified Partners, LLC; "
    "New Millennium Capital Partners II, LLC; Sichenzia Ross Friedman Ference LLP; "
    "Ballard Spahr Andrews & Ingersoll, LLP"
)


@pytest.mark.parametrize(("change", "record_and_problem"), [
    (name_a_tranche_not_in_the_document,
     'closing #2 "Filing tranche closing": tranche: "Filing Tranche" is not one of the tranches of this document.'),
    (have_a_lawyer_deliver_an_item,
     'closing #1 "Initial closing" > item #14 "7(a) / Agreement and Registration Rights Agreement executed and '
     'delivered by the Company": satisfied_by: "Cletha Walstrand, Attorney at Law" is not one of the parties to '
     f"this deal ({SPA_DEAL_PARTIES})."),
    (misspell_the_kind,
     'closing #3 "Effectiveness tranche closing" > item #1 "4(l) / No Material Adverse Effect as of the Effective '
     'Date": kind: "precondition" is not one of: condition, deliverable.'),
    (repeat_an_item,
     'closing #2 "Filing tranche closing" > item #11 "7(h) / Opinion of the Company\'s counsel": repeats item #9.'),
    (make_a_condition_of_the_placement_agent,
     'closing #2 "Filing tranche closing" > item #1 "7(a) / Agreement and Registration Rights Agreement executed '
     'and delivered by the Company": condition_of: no party of this document plays the role "placement_agent".'),
])
def test_a_malformed_closing_names_its_file_and_record_and_saves_nothing(tmp_path, change, record_and_problem):
    spa_path = seed_documents_in(tmp_path, change)

    with pytest.raises(sample_deals.DocumentError) as error:
        sample_deals.sample_deals_load(folder=tmp_path)

    assert str(error.value) == f"{spa_path}: {record_and_problem}"
    assert Deal.objects.count() == 0
    assert Closing.objects.count() == 0


def test_the_sample_initial_closing_page_shows_its_23_items_and_its_reading(admin_client, spa):
    closing = Closing.objects.get(deal=spa, name="Initial closing")

    response = admin_client.get(reverse("admin:closings_closing_change", args=[closing.pk]))

    assert response.status_code == 200
    items = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is ClosingItem)
    assert len(items.forms) == 23
    assert "The agreement does not record what was delivered at the Closing" in response.content.decode()
