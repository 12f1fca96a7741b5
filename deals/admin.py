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
from django.contrib.admin import helpers, widgets
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import F, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.forms.utils import ErrorList
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from simple_history.admin import SimpleHistoryAdmin

from deals.models import AgreementSection, Deal, DealEvent, EventKind, RelatedAgreement
from deals.sections import Held, MapEntry, section_map

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
    """An autocomplete box; in an inline, it labels its value from the row the inline has read already.

    `known` (filled by ConstraintMessageFormSet) holds the related rows read with the inline's rows: Django's
    box asks the database for its one selected row, a query per box and row (60 of the deal page's 106).
    """

    known: dict[str, models.Model] | None = None

    def optgroups(self, name, value, attr=None):
        picked = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if not self.known or not picked or any(key not in self.known for key in picked):
            return super().optgroups(name, value, attr)
        # As Django's AutocompleteMixin.optgroups, from the rows known instead of a query.
        default = (None, [], 0)
        if not self.is_required:
            default[1].append(self.create_option(name, "", "", False, 0))
        for key in picked:
            row = self.known[key]
            default[1].append(self.create_option(name, row.pk, self.choices.field.label_from_instance(row),
                                                 set(picked), len(default[1])))
        return [default]


class LookupSafeAutocompleteSelectMultiple(LookupSafeAutocompleteMixin, widgets.AutocompleteSelectMultiple):
    """A box of several rows; in an inline, it labels its values from its own row's related rows, read (prefetched)
    with the inline's rows (RowsWithBoxesMixin, ConstraintMessageFormSet): Django's box asks for them, a query per row.
    """

    known: list[models.Model] | None = None  # the row's related rows, in the related model's order

    def optgroups(self, name, value, attr=None):
        picked = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        rows = [row for row in self.known or () if str(row.pk) in picked]
        if self.known is None or len(rows) != len(picked):
            return super().optgroups(name, value, attr)
        # As Django's AutocompleteMixin.optgroups (no empty choice in a multiple box), from the rows known.
        return [(None, [self.create_option(name, row.pk, self.choices.field.label_from_instance(row), picked, index)
                        for index, row in enumerate(rows)], 0)]


