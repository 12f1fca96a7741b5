"""A deal's instruments as an Open Cap Format (OCF) bundle a cap-table tool reads.

OCF (Open Cap Table Coalition, github.com/Open-Cap-Table-Coalition/Open-Cap-Format-OCF) is a
set of JSON files: a manifest naming the issuer and the other files with their MD5, a
stakeholders file, a stock classes file and a transactions file. The desk writes:

- the issuer: the deal's company (OCF's Issuer);
- stakeholders: each investor of the deal and each holder of one of its instruments
  (Stakeholder; an individual is INDIVIDUAL, any other form of party INSTITUTION);
- stock classes: each share class (StockClass; class_type COMMON or PREFERRED);
- transactions: each note issued to a holder (TX_CONVERTIBLE_ISSUANCE, convertible_type
  NOTE) and each warrant issued to a holder (TX_WARRANT_ISSUANCE).

What OCF requires and the desk does not hold is asked of the person exporting, never
made up: the issuer's formation date and country, and the votes per share of its stock
(without them the stock classes are left out and the reason is listed). An instrument not
yet issued, or held by the buyers together rather than by one holder, is not an OCF
issuance: it is listed as left out, with the reason. The readings the desk takes where OCF
asks for something the agreement prices together are in docs/deal-document.md.
"""
from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils.text import slugify

from deals.models import Deal
from parties.models import DealParty, Party

from .export import _company, decimal_text

# The release the files are written for; docs/deal-document.md names the schema files read.
OCF_VERSION = "1.2.0"
CURRENCY = "USD"  # the desk keeps amounts in US dollars
FILES = {
    "stakeholders": ("stakeholders.ocf.json", "OCF_STAKEHOLDERS_FILE"),
    "stock_classes": ("stock_classes.ocf.json", "OCF_STOCK_CLASSES_FILE"),
    "transactions": ("transactions.ocf.json", "OCF_TRANSACTIONS_FILE"),
}
MANIFEST = "manifest.ocf.json"


@dataclass
class OcfBundle:
    files: dict[str, dict] = field(default_factory=dict)  # file name -> its JSON
    left_out: list[str] = field(default_factory=list)  # what was not written, and why, one sentence each

    def write(self, *, folder: Path) -> list[Path]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, content in self.files.items():
            path = folder / name
            path.write_bytes(_bytes(content))
            written.append(path)
        return written


def ocf_bundle(
    *, deal: Deal, formed_on: datetime.date, country: str, votes_per_share: Decimal | None,
    as_of: datetime.date, generated_at: datetime.datetime,
) -> OcfBundle:
    """The OCF files for the deal's instruments; `country` is an ISO 3166-1 alpha-2 code, e.g. "US"."""
    company = _company(deal)
    bundle = OcfBundle()
    stakeholders = _stakeholders(deal, company)
    stakeholder_ids = {party.pk: _id("stakeholder", party.legal_name) for party in stakeholders}

    stock_classes = []
    if votes_per_share is None:
        if deal.share_classes.exists():
            bundle.left_out.append("The stock classes: OCF needs the votes per share, which the desk does not "
                                   "record; give it to include them.")
    else:
        stock_classes = [_stock_class(share_class, votes_per_share) for share_class in deal.share_classes.order_by("pk")]
    common = next((c["id"] for c in stock_classes if c["class_type"] == "COMMON"), None)

    transactions = []
    for note in deal.convertible_notes.select_related("holder").order_by("pk"):
        reason = _not_issued(note, "notes")
        if reason:
            bundle.left_out.append(f"{note.name}: {reason}")
            continue
        transactions.append(_convertible_issuance(note, stakeholder_ids[note.holder_id], common))
    for warrant in deal.warrants.select_related("holder").order_by("pk"):
        reason = _not_issued(warrant, "warrants")
        if reason:
            bundle.left_out.append(f"{warrant.name}: {reason}")
            continue
        transactions.append(_warrant_issuance(warrant, stakeholder_ids[warrant.holder_id], common))

    contents = {
        "stakeholders": [_stakeholder(party, stakeholder_ids[party.pk]) for party in stakeholders],
        "stock_classes": stock_classes,
        "transactions": transactions,
    }
    manifest_files = {}
    for key, (name, file_type) in FILES.items():
        content = {"file_type": file_type, "items": contents[key]}
        bundle.files[name] = content
        manifest_files[key] = [{"filepath": name, "md5": hashlib.md5(_bytes(content)).hexdigest()}]
    issuer = {
        "id": _id("issuer", company.legal_name),
        "object_type": "ISSUER",
        "legal_name": company.legal_name,
        "formation_date": formed_on.isoformat(),
        "country_of_formation": country,
    }
    if company.jurisdiction:
        issuer["country_subdivision_name_of_formation"] = company.jurisdiction
    bundle.files = {
        MANIFEST: {
            "ocf_version": OCF_VERSION,
            "file_type": "OCF_MANIFEST_FILE",
            "issuer": issuer,
            "as_of": as_of.isoformat(),
            "generated_at": generated_at.isoformat(),
            "comments": [f"Exported from the deal \"{deal.title}\" ({deal.agreement_name} dated "
                         f"{deal.dated_as_of.isoformat()})."],
            "stock_plans_files": [],
            "stock_legend_templates_files": [],
            "stock_classes_files": manifest_files["stock_classes"],
            "vesting_terms_files": [],
            "valuations_files": [],
            "transactions_files": manifest_files["transactions"],
            "stakeholders_files": manifest_files["stakeholders"],
        },
        **bundle.files,
    }
    return bundle


