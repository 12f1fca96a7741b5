"""The intake's workflows: read an upload into proposals, record each decision, confirm into a deal.

Nothing reaches the desk before `intake_confirm`: reading saves only the intake and its
proposals, and confirming builds one deal document from the accepted and edited proposals
and loads it with the loader every deal document goes through, in one transaction.
"""
from __future__ import annotations

import dataclasses

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from dealdesk.deal_documents.documents import DealData, DocumentError
from dealdesk.deal_documents.export import party_data
from dealdesk.deal_documents.loading import deals_load
from deals.models import Deal
from parties.models import Party

from . import extract
from .assembly import assembled_deal
from .models import AgreementIntake, IntakeProposal
from .reader import read_agreement
from .reading import Proposal, Reader, Reading, Section, Span

# The largest upload extract.py reads; a larger one is refused before it is read.
LARGEST_UPLOAD = extract.MAX_UPLOAD_BYTES
PASTED = "The pasted text"  # how refusals name pasted text


class IntakeError(ValueError):
    """What a deal administrator is told, in one sentence, when a step cannot be taken."""


class TitleRefused(IntakeError):
    """The deal title cannot be used (empty, too long, or another deal's)."""


def upload_refusal(*, size: int, name: str) -> str | None:
    """Why an upload of `size` bytes is refused before it is read (extract.py's own sentence), or None."""
    if size > LARGEST_UPLOAD:
        return (f"{name} is {size / (1024 * 1024):.1f} MB; the desk reads agreements up to "
                f"{LARGEST_UPLOAD // (1024 * 1024)} MB: upload the agreement without its exhibits, or paste its text.")
    return None


def intake_from_upload(*, upload: UploadedFile, user: AbstractBaseUser, reader: Reader | None = None
                       ) -> AgreementIntake:
    """An uploaded file read into an intake; extract.IntakeRefused, with nothing saved, when it is no agreement."""
    if refusal := upload_refusal(size=upload.size, name=upload.name):
        raise extract.IntakeRefused(refusal)
    return _intake_create(data=upload.read(), name=upload.name, filename=upload.name, user=user, reader=reader)


def intake_from_text(*, text: str, user: AbstractBaseUser, reader: Reader | None = None) -> AgreementIntake:
    """Pasted text read into an intake; extract.IntakeRefused, with nothing saved, when it is no agreement."""
    return _intake_create(data=text.encode(), name=PASTED, filename="", user=user, reader=reader)


@transaction.atomic
def _intake_create(*, data: bytes, name: str, filename: str, user: AbstractBaseUser, reader: Reader | None
                   ) -> AgreementIntake:
    """Read `data` and keep the reading with its proposals, each pending; the desk itself is untouched."""
    reading = read_agreement(data=data, filename=name, reader=reader)
    deal_records = [proposal.record for proposal in reading.proposals if proposal.kind == "deal"]
    intake = AgreementIntake.objects.create(
        title=next((record["title"] for record in deal_records if record.get("title")), "")[:200],
        filename=filename,
        text=reading.text,
        sections=[[section.number, section.heading, section.span.start, section.span.end]
                  for section in reading.sections],
        unplaced=[list(item) for item in reading.unplaced],
        passed_over=[list(item) for item in reading.passed_over],
        reader=reading.reader,
        uploaded_by=user,
    )
    IntakeProposal.objects.bulk_create(
        IntakeProposal(intake=intake, order=order, kind=proposal.kind, section=proposal.section,
                       span_start=proposal.span.start, span_end=proposal.span.end,
                       proposed=proposal.record, why=proposal.why)
        for order, proposal in enumerate(reading.proposals, start=1)
    )
    return intake


def _require_open(intake: AgreementIntake) -> None:
    if intake.status == AgreementIntake.Status.CONFIRMED:
        raise IntakeError("This agreement is already confirmed; its deal is on the desk, "
                          "and its proposals stay as decided.")
    if intake.status != AgreementIntake.Status.OPEN:
        raise IntakeError("This agreement was discarded; read it again to review it.")


def proposal_decide(*, proposal: IntakeProposal, decision: str, user: AbstractBaseUser,
                    record: dict | None = None) -> IntakeProposal:
    """Accept, reject, or keep `record` as the edited proposal; who decided and when are recorded."""
    _require_open(proposal.intake)
    Decision = IntakeProposal.Decision
    if decision == Decision.EDITED:
        if record is None:
            raise IntakeError("An edit needs the record as edited.")
        proposal.final = record
    elif decision in (Decision.ACCEPTED, Decision.REJECTED, Decision.PENDING):
        proposal.final = None
    else:
        raise IntakeError(f"Unknown decision {decision!r}.")
    proposal.decision = decision
    proposal.decided_by = user if decision != Decision.PENDING else None
    proposal.decided_at = timezone.now() if decision != Decision.PENDING else None
    proposal.save(update_fields=["decision", "final", "decided_by", "decided_at"])
    return proposal


def proposals_accept_remaining(*, intake: AgreementIntake, user: AbstractBaseUser) -> int:
    """Accept every proposal not yet decided; how many."""
    _require_open(intake)
    return intake.proposals.filter(decision=IntakeProposal.Decision.PENDING).update(
        decision=IntakeProposal.Decision.ACCEPTED, decided_by=user, decided_at=timezone.now())