class RelatedLinksWrapper(widgets.RelatedFieldWidgetWrapper):
    """Django's wrapper of a select (its add, change, delete and view links), each link's address reversed once.

    Each row of an inline renders its own copy of the field's wrapper, a shallow one that shares `_urls`;
    Django reverses the same addresses again for every row.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    @classmethod
    def of(cls, wrapper: widgets.RelatedFieldWidgetWrapper) -> RelatedLinksWrapper:
        return cls(wrapper.widget, wrapper.rel, wrapper.admin_site, can_add_related=wrapper.can_add_related,
                   can_change_related=wrapper.can_change_related, can_delete_related=wrapper.can_delete_related,
                   can_view_related=wrapper.can_view_related)

    def get_related_url(self, info, action, *args):
        key = (info, action, *args)
        if key not in self._urls:
            self._urls[key] = super().get_related_url(info, action, *args)
        return self._urls[key]


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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and type(formfield.widget) is widgets.RelatedFieldWidgetWrapper:
            formfield.widget = RelatedLinksWrapper.of(formfield.widget)
        return formfield

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


# Lists that stay fast at any size -----------------------------------------------
#
# A desk of 10,000 deals and a million due dates (bench/bench_admin.py): a filter
# listing every deal, or an exact count of a million rows, costs more than the page.

LIST_COUNT_BOUND = 10_000


class BoundedCountPaginator(Paginator):
    """Counts the rows up to LIST_COUNT_BOUND and stops there: past it the list says "more than 10,000".

    An exact count reads every matching row; the bounded one reads at most the bound, in no order.
    """

    bound = LIST_COUNT_BOUND
    count_is_bounded = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        counted = rows.order_by().values("pk")[: self.bound + 1].count()
        self.count_is_bounded = counted > self.bound
        return min(counted, self.bound)


PICKED = "__picked__"  # stands for the picked row's id in the filter's address; the script puts the id in


class AutocompleteFilter(admin.RelatedFieldListFilter):
    """A list filter that finds the related row as the user types its name, instead of listing every one.

    It asks Django's admin autocomplete view (the related model's admin search), as
    the autocomplete boxes of the change forms do; deals/static/deals/autocomplete_filter.js
    reloads the list when a row is picked or cleared. Use as ("deal", AutocompleteFilter).
    """

    template = "admin/autocomplete_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.model_admin_site = model_admin.admin_site
        super().__init__(field, request, params, model, model_admin, field_path)

    def field_choices(self, field, request, model_admin):
        return []  # nothing is listed: the box looks rows up as the user types

    def has_output(self) -> bool:
        return True

    def choices(self, changelist):
        self.all_query_string = changelist.get_query_string(remove=[self.lookup_kwarg, self.lookup_kwarg_isnull])
        self.pick_query_string = changelist.get_query_string({self.lookup_kwarg: PICKED},
                                                             [self.lookup_kwarg_isnull])
        return super().choices(changelist)

    def box(self) -> SafeString:
        """The autocomplete box, showing the row picked (one query for its name, none when nothing is picked)."""
        remote = self.field.remote_field.model
        field = forms.ModelChoiceField(
            queryset=remote._default_manager.all(), required=False,
            widget=LookupSafeAutocompleteSelect(self.field, self.model_admin_site),
        )
        picked = (self.lookup_val or [None])[-1] if isinstance(self.lookup_val, list) else self.lookup_val
        return field.widget.render(
            f"filter-{self.field_path}", picked,
            attrs={"id": f"filter-{self.field_path}", "style": "width: 100%",
                   "data-filter-pick": self.pick_query_string, "data-filter-all": self.all_query_string,
                   "aria-label": f"By {self.title}"},
        )

    @staticmethod
    def media_for(model_admin) -> forms.Media:
        """The scripts the filter boxes of `model_admin`'s list need, or nothing when it has none."""
        for spec in model_admin.list_filter:
            if isinstance(spec, tuple) and issubclass(spec[1], AutocompleteFilter):
                field = get_fields_from_path(model_admin.model, spec[0])[-1]
                return (widgets.AutocompleteSelect(field, model_admin.admin_site).media
                        + forms.Media(js=["deals/autocomplete_filter.js"]))
        return forms.Media()


class FastListMixin:
    """A changelist that runs the same queries, and about as fast, at ten rows and at a million.

    No full count beside the filtered one, a bounded count, and the autocomplete filters' scripts.
    """

    show_full_result_count = False
    paginator = BoundedCountPaginator

    @property
    def media(self):
        return super().media + AutocompleteFilter.media_for(self)


# Shared screens -----------------------------------------------------------------


class QuietErrorList(ErrorList):
    """Django's list of a field's errors, which renders its template even when empty, for every field of every
    row of every inline; this one is the empty text at once when there is nothing to say."""

    def render(self, template_name=None, context=None, renderer=None):
        return super().render(template_name, context, renderer) if self.data else mark_safe("")

    __str__ = render
    __html__ = render


