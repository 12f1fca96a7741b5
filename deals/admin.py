"""Screens for deals, their events and related agreements, and the admin pieces every app shares.

The Deal change page is the deal administrators' workspace: it shows the
parties, instruments and obligations of the deal. Those live in the apps above
this one, which this module may not import, so each of them adds its part of
the workspace from its own admin.py (`DealAdmin.add_to_workspace`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from deals.models import Deal, DealEvent, RelatedAgreement

# Posted ids that are not ids ---------------------------------------------------
#
# A refused form is shown again with what was posted. Django's autocomplete
# widgets then look the posted ids up to label them, and a list of several ids
# is looked up whole; "abc", or a number too big for the column, raises there
# instead of matching nothing. Only values the key column can hold are looked up.


def is_lookup_key(key_field: models.Field, value) -> bool:
    """Whether `value` is something the column `key_field` could hold (a number in range, for an id)."""
    if "\x00" in str(value):  # PostgreSQL refuses NUL in text, even to compare
        return False
    try:
        key_field.run_validators(key_field.to_python(value))
    except (ValidationError, TypeError, ValueError):
        return False
    return True


class LookupSafeAutocompleteMixin:
    """Label only the posted values that could be ids; the field itself says "Select a valid choice"."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key_field = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        return super().optgroups(name, [v for v in value if is_lookup_key(key_field, v)], attr)


class LookupSafeAutocompleteSelect(LookupSafeAutocompleteMixin, widgets.AutocompleteSelect):
    pass


class LookupSafeAutocompleteSelectMultiple(LookupSafeAutocompleteMixin, widgets.AutocompleteSelectMultiple):
    pass


class LookupSafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids that could not exist before asking the database for them all at once."""

    def clean(self, value):
        if isinstance(value, (list, tuple)):
            key_field = self.queryset.model._meta.get_field(self.to_field_name or self.queryset.model._meta.pk.name)
            for key in value:
                if key not in self.empty_values and not is_lookup_key(key_field, key):
                    raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                          params={"value": key})
        return super().clean(value)


class LookupSafeAdminMixin:
    """For a ModelAdmin or an inline: its relation fields survive posted values that are not ids.

    On a ModelAdmin it also keeps NUL out of the search an autocomplete box
    sends it (the changelist's own search box refuses NUL already).
    """

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = LookupSafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = LookupSafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", LookupSafeModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# Shared screens -----------------------------------------------------------------


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


class HistoryAdmin(LookupSafeAdminMixin, SimpleHistoryAdmin):
    """A screen whose History page lists every change: when, by whom, each field's old and new value.

    Past versions can be opened but not restored. A restore saves the old
    version whole, past the page's read-only fields and its inlines' checks,
    and django-simple-history lets anyone who may view the object post one.
    """

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_view(self, request, object_id, extra_context=None):
        self._not_found_unless_ids(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        self._not_found_unless_ids(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _not_found_unless_ids(self, object_id: str, version_id: str | None = None) -> None:
        # django-simple-history looks the address's ids up as they come: "abc" raises instead of finding nothing.
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        if not is_lookup_key(self.model._meta.pk, unquote(object_id)) or (
                version_id is not None and not is_lookup_key(history._meta.get_field("history_id"), version_id)):
            raise Http404(f"There is no such {self.model._meta.verbose_name} or version of it.")


class DealInline(LookupSafeAdminMixin, admin.TabularInline):
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
