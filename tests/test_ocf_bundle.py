"""A deal's instruments as an Open Cap Format bundle, checked against the fields and enums OCF publishes.

The lists below are copied from the OCF JSON schemas (github.com/Open-Cap-Table-Coalition/
Open-Cap-Format-OCF, schema/...), each with the file and the commit it was read at. An object
must carry every field its schema and the primitives it extends require, and no field they do
not define (every OCF object schema says "additionalProperties": false).
"""
import datetime
import hashlib
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dealdesk import sample_deals
from dealdesk.deal_documents.ocf import ocf_bundle
from deals.models import Deal
from tests.test_deal_document import admin_like_deal

pytestmark = pytest.mark.django_db

# schema/primitives/objects/Object.schema.json @ 1806449afcdcf10036ca9cc2118844621ce0697d
OBJECT_REQUIRED = {"id", "object_type"}
OBJECT_PROPERTIES = {"id", "comments", "object_type"}
# schema/primitives/objects/transactions/Transaction.schema.json @ 7be5034078e1633044bf23cef9bcd2e8f1fbd282
TRANSACTION_REQUIRED = {"date"}
# schema/primitives/objects/transactions/SecurityTransaction.schema.json @ 7be5034078e1633044bf23cef9bcd2e8f1fbd282
SECURITY_TRANSACTION_REQUIRED = {"security_id"}
# schema/primitives/objects/transactions/issuance/Issuance.schema.json @ 1bab6fe712718b5cde164fab003fe77cfead4a01
ISSUANCE_REQUIRED = {"security_law_exemptions", "stakeholder_id", "custom_id"}
ISSUANCE_REQUIRED_ALL = OBJECT_REQUIRED | TRANSACTION_REQUIRED | SECURITY_TRANSACTION_REQUIRED | ISSUANCE_REQUIRED

SCHEMAS = {
    # schema/objects/Issuer.schema.json @ 8a89604fb5c7f968028532760ef62745128c929c
    "ISSUER": (
        OBJECT_REQUIRED | {"legal_name", "formation_date", "country_of_formation"},
        {"object_type", "legal_name", "dba", "formation_date", "country_of_formation",
         "country_subdivision_of_formation", "country_subdivision_name_of_formation", "tax_ids", "email", "phone",
         "address", "initial_shares_authorized", "id", "comments"},
    ),
    # schema/objects/Stakeholder.schema.json @ 7be5034078e1633044bf23cef9bcd2e8f1fbd282
    "STAKEHOLDER": (
        OBJECT_REQUIRED | {"name", "stakeholder_type"},
        {"object_type", "name", "stakeholder_type", "issuer_assigned_id", "current_relationship",
         "current_relationships", "current_status", "primary_contact", "contact_info", "addresses", "tax_ids", "id",
         "comments"},
    ),
    # schema/objects/StockClass.schema.json @ 8a89604fb5c7f968028532760ef62745128c929c
    "STOCK_CLASS": (
        OBJECT_REQUIRED | {"name", "class_type", "default_id_prefix", "initial_shares_authorized", "votes_per_share",
                           "seniority"},
        {"object_type", "name", "class_type", "default_id_prefix", "initial_shares_authorized", "board_approval_date",
         "stockholder_approval_date", "votes_per_share", "par_value", "price_per_share", "seniority",
         "conversion_rights", "liquidation_preference_multiple", "participation_cap_multiple", "id", "comments"},
    ),
    # schema/objects/transactions/issuance/ConvertibleIssuance.schema.json @ 7be5034078e1633044bf23cef9bcd2e8f1fbd282
    "TX_CONVERTIBLE_ISSUANCE": (
        ISSUANCE_REQUIRED_ALL | {"convertible_type", "investment_amount", "conversion_triggers", "seniority"},
        {"object_type", "investment_amount", "convertible_type", "conversion_triggers", "pro_rata", "seniority",
         "id", "comments", "security_id", "date", "custom_id", "stakeholder_id", "board_approval_date",
         "stockholder_approval_date", "consideration_text", "security_law_exemptions"},
    ),
    # schema/objects/transactions/issuance/WarrantIssuance.schema.json @ 7be5034078e1633044bf23cef9bcd2e8f1fbd282
    "TX_WARRANT_ISSUANCE": (
        ISSUANCE_REQUIRED_ALL | {"exercise_triggers", "purchase_price"},
        {"object_type", "quantity", "exercise_price", "purchase_price", "exercise_triggers",
         "warrant_expiration_date", "vesting_terms_id", "vestings", "quantity_source", "id", "comments",
         "security_id", "date", "custom_id", "stakeholder_id", "board_approval_date", "stockholder_approval_date",
         "consideration_text", "security_law_exemptions"},
    ),
}

