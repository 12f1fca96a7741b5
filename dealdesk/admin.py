"""Screens for deals, their events and related agreements.

The Deal change page is the deal administrators' workspace: it shows the
parties, instruments and obligations of the deal as inlines. Those models live
in apps that import dealdesk, never the reverse, so this module only defines
the base DealAdmin; obligations/admin.py (the one app allowed to import all
others) adds the other apps' inlines and registers it.
"""
from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from simple_history.admin import SimpleHistoryAdmin

from dealdesk.models import Deal, DealEvent, RelatedAgreement


class ConstraintMessageFormSet(BaseInlineFormSet):
    """Inline formset that reports duplicate rows with the model's own words.

    Two new rows clashing with each other never reach the database, so Django
    words the error itself ("Please correct the duplicate data for name.");
    the unique constraint's violation_error_message says it better.
    """

    def get_unique_error_message(self, unique_check):
        wanted = set(unique_check) | {self.fk.name}
        for constraint in self.model._meta.total_unique_constraints:
            if set(constraint.fields) == wanted and constraint.violation_error_message:
                return constraint.get_violation_error_message()
        return super().get_unique_error_message(unique_check)


def limit_choices_to_deal(formset_class, field_name: str, queryset, deal: Deal | None):
    """Offer only the deal's own rows (events, tranches, share classes) in an inline's select.

    On the add page the deal has no rows yet, so nothing can be picked until it is saved.
    """
    field = formset_class.form.base_fields.get(field_name)
    if field is not None:
        field.queryset = queryset.filter(deal=deal) if deal is not None and deal.pk else queryset.none()
    return formset_class


class HistoryAdmin(SimpleHistoryAdmin):
    """A screen whose History page lists every change: when, by whom, each field's old and new value.

    Past versions can be opened but not restored. A restore saves the old
    version whole, past the page's read-only fields and its inlines' checks,
    and django-simple-history lets anyone who may view the object post one.
    """

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class DealInline(admin.TabularInline):
    """An inline hanging from the deal: compact, no blank rows, duplicate rows in plain words."""

    formset = ConstraintMessageFormSet
    extra = 0


class DealEventInline(DealInline):
    model = DealEvent
    fields = ["name", "date", "description"]


class RelatedAgreementInline(DealInline):
    model = RelatedAgreement
    fields = ["title", "dated_as_of", "description"]


class DealAdmin(HistoryAdmin):
    """The deal's own fields; see obligations/admin.py for the registered workspace."""

    list_display = ["title", "kind", "status", "dated_as_of", "closing_date"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "agreement_name"]
    date_hierarchy = "dated_as_of"
    fieldsets = [
        (None, {"fields": ["title", "agreement_name", ("kind", "status")]}),
        ("Dates", {"fields": [("dated_as_of", "closing_date")]}),
        ("Law and forum", {"fields": ["governing_law", "forum"], "classes": ["collapse"]}),
        ("Reminders", {"fields": ["reminder_days_before", "reminder_copies_to"]}),
        ("Notes", {"fields": ["notes"]}),
    ]
    inlines = [DealEventInline, RelatedAgreementInline]


@admin.register(DealEvent)
class DealEventAdmin(HistoryAdmin):
    list_display = ["name", "deal", "date"]
    list_filter = ["deal"]
    search_fields = ["name", "deal__title"]
    autocomplete_fields = ["deal"]
    list_select_related = ["deal"]


@admin.register(RelatedAgreement)
class RelatedAgreementAdmin(HistoryAdmin):
    list_display = ["title", "deal", "dated_as_of"]
    list_filter = ["deal"]
    search_fields = ["title", "deal__title"]
    autocomplete_fields = ["deal"]
    list_select_related = ["deal"]
