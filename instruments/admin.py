"""Screens for share classes, notes, warrants, equity lines and the reserve covenant."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin

from deals.admin import (
    AutocompleteFilter,
    ConstraintMessageFormSet,
    DealAdmin,
    DealInline,
    DealStackedInline,
    HistoryAdmin,
    limit_choices_to_deal,
)
from deals.models import Deal, DealEvent
from instruments.models import (
    ConvertibleNote,
    Draw,
    EquityLine,
    ReserveCovenant,
    ShareClass,
    ShareReservation,
    Tranche,
    Warrant,
)
from instruments.services import reserve_test


class DrawFormSet(ConstraintMessageFormSet):
    """Draw.clean() checks one draw against the draws already saved; this checks the rows together.

    Two new draws may each fit what is left while both together do not, and on
    the add page the equity line is not saved yet, so Draw.clean() cannot look.
    """

    def clean(self):
        super().clean()
        commitment = self.instance.commitment
        if commitment is None or any(self.errors):
            return
        total = sum(
            (form.cleaned_data["amount"] for form in self.forms
             if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("amount")),
            Decimal("0"),
        )
        if total > commitment:
            raise forms.ValidationError(
                f"These draws add up to ${total:,.2f}, more than the ${commitment:,.2f} committed."
            )


class DrawInline(admin.TabularInline):
    model = Draw
    formset = DrawFormSet
    fields = ["date", "amount", "placement_fee"]
    readonly_fields = ["placement_fee"]
    extra = 0

    @admin.display(description="placement fee")
    def placement_fee(self, draw: Draw) -> str:
        if draw.pk is None:
            return "-"
        return f"${draw.placement_fee:,.2f}"


class ShareReservationInline(admin.TabularInline):
    model = ShareReservation
    formset = ConstraintMessageFormSet
    fields = ["purpose", "shares"]
    extra = 0


@admin.register(ShareClass)
class ShareClassAdmin(HistoryAdmin):
    list_display = ["__str__", "deal", "kind", "authorized", "issued_and_outstanding", "as_of", "section"]
    list_filter = ["kind", ("deal", AutocompleteFilter)]
    search_fields = ["name", "issuer__legal_name", "deal__title"]
    autocomplete_fields = ["deal", "issuer"]
    list_select_related = ["deal", "issuer"]
    inlines = [ShareReservationInline]


@admin.register(ShareReservation)
class ShareReservationAdmin(HistoryAdmin):
    list_display = ["share_class", "purpose", "shares"]
    list_filter = ["purpose"]
    search_fields = ["share_class__name", "share_class__issuer__legal_name", "share_class__deal__title"]
    autocomplete_fields = ["share_class"]
    list_select_related = ["share_class__issuer"]


@admin.register(Tranche)
class TrancheAdmin(HistoryAdmin):
    list_display = ["name", "deal", "amount", "warrant_shares", "event", "days_to_close", "section"]
    list_filter = [("deal", AutocompleteFilter)]
    search_fields = ["name", "deal__title", "section"]
    autocomplete_fields = ["deal", "event"]
    list_select_related = ["deal", "event"]


@admin.register(ConvertibleNote)
class ConvertibleNoteAdmin(HistoryAdmin):
    list_display = ["name", "deal", "issuer", "principal", "interest_rate", "secured", "issue_date", "maturity_date",
                    "conversion_price"]
    list_filter = ["secured", ("deal", AutocompleteFilter)]
    search_fields = ["name", "deal__title", "issuer__legal_name", "holder__legal_name"]
    autocomplete_fields = ["deal", "issuer", "holder", "tranche"]
    list_select_related = ["deal", "issuer"]
    fieldsets = [
        (None, {"fields": ["deal", "name", "issuer", "holder", "tranche", "section"]}),
        ("Terms", {"fields": [("principal", "interest_rate"), "secured", ("issue_date", "maturity_date")]}),
        ("Conversion", {"fields": ["conversion_price", "conversion_terms"]}),
    ]


@admin.register(Warrant)
class WarrantAdmin(HistoryAdmin):
    list_display = ["name", "deal", "issuer", "holder", "shares", "exercise_price", "issue_date", "expiry_date"]
    list_filter = [("deal", AutocompleteFilter)]
    search_fields = ["name", "deal__title", "issuer__legal_name", "holder__legal_name"]
    autocomplete_fields = ["deal", "issuer", "holder", "tranche"]
    list_select_related = ["deal", "issuer", "holder"]


@admin.register(EquityLine)
class EquityLineAdmin(HistoryAdmin):
    list_display = ["deal", "issuer", "investor", "placement_agent", "commitment", "placement_fee_rate", "section"]
    list_filter = [("deal", AutocompleteFilter)]
    search_fields = ["deal__title", "issuer__legal_name", "investor__legal_name", "placement_agent__legal_name"]
    autocomplete_fields = ["deal", "issuer", "investor", "placement_agent"]
    list_select_related = ["deal", "issuer", "investor", "placement_agent"]
    inlines = [DrawInline]


@admin.register(Draw)
class DrawAdmin(HistoryAdmin):
    list_display = ["date", "equity_line", "amount", "placement_fee"]
    list_filter = [("equity_line__deal", AutocompleteFilter)]
    search_fields = ["equity_line__deal__title"]
    autocomplete_fields = ["equity_line"]
    list_select_related = ["equity_line__deal"]
    date_hierarchy = "date"
    readonly_fields = ["placement_fee"]

    @admin.display(description="placement fee")
    def placement_fee(self, draw: Draw) -> str:
        # PAA s.10: the placement agent's fee on each draw.
        if draw.pk is None:
            return "Computed when saved."
        return f"${draw.placement_fee:,.2f} ({draw.equity_line.placement_fee_rate * 100:.2f}% of the draw)"


@admin.register(ReserveCovenant)
class ReserveCovenantAdmin(HistoryAdmin):
    list_display = ["deal", "share_class", "multiple", "section"]
    search_fields = ["deal__title", "section"]
    autocomplete_fields = ["deal", "share_class"]
    list_select_related = ["deal", "share_class__issuer"]


# The instruments' part of the deal workspace.
# Selects pointing at other rows of the deal offer only this deal's rows.


# Notes, warrants and share classes have too many fields for one table row at 1366 px: each is a small form.


class ShareClassInline(DealStackedInline):
    model = ShareClass
    fields = [("issuer", "kind", "name"), ("par_value", "authorized", "issued_and_outstanding"), ("as_of", "section")]
    autocomplete_fields = ["issuer"]
    show_change_link = True  # reservations are edited on the share class's own page


class TrancheInline(DealStackedInline):
    model = Tranche
    fields = [("name", "event", "section"), ("amount", "warrant_shares", "days_to_close")]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return limit_choices_to_deal(formset, "event", DealEvent.objects.all(), obj)


class ConvertibleNoteInline(DealStackedInline):
    model = ConvertibleNote
    fields = [("name", "tranche", "section"), ("issuer", "holder"), ("principal", "interest_rate", "secured"),
              ("issue_date", "maturity_date", "conversion_price")]
    autocomplete_fields = ["issuer", "holder"]
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return limit_choices_to_deal(formset, "tranche", Tranche.objects.all(), obj)


class WarrantInline(DealStackedInline):
    model = Warrant
    fields = [("name", "tranche", "section"), ("issuer", "holder"), ("shares", "exercise_price"),
              ("issue_date", "expiry_date")]
    autocomplete_fields = ["issuer", "holder"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return limit_choices_to_deal(formset, "tranche", Tranche.objects.all(), obj)


class EquityLineInline(DealStackedInline):
    model = EquityLine
    fields = [("issuer", "investor", "placement_agent"), ("commitment", "placement_fee_rate", "section")]
    autocomplete_fields = ["issuer", "investor", "placement_agent"]
    show_change_link = True  # draws are entered on the equity line's own page


class ReserveCovenantInline(DealInline):
    model = ReserveCovenant
    fields = ["share_class", "multiple", "section"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return limit_choices_to_deal(formset, "share_class", ShareClass.objects.select_related("issuer"), obj)


@admin.display(description="share reserve (SPA s.4(h))")
def deal_reserve_test(deal: Deal) -> str:
    if deal.pk is None:
        return "-"
    test = reserve_test(deal=deal)
    return "No reserve covenant recorded." if test is None else test.summary()


DealAdmin.add_to_workspace(
    inlines=[ShareClassInline, ConvertibleNoteInline, WarrantInline, EquityLineInline, TrancheInline,
             ReserveCovenantInline],
    facts=[deal_reserve_test],
)