# schema/files/OCFManifestFile.schema.json @ 0c308c5f85585abea6c00cde1748d2e14011ff44
MANIFEST_REQUIRED = {"ocf_version", "file_type", "issuer", "as_of", "generated_at", "stock_plans_files",
                     "stock_legend_templates_files", "stock_classes_files", "vesting_terms_files", "valuations_files",
                     "transactions_files", "stakeholders_files"}
MANIFEST_PROPERTIES = MANIFEST_REQUIRED | {"comments", "financings_files", "documents_files"}
# schema/types/File.schema.json @ 10eca7d02c9d46a9039b714f90c8c47fd8e9c8da
FILE_REF_REQUIRED = {"filepath", "md5"}
# schema/enums/FileType.schema.json @ 1c9c5cb31678c41fa536b374c444917474dad52a
FILE_TYPES = {"OCF_MANIFEST_FILE", "OCF_STAKEHOLDERS_FILE", "OCF_STOCK_CLASSES_FILE",
              "OCF_STOCK_LEGEND_TEMPLATES_FILE", "OCF_STOCK_PLANS_FILE", "OCF_TRANSACTIONS_FILE",
              "OCF_VALUATIONS_FILE", "OCF_VESTING_TERMS_FILE", "OCF_FINANCINGS_FILE", "OCF_DOCUMENTS_FILE"}
# schema/enums/StakeholderType.schema.json @ 1806449afcdcf10036ca9cc2118844621ce0697d
STAKEHOLDER_TYPES = {"INDIVIDUAL", "INSTITUTION"}
# schema/enums/StockClassType.schema.json @ 1795e28b806cfb51d6b188cc4da0ab319e73c1bd
STOCK_CLASS_TYPES = {"COMMON", "PREFERRED"}
# schema/enums/ConvertibleType.schema.json @ 1806449afcdcf10036ca9cc2118844621ce0697d
CONVERTIBLE_TYPES = {"NOTE", "SAFE", "CONVERTIBLE_SECURITY"}
# schema/types/Name.schema.json @ 1795e28b806cfb51d6b188cc4da0ab319e73c1bd
NAME_REQUIRED, NAME_PROPERTIES = {"legal_name"}, {"legal_name", "first_name", "last_name"}
# schema/types/Monetary.schema.json @ 0e8f6fc10eb02e2c68f701b481b6afb7d3260fd8
MONETARY_REQUIRED = {"amount", "currency"}
# schema/types/conversion_triggers/UnspecifiedConversionTrigger.schema.json @ 1806449afcdcf10036ca9cc2118844621ce0697d
TRIGGER_REQUIRED = {"trigger_id", "type", "conversion_right"}
TRIGGER_PROPERTIES = TRIGGER_REQUIRED | {"nickname", "trigger_description"}
# schema/types/conversion_rights/ConvertibleConversionRight.schema.json and WarrantConversionRight.schema.json
# @ 1806449afcdcf10036ca9cc2118844621ce0697d ("type" is a const in each)
RIGHT_REQUIRED = {"conversion_mechanism"}
RIGHT_PROPERTIES = {"type", "conversion_mechanism", "converts_to_future_round", "converts_to_stock_class_id"}
# schema/types/conversion_mechanisms/CustomConversionMechanism.schema.json @ 1806449afcdcf10036ca9cc2118844621ce0697d
CUSTOM_MECHANISM_REQUIRED = {"type", "custom_conversion_description"}

NUMERIC = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")
SPA = "CalbaTech – Securities Purchase Agreement (10% secured convertible notes)"
WHEN = {"as_of": datetime.date(2026, 1, 2), "generated_at": datetime.datetime(2026, 1, 2, 9, 30, tzinfo=datetime.UTC)}


def assert_fields(obj, required, properties):
    assert required <= set(obj), f"missing {required - set(obj)} in {obj}"
    assert set(obj) <= properties, f"not defined by OCF: {set(obj) - properties}"


