"""Screens for parties, their people and notice addresses, and their roles in deals."""
from __future__ import annotations

from django.contrib import admin

from deals.admin import (
    COMPACT_TEXT,
    AutocompleteFilter,
    ConstraintMessageFormSet,
    DealAdmin,
    DealInline,
    DealStackedInline,
    HistoryAdmin,
)
from parties.models import Address, DealParty, NoticeMethod, Party, Person


class PersonInline(admin.StackedInline):
    """Stacked: five text boxes in one table row are wider than a 1366 px screen."""

    model = Person
    formset = ConstraintMessageFormSet
    fields = [("name", "title"), ("email", "phone"), "receives_reminders"]
    extra = 0


class AddressInline(admin.StackedInline):
    model = Address
    formset = ConstraintMessageFormSet
    extra = 0
    fieldsets = [
        (None, {"fields": [("label", "attention")]}),
        ("Street", {"fields": ["street_line_1", "street_line_2", "street_line_3", "po_box"]}),
        ("Place", {"fields": [("city", "region", "postal_code"), "country"]}),
        ("Reaching them", {"fields": [("phone", "fax", "email")]}),
    ]


@admin.register(Party)
class PartyAdmin(HistoryAdmin):
    list_display = ["legal_name", "short_name", "form", "jurisdiction", "is_broker_dealer", "is_accredited_investor"]
    list_filter = ["form", "is_broker_dealer", "is_accredited_investor"]
    search_fields = ["legal_name", "short_name"]
    fieldsets = [
        (None, {"fields": ["legal_name", "short_name", ("form", "jurisdiction")]}),
        ("Status", {"fields": ["is_broker_dealer", "is_accredited_investor"]}),
        ("Fiscal year end", {"fields": [("fiscal_year_end_month", "fiscal_year_end_day")],
                             "description": "Deadlines after each fiscal quarter or year end count from here."}),
        ("Notes", {"fields": ["notes"]}),
    ]
    inlines = [PersonInline, AddressInline]
    formfield_overrides = COMPACT_TEXT


@admin.register(Person)
class PersonAdmin(HistoryAdmin):
    list_display = ["name", "title", "party", "email", "receives_reminders"]
    list_filter = ["receives_reminders"]
    search_fields = ["name", "email", "party__legal_name", "party__short_name"]
    autocomplete_fields = ["party"]
    list_select_related = ["party"]


@admin.register(Address)
class AddressAdmin(HistoryAdmin):
    list_display = ["party", "label", "attention", "city", "country"]
    list_filter = ["country"]
    search_fields = ["party__legal_name", "party__short_name", "label", "attention", "city"]
    autocomplete_fields = ["party"]
    list_select_related = ["party"]


@admin.register(DealParty)
class DealPartyAdmin(HistoryAdmin):
    list_display = ["party", "role", "deal", "signatory", "notice_address"]
    list_filter = ["role", ("deal", AutocompleteFilter)]
    search_fields = ["party__legal_name", "party__short_name", "deal__title"]
    autocomplete_fields = ["deal", "party", "signatory", "notice_address", "copy_to"]
    list_select_related = ["party", "deal", "signatory", "notice_address__party"]


@admin.register(NoticeMethod)
class NoticeMethodAdmin(HistoryAdmin):
    list_display = ["deal", "method", "effective_when", "days_after_sending", "section"]
    list_filter = ["method", "effective_when", ("deal", AutocompleteFilter)]
    search_fields = ["deal__title", "section"]
    autocomplete_fields = ["deal"]
    list_select_related = ["deal"]


# The parties' part of the deal workspace.


class DealPartyInline(DealStackedInline):
    model = DealParty
    verbose_name_plural = "parties to the deal"
    fields = [("party", "role"), ("signatory", "signed_by_way_of"), ("notice_address", "copy_to")]
    autocomplete_fields = ["party", "signatory", "notice_address", "copy_to"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("party", "signatory", "notice_address__party")


class NoticeMethodInline(DealInline):
    model = NoticeMethod
    fields = ["method", "effective_when", "days_after_sending", "section"]


DealAdmin.add_to_workspace(inlines=[DealPartyInline, NoticeMethodInline])
