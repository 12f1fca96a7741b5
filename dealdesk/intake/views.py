"""The intake's pages in the admin: "Read an agreement" (upload or paste) and the review of what was read."""
from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from . import services
from .extract import IntakeRefused
from .forms import AgreementForm, TitleForm, edit_form, edited_record
from .models import AgreementIntake, IntakeProposal
from .review import proposal_groups, section_id, text_pieces

ADD_INTAKE = "intake.add_agreementintake"
VIEW_INTAKE = "intake.view_agreementintake"
CHANGE_INTAKE = "intake.change_agreementintake"
ADD_DEAL = "dealdesk.add_deal"


def _require(request: HttpRequest, *permissions: str) -> None:
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def reader_for_pages():
    """The reader the pages use; None: the rule reader (reader.read_agreement's default)."""
    return None


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    return CsrfViewMiddleware(lambda request: None).process_view(request, lambda request: None, (), {})


@csrf_exempt  # checked below, after the body is read: a body over Django's limit gets the form's message
def read_agreement_page(request: HttpRequest) -> HttpResponse:
    _require(request, ADD_INTAKE)
    form = AgreementForm()
    if request.method == "POST":
        try:
            data, files = request.POST, request.FILES
        except RequestDataTooBig:
            # Pasted text over DATA_UPLOAD_MAX_MEMORY_SIZE: nothing of it was kept, so nothing needs the token.
            too_big = (f"{services.PASTED} is more than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:.1f} MB, "
                       "more than a page can send: upload the agreement's file instead.")
            return _upload_page(request, form, too_big=too_big)
        if refusal := _csrf_refusal(request):
            return refusal
        form = AgreementForm(data, files)
        if form.is_valid():
            try:
                intake = _read(request, form)
            except IntakeRefused as refused:
                form.add_error("file" if form.cleaned_data["file"] else "text", str(refused))
            else:
                messages.success(request, f"Read {intake.proposals.count()} proposals from "
                                          f"{intake.filename or 'the pasted text'}: review each, then confirm.")
                return redirect("intake:review", intake.pk)
    return _upload_page(request, form)


def _read(request: HttpRequest, form: AgreementForm) -> AgreementIntake:
    upload = form.cleaned_data["file"]
    if upload is not None:
        return services.intake_from_upload(upload=upload, user=request.user, reader=reader_for_pages())
    return services.intake_from_text(text=form.cleaned_data["text"], user=request.user, reader=reader_for_pages())


def _upload_page(request: HttpRequest, form: AgreementForm, *, too_big: str = "") -> HttpResponse:
    recent = AgreementIntake.objects.open().select_related("uploaded_by")[:10]
    return TemplateResponse(request, "intake/read.html", {
        **admin.site.each_context(request),
        "title": "Read an agreement",
        "form": form,
        "too_big": too_big,
        "recent": recent,
        "largest_mb": services.LARGEST_UPLOAD // 1024 // 1024,
    })


def review(request: HttpRequest, intake_id: int, *, editing: IntakeProposal | None = None,
           edit=None, title_form: TitleForm | None = None) -> HttpResponse:
    _require(request, VIEW_INTAKE)
    intake = get_object_or_404(AgreementIntake.objects.select_related("deal", "uploaded_by", "confirmed_by"),
                               pk=intake_id)
    rows = list(intake.proposals.select_related("decided_by"))
    can_change = intake.is_open and request.user.has_perm(CHANGE_INTAKE)
    if editing is None and can_change and request.GET.get("edit", "").isdigit():
        editing = next((row for row in rows if row.pk == int(request.GET["edit"])), None)
    if editing is not None and edit is None:
        edit = edit_form(kind=editing.kind, record=editing.record)
    counts = {decision: 0 for decision in IntakeProposal.Decision.values}
    for row in rows:
        counts[row.decision] += 1
    return TemplateResponse(request, "intake/review.html", {
        **admin.site.each_context(request),
        "title": f"Review: {intake}",
        "intake": intake,
        "pieces": text_pieces(text=intake.text, sections=intake.sections, rows=rows),
        "groups": proposal_groups(rows, intake.text),
        "on_desk": services.parties_on_desk(legal_names=[row.record.get("legal_name", "") for row in rows if row.kind == "party"]),
        "unplaced": [(number, reason, section_id(number)) for number, reason in intake.unplaced],
        "passed_over": [(number, reason, section_id(number)) for number, reason in intake.passed_over],
        "counts": counts,
        "total": len(rows),
        "can_change": can_change,
        "can_confirm": can_change and request.user.has_perm(ADD_DEAL),
        "editing": editing,
        "edit_form": edit,
        "title_form": title_form or TitleForm(initial={"title": intake.title}),
    })


