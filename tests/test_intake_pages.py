"""Reading an agreement in the admin, reviewing each proposal, and confirming it into a deal.

The reader here is a fixed one (it returns the same Reading for any text), so each test
says exactly what the pages must do with a reading; the rule reader itself is tested with
its own modules, and in the browser on the Cal-Bay agreement (tests/browser/test_intake_review.py).
"""
from __future__ import annotations

import datetime
import io
import json

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from dealdesk.intake.models import AgreementIntake, IntakeProposal
from dealdesk.intake.reading import Proposal, Reading, Section, Span
from dealdesk.roles import DEAL_ADMINISTRATORS, FINANCE
from deals.models import Deal
from obligations.models import Occurrence
from parties.models import Party
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db

TEXT = (
    'PLACEMENT AGREEMENT dated as of June 16, 2003 between Acme Widgets, Inc. (the "Company") and '
    'Beta Capital LLC (the "Agent").\n\n'
    "1. Reports. The Company shall deliver to the Agent a copy of each quarterly report within ten (10) "
    "days after its filing with the SEC.\n\n"
    "2. Fee. The Company shall pay the Agent's fee within five (5) business days after the Closing Date.\n\n"
    "3. Notices. All notices shall be in writing and go to the Company at 1 Main Street, Springfield, "
    "Illinois 62701.\n\n"
    "4. Miscellaneous. This Agreement is governed by the laws of the State of Delaware and may be signed "
    "in counterparts, each of which is an original.\n"
)
TITLE = "Acme Widgets – Placement Agreement"


def span_of(words: str) -> Span:
    start = TEXT.index(words)
    return Span(start, start + len(words))


def section_of(number: str) -> Section:
    start = TEXT.index(f"{number}. ") if number != "Preamble" else 0
    ends = [TEXT.index(f"{n}. ") for n in "1234" if TEXT.index(f"{n}. ") > start] + [len(TEXT)]
    return Section(number=number, heading="", span=Span(start, min(ends)))


FEE_RULE = {"kind": "after_anchor", "offset": 5, "unit": "business_days", "anchor": "closing_date"}
REPORT_RULE = {"kind": "each_event", "offset": 10, "unit": "calendar_days", "event_kind": "SEC report filed"}


def proposals() -> tuple[Proposal, ...]:
    return (
        Proposal("deal", "", span_of("PLACEMENT AGREEMENT dated as of June 16, 2003"), {
            "title": TITLE, "agreement_name": "Placement Agreement", "kind": "other", "dated_as_of": "2003-06-16",
            "closing_date": "2003-07-01", "governing_law": "Delaware", "forum": "",
        }, "'PLACEMENT AGREEMENT dated as of June 16, 2003'"),
        Proposal("party", "", span_of("Acme Widgets, Inc."),
                 {"legal_name": "Acme Widgets, Inc.", "form": "corporation"},
                 "named in the preamble as the Company"),
        Proposal("party", "", span_of("Beta Capital LLC"), {"legal_name": "Beta Capital LLC", "form": "llc"},
                 "named in the preamble as the Agent"),
        Proposal("role", "", span_of('(the "Company")'), {"party": "Acme Widgets, Inc.", "role": "company"},
                 "'the \"Company\"'"),
        Proposal("role", "", span_of('(the "Agent")'), {"party": "Beta Capital LLC", "role": "placement_agent"},
                 "'the \"Agent\"'"),
        Proposal("address", "3", span_of("1 Main Street, Springfield, Illinois 62701"), {
            "party": "Acme Widgets, Inc.", "street_line_1": "1 Main Street", "city": "Springfield",
            "region": "IL", "postal_code": "62701"}, "the notices section's address for the Company"),
        Proposal("notice_method", "3", span_of("in writing"), {
            "method": "mail", "effective_when": "on_receipt", "section": "3"}, "'in writing'"),
        Proposal("obligation", "1", span_of("The Company shall deliver to the Agent a copy of each quarterly report "
                                            "within ten (10) days after its filing with the SEC."), {
            "section": "1", "title": "Copy of each quarterly report", "kind": "reporting",
            "beneficiaries": ["Beta Capital LLC"], "clause_text": "a copy of each quarterly report",
            "rules": [REPORT_RULE]}, "'within ten (10) days after its filing'"),
        Proposal("obligation", "2", span_of("The Company shall pay the Agent's fee within five (5) business days "
                                            "after the Closing Date."), {
            "section": "2", "title": "Pay the Agent's fee", "kind": "payment",
            "beneficiaries": ["Beta Capital LLC"], "clause_text": "pay the Agent's fee", "rules": [FEE_RULE]},
            "'within five (5) business days after the Closing Date'"),
    )