class ConstraintMessageFormSet(BaseInlineFormSet):
    """Inline formset that reports duplicate rows with the model's own words.

    Two new rows clashing with each other never reach the database, so Django
    words the error itself ("Please correct the duplicate data for name.");
    the unique constraint's violation_error_message says it better.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", QuietErrorList)
        super().__init__(*args, **kwargs)
        self._label_boxes_from_rows()

    @cached_property
    def empty_form(self):
        # Built once: Django builds the blank row anew each time it is asked for (four times an inline per page).
        return super().empty_form

    def is_multipart(self) -> bool:
        # Read off the form class's fields: Django builds the blank row to ask it when there is no other row.
        return any(field.widget.needs_multipart_form for field in self.form.base_fields.values())

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # A box of several rows is labelled from its own row's related rows, when they were read with it.
        read = getattr(form.instance, "_prefetched_objects_cache", {})
        for name, field in form.fields.items():
            box = getattr(field.widget, "widget", field.widget)  # the form's own copy
            if isinstance(box, LookupSafeAutocompleteSelectMultiple) and name in read:
                box.known = list(read[name])
        return form

    def _label_boxes_from_rows(self) -> None:
        """Give each autocomplete box the related rows the inline's query read with its rows (select_related)."""
        for name, field in self.form.base_fields.items():
            box = getattr(field.widget, "widget", field.widget)  # inside the admin's add/change links
            if not isinstance(box, LookupSafeAutocompleteSelect) or self.instance.pk is None:
                continue
            relation = self.model._meta.get_field(name)
            box.known = {}
            for row in self.get_queryset():
                target = relation.get_cached_value(row, None) if relation.is_cached(row) else None
                if target is not None and relation.target_field.attname == target._meta.pk.attname:
                    box.known[str(target.pk)] = target

    def get_unique_error_message(self, unique_check):
        wanted = set(unique_check) | {self.fk.name}
        for constraint in self.model._meta.total_unique_constraints:
            if set(constraint.fields) == wanted and constraint.violation_error_message:
                return constraint.get_violation_error_message()
        return super().get_unique_error_message(unique_check)


class ShownFirstFormSet(ConstraintMessageFormSet):
    """An inline formset that shows, and saves, only the first `shown` rows; its template links to them all.

    The busiest deal of a desk has hundreds of events: a form for each made the deal page megabytes long.
    The rows are cut the same way when the page is posted, so each posted form finds its row.
    """

    shown: int | None = None
    shown_which = ""  # which rows come first, in words
    rest_url = ""  # the admin list of every row of the deal

    def get_queryset(self):
        if not hasattr(self, "_shown_rows"):
            rows = super().get_queryset()
            self._shown_rows = rows if self.shown is None else rows[:self.shown]
        return self._shown_rows

    @cached_property
    def total(self) -> int:
        return super().get_queryset().count()


class ChoicesReadOnce(BaseChoiceIterator):
    """A select's choices, read from the database when a row first draws them, then shared by every row.

    Each row's field and widget are copies of the form class's; every copy holds this one object. An
    inline with no row to draw (its blank row comes when asked for) reads nothing.
    """

    def __init__(self, choices):
        self.choices = choices
        self._read: list | None = None

    def __iter__(self):
        if self._read is None:
            self._read = list(iter(self.choices))  # not list(choices): Django's len() of them is a COUNT query
        return iter(self._read)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def limit_choices_to_deal(formset_class, field_name: str, queryset, deal: Deal | None):
    """Offer only the deal's own rows (events, tranches, share classes) in an inline's select.

    On the add page the deal has no rows yet, so nothing can be picked until it is saved.
    """
    field = formset_class.form.base_fields.get(field_name)
    if field is not None:
        field.queryset = queryset.filter(deal=deal) if deal is not None and deal.pk else queryset.none()
        # Read once for every row of the inline, not once per row (a deal with 90 events); a posted
        # value is still checked against the queryset.
        field.choices = ChoicesReadOnce(field.choices)
    return formset_class


