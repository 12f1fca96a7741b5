"""The agreements read and every proposal's decision: how we learn where the reader is weak.

Both are records, not forms: an agreement is read on "Read an agreement" and reviewed on its
review page (views.py); here they are listed, and the proposals filtered by decision and kind.
"""
from __future__ import annotations

import json

from django.contrib import admin
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from .models import AgreementIntake, IntakeProposal

PENDING = IntakeProposal.Decision.PENDING


@admin.register(AgreementIntake)
class AgreementIntakeAdmin(admin.ModelAdmin):
    change_list_template = "admin/intake/agreementintake/change_list.html"
    list_display = ("name", "reader", "uploaded_by", "uploaded_at", "status", "deal_link", "decisions")
    list_filter = ("status", "reader")
    search_fields = ("title", "filename")
    list_select_related = ("uploaded_by", "deal")
    date_hierarchy = "uploaded_at"
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest):
        # Counted in the list's one query, not one query a row.
        return super().get_queryset(request).annotate(
            proposal_count=Count("proposals"),
            pending_count=Count("proposals", filter=Q(proposals__decision=PENDING)),
        )

    @admin.display(description="agreement", ordering="title")
    def name(self, intake: AgreementIntake) -> str:
        return format_html('<a href="{}">{}</a>', reverse("intake:review", args=[intake.pk]), str(intake))

    @admin.display(description="deal", ordering="deal__title")
    def deal_link(self, intake: AgreementIntake) -> str:
        if intake.deal is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:dealdesk_deal_change", args=[intake.deal_id]),
                           intake.deal.title)

    @admin.display(description="proposals")
    def decisions(self, intake: AgreementIntake) -> str:
        url = reverse("admin:intake_intakeproposal_changelist") + f"?intake__id__exact={intake.pk}"
        return format_html('<a href="{}">{} ({} not decided)</a>', url, intake.proposal_count, intake.pending_count)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an agreement is added by reading it: the list links "Read an agreement"

    def changelist_view(self, request: HttpRequest, extra_context=None):
        may_read = request.user.has_perm("intake.add_agreementintake")
        return super().changelist_view(request, {**(extra_context or {}), "may_read": may_read})

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        if object_id.isdigit() and self.has_view_or_change_permission(request):
            return HttpResponseRedirect(reverse("intake:review", args=[object_id]))
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(IntakeProposal)
class IntakeProposalAdmin(admin.ModelAdmin):
    list_display = ("__str__", "intake_link", "decision", "decided_by", "decided_at", "why_short")
    list_filter = ("decision", "kind", "intake__reader")
    search_fields = ("section", "why")
    list_select_related = ("intake", "decided_by")
    show_full_result_count = False
    fields = ("intake", "order", "kind", "section", "span_start", "span_end", "why", "decision", "decided_by",
              "decided_at", "proposed_record", "final_record")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # proposals come from the reader

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # decided on the review page, where the words are beside them

    @admin.display(description="agreement", ordering="intake")
    def intake_link(self, proposal: IntakeProposal) -> str:
        return format_html('<a href="{}#p-{}">{}</a>', reverse("intake:review", args=[proposal.intake_id]),
                           proposal.pk, str(proposal.intake))

    @admin.display(description="why")
    def why_short(self, proposal: IntakeProposal) -> str:
        return proposal.why if len(proposal.why) <= 100 else proposal.why[:100].rsplit(" ", 1)[0] + " …"

    @admin.display(description="as proposed")
    def proposed_record(self, proposal: IntakeProposal) -> str:
        return _json_block(proposal.proposed)

    @admin.display(description="as edited")
    def final_record(self, proposal: IntakeProposal) -> str:
        if proposal.final is None:
            return "—"
        return _json_block(proposal.final)


def _json_block(record: dict) -> str:
    # Wrapped, so a long clause never widens the page past the screen.
    return format_html('<pre style="white-space: pre-wrap; overflow-wrap: anywhere">{}</pre>',
                       json.dumps(record, indent=1, ensure_ascii=False))