def _changing(request: HttpRequest, intake_id: int) -> AgreementIntake | HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _require(request, VIEW_INTAKE, CHANGE_INTAKE)
    return get_object_or_404(AgreementIntake, pk=intake_id)


def _back(intake: AgreementIntake, anchor: str = "") -> HttpResponse:
    return redirect(reverse("intake:review", args=[intake.pk]) + (f"#{anchor}" if anchor else ""))


def decide(request: HttpRequest, intake_id: int, proposal_id: int) -> HttpResponse:
    intake = _changing(request, intake_id)
    if isinstance(intake, HttpResponse):
        return intake
    proposal = get_object_or_404(intake.proposals.select_related("intake"), pk=proposal_id)
    decision = request.POST.get("decision", "")
    record = None
    if decision == IntakeProposal.Decision.EDITED:
        form = edit_form(kind=proposal.kind, record=proposal.record, data=request.POST)
        if not form.is_valid():
            return review(request, intake.pk, editing=proposal, edit=form)
        record = edited_record(form)
    try:
        services.proposal_decide(proposal=proposal, decision=decision, user=request.user, record=record)
    except services.IntakeError as error:
        messages.error(request, str(error))
    return _back(intake, f"p-{proposal.pk}")


def accept_remaining(request: HttpRequest, intake_id: int) -> HttpResponse:
    intake = _changing(request, intake_id)
    if isinstance(intake, HttpResponse):
        return intake
    try:
        accepted = services.proposals_accept_remaining(intake=intake, user=request.user)
    except services.IntakeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Accepted {accepted} proposal{'s' if accepted != 1 else ''} not yet decided.")
    return _back(intake)


def confirm(request: HttpRequest, intake_id: int) -> HttpResponse:
    """Save the deal's title ("save"), or confirm: the deal is created and its page opens."""
    intake = _changing(request, intake_id)
    if isinstance(intake, HttpResponse):
        return intake
    form = TitleForm(request.POST)
    if not form.is_valid():
        return review(request, intake.pk, title_form=form)
    title = form.cleaned_data["title"]
    try:
        if "save" in request.POST:
            services.intake_set_title(intake=intake, title=title)
            messages.success(request, f'The deal will be titled "{intake.title}".')
            return _back(intake)
        _require(request, ADD_DEAL)
        deal = services.intake_confirm(intake=intake, user=request.user, title=title)
    except services.TitleRefused as error:
        form.add_error("title", str(error))
        return review(request, intake.pk, title_form=form)
    except services.IntakeError as error:
        if not intake.is_open:  # confirmed or discarded meanwhile: said above the page, which no longer has the form
            messages.error(request, str(error))
            return _back(intake)
        form.add_error(None, str(error))
        return review(request, intake.pk, title_form=form)
    messages.success(request, f'"{deal}" is on the desk, with {deal.obligations.count()} obligations '
                              f"from the proposals you accepted.")
    return redirect("admin:dealdesk_deal_change", deal.pk)


def discard(request: HttpRequest, intake_id: int) -> HttpResponse:
    intake = _changing(request, intake_id)
    if isinstance(intake, HttpResponse):
        return intake
    try:
        services.intake_discard(intake=intake)
    except services.IntakeError as error:
        messages.error(request, str(error))
        return _back(intake)
    messages.success(request, f"Discarded {intake}; nothing of it reached the desk.")
    return redirect("intake:read")