def error_summary(context) -> dict:
    """How many errors a refused form shows, and where the first one stands (for the link at the top).

    The main form's fields in the order the page shows them, then each inline's rows; the anchor is the
    field's input, or the inline's group when the error is about the rows together.
    """
    count, first = 0, None
    if not context.get("errors"):  # Django's own list of them, main form and inlines
        return {"error_count": 0, "first_error_anchor": "", "first_error_label": ""}
    adminform = context.get("adminform")
    if adminform is not None:
        form = adminform.form
        count += len(form.non_field_errors())
        shown = [name for fieldset in adminform for line in fieldset for field in line
                 if (name := field.field["name"] if isinstance(field.field, dict) else field.field.name)]
        for name in [*shown, *form.errors]:
            if name in form.errors and name in form.fields and first is None:
                first = (form[name].auto_id, form[name].label)
        count += sum(len(errors) for name, errors in form.errors.items() if name != "__all__")
    for inline in context.get("inline_admin_formsets", ()):
        formset = inline.formset
        if formset.non_form_errors():
            count += len(formset.non_form_errors())
            first = first or (f"{formset.prefix}-group", inline.opts.verbose_name_plural)
        for row, form in enumerate(formset.forms, 1):
            if formset.can_delete and formset._should_delete_form(form):
                continue  # a row marked for deletion is not checked
            for name, errors in form.errors.items():
                count += len(errors)
                if first is None:
                    label = form[name].label if name in form.fields else "the row"
                    anchor = form[name].auto_id if name in form.fields else f"{formset.prefix}-group"
                    first = (anchor, f"{inline.opts.verbose_name_plural}, row {row}: {label}")
    return {"error_count": count, "first_error_anchor": first[0] if first else "",
            "first_error_label": first[1] if first else ""}


class InlineMediaOnce(helpers.InlineAdminFormSet):
    """An inline on a change page whose scripts and styles are those of its form's widgets, read once.

    Django adds up every form's (the same widgets each time), building each row's admin form for it, and
    builds the blank row when there is no other, before the page renders them all again. Every row's
    widgets are copies of the form class's; an admin fieldset adds no media of its own (Django 5.2).
    """

    @property
    def media(self):
        declared = getattr(self.formset.form, "Media", None)  # a form's own scripts, beside its widgets'
        media = self.opts.media + (forms.Media(declared) if declared is not None else forms.Media())
        return sum((field.widget.media for field in self.formset.form.base_fields.values()), media)


# The blank rows "Add another" copies, sent when first asked for ----------------------
#
# Django's admin sends every inline's blank row with the page, hidden, for "Add another" to copy.
# The deal page has thirteen inlines: their blank rows were a third of its widgets, drawn on every
# visit for the rare one that adds a row; an obligation page's blank rule, the desk's largest form,
# was a third of that page (bench/README.md, "Blank rows when asked for"). Such a page sends a
# stand-in for each, an empty element of the same id and classes; deals/blank_rows.js asks the page
# for the real one (?blank_row=<the inline's prefix>) the first time its link is clicked.

BLANK_ROW_PARAM = "blank_row"


def is_blank_row(inline_form: helpers.InlineAdminForm) -> bool:
    """Whether this is the row "Add another" copies (Django's empty form, numbered __prefix__)."""
    return inline_form.form.prefix == inline_form.formset.add_prefix("__prefix__")


class BlankRowStandIn(helpers.InlineAdminForm):
    """The blank row's place on the page, with nothing in it: Django's templates draw the row's element alone."""

    def __iter__(self):
        return iter(())  # no fieldsets, so no field is drawn

    def needs_explicit_pk_field(self):
        return False

    def fk_field(self):
        return None


class BlankRowOnDemand(InlineMediaOnce):
    """An inline whose blank row is a stand-in until "Add another" asks for it (deals/blank_rows.js)."""

    def __iter__(self):
        for inline_form in super().__iter__():
            if is_blank_row(inline_form):
                inline_form.__class__ = BlankRowStandIn  # the same row, drawn without its fields
            yield inline_form

    @property
    def media(self):
        # After inlines.js, whose "Add another" links the script answers first.
        return super().media + forms.Media(js=["admin/js/inlines.js", "deals/blank_rows.js"])


class BlankRowAlone(InlineMediaOnce):
    """An inline drawn with its blank row only: the answer to ?blank_row=<its prefix>."""

    def __iter__(self):
        return (inline_form for inline_form in super().__iter__() if is_blank_row(inline_form))