def assert_object(obj):
    required, properties = SCHEMAS[obj["object_type"]]
    assert_fields(obj, required, properties)


def assert_money(value):
    assert_fields(value, MONETARY_REQUIRED, MONETARY_REQUIRED)
    assert NUMERIC.match(value["amount"]) and value["currency"] == "USD"


def assert_trigger(trigger, right_type):
    assert_fields(trigger, TRIGGER_REQUIRED, TRIGGER_PROPERTIES)
    assert trigger["type"] == "UNSPECIFIED"
    right = trigger["conversion_right"]
    assert_fields(right, RIGHT_REQUIRED, RIGHT_PROPERTIES)
    assert right["type"] == right_type
    mechanism = right["conversion_mechanism"]
    assert_fields(mechanism, CUSTOM_MECHANISM_REQUIRED, CUSTOM_MECHANISM_REQUIRED)
    assert mechanism["type"] == "CUSTOM_CONVERSION"


def assert_bundle(bundle):
    manifest = bundle.files["manifest.ocf.json"]
    assert_fields(manifest, MANIFEST_REQUIRED, MANIFEST_PROPERTIES)
    assert manifest["file_type"] == "OCF_MANIFEST_FILE"
    assert_object(manifest["issuer"])
    for key in ("stakeholders_files", "stock_classes_files", "transactions_files"):
        for ref in manifest[key]:
            assert_fields(ref, FILE_REF_REQUIRED, FILE_REF_REQUIRED)
            content = bundle.files[ref["filepath"]]
            assert content["file_type"] in FILE_TYPES
            encoded = (json.dumps(content, indent=2, ensure_ascii=False) + "\n").encode()
            assert ref["md5"] == hashlib.md5(encoded).hexdigest()
    stakeholders = bundle.files["stakeholders.ocf.json"]["items"]
    for stakeholder in stakeholders:
        assert_object(stakeholder)
        assert_fields(stakeholder["name"], NAME_REQUIRED, NAME_PROPERTIES)
        assert stakeholder["stakeholder_type"] in STAKEHOLDER_TYPES
    for stock_class in bundle.files["stock_classes.ocf.json"]["items"]:
        assert_object(stock_class)
        assert stock_class["class_type"] in STOCK_CLASS_TYPES
        assert NUMERIC.match(stock_class["initial_shares_authorized"])
    ids = {stakeholder["id"] for stakeholder in stakeholders}
    for transaction in bundle.files["transactions.ocf.json"]["items"]:
        assert_object(transaction)
        assert transaction["stakeholder_id"] in ids
        if transaction["object_type"] == "TX_CONVERTIBLE_ISSUANCE":
            assert transaction["convertible_type"] in CONVERTIBLE_TYPES
            assert_money(transaction["investment_amount"])
            assert len(transaction["conversion_triggers"]) >= 1  # "minItems": 1
            for trigger in transaction["conversion_triggers"]:
                assert_trigger(trigger, "CONVERTIBLE_CONVERSION_RIGHT")
        else:
            assert_money(transaction["purchase_price"])
            for trigger in transaction["exercise_triggers"]:
                assert_trigger(trigger, "WARRANT_CONVERSION_RIGHT")


def test_the_spa_bundle_holds_its_buyers_and_stock_classes_and_says_what_it_leaves_out():
    sample_deals.sample_deals_load()

    bundle = ocf_bundle(deal=Deal.objects.get(title=SPA), formed_on=datetime.date(1999, 1, 1), country="US",
                        votes_per_share=Decimal("1"), **WHEN)

    assert_bundle(bundle)
    assert [(s["name"]["legal_name"], s["stakeholder_type"]) for s in bundle.files["stakeholders.ocf.json"]["items"]] == [
        ("AJW Partners, LLC", "INSTITUTION"), ("AJW Offshore, Ltd.", "INSTITUTION"),
        ("AJW Qualified Partners, LLC", "INSTITUTION"), ("New Millennium Capital Partners II, LLC", "INSTITUTION")]
    assert [(c["name"], c["class_type"], c["initial_shares_authorized"], c.get("par_value"))
            for c in bundle.files["stock_classes.ocf.json"]["items"]] == [
        ("Common Stock", "COMMON", "200000000", {"amount": "0.001", "currency": "USD"}),
        ("Preferred Stock", "PREFERRED", "25000000", None)]
    assert bundle.files["transactions.ocf.json"]["items"] == []
    assert bundle.left_out == [
        "Closing Notes: recorded for the buyers together; OCF needs one holder for each issuance: record the holder "
        "of the notes to include them.",
        "Filing Notes: not issued yet (no issue date), so there is no issuance to write.",
        "Effectiveness Notes: not issued yet (no issue date), so there is no issuance to write.",
        "Closing Warrants: recorded for the buyers together; OCF needs one holder for each issuance: record the "
        "holder of the warrants to include them.",
        "Filing Warrants: not issued yet (no issue date), so there is no issuance to write.",
        "Effectiveness Warrants: not issued yet (no issue date), so there is no issuance to write.",
    ]
    assert bundle.files["manifest.ocf.json"]["issuer"] == {
        "id": "issuer-calbatech-inc", "object_type": "ISSUER", "legal_name": "CalbaTech, Inc.",
        "formation_date": "1999-01-01", "country_of_formation": "US", "country_subdivision_name_of_formation": "Nevada"}