def _bytes(content: dict) -> bytes:
    return (json.dumps(content, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _id(kind: str, name: str) -> str:
    # Made from names, not database ids, so the same deal gives the same ids on every desk.
    return f"{kind}-{slugify(name)}"


def _money(amount: Decimal) -> dict:
    return {"amount": decimal_text(amount), "currency": CURRENCY}


def _stakeholders(deal: Deal, company: Party) -> list[Party]:
    """The deal's investors and every holder of one of its notes or warrants, in the order of their rows."""
    ids = set(deal.deal_parties.filter(role=DealParty.Role.INVESTOR).values_list("party", flat=True))
    ids |= set(deal.equity_lines.values_list("investor", flat=True))
    ids |= set(deal.convertible_notes.values_list("holder", flat=True))
    ids |= set(deal.warrants.values_list("holder", flat=True))
    ids.discard(None)
    ids.discard(company.pk)
    return list(Party.objects.filter(pk__in=ids).order_by("pk"))


def _stakeholder(party: Party, stakeholder_id: str) -> dict:
    return {
        "id": stakeholder_id,
        "object_type": "STAKEHOLDER",
        "name": {"legal_name": party.legal_name},
        "stakeholder_type": "INDIVIDUAL" if party.form == Party.Form.INDIVIDUAL else "INSTITUTION",
    }


def _stock_class(share_class, votes_per_share: Decimal) -> dict:
    result = {
        "id": _id("stock-class", share_class.name),
        "object_type": "STOCK_CLASS",
        "name": share_class.name,
        "class_type": share_class.kind.upper(),  # the desk's "common" / "preferred"
        # Certificate numbers' prefix: the class's initials ("CS-" for Common Stock).
        "default_id_prefix": "".join(word[0] for word in share_class.name.split()).upper() + "-",
        "initial_shares_authorized": str(share_class.authorized),
        "votes_per_share": decimal_text(votes_per_share),
        # Preferred stock is paid before common (OCF: a higher number is paid first).
        "seniority": "2" if share_class.kind == "preferred" else "1",
        "comments": [f"{share_class.issued_and_outstanding:,} shares issued and outstanding as of "
                     f"{share_class.as_of.isoformat()} (s.{share_class.section})."],
    }
    if share_class.par_value is not None:
        result["par_value"] = _money(share_class.par_value)
    return result


def _not_issued(instrument, plural: str) -> str:
    if instrument.issue_date is None:
        return "not issued yet (no issue date), so there is no issuance to write."
    if instrument.holder_id is None:
        return (f"recorded for the buyers together; OCF needs one holder for each issuance: record the holder "
                f"of the {plural} to include them.")
    return ""


def _convertible_issuance(note, stakeholder_id: str, common: str | None) -> dict:
    right = {
        "type": "CONVERTIBLE_CONVERSION_RIGHT",
        "conversion_mechanism": {
            "type": "CUSTOM_CONVERSION",
            "custom_conversion_description": note.conversion_terms or "The agreement's conversion terms are not recorded.",
        },
    }
    if common:
        right["converts_to_stock_class_id"] = common
    return {
        "id": _id("tx-convertible-issuance", note.name),
        "object_type": "TX_CONVERTIBLE_ISSUANCE",
        "date": note.issue_date.isoformat(),
        "security_id": _id("convertible", note.name),
        "custom_id": note.name,
        "stakeholder_id": stakeholder_id,
        "security_law_exemptions": [],
        "convertible_type": "NOTE",
        "investment_amount": _money(note.principal),
        "conversion_triggers": [{"type": "UNSPECIFIED", "trigger_id": "conversion", "conversion_right": right}],
        # The notes of one deal rank equally among themselves.
        "seniority": 1,
        "comments": [f"{decimal_text(note.interest_rate * 100)}% a year, {'secured' if note.secured else 'unsecured'} "
                     f"(s.{note.section})."],
    }


def _warrant_issuance(warrant, stakeholder_id: str, common: str | None) -> dict:
    price = (f"at ${decimal_text(warrant.exercise_price)} a share" if warrant.exercise_price is not None
             else "at the exercise price the warrant defines")
    right = {
        "type": "WARRANT_CONVERSION_RIGHT",
        "conversion_mechanism": {
            "type": "CUSTOM_CONVERSION",
            "custom_conversion_description": f"Exercisable for {warrant.shares:,} shares {price}.",
        },
    }
    if common:
        right["converts_to_stock_class_id"] = common
    result = {
        "id": _id("tx-warrant-issuance", warrant.name),
        "object_type": "TX_WARRANT_ISSUANCE",
        "date": warrant.issue_date.isoformat(),
        "security_id": _id("warrant", warrant.name),
        "custom_id": warrant.name,
        "stakeholder_id": stakeholder_id,
        "security_law_exemptions": [],
        "quantity": str(warrant.shares),
        # The desk records no price paid for a warrant on its own (the SPA sells warrants with the notes
        # for one price): OCF's "sum of all consideration" for the warrant alone is written as 0.
        "purchase_price": _money(Decimal("0")),
        "exercise_triggers": [{"type": "UNSPECIFIED", "trigger_id": "exercise", "conversion_right": right}],
        "comments": [f"No price paid for the warrant on its own is recorded (s.{warrant.section})."],
    }
    if warrant.exercise_price is not None:
        result["exercise_price"] = _money(warrant.exercise_price)
    if warrant.expiry_date is not None:
        result["warrant_expiration_date"] = warrant.expiry_date.isoformat()
    return result
