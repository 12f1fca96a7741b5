"""Screens for deals, their events and related agreements, and the admin pieces every app shares.

The Deal change page is the deal administrators' workspace: it shows the
parties, instruments and obligations of the deal. Those live in the apps above
this one, which this module may not import, so each of them adds its part of
the workspace from its own admin.py (`DealAdmin.add_to_workspace`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from simple_history.admin import SimpleHistoryAdmin

from deals.models import Deal, DealEvent, RelatedAgreement


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


@admin.register(Deal)
class DealAdmin(HistoryAdmin):
    """The deal workspace: the deal's own fields, then what the apps above add to it."""

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
    # Read-only facts shown under "Where it stands", and the annotations the list columns sort on.
    facts: list[Callable] = []
    annotations: list[Callable[[QuerySet], QuerySet]] = []

    @classmethod
    def add_to_workspace(
        cls,
        *,
        inlines: Sequence[type[admin.options.InlineModelAdmin]] = (),
        columns: Sequence[Callable] = (),
        facts: Sequence[Callable] = (),
        annotate: Callable[[QuerySet], QuerySet] | None = None,
    ) -> None:
        """Add an app's inlines, deal-list columns and facts to the workspace.

        Called from each app's admin.py; the admin imports those in
        INSTALLED_APPS order, so the page follows the layers: parties, then
        instruments, then obligations.
        """
        cls.inlines = [*cls.inlines, *inlines]
        cls.list_display = [*cls.list_display, *columns]
        cls.facts = [*cls.facts, *facts]
        if annotate is not None:
            cls.annotations = [*cls.annotations, annotate]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        for annotate in self.annotations:
            queryset = annotate(queryset)
        return queryset

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.facts]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.facts:
            fieldsets = [*fieldsets, ("Where it stands", {"fields": self.facts})]
        return fieldsets


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