class BlankRowsOnDemandMixin:
    """For a ModelAdmin whose inlines' blank rows weigh on its page: each is sent when its "Add another" is
    first clicked (the deal page, an obligation's page).

    A GET of the change or add page with ?blank_row=<prefix> builds and answers that inline alone, drawn by
    its own template with its blank row only; the page's script takes the row from it.
    """

    def inline_formset_class(self, request) -> type[InlineMediaOnce]:
        return BlankRowAlone if self._blank_row_asked(request) else BlankRowOnDemand

    def get_formsets_with_inlines(self, request, obj=None):
        # The answer to ?blank_row= builds the one inline asked for, not every inline's rows.
        prefix = self._blank_row_asked(request)
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if prefix is None or formset.get_default_prefix() == prefix:
                yield formset, inline

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        prefix = self._blank_row_asked(request)
        if prefix is None:
            return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)
        for inline in context["inline_admin_formsets"]:
            if inline.formset.prefix == prefix and inline.has_add_permission:
                return TemplateResponse(request, inline.opts.template, {**context, "inline_admin_formset": inline})
        raise Http404(f"This page has no list of rows named {prefix!r} that you may add to.")

    @staticmethod
    def _blank_row_asked(request) -> str | None:
        return request.GET.get(BLANK_ROW_PARAM) if request.method == "GET" else None


class HistoryAdmin(FastListMixin, LookupSafeAdminMixin, SimpleHistoryAdmin):
    """A screen whose History page lists every change: when, by whom, each field's old and new value.

    Past versions can be opened but not restored. A restore saves the old
    version whole, past the page's read-only fields and its inlines' checks,
    and django-simple-history lets anyone who may view the object post one.
    """

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def inline_formset_class(self, request) -> type[InlineMediaOnce]:
        """How this page's inlines are drawn: InlineMediaOnce, or its kind that sends blank rows when asked."""
        return InlineMediaOnce

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        drawn_as = self.inline_formset_class(request)
        for inline_formset in inline_formsets:
            inline_formset.__class__ = drawn_as  # Django builds them; their media and rows are worked out here
        return inline_formsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context = {**context, **error_summary(context)}
        if obj is not None and obj.pk is not None and context["error_count"]:
            # The form has written the refused values onto obj; the title and breadcrumbs name the saved
            # object, never a value just refused (a note titled "($-250,000.00)").
            saved = self.model._default_manager.filter(pk=obj.pk).first()
            if saved is not None:
                context.update(subtitle=str(saved), original=saved)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

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


# Text boxes sized to sit beside other fields on a 1366 px screen (STYLE.md); they grow when dragged.
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


class RowsWithBoxesMixin:
    """An inline that reads the rows its autocomplete boxes show with its own rows, in the same query.

    Each box then labels its value from them (LookupSafeAutocompleteSelect.known), not by a query per box.
    """

    def get_queryset(self, request):
        fields = [self.model._meta.get_field(name) for name in self.get_autocomplete_fields(request)]
        boxes = [field.name for field in fields if field.many_to_one]
        # A box of several rows: its rows, with those each one's name is read from (an address names its party).
        several = [Prefetch(field.name, queryset=field.related_model._default_manager.select_related())
                   for field in fields if field.many_to_many]
        return super().get_queryset(request).select_related(*boxes).prefetch_related(*several)


class DealInline(RowsWithBoxesMixin, LookupSafeAdminMixin, admin.TabularInline):
    """An inline hanging from the deal: compact, no blank rows, duplicate rows in plain words."""

    formset = ConstraintMessageFormSet
    extra = 0
    formfield_overrides = COMPACT_TEXT


class DealStackedInline(RowsWithBoxesMixin, LookupSafeAdminMixin, admin.StackedInline):
    """A deal inline with too many fields for one table row at 1366 px: each row a small form, fields in lines."""

    formset = ConstraintMessageFormSet
    extra = 0
    formfield_overrides = COMPACT_TEXT