class FixedReader:
    """Returns the same reading of TEXT whatever it is given, and counts its calls."""

    name = "fixed-v0"

    def __init__(self) -> None:
        self.calls = 0

    def read(self, text: str) -> Reading:
        self.calls += 1
        return Reading(text=TEXT, sections=tuple(section_of(n) for n in ("1", "2", "3", "4")),
                       proposals=proposals(), unplaced=(("4", "no duty, party or figure found"),),
                       passed_over=(("3", "Notices: read for addresses"),), reader=self.name)


@pytest.fixture
def reader(monkeypatch) -> FixedReader:
    fixed = FixedReader()
    monkeypatch.setattr("dealdesk.intake.views.reader_for_pages", lambda: fixed)
    return fixed


def member_of(django_user_model, group: str, username: str = "ada"):
    user = django_user_model.objects.create_user(username, f"{username}@desk.example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def administrator(django_user_model):
    return member_of(django_user_model, DEAL_ADMINISTRATORS)


@pytest.fixture
def desk(client, administrator) -> Client:
    client.force_login(administrator)
    return client


READ = reverse("intake:read")


def read_pasted(desk: Client) -> AgreementIntake:
    response = desk.post(READ, {"text": TEXT})
    intake = AgreementIntake.objects.get()
    assert (response.status_code, response["Location"]) == (302, reverse("intake:review", args=[intake.pk]))
    return intake


def proposal(intake: AgreementIntake, title_or_name: str) -> IntakeProposal:
    return next(row for row in intake.proposals.all()
                if title_or_name in (row.proposed.get("title"), row.proposed.get("legal_name")))


# -- Reading --------------------------------------------------------------------------------------

def test_the_front_page_links_read_an_agreement_for_a_deal_administrator(desk):
    response = desk.get(reverse("admin:index"))

    assert f'<a href="{READ}" id="read-an-agreement">Read an agreement</a>' in response.content.decode()


def test_pasted_text_is_read_and_its_proposals_are_shown_beside_it_by_kind(desk, reader):
    intake = read_pasted(desk)
    page = desk.get(reverse("intake:review", args=[intake.pk]))
    html = page.content.decode()

    assert (intake.reader, intake.filename, intake.title, intake.status) == ("fixed-v0", "", TITLE, "open")
    assert list(intake.proposals.values_list("kind", "decision")) == [
        ("deal", "pending"), ("party", "pending"), ("party", "pending"), ("role", "pending"), ("role", "pending"),
        ("address", "pending"), ("notice_method", "pending"), ("obligation", "pending"), ("obligation", "pending")]
    headings = [group.label for group in page.context["groups"]]
    assert headings == ["Deal", "Parties and roles", "Notice addresses and methods", "Obligations"]
    assert "<li>10 calendar days after each SEC report filed</li>" in html
    assert "<li>5 business days after the closing date</li>" in html
    assert "Why: &#x27;within five (5) business days after the Closing Date&#x27;" in html
    assert '<a href="#s-4" class="intake-section-link">4</a> — no duty, party or figure found' in html
    assert "9 proposals: 0 accepted, 0 edited, 0 rejected, 9 not decided." in html


def test_the_text_is_cut_so_each_proposal_span_is_whole_pieces_and_sections_are_anchors(desk, reader):
    intake = read_pasted(desk)
    page = desk.get(reverse("intake:review", args=[intake.pk]))
    pieces = page.context["pieces"]

    assert "".join(piece.text for piece in pieces) == TEXT
    fee = proposal(intake, "Pay the Agent's fee")
    inside = [piece.text for piece in pieces if fee.span_start <= piece.start < fee.span_end]
    assert "".join(inside) == TEXT[TEXT.index("The Company shall pay"):TEXT.index("Closing Date.") + 13]
    assert "".join(inside).endswith("within five (5) business days after the Closing Date.")
    assert [piece.section_id for piece in pieces if piece.section_id] == ["s-1", "s-2", "s-3", "s-4"]
    assert f'<article class="intake-card decision-pending" id="p-{fee.pk}" data-start="{fee.span_start}" ' \
           f'data-end="{fee.span_end}"' in page.content.decode()


def test_reading_puts_nothing_on_the_desk(desk, reader):
    deals, parties = Deal.objects.count(), Party.objects.count()
    intake = read_pasted(desk)
    desk.post(reverse("intake:accept-remaining", args=[intake.pk]))

    assert (Deal.objects.count(), Party.objects.count()) == (deals, parties)


def blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


REFUSALS = {
    "an empty file": ("agreement.txt", lambda: b"",
                      "agreement.txt is empty: upload the agreement&#x27;s file again, or paste its text."),
    "a 50 MB file": ("agreement.txt", lambda: b"The Company shall pay. " * (50 * 1024 * 1024 // 23),
                     "agreement.txt is 50.0 MB; the desk reads agreements up to 10 MB: upload the agreement "
                     "without its exhibits, or paste its text."),
    "a binary that is not a document": ("agreement.txt", lambda: bytes(range(256)) * 64,
                                        "agreement.txt is not a document the desk can read (it holds binary data): "
                                        "upload the agreement as text, HTML, PDF or .docx."),
    "a PDF with no text": ("scan.pdf", blank_pdf,
                           "scan.pdf holds scanned images with no text: run OCR on it first (most scanners and PDF "
                           "tools can), or paste the agreement&#x27;s text."),
}


@pytest.mark.parametrize("what", REFUSALS)
def test_an_upload_that_is_no_agreement_is_refused_in_one_sentence_and_nothing_is_kept(desk, reader, what):
    name, content, sentence = REFUSALS[what]

    response = desk.post(READ, {"file": SimpleUploadedFile(name, content())})

    assert response.status_code == 200
    assert sentence in response.content.decode()
    assert (AgreementIntake.objects.count(), IntakeProposal.objects.count(), reader.calls) == (0, 0, 0)


def test_a_file_over_the_limit_is_refused_from_its_size_before_it_is_read(desk, reader, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the upload was read")

    # Over FILE_UPLOAD_MAX_MEMORY_SIZE, Django streams an upload to a temporary file: it is never read whole.
    monkeypatch.setattr("django.core.files.uploadedfile.TemporaryUploadedFile.read", never)
    response = desk.post(READ, {"file": SimpleUploadedFile("big.htm", b"<p>x</p>" * (11 * 1024 * 1024 // 8))})

    assert "big.htm is 11.0 MB; the desk reads agreements up to 10 MB" in response.content.decode()
    assert AgreementIntake.objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_pasted_text_over_djangos_own_limit_gets_a_sentence_not_a_bad_request(administrator, reader):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(administrator)
    form = browser.get(READ)
    token = form.cookies["csrftoken"].value

    response = browser.post(READ, {"csrfmiddlewaretoken": token, "text": TEXT * 3}, format="multipart")

    assert response.status_code == 200
    assert ("The pasted text is more than 0.0 MB, more than a page can send: upload the agreement&#x27;s file "
            "instead.") in response.content.decode()
    assert AgreementIntake.objects.count() == 0


def test_the_read_page_still_checks_the_csrf_token(administrator, reader):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(administrator)

    response = browser.post(READ, {"text": TEXT})

    assert response.status_code == 403
    assert AgreementIntake.objects.count() == 0


def test_neither_file_nor_text_is_asked_for_again(desk, reader):
    response = desk.post(READ, {"text": "   "})

    assert "Choose the agreement&#x27;s file, or paste its text." in response.content.decode()
    assert AgreementIntake.objects.count() == 0


# -- Deciding --------------------------------------------------------------------------------------

@time_machine.travel(datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC), tick=False)
def test_accept_reject_and_edit_record_the_decision_who_and_when(desk, reader, administrator):
    intake = read_pasted(desk)
    fee, report, beta = (proposal(intake, name) for name in ("Pay the Agent's fee", "Copy of each quarterly report",
                                                              "Beta Capital LLC"))
    decide = lambda row: reverse("intake:decide", args=[intake.pk, row.pk])  # noqa: E731

    accepted = desk.post(decide(beta), {"decision": "accepted"})
    desk.post(decide(report), {"decision": "rejected"})
    desk.post(decide(fee), {"decision": "edited", "title": "Pay the placement fee", "section": "2",
                            "kind": "payment", "rules": json.dumps([{**FEE_RULE, "offset": 3}]),
                            "record": json.dumps({"beneficiaries": ["Beta Capital LLC"], "clause_text": "fee"})})

    assert accepted["Location"] == reverse("intake:review", args=[intake.pk]) + f"#p-{beta.pk}"
    when = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
    rows = {row.pk: row for row in intake.proposals.all()}
    assert [(rows[row.pk].decision, rows[row.pk].decided_by, rows[row.pk].decided_at) for row in (beta, report, fee)] \
        == [("accepted", administrator, when), ("rejected", administrator, when), ("edited", administrator, when)]
    assert rows[fee.pk].final == {"beneficiaries": ["Beta Capital LLC"], "clause_text": "fee",
                                  "title": "Pay the placement fee", "section": "2", "kind": "payment",
                                  "rules": [{**FEE_RULE, "offset": 3}]}
    assert rows[fee.pk].proposed["rules"] == [FEE_RULE]  # as proposed, kept beside the edit


def test_an_edit_that_is_not_json_is_refused_next_to_its_field_and_nothing_changes(desk, reader):
    intake = read_pasted(desk)
    fee = proposal(intake, "Pay the Agent's fee")

    response = desk.post(reverse("intake:decide", args=[intake.pk, fee.pk]), {
        "decision": "edited", "title": "Fee", "section": "2", "kind": "payment",
        "rules": '[{"kind": "after_anchor", "offset": 5,}]', "record": "{}"})

    assert response.status_code == 200
    assert "Not valid JSON in the rules: Expecting property name enclosed in double quotes at line 1, column 39." \
        in response.content.decode()
    fee.refresh_from_db()
    assert (fee.decision, fee.final) == ("pending", None)


def test_the_edit_form_of_a_party_is_its_record_as_json(desk, reader):
    intake = read_pasted(desk)
    beta = proposal(intake, "Beta Capital LLC")

    page = desk.get(reverse("intake:review", args=[intake.pk]) + f"?edit={beta.pk}")

    assert page.context["edit_form"].initial == {"record": json.dumps(beta.proposed, indent=1)}


def test_accept_all_remaining_leaves_the_decided_ones_as_they_are(desk, reader, administrator):
    intake = read_pasted(desk)
    report = proposal(intake, "Copy of each quarterly report")
    desk.post(reverse("intake:decide", args=[intake.pk, report.pk]), {"decision": "rejected"})

    response = desk.post(reverse("intake:accept-remaining", args=[intake.pk]), follow=True)

    assert "Accepted 8 proposals not yet decided." in response.content.decode()
    assert sorted(intake.proposals.values_list("decision", flat=True)) == ["accepted"] * 8 + ["rejected"]


def test_the_admin_lists_proposals_by_decision_and_kind(client, desk, reader, superuser):
    intake = read_pasted(desk)
    report = proposal(intake, "Copy of each quarterly report")
    desk.post(reverse("intake:decide", args=[intake.pk, report.pk]), {"decision": "rejected"})
    client.force_login(superuser)

    page = client.get(reverse("admin:intake_intakeproposal_changelist"), {"decision": "rejected", "kind": "obligation"})

    assert [row.pk for row in page.context["cl"].result_list] == [report.pk]


# -- Confirming ------------------------------------------------------------------------------------

def confirm(desk: Client, intake: AgreementIntake, title: str = TITLE, **options):
    return desk.post(reverse("intake:confirm", args=[intake.pk]), {"title": title, "confirm": ""}, **options)


def test_confirm_creates_the_deal_from_the_accepted_proposals_with_its_due_dates(desk, reader, administrator):
    intake = read_pasted(desk)
    report = proposal(intake, "Copy of each quarterly report")
    desk.post(reverse("intake:decide", args=[intake.pk, report.pk]), {"decision": "rejected"})
    desk.post(reverse("intake:accept-remaining", args=[intake.pk]))

    response = confirm(desk, intake)

    deal = Deal.objects.get(title=TITLE)
    assert response["Location"] == reverse("admin:dealdesk_deal_change", args=[deal.pk])
    intake.refresh_from_db()
    assert (intake.status, intake.deal, intake.confirmed_by) == ("confirmed", deal, administrator)
    assert list(deal.obligations.values_list("section", "title")) == [("2", "Pay the Agent's fee")]
    # 1 July 2003 + 5 business days, 4 July a holiday.
    assert list(Occurrence.objects.filter(rule__obligation__deal=deal).values_list("due_date", flat=True)) == [
        datetime.date(2003, 7, 9)]
    page = desk.get(response["Location"])
    assert f"“{TITLE}” is on the desk" in page.content.decode() or f"&quot;{TITLE}&quot; is on the desk" in \
        page.content.decode()


def test_confirming_twice_creates_one_deal(desk, reader):
    intake = read_pasted(desk)
    desk.post(reverse("intake:accept-remaining", args=[intake.pk]))
    confirm(desk, intake)

    again = confirm(desk, intake, follow=True)

    assert again.redirect_chain == [(reverse("intake:review", args=[intake.pk]), 302)]
    assert "This agreement is already confirmed" in again.content.decode()
    assert Deal.objects.filter(title=TITLE).count() == 1


def test_a_title_already_on_the_desk_is_refused_and_nothing_is_created(desk, reader):
    DealFactory(title=TITLE)
    intake = read_pasted(desk)
    desk.post(reverse("intake:accept-remaining", args=[intake.pk]))
    obligations = Occurrence.objects.count()

    response = confirm(desk, intake)

    assert (f"A deal titled &quot;{TITLE}&quot; is already on the desk; give this one another title."
            in response.content.decode())
    intake.refresh_from_db()
    assert (intake.status, Deal.objects.count(), Occurrence.objects.count()) == ("open", 1, obligations)


def test_the_title_can_be_changed_before_confirming(desk, reader):
    intake = read_pasted(desk)
    desk.post(reverse("intake:confirm", args=[intake.pk]), {"title": "Acme  placement", "save": ""})
    desk.post(reverse("intake:accept-remaining", args=[intake.pk]))

    confirm(desk, intake, title="Acme placement")

    assert Deal.objects.filter(title="Acme placement").exists()


def test_a_document_error_is_one_sentence_and_nothing_is_created(desk, reader):
    intake = read_pasted(desk)
    deal_proposal = intake.proposals.get(kind="deal")
    desk.post(reverse("intake:decide", args=[intake.pk, deal_proposal.pk]), {"decision": "rejected"})
    desk.post(reverse("intake:accept-remaining", args=[intake.pk]))
    parties = Party.objects.count()

    response = confirm(desk, intake)

    assert response.status_code == 200
    error = response.context["title_form"].non_field_errors()
    assert len(error) == 1 and error[0].startswith("The proposed deal has no ")
    intake.refresh_from_db()
    assert (intake.status, Deal.objects.count(), Party.objects.count()) == ("open", 0, parties)


def test_decisions_cannot_change_once_confirmed(desk, reader):
    intake = read_pasted(desk)
    desk.post(reverse("intake:accept-remaining", args=[intake.pk]))
    confirm(desk, intake)
    fee = proposal(intake, "Pay the Agent's fee")

    response = desk.post(reverse("intake:decide", args=[intake.pk, fee.pk]), {"decision": "rejected"}, follow=True)

    assert "This agreement is already confirmed" in response.content.decode()
    fee.refresh_from_db()
    assert fee.decision == "accepted"


# -- Who may --------------------------------------------------------------------------------------

def test_a_user_without_the_permission_is_refused_every_step(client, desk, reader, django_user_model):
    intake = read_pasted(desk)
    fee = proposal(intake, "Pay the Agent's fee")
    client.force_login(member_of(django_user_model, FINANCE, "fin"))

    statuses = [
        client.get(READ).status_code,
        client.post(READ, {"text": TEXT}).status_code,
        client.post(reverse("intake:decide", args=[intake.pk, fee.pk]), {"decision": "accepted"}).status_code,
        client.post(reverse("intake:accept-remaining", args=[intake.pk])).status_code,
        confirm(client, intake).status_code,
    ]

    assert statuses == [403, 403, 403, 403, 403]
    assert (AgreementIntake.objects.count(), Deal.objects.count()) == (1, 0)
    assert set(intake.proposals.values_list("decision", flat=True)) == {"pending"}


@pytest.mark.parametrize(("rule", "words"), [
    (REPORT_RULE, "10 calendar days after each SEC report filed"),
    ({"kind": "recurring", "frequency": "quarterly", "starts_with": "Compliance attestations begin"},
     "At each fiscal quarter end; once Compliance attestations begin"),
    ({"kind": "recurring", "offset": 45, "frequency": "quarterly", "only_periods": "1, 2, 3"},
     "45 calendar days after each fiscal quarter end (periods 1, 2, 3 only)"),
    ({"kind": "after_anchor", "offset": 20, "unit": "business_days", "direction": "before", "anchor": "event",
      "event": "Future Offering closed"}, "20 business days before Future Offering closed"),
    ({"kind": "later_of", "limbs": [{"kind": "after_anchor", "offset": 270, "anchor": "closing_date"},
                                    {"kind": "after_anchor", "offset": 180, "anchor": "event", "event": "Effective"}]},
     "The later of: 270 calendar days after the closing date; 180 calendar days after Effective"),
    ({"kind": "recurring", "offset": 5, "unit": "business_days", "frequency": "monthly",
      "ends_when_notes_repaid": True}, "5 business days after each month end; while any Note is outstanding"),
])
def test_each_rule_is_shown_in_the_words_an_administrator_reads(rule, words):
    from dealdesk.intake.review import rule_words

    assert rule_words(rule) == words


def test_a_party_already_on_the_desk_keeps_what_the_desk_holds_and_gains_what_it_lacked(desk, reader):
    # Acme is on the desk through another deal, with notes and its own notices address.
    acme = Party.objects.create(legal_name="Acme Widgets, Inc.", form="corporation", jurisdiction="Nevada",
                                notes="Fiscal year ends in June.")
    acme.addresses.create(label="Notices", street_line_1="9 Old Road", city="Reno", region="NV")
    intake = read_pasted(desk)

    page = desk.get(reverse("intake:review", args=[intake.pk])).content.decode()
    assert page.count("Already on the desk: what the desk holds of this party stays as it is") == 1

    desk.post(reverse("intake:accept-remaining", args=[intake.pk]))
    confirm(desk, intake)

    acme.refresh_from_db()
    assert (acme.jurisdiction, acme.notes) == ("Nevada", "Fiscal year ends in June.")
    assert list(acme.addresses.values_list("label", "street_line_1", "city")) == [("Notices", "9 Old Road", "Reno")]
    assert Deal.objects.get(title=TITLE).deal_parties.filter(party=acme, role="company").exists()
    # The party the desk did not know is created as read.
    assert Party.objects.get(legal_name="Beta Capital LLC").form == "llc"


def test_coded_values_are_shown_by_the_labels_the_desk_uses_elsewhere():
    from dealdesk.intake.review import record_fields

    assert record_fields({"kind": "convertible_notes", "governing_law": "New York"}, "deal") == [
        ("kind", "Convertible notes and warrants"), ("governing law", "New York")]
    assert record_fields({"legal_name": "Beta Capital LLC", "form": "llc"}, "party") == [
        ("legal name", "Beta Capital LLC"), ("form", "Limited liability company")]
    assert record_fields({"party": "Beta Capital LLC", "role": "placement_agent"}, "role") == [
        ("party", "Beta Capital LLC"), ("role", "Placement agent")]
