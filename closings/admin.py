"""Screens for closings and their checklists, and the closings' part of the deal workspace."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from closings.models import Closing, ClosingItem
from closings.services import closing_complete, closing_reopen
from deals import clock
from deals.admin import (
    AutocompleteFilter,
    ConstraintMessageFormSet,
    DealAdmin,
    DealInline,
    HistoryAdmin,
    limit_choices_to_deal,
)
from instruments.models import Draw, Tranche
from parties.models import Party

OUTCOME_FIELDS = {"status", "done_on", "evidence"}
SHORT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 80})}}


def open_items_label(closing: Closing) -> str:
    count = getattr(closing, "open_item_count", None)
    if closing.pk is None or count is None:
        return "-"
    return "none" if count == 0 else str(count)


class ClosingStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Closing.Status.choices

    def queryset(self, request, queryset):
        if self.value() == Closing.Status.OPEN:
            return queryset.open()
        if self.value() == Closing.Status.COMPLETE:
            return queryset.complete()
        return queryset


class ClosingItemInline(admin.StackedInline):
    model = ClosingItem
    formset = ConstraintMessageFormSet
    extra = 0
    show_change_link = True  # each item's own page has its history
    formfield_overrides = SHORT_TEXT
    readonly_fields = ["recorded_by"]
    fieldsets = [
        (None, {"fields": [("section", "kind", "condition_of"), "title", "satisfied_by"]}),
        ("The agreement's words", {"fields": ["text"], "classes": ["collapse"]}),
        ("Outcome", {"fields": [("status", "done_on"), "evidence", "recorded_by"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("satisfied_by", "recorded_by")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Only the deal's own parties can deliver its closing items.
        field = formset.form.base_fields.get("satisfied_by")
        if field is not None:
            field.queryset = (Party.objects.filter(deal_roles__deal=obj.deal_id).distinct().order_by("legal_name")
                              if obj is not None and obj.pk else Party.objects.none())
        return formset


class CompleteClosingForm(forms.Form):
    on = forms.DateField(label="Completed on", help_text="The day the closing took place (YYYY-MM-DD).")


@admin.register(Closing)
class ClosingAdmin(HistoryAdmin):
    list_display = ["name", "deal", "section", "scheduled_for", "closed_on", "status", "open_items"]
    list_display_links = ["name"]
    list_filter = [("deal", AutocompleteFilter), ClosingStatusFilter]
    search_fields = ["name", "section", "deal__title"]
    autocomplete_fields = ["deal", "tranche", "draw"]
    list_select_related = ["deal"]
    readonly_fields = ["closed_on", "closed_by", "open_items"]
    fieldsets = [
        (None, {"fields": ["deal", "name", "section", ("tranche", "draw"), "scheduled_for"]}),
        ("Completion", {"fields": [("closed_on", "closed_by"), "open_items"]}),
        ("Notes", {"fields": ["notes"]}),
    ]
    formfield_overrides = SHORT_TEXT
    inlines = [ClosingItemInline]
    change_form_template = "admin/closings/closing/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).with_open_item_count()

    @admin.display(description="status")
    def status(self, closing: Closing) -> str:
        return closing.status.label

    @admin.display(description="open items", ordering="open_item_count")
    def open_items(self, closing: Closing) -> str:
        return open_items_label(closing)

    def save_formset(self, request, form, formset, change):
        if formset.model is ClosingItem:
            for item_form in formset.forms:
                if OUTCOME_FIELDS & set(item_form.changed_data):
                    item_form.instance.recorded_by = request.user
        super().save_formset(request, form, formset, change)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/complete/", self.admin_site.admin_view(self.complete_view),
                 name=f"{name}_complete"),
            path("<path:object_id>/reopen/", self.admin_site.admin_view(self.reopen_view), name=f"{name}_reopen"),
            *super().get_urls(),
        ]

    def _closing_to_change(self, request, object_id) -> Closing:
        closing = self.get_object(request, unquote(object_id))
        if closing is None or not self.has_change_permission(request, closing):
            raise PermissionDenied
        return closing

    def _change_page(self, closing: Closing) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:closings_closing_change", args=[closing.pk]))

    def complete_view(self, request, object_id):
        """Ask for the day, then complete the closing through the service (which refuses while an item is open)."""
        closing = self._closing_to_change(request, object_id)
        if request.method == "POST":
            form = CompleteClosingForm(request.POST)
            if form.is_valid():
                try:
                    closing_complete(closing=closing, on=form.cleaned_data["on"], by=request.user)
                except ValidationError as error:
                    form.add_error(None, error.messages)
                else:
                    self.message_user(request, f"{closing.name} completed on {form.cleaned_data['on']}.",
                                      messages.SUCCESS)
                    return self._change_page(closing)
        else:
            form = CompleteClosingForm(initial={"on": closing.scheduled_for or clock.today()})
        return self._confirmation(request, closing, form, "Complete this closing")

    def reopen_view(self, request, object_id):
        closing = self._closing_to_change(request, object_id)
        form = forms.Form(request.POST or None)
        if request.method == "POST":
            try:
                closing_reopen(closing=closing, by=request.user)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                self.message_user(request, f"{closing.name} is open again.", messages.SUCCESS)
                return self._change_page(closing)
        return self._confirmation(request, closing, form, "Reopen this closing")

    def _confirmation(self, request, closing: Closing, form: forms.Form, verb: str) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb}: {closing.name}",
            "opts": self.opts,
            "closing": closing,
            "open_items": closing.open_items(),
            "form": form,
            "verb": verb,
        }
        return TemplateResponse(request, "admin/closings/closing/confirm.html", context)


@admin.register(ClosingItem)
class ClosingItemAdmin(HistoryAdmin):
    list_display = ["label", "closing", "deal", "kind", "satisfied_by", "status", "done_on"]
    list_filter = ["status", "kind", ("closing__deal", AutocompleteFilter)]
    search_fields = ["section", "title", "text", "evidence", "closing__name", "closing__deal__title"]
    autocomplete_fields = ["closing", "satisfied_by"]
    list_select_related = ["closing__deal", "satisfied_by"]
    readonly_fields = ["recorded_by"]
    fieldsets = [
        (None, {"fields": ["closing", ("section", "kind", "condition_of"), "title", "satisfied_by"]}),
        ("The agreement's words", {"fields": ["text"]}),
        ("Outcome", {"fields": [("status", "done_on"), "evidence", "recorded_by"]}),
    ]

    @admin.display(description="item", ordering="section")
    def label(self, item: ClosingItem) -> str:
        return item.label()

    @admin.display(description="deal", ordering="closing__deal__title")
    def deal(self, item: ClosingItem) -> str:
        return item.closing.deal.title

    def save_model(self, request, obj, form, change):
        if OUTCOME_FIELDS & set(form.changed_data):
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


# The closings' part of the deal workspace: a compact list; each checklist is on its closing's page.


class ClosingWorkspaceInline(DealInline):
    model = Closing
    fields = ["name", "section", "tranche", "draw", "scheduled_for", "closed_on", "open_items"]
    readonly_fields = ["closed_on", "open_items"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).with_open_item_count()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        draw = formset.form.base_fields.get("draw")
        if draw is not None:  # a draw hangs from the deal through its equity line
            draw.queryset = (Draw.objects.filter(equity_line__deal=obj).order_by("date")
                             if obj is not None and obj.pk else Draw.objects.none())
        return limit_choices_to_deal(formset, "tranche", Tranche.objects.all(), obj)

    @admin.display(description="open items")
    def open_items(self, closing: Closing) -> str:
        return open_items_label(closing)


DealAdmin.add_to_workspace(inlines=[ClosingWorkspaceInline])