class EventKindInline(DealInline):
    """Kinds of event that recur (each SEC report filed, each press release); rules can follow every one."""

    model = EventKind
    fields = ["name", "description"]
    verbose_name = "kind of recurring event"
    verbose_name_plural = "kinds of recurring event"


# On the deal page: those still to be dated (the desk enters each date when it happens), then the latest.
# The event list, filtered to the deal, has them all; each row of the inline is a form of its own.
EVENTS_SHOWN = 10


class DealEventInline(DealInline):
    model = DealEvent
    fields = ["name", "date", "kind", "description"]
    formset = ShownFirstFormSet
    template = "admin/edit_inline/tabular_shown_first.html"

    def get_queryset(self, request):
        return super().get_queryset(request).order_by(F("date").desc(nulls_first=True), "name", "pk")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.shown, formset.shown_which = EVENTS_SHOWN, "those not yet dated, then the latest"
        if obj is not None and obj.pk:
            formset.rest_url = reverse("admin:dealdesk_dealevent_changelist") + f"?deal__id__exact={obj.pk}"
        return limit_choices_to_deal(formset, "kind", EventKind.objects.all(), obj)


class RelatedAgreementInline(DealInline):
    model = RelatedAgreement
    fields = ["title", "dated_as_of", "description"]


@admin.register(Deal)
class DealAdmin(BlankRowsOnDemandMixin, HistoryAdmin):
    """The deal workspace: the deal's own fields, then what the apps above add to it (thirteen inlines, each
    blank row sent when asked for)."""

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
    inlines = [EventKindInline, DealEventInline, RelatedAgreementInline]
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
        # An annotation that groups rows would drop the default ordering; pages and autocomplete need it.
        return queryset if queryset.query.order_by else queryset.order_by(*Deal._meta.ordering)

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), *self.facts]
        return [*fields, "section_map"] if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.facts:
            fieldsets = [*fieldsets, ("Where it stands", {"fields": self.facts})]
        if obj is not None:
            fieldsets = [*fieldsets, ("Section map", {"fields": ["section_map"]})]
        return fieldsets

    @admin.display(description="sections")
    def section_map(self, deal: Deal) -> SafeString:
        return section_map_html(deal, admin_site=self.admin_site)


# The section map on the deal's page ---------------------------------------------
#
# Every numbered section of the agreement, each with what the desk holds for it,
# or why it holds nothing, or "Not yet held" standing out; readings highlighted.

NOT_HELD_STYLE = "color: var(--error-fg, #ba2121); font-weight: bold"
READING_STYLE = ("background: var(--message-warning-bg, #ffc); border-left: 3px solid #e0b000; "
                 "padding: 2px 6px; margin-top: 4px")


def _held_html(item: Held, admin_site: admin.AdminSite) -> SafeString:
    model = type(item.row)
    if model is Deal or not admin_site.is_registered(model):
        return format_html("{}: {}", item.kind, item.title)
    url = reverse(f"{admin_site.name}:{model._meta.app_label}_{model._meta.model_name}_change", args=[item.row.pk])
    return format_html('{}: <a href="{}">{}</a>', item.kind, url, item.title)


def _entry_html(entry: MapEntry, admin_site: admin.AdminSite) -> SafeString:
    section = entry.section
    why = section.no_obligation.strip()
    if entry.own:
        holds = format_html('<ul style="margin: 0; padding-left: 1.2em">{}</ul>', format_html_join(
            "", "<li>{}</li>", ((_held_html(item, admin_site),) for item in entry.own)))
    elif entry.held:
        holds = mark_safe("Held through its sub-sections")
    elif why:
        holds = format_html("No obligation: {}", why)
    else:
        holds = format_html('<span style="{}">Not yet held</span>', NOT_HELD_STYLE)
    if entry.held and why:
        holds = format_html("{}<div>No obligation: {}</div>", holds, why)
    reading = section.reading.strip()
    if reading:
        holds = format_html('{}<div style="{}"><strong>Reading:</strong> {}</div>', holds, READING_STYLE, reading)
    return format_html('<tr><td style="white-space: nowrap"><strong>{}</strong></td><td>{}</td><td>{}</td></tr>',
                       section.number, section.heading, holds)