def test_notes_and_warrants_issued_to_a_holder_become_ocf_issuances():
    deal = admin_like_deal()

    bundle = ocf_bundle(deal=deal, formed_on=datetime.date(2001, 3, 4), country="US", votes_per_share=Decimal("1"),
                        **WHEN)

    assert_bundle(bundle)
    note, warrant = bundle.files["transactions.ocf.json"]["items"]
    assert (note["object_type"], note["custom_id"], note["date"], note["investment_amount"], note["stakeholder_id"]) == (
        "TX_CONVERTIBLE_ISSUANCE", "Note A", "2005-05-23", {"amount": "500000", "currency": "USD"},
        "stakeholder-jane-investor")
    assert note["conversion_triggers"][0]["conversion_right"]["converts_to_stock_class_id"] == "stock-class-common-stock"
    assert (warrant["object_type"], warrant["quantity"], warrant["exercise_price"], warrant["warrant_expiration_date"]) == (
        "TX_WARRANT_ISSUANCE", "40000", {"amount": "0.2", "currency": "USD"}, "2010-05-23")
    assert bundle.files["stakeholders.ocf.json"]["items"][0]["stakeholder_type"] == "INDIVIDUAL"
    assert bundle.left_out == ["Note B: not issued yet (no issue date), so there is no issuance to write."]


def test_without_the_votes_per_share_the_stock_classes_are_left_out_and_the_reason_given():
    bundle = ocf_bundle(deal=admin_like_deal(), formed_on=datetime.date(2001, 3, 4), country="US",
                        votes_per_share=None, **WHEN)

    assert_bundle(bundle)
    assert bundle.files["stock_classes.ocf.json"]["items"] == []
    assert bundle.left_out[0] == ("The stock classes: OCF needs the votes per share, which the desk does not record; "
                                  "give it to include them.")


def test_export_deal_writes_the_bundle_files_the_manifest_names(tmp_path):
    deal = admin_like_deal()
    out = StringIO()

    call_command("export_deal", deal.title, output=str(tmp_path / "deal.json"), ocf=str(tmp_path / "ocf"),
                 formed_on="2001-03-04", country="us", votes_per_share="1", stdout=out)

    manifest = json.loads((tmp_path / "ocf" / "manifest.ocf.json").read_text(encoding="utf-8"))
    for key in ("stakeholders_files", "stock_classes_files", "transactions_files"):
        (ref,) = manifest[key]
        assert hashlib.md5((tmp_path / "ocf" / ref["filepath"]).read_bytes()).hexdigest() == ref["md5"]
    assert manifest["issuer"]["country_of_formation"] == "US"
    assert out.getvalue().splitlines()[-1] == (
        "Left out of the OCF bundle: Note B: not issued yet (no issue date), so there is no issuance to write.")


def test_export_deal_asks_for_what_ocf_needs_and_the_desk_does_not_record(tmp_path):
    deal = admin_like_deal()

    with pytest.raises(CommandError) as error:
        call_command("export_deal", deal.title, output=str(tmp_path / "deal.json"), ocf=str(tmp_path / "ocf"),
                     stdout=StringIO())

    assert str(error.value) == ("An OCF bundle names the company's date and country of formation, which the desk does "
                                "not record: give --formed-on YYYY-MM-DD and --country XX.")
    assert not (tmp_path / "ocf").exists()