def intake_set_title(*, intake: AgreementIntake, title: str) -> AgreementIntake:
    _require_open(intake)
    intake.title = _checked_title(title)
    intake.save(update_fields=["title"])
    return intake


def _checked_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise TitleRefused("Give the deal a title.")
    if len(title) > 200:
        raise TitleRefused("A deal title has at most 200 characters.")
    if Deal.objects.filter(title=title).exists():
        raise TitleRefused(f'A deal titled "{title}" is already on the desk; give this one another title.')
    return title


def intake_discard(*, intake: AgreementIntake) -> None:
    _require_open(intake)
    AgreementIntake.objects.filter(pk=intake.pk, status=AgreementIntake.Status.OPEN).update(
        status=AgreementIntake.Status.DISCARDED)


def _said(error: ValidationError) -> str:
    """A model's refusal in a sentence that names the field: "title: Ensure this value has at most 100 characters"."""
    if hasattr(error, "error_dict"):
        return " ".join(f"{field.replace('_', ' ')}: {' '.join(messages)}"
                        for field, messages in error.message_dict.items())
    return " ".join(error.messages)


def intake_reading(*, intake: AgreementIntake) -> tuple[Reading, list[tuple[IntakeProposal, Proposal]]]:
    """The reading as it was made, rebuilt from what the intake keeps, and each row with its proposal."""
    proposals = [
        (row, Proposal(kind=row.kind, section=row.section, span=Span(row.span_start, row.span_end),
                       record=row.proposed, why=row.why))
        for row in intake.proposals.order_by("order")
    ]
    reading = Reading(
        text=intake.text,
        sections=tuple(Section(number=number, heading=heading, span=Span(start, end))
                       for number, heading, start, end in intake.sections),
        proposals=tuple(proposal for _, proposal in proposals),
        unplaced=tuple(tuple(item) for item in intake.unplaced),
        passed_over=tuple(tuple(item) for item in intake.passed_over),
        reader=intake.reader,
    )
    return reading, proposals


def intake_confirm(*, intake: AgreementIntake, user: AbstractBaseUser, title: str) -> Deal:
    """Create the deal from the accepted and edited proposals, through the deal document loader.

    One transaction: the intake is claimed (a second confirm finds it confirmed and
    creates nothing), the document is built and checked whole, then loaded; any
    mistake leaves the desk and the intake as they were.
    """
    try:
        with transaction.atomic():
            return _confirm(intake=intake, user=user, title=title)
    except IntegrityError:
        # Two confirms at once with one title: the database's unique title refuses the second.
        raise TitleRefused(f'A deal titled "{title}" is already on the desk; give this one another title.') from None


def parties_on_desk(*, legal_names: list[str]) -> set[str]:
    """Which of these parties the desk already holds (a party is one row however many deals name it)."""
    return set(Party.objects.filter(legal_name__in=legal_names).values_list("legal_name", flat=True))


def desk_parties_kept(data: DealData) -> DealData:
    """A party already on the desk keeps what the desk holds of it; people and addresses it lacks are added.

    The loader writes a party by its legal name: without this, confirming a reading would overwrite
    another deal's party with what the reader made of it (a thinner record, or a misread one).
    """
    on_desk = {party.legal_name: party for party in
               Party.objects.filter(legal_name__in=[p.legal_name for p in data.parties])
               .prefetch_related("people", "addresses")}
    parties = []
    for proposed in data.parties:
        party = on_desk.get(proposed.legal_name)
        if party is None:
            parties.append(proposed)
            continue
        kept = party_data(party)
        names, labels = {p.name for p in kept.people}, {a.label for a in kept.addresses}
        parties.append(dataclasses.replace(
            kept,
            people=kept.people + tuple(p for p in proposed.people if p.name not in names),
            addresses=kept.addresses + tuple(a for a in proposed.addresses if a.label not in labels)))
    return dataclasses.replace(data, parties=tuple(parties))


def _confirm(*, intake: AgreementIntake, user: AbstractBaseUser, title: str) -> Deal:
    claimed = AgreementIntake.objects.select_for_update().get(pk=intake.pk)
    _require_open(claimed)
    title = _checked_title(title)
    reading, rows = intake_reading(intake=claimed)
    records = [(proposal, row.record) for row, proposal in rows if row.is_taken]
    if not records:
        raise IntakeError("No proposal is accepted: accept or edit the ones the deal should hold, then confirm.")
    try:
        deals_load(deals=(desk_parties_kept(assembled_deal(reading=reading, records=records, title=title)),))
    except DocumentError as error:
        raise IntakeError(str(error)) from None
    except ValidationError as error:
        raise IntakeError(f"The deal cannot be made from these proposals: {_said(error)}") from None
    deal = Deal.objects.get(title=title)
    claimed.status = AgreementIntake.Status.CONFIRMED
    claimed.title = title
    claimed.deal = deal
    claimed.confirmed_by = user
    claimed.confirmed_at = timezone.now()
    claimed.save(update_fields=["status", "title", "deal", "confirmed_by", "confirmed_at"])
    return deal