def section_map_html(deal: Deal, *, admin_site: admin.AdminSite) -> SafeString:
    """The deal's sections, in the agreement's order, with what the desk holds for each."""
    the_map = section_map(deal)
    changelist = reverse(f"{admin_site.name}:dealdesk_agreementsection_changelist") + f"?deal__id__exact={deal.pk}"
    add = reverse(f"{admin_site.name}:dealdesk_agreementsection_add") + f"?deal={deal.pk}"
    links = format_html('<a href="{}">Edit the sections</a> · <a href="{}">Add a section</a>', changelist, add)
    if not the_map.entries:
        return format_html("No section map yet. {}", links)
    not_held = the_map.count(MapEntry.Status.NOT_HELD)
    summary = format_html(
        '<p>{} sections: {} held, {} with no obligation, <span style="{}">{} not yet held</span>. {}</p>',
        len(the_map.entries), the_map.count(MapEntry.Status.HELD), the_map.count(MapEntry.Status.NO_OBLIGATION),
        NOT_HELD_STYLE if not_held else "", not_held, links)
    unmapped = ""
    if the_map.unmapped:
        unmapped = format_html(
            '<p style="{}">Citing a section the map does not have:</p><ul>{}</ul>', NOT_HELD_STYLE,
            format_html_join("", "<li>s.{} {}</li>",
                             ((item.section, _held_html(item, admin_site)) for item in the_map.unmapped)))
    rows = format_html_join("", "{}", ((_entry_html(entry, admin_site),) for entry in the_map.entries))
    return format_html(
        '{}{}<table style="width: 100%"><thead><tr><th>Section</th><th>Heading</th><th>What the desk holds</th>'
        "</tr></thead><tbody>{}</tbody></table>", summary, unmapped, rows)


@admin.register(DealEvent)
class DealEventAdmin(HistoryAdmin):
    """Recording an event here (a filing, a press release, a request) dates every rule that follows it."""

    list_display = ["name", "deal", "date", "kind"]
    list_filter = [("deal", AutocompleteFilter), ("kind", AutocompleteFilter)]
    search_fields = ["name", "deal__title", "kind__name"]
    autocomplete_fields = ["deal", "kind"]
    list_select_related = ["deal", "kind"]


@admin.register(EventKind)
class EventKindAdmin(HistoryAdmin):
    list_display = ["name", "deal"]
    list_filter = [("deal", AutocompleteFilter)]
    search_fields = ["name", "deal__title"]
    autocomplete_fields = ["deal"]
    list_select_related = ["deal"]


@admin.register(RelatedAgreement)
class RelatedAgreementAdmin(HistoryAdmin):
    list_display = ["title", "deal", "dated_as_of"]
    list_filter = [("deal", AutocompleteFilter)]
    search_fields = ["title", "deal__title"]
    autocomplete_fields = ["deal"]
    list_select_related = ["deal"]


@admin.register(AgreementSection)
class AgreementSectionAdmin(HistoryAdmin):
    """The section map's rows, a deal's agreement section by section; the deal's page shows what holds each."""

    list_display = ["number", "heading", "deal", "no_obligation", "reading"]
    list_display_links = ["number", "heading"]
    list_filter = [("deal", AutocompleteFilter)]
    search_fields = ["number", "heading", "no_obligation", "reading", "deal__title"]
    autocomplete_fields = ["deal"]
    list_select_related = ["deal"]
    list_per_page = 200
    ordering = ["deal", "position", "id"]
    fields = ["deal", ("number", "position"), "heading", "no_obligation", "reading"]
