"""Screens for obligations, their deadline rules, due dates and reminders, and their part of the deal workspace."""
from __future__ import annotations

import copy
import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, F, Func, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.expressions import RawSQL
from django.forms.models import ModelChoiceIterator
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import smart_split, unescape_string_literal

from deals import clock
from deals.admin import (
    AutocompleteFilter,
    BlankRowsOnDemandMixin,
    ConstraintMessageFormSet,
    DealAdmin,
    FastListMixin,
    HistoryAdmin,
    LookupSafeAdminMixin,
    is_lookup_key,
)
from deals.models import Deal, DealEvent, EventKind
from obligations import services
from obligations.feeds import calendar_feed_revoke
from obligations.models import CalendarFeed, DeadlineRule, Obligation, Occurrence, Reminder, standing_q
from obligations.reminders import reminders_retry
from obligations.tasks import send_pending_reminders
from parties.models import Party
from reckoning.standing import OPEN_STANDINGS, Standing

OPEN = Occurrence.Status.OPEN


NONE_AHEAD = "none ahead"
DUE_DATES_PER_PAGE = 12
DUE_DATES_PAGE = "due_dates_page"  # the obligation page's query parameter for its page of due dates
SEARCH_IDS_BOUND = 50_000  # deadline rules a due-date search names by id
SEARCH_NARROW_BOUND = 1_000  # obligations: a word of a search matching no more narrows it down


def name_has_word(field: str, word: str) -> Q:
    """`field` (a deal's title, a party's name) has `word` in any case: Django's icontains, said more cheaply
    when case cannot matter.

    A word without letters (ASCII digits and punctuation: the "809" and "1-809)" of "... (no. 1-809)") is
    the same in any case, and upper-casing a name changes none of its digits or punctuation: matched as it
    is, PostgreSQL spares itself upper-casing each of the 10,000 deals' titles or parties' names it reads
    (with UPPER(), a test cost three times as much). Not for the obligations' titles and sections, whose
    trigram indexes are on UPPER().
    """
    if has_no_letters(word):
        return Q(**{f"{field}__contains": word})
    return Q(**{f"{field}__icontains": word})


def has_no_letters(word: str) -> bool:
    return word.isascii() and not any(character.isalpha() for character in word)


def obligation_has_word(word: str, *, few: bool = False) -> Q:
    """Obligations whose title or section, deal or obligor has `word`.

    Among all of them, the deals and parties are matched on their own (small tables, each read once), not
    joined to every obligation; among a few (`few`: a thousand at most), joined to each of them.
    """
    if few:
        return (Q(title__icontains=word) | Q(section__icontains=word) | name_has_word("deal__title", word)
                | name_has_word("obligor__legal_name", word))
    return (Q(title__icontains=word) | Q(section__icontains=word)
            | Q(deal__in=Deal.objects.filter(name_has_word("title", word)).values("pk"))
            | Q(obligor__in=Party.objects.filter(name_has_word("legal_name", word)).values("pk")))


def rules_with_word(word: str):
    """The ids of the deadline rules of obligation_has_word(word), each way of matching on its own, united.

    Said as one OR, PostgreSQL reads every obligation (150,000 on a desk of 10,000 deals); each part alone
    goes through its own index: the trigram indexes on titles and sections (PostgreSQL only, migration
    0011), the deal and the obligor. Rules, not obligations: the due dates are then found by their own
    column, with no join to test row by row.
    """
    own = DeadlineRule.objects.order_by()
    return own.filter(obligation__title__icontains=word).values_list("pk", flat=True).union(
        own.filter(obligation__section__icontains=word).values_list("pk", flat=True),
        own.filter(obligation__deal__in=Deal.objects.filter(name_has_word("title", word)).values("pk"))
        .values_list("pk", flat=True),
        own.filter(obligation__obligor__in=Party.objects.filter(name_has_word("legal_name", word)).values("pk"))
        .values_list("pk", flat=True))


def obligations_with_word(word: str):
    """The ids of the obligations of obligation_has_word(word), each way of matching on its own (UNION ALL: an
    obligation may come more than once), so that each goes through its index and a LIMIT stops them early.

    The deals and obligors first: small tables, and a word of a deal's name that matches many of them fills
    the LIMIT before the obligations' titles and sections are read.
    """
    own = Obligation.objects.order_by()
    return own.filter(deal__in=Deal.objects.filter(name_has_word("title", word)).values("pk")).values_list(
        "pk", flat=True).union(
        own.filter(obligor__in=Party.objects.filter(name_has_word("legal_name", word)).values("pk"))
        .values_list("pk", flat=True),
        own.filter(title__icontains=word).values_list("pk", flat=True),
        own.filter(section__icontains=word).values_list("pk", flat=True),
        all=True)


def obligations_of_each_word(words: list[str], bound: int) -> list[set[int] | None]:
    """For each word, the ids of the obligations it matches, or None when it matches more than `bound` of them.

    On PostgreSQL one statement, each word's part stopped by its own LIMIT; elsewhere a query per word.
    """
    if connection.vendor != "postgresql":
        found = [list(obligations_with_word(word)[:bound + 1]) for word in words]
    else:
        parts, params = [], []
        for number, word in enumerate(words):
            sql, word_params = obligations_with_word(word).query.sql_with_params()
            parts.append(f"(SELECT {number}, word_{number}.* FROM ({sql}) AS word_{number} LIMIT {bound + 1})")
            params.extend(word_params)
        found = [[] for _ in words]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for number, pk in cursor.fetchall():
                found[number].append(pk)
    return [set(ids) if len(ids) <= bound else None for ids in found]


def search_words(search_term: str) -> list[str]:
    """The words of a search, split as Django's admin splits them: a quoted phrase is one word."""
    words = []
    for word in smart_split(search_term.replace("\x00", "")):
        if word.startswith(('"', "'")) and word[0] == word[-1]:
            word = unescape_string_literal(word)
        words.append(word)
    return words


def rules_with_every_word(words: list[str]):
    """The ids of the deadline rules whose obligation has every word (obligation_has_word), in a query or two.

    One word goes through its indexes (rules_with_word). Several are not matched together row by row over
    every obligation (150,000 on a desk of 10,000 deals): the obligations of each word are looked up through
    their indexes, up to SEARCH_NARROW_BOUND; the words that match fewer (the rarest: the "(no. 1-5)" of a
    deal's name) are intersected, and only those few obligations are tested for the other words, which
    match tens of thousands ("of", "Agreement"). When every word matches more, they are tested row by row.
    """
    if len(words) == 1:
        return rules_with_word(words[0])
    each_word = obligations_of_each_word(words, SEARCH_NARROW_BOUND)
    narrow = [ids for ids in each_word if ids is not None]
    every_word = Obligation.objects.order_by()
    if narrow:
        every_word = every_word.filter(pk__in=sorted(set.intersection(*narrow)))
    every_word = every_word.filter(*(obligation_has_word(word, few=bool(narrow))
                                     for word, ids in zip(words, each_word) if ids is None))
    return DeadlineRule.objects.filter(obligation__in=every_word.values("pk")).order_by().values_list("pk", flat=True)


def with_rule_among(queryset, rule_ids: list[int]):
    """Due dates of the given rules: on PostgreSQL one array parameter, which it tests by hashing.

    Walking the due dates in the list's order (due date, id) and keeping those of the rules, PostgreSQL
    stops at the page; ten thousand separate parameters cost more to send and plan than the page itself.
    """
    if connection.vendor != "postgresql":
        return queryset.filter(rule__in=rule_ids)
    table = connection.ops.quote_name(Occurrence._meta.db_table)
    # Typed as the column is: bigint = ANY(integer[]) is tested element by element, not hashed.
    array_type = Occurrence._meta.get_field("rule").db_type(connection)
    return queryset.filter(RawSQL(f"{table}.rule_id = ANY(%s::{array_type}[])", [rule_ids],
                                  output_field=BooleanField()))


def standing_of(row: Obligation) -> str:
    """Where an obligation stands: overdue while any of its due dates is, else the standing of its next one."""
    if row.overdue:
        return Standing.OVERDUE.label
    if row.next_due is None:
        return "nothing open"
    return Occurrence(status=OPEN, due_date=row.next_due).standing(clock.today()).label


def with_next_due(queryset, *, row: str = "rule__obligation"):
    """Annotate each row with its next due date and its count of overdue ones (one query, no per-row lookups).

    The next due date is the earliest open one due today or later, not the oldest open one: a due date
    missed in 2005 is counted as overdue, it is not what comes next. `row` leads from a due date to the
    annotated row ("rule__obligation__deal" for deals).

    Each is a subquery on the row's own due dates (index occurrence_rule_status_due), so PostgreSQL works
    it out for the rows a page shows, after ORDER BY and LIMIT, not for a million due dates; the list's
    count leaves it out.
    """
    today = clock.today()
    own = Occurrence.objects.filter(**{row: OuterRef("pk")}).order_by()
    ahead = standing_q(Standing.DUE_SOON, today=today) | standing_q(Standing.OPEN, today=today)
    overdue = own.filter(standing_q(Standing.OVERDUE, today=today))
    return queryset.annotate(
        next_due=Subquery(own.filter(ahead).order_by("due_date").values("due_date")[:1]),
        overdue=Subquery(overdue.annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
                         .values("n")),
    )


# Deadline rules -----------------------------------------------------------


class OfferedChoiceIterator(ModelChoiceIterator):
    def __init__(self, field):
        super().__init__(field)
        if field.offered is not None:
            self.queryset = field.offered


class DealRowChoiceField(forms.ModelChoiceField):
    """A select offering only the deal's own rows (`offer`), while any row is still accepted when posted.

    A desk of 10,000 deals has 40,000 events: each rule form listing them all made the obligation page
    megabytes long. Another deal's row, posted all the same, reaches DeadlineRule.clean(), which says
    in words which deal it belongs to.
    """

    iterator = OfferedChoiceIterator
    offered = None

    def offer(self, deal_id: int | None) -> None:
        self.offered = None if deal_id is None else self.queryset.filter(deal_id=deal_id)
        self.widget.choices = self.choices


class EventChoiceField(DealRowChoiceField):
    def label_from_instance(self, event: DealEvent) -> str:
        # The same event name ("Filing Date") recurs across deals.
        return f"{event.deal.title}: {event}"


class EventKindChoiceField(DealRowChoiceField):
    def label_from_instance(self, kind: EventKind) -> str:
        return f"{kind.deal.title}: {kind.name}"


DEAL_ROW_FIELDS = ["anchor_event", "event_kind", "starts_with", "ends_with"]


def offer_deal_rows(form_class: type[forms.BaseForm], deal_id: int | None) -> None:
    """Limit the rule form's event selects to the deal's own events (all of them while the deal is unknown)."""
    for name in DEAL_ROW_FIELDS:
        field = form_class.base_fields.get(name)
        if isinstance(field, DealRowChoiceField):
            # The declared field is shared by every form class made from DeadlineRuleForm: change a copy.
            field = form_class.base_fields[name] = copy.deepcopy(field)
            field.offer(deal_id)


def deal_of_new_obligation(request) -> int | None:
    """The deal an obligation's add page is for: the one posted, or the one its link filled in."""
    deal_id = request.POST.get("deal") or request.GET.get("deal")
    return int(deal_id) if deal_id and is_lookup_key(Deal._meta.pk, deal_id) else None


class DeadlineRuleForm(forms.ModelForm):
    anchor_event = EventChoiceField(
        queryset=DealEvent.objects.select_related("deal"), required=False,
        help_text="Only when the days are counted from a deal event.",
    )
    event_kind = EventKindChoiceField(
        queryset=EventKind.objects.select_related("deal"), required=False,
        help_text="Only for a rule that follows each event of a kind.",
    )
    starts_with = EventChoiceField(
        queryset=DealEvent.objects.select_related("deal"), required=False,
        label="Dormant until",
        help_text='The rule waits for this event ("upon written request"); repeating duties count from it.',
    )
    ends_with = EventChoiceField(
        queryset=DealEvent.objects.select_related("deal"), required=False,
        label="Ends with",
        help_text='Repeating duties stop when this event happens ("during the registration period").',
    )

    class Meta:
        model = DeadlineRule
        fields = "__all__"
        # deals/static/deals/rule_kinds.js shows the fieldsets of the kind picked here.
        widgets = {"kind": forms.Select(attrs={"data-rule-kind": ""})}


def for_kinds(*kinds: DeadlineRule.Kind) -> list[str]:
    """Fieldset classes naming the kinds of rule a fieldset is for (rule_kinds.js hides it for the others)."""
    return ["rule-kinds", *(f"rule-kind-{kind}" for kind in kinds)]


K = DeadlineRule.Kind
RULE_FIELDSETS = [
    ("On a fixed date", {"fields": ["fixed_date"], "classes": for_kinds(K.FIXED_DATE)}),
    ("How many days", {"fields": [("offset", "offset_unit", "direction")],
                       "classes": for_kinds(K.AFTER_ANCHOR, K.PERIOD, K.RECURRING, K.EACH_EVENT)}),
    ("Counted from", {"fields": [("anchor", "anchor_event")], "classes": for_kinds(K.AFTER_ANCHOR, K.PERIOD)}),
    ("Each event of a kind", {"fields": ["event_kind"], "classes": for_kinds(K.EACH_EVENT)}),
    ("Recurring", {"fields": [("frequency", "only_periods"), ("window_start", "window_end")],
                   "classes": for_kinds(K.RECURRING)}),
    # A limb of a later-of / earlier-of rule is a single date.
    ("Part of a later of / earlier of", {"fields": ["part_of"], "classes": for_kinds(*DeadlineRule.ONE_OFF_KINDS)}),
    ("Starts and ends", {"fields": [("starts_with", "ends_with"), "ends_when_notes_repaid"]}),
    ("Weekends and holidays", {"fields": [("roll", "holiday_calendar")]}),
]
RULE_MEDIA = forms.Media(js=["deals/rule_kinds.js"])
# The rows DeadlineRule.describe() names.
RULE_EVENTS_NAMED = ["obligation__deal", "anchor_event", "event_kind", "starts_with", "ends_with"]


class DeadlineRuleInline(admin.StackedInline):
    model = DeadlineRule
    form = DeadlineRuleForm
    formset = ConstraintMessageFormSet
    extra = 0
    readonly_fields = ["describe", "waiting"]
    fieldsets = [
        (None, {"fields": ["kind", "describe", "waiting"]}),
        *RULE_FIELDSETS,
    ]

    @property
    def media(self):
        return super().media + RULE_MEDIA

    @admin.display(description="reads")
    def describe(self, rule: DeadlineRule) -> str:
        return rule.describe() if rule.pk else "-"

    @admin.display(description="waiting on")
    def waiting(self, rule: DeadlineRule) -> str:
        return (rule.waiting_reason() or "nothing: its due dates are below") if rule.pk else "-"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        offer_deal_rows(formset.form, obj.deal_id if obj is not None and obj.pk else deal_of_new_obligation(request))
        # A limb hangs from a "later of" / "earlier of" rule of the same obligation.
        field = formset.form.base_fields.get("part_of")
        if field is not None:
            rules = DeadlineRule.objects.filter(kind__in=DeadlineRule.COMBINING_KINDS)
            field.queryset = rules.filter(obligation=obj) if obj is not None and obj.pk else rules.none()
        return formset

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None and obj.pk else 1


class OccurrenceInline(admin.TabularInline):
    """The due dates a rule produced; they are computed, so only their outcome is edited (on their own page)."""

    model = Occurrence
    fields = ["key", "due_date", "status", "done_on", "computation"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(HistoryAdmin):
    form = DeadlineRuleForm
    list_display = ["obligation", "kind", "describe", "holiday_calendar"]
    list_filter = ["kind", "frequency", ("obligation__deal", AutocompleteFilter)]
    search_fields = ["obligation__title", "obligation__section", "obligation__deal__title"]
    autocomplete_fields = ["obligation", "part_of"]
    list_select_related = RULE_EVENTS_NAMED
    readonly_fields = ["describe", "waiting"]
    fieldsets = [
        (None, {"fields": ["obligation", "kind", "describe", "waiting"]}),
        *DeadlineRuleInline.fieldsets[1:],
    ]
    inlines = [OccurrenceInline]
    describe = DeadlineRuleInline.describe

    def get_queryset(self, request):
        # Everything describe() names, for a page of rules at once: the events and each limb's.
        limbs = DeadlineRule.objects.select_related(*RULE_EVENTS_NAMED)
        return super().get_queryset(request).prefetch_related(Prefetch("limbs", queryset=limbs))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        offer_deal_rows(form, obj.obligation.deal_id if obj is not None and obj.pk else None)
        return form

    @property
    def media(self):
        return super().media + RULE_MEDIA
    waiting = DeadlineRuleInline.waiting


# Obligations ----------------------------------------------------------------


@admin.register(Obligation)
class ObligationAdmin(BlankRowsOnDemandMixin, HistoryAdmin):
    list_display = ["deal", "section", "title", "obligor", "kind", "next_due_date", "overdue_count", "standing"]
    list_display_links = ["title"]
    list_filter = [("deal", AutocompleteFilter), "kind", ("obligor", AutocompleteFilter), "penalty"]
    search_fields = ["title", "section", "clause_text", "deal__title", "obligor__legal_name", "obligor__short_name"]
    autocomplete_fields = ["deal", "obligor", "beneficiaries", "responsible_staff"]
    list_select_related = ["deal", "obligor"]
    fieldsets = [
        (None, {"fields": ["deal", ("section", "kind"), "title", "obligor", "beneficiaries"]}),
        ("The agreement's words", {"fields": ["clause_text", "consequence"]}),
        ("Penalty for a miss", {"fields": ["penalty", ("penalty_rate", "penalty_base_amount")]}),
        ("Reminders", {"fields": ["responsible_staff", "reminder_days_before"]}),
    ]
    inlines = [DeadlineRuleInline]
    # The due dates stand under the rules that make them (templates/admin/obligations/obligation/change_form.html),
    # a page of them at a time: a monthly duty over twenty years has hundreds.
    change_form_template = "admin/obligations/obligation/change_form.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["due_dates"] = self.due_dates(obj, page=request.GET.get(DUE_DATES_PAGE)) if obj else (
            "Computed from the rules once saved.")
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_queryset(self, request):
        return with_next_due(super().get_queryset(request))

    # Not sortable: sorting by them works them out for every obligation of the desk (seconds at 150,000);
    # the due date list, sorted by due date, answers "what is due next" across the desk.
    @admin.display(description="next due date")
    def next_due_date(self, obligation: Obligation) -> datetime.date | str:
        return obligation.next_due or NONE_AHEAD

    @admin.display(description="overdue")
    def overdue_count(self, obligation: Obligation) -> int:
        return obligation.overdue

    @admin.display(description="standing")
    def standing(self, obligation: Obligation) -> str:
        return standing_of(obligation)

    def due_dates(self, obligation: Obligation, *, page: str | None = None) -> str:
        """A page of the obligation's due dates (DUE_DATES_PER_PAGE), with links to the others.

        The page first shown holds the earliest open due date: the first one that asks for something.
        """
        # Occurrences hang from the rules, not from the obligation, so they cannot be an inline here.
        if obligation.pk is None:
            return "Computed from the rules once saved."
        occurrences = Occurrence.objects.filter(rule__obligation=obligation).order_by("due_date", "id")
        paginator = Paginator(occurrences, DUE_DATES_PER_PAGE)
        if not paginator.count:
            waits = [reason for rule in obligation.rules.filter(part_of=None) if (reason := rule.waiting_reason())]
            return f"None yet. {' '.join(waits)}" if waits else "None yet: the rules have produced no due dates."
        today = clock.today()
        if page is None:
            earlier = occurrences.filter(status=OPEN).values_list("due_date", "id").first()
            before = 0 if earlier is None else occurrences.filter(
                Q(due_date__lt=earlier[0]) | Q(due_date=earlier[0], id__lt=earlier[1])).count()
            page = before // DUE_DATES_PER_PAGE + 1
        shown = paginator.get_page(page)
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:obligations_occurrence_change", args=[occ.pk]),
                    occ.due_date.isoformat(),
                    occ.standing(today).label,
                    occ.computation,
                )
                for occ in shown
            ),
        )
        listed = reverse("admin:obligations_occurrence_changelist") + f"?rule__obligation__id__exact={obligation.pk}"
        overdue = occurrences.standing(Standing.OVERDUE, today).count()
        pager = format_html(
            '<p class="due-dates-pager">{} to {} of {} due dates{}{}{} '
            '<a href="{}">All {} in the due date list</a>{}</p>',
            shown.start_index(), shown.end_index(), paginator.count,
            format_html(' <a href="?{}=1">First</a>', DUE_DATES_PAGE) if shown.number > 2 else "",
            format_html(' <a href="?{}={}">Earlier</a>', DUE_DATES_PAGE, shown.previous_page_number())
            if shown.has_previous() else "",
            format_html(' <a href="?{}={}">Later</a>', DUE_DATES_PAGE, shown.next_page_number())
            if shown.has_next() else "",
            listed, paginator.count,
            format_html(' <a href="{}&amp;standing=overdue">The {} overdue</a>', listed, overdue) if overdue else "",
        )
        return format_html(
            "{}<table><thead><tr><th>Due date</th><th>Status</th><th>Computation</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            pager, rows,
        )


# Occurrences ----------------------------------------------------------------


class StandingFilter(admin.SimpleListFilter):
    title = "standing"
    parameter_name = "standing"

    def lookups(self, request, model_admin):
        return [
            (Standing.OVERDUE, "Overdue"),
            (Standing.DUE_SOON, f"Due in the next {settings.DUE_SOON_DAYS} days"),
            (Standing.OPEN, "Open, due later"),
        ]

    def queryset(self, request, queryset):
        if self.value() in OPEN_STANDINGS:
            return queryset.standing(Standing(self.value()), clock.today())
        return queryset


class CompleteOccurrencesForm(forms.Form):
    on = forms.DateField(label="Date", help_text="The day it was done or waived (YYYY-MM-DD).")
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), required=False,
        help_text="What shows it was done, or who waived it and how.",
    )


# Reopening a done or waived due date (or amending its outcome) rewrites the compliance record: it
# takes the right to change the obligation itself, which Deal administrators hold and Finance, who
# record outcomes, does not (dealdesk/roles.py).
REOPEN_PERMISSION = "obligations.change_obligation"


class OccurrenceOutcomeForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("status") == Occurrence.Status.DONE and "evidence" in self.fields
                and not (cleaned.get("evidence") or "").strip()):
            self.add_error("evidence", services.DONE_NEEDS_EVIDENCE)
        return cleaned


@admin.register(Occurrence)
class OccurrenceAdmin(HistoryAdmin):
    form = OccurrenceOutcomeForm
    list_display = ["deal", "section", "obligation_title", "due_date", "status", "standing", "done_on", "done_by"]
    list_display_links = ["obligation_title"]
    # Searched through the obligations (get_search_results).
    search_fields = ["rule__obligation__title", "rule__obligation__section", "rule__obligation__deal__title",
                     "rule__obligation__obligor__legal_name"]
    search_help_text = "Finds the due dates of the obligations whose title, section, deal or obligor has every word."
    list_select_related = ["rule__obligation__deal", "rule__obligation__obligor", "done_by"]
    # Not a date hierarchy: its list of years reads every due date. Dashboard links give exact ranges.
    list_filter = ["status", StandingFilter, ("due_date", admin.DateFieldListFilter),
                   ("rule__obligation__deal", AutocompleteFilter)]
    actions = ["mark_done", "waive"]
    readonly_fields = ["obligation_link", "rule", "key", "period_start", "period_end", "due_date", "computation",
                       "done_by"]
    fieldsets = [
        (None, {"fields": ["obligation_link", "rule", "key", ("period_start", "period_end"), "due_date",
                           "computation"]}),
        ("Outcome", {"fields": ["status", "done_on", "done_by", "evidence"]}),
    ]

    def has_add_permission(self, request):
        # Occurrences are computed from the rules (obligations.services.occurrences_sync).
        return False

    def get_search_results(self, request, queryset, search_term):
        """Each word in an obligation's title or section, its deal or its obligor.

        The obligations are matched first (rules_with_every_word), then the due dates of their rules kept by
        rule id (with_rule_among): matching the joined names (and the evidence) of a million due dates row by
        row took seconds.
        """
        words = search_words(search_term)
        if not words:
            return queryset, False
        matching = rules_with_every_word(words)
        # Their ids, not a subquery: PostgreSQL then knows how many match and picks the plan for it
        # (through the rules of a few, or along the due dates for a word most titles have).
        ids = list(matching[:SEARCH_IDS_BOUND + 1])
        if len(ids) <= SEARCH_IDS_BOUND:
            queryset = with_rule_among(queryset, ids)
        else:  # too many to name: the obligations are matched row by row, inside the one query
            every_word = Obligation.objects.filter(*(obligation_has_word(word) for word in words)).order_by()
            queryset = queryset.filter(rule__in=DeadlineRule.objects.filter(obligation__in=every_word.values("pk"))
                                       .values("pk"))
        return queryset, False

    def lookup_allowed(self, lookup, value, request=None):
        # An obligation's page links to its own due dates; the obligations are too many for a filter list.
        return lookup in ("rule__obligation__id__exact", "rule__obligation__exact") or super().lookup_allowed(
            lookup, value, request)

    def has_reopen_permission(self, request) -> bool:
        return request.user.has_perm(REOPEN_PERMISSION)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.status != OPEN and not self.has_reopen_permission(request):
            # Done or waived is history: only a deal administrator may reopen it or amend its outcome.
            return [*fields, "status", "done_on", "evidence"]
        return fields

    @admin.display(description="deal", ordering="rule__obligation__deal__title")
    def deal(self, occurrence: Occurrence) -> Deal:
        return occurrence.rule.obligation.deal

    @admin.display(description="section", ordering="rule__obligation__section")
    def section(self, occurrence: Occurrence) -> str:
        return occurrence.rule.obligation.section

    @admin.display(description="obligation", ordering="rule__obligation__title")
    def obligation_title(self, occurrence: Occurrence) -> str:
        return occurrence.rule.obligation.title

    @admin.display(description="obligation")
    def obligation_link(self, occurrence: Occurrence) -> str:
        obligation = occurrence.rule.obligation
        return format_html('<a href="{}">{}</a>', reverse("admin:obligations_obligation_change",
                                                          args=[obligation.pk]), obligation)

    @admin.display(description="standing")
    def standing(self, occurrence: Occurrence) -> str:
        return occurrence.standing(clock.today()).label

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            obj.done_by = None if obj.status == OPEN else request.user
        super().save_model(request, obj, form, change)

    @admin.action(permissions=["change"], description="Mark done (asks for the date and evidence)")
    def mark_done(self, request, queryset):
        return self._complete(request, queryset, services.occurrences_mark_done, "marked done", "Mark done")

    @admin.action(permissions=["change"], description="Waive (asks who waived them and how)")
    def waive(self, request, queryset):
        return self._complete(request, queryset, services.occurrences_waive, "waived", "Waive")

    def _complete(self, request, queryset, service, past_tense: str, verb: str):
        """Ask for the date and evidence, then hand the selection to the service.

        Like Django's delete confirmation: the first POST comes from the
        changelist and shows the form; the second carries "confirm" and acts.
        """
        if "confirm" in request.POST:
            form = CompleteOccurrencesForm(request.POST)
            if form.is_valid():
                try:
                    count = service(occurrences=queryset, on=form.cleaned_data["on"], by=request.user,
                                    evidence=form.cleaned_data["evidence"])
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                else:
                    noun = "occurrence" if count == 1 else "occurrences"
                    self.message_user(request, f"{count} {noun} {past_tense}.", messages.SUCCESS)
                    return None
        else:
            form = CompleteOccurrencesForm(initial={"on": clock.today()})
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb}: {queryset.count()} selected",
            "opts": self.model._meta,
            "form": form,
            "verb": verb,
            "action": request.POST["action"],
            "occurrences": queryset.with_context(),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/obligations/occurrence/complete_occurrences.html", context)


# Reminders ------------------------------------------------------------------


@admin.register(Reminder)
class ReminderAdmin(FastListMixin, admin.ModelAdmin):
    """The outbox of reminder emails: written by the sender, read (and retried) here.

    Its count stops at 10,000 (FastListMixin): the history grows by a row per recipient per reminder.
    """

    list_display = ["scheduled_for", "when_label", "occurrence", "recipient", "status", "attempts", "sent_at",
                    "last_error"]
    list_filter = ["status", "scheduled_for"]
    search_fields = ["occurrence__rule__obligation__title", "occurrence__rule__obligation__deal__title",
                     "recipient", "=message_id"]
    list_select_related = ["occurrence__rule__obligation__deal"]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="when")
    def when_label(self, reminder: Reminder) -> str:
        return reminder.when_label()

    def has_retry_permission(self, request) -> bool:
        # The rows are read-only on screen, but putting them back in the queue is a change.
        return request.user.has_perm("obligations.change_reminder")

    @admin.action(permissions=["retry"], description="Retry the failed ones")
    def retry(self, request, queryset):
        count = reminders_retry(reminders=queryset)
        if count:
            send_pending_reminders.delay_on_commit()
        self.message_user(request, f"{count} failed {'reminder' if count == 1 else 'reminders'} queued again.",
                          messages.SUCCESS)


# The deal workspace -----------------------------------------------------------


class ObligationInline(admin.TabularInline):
    """The deal's obligations, each linking to its own page (where it and its rules are edited),
    and a link that opens a new obligation with the deal filled in."""

    model = Obligation
    fields = ["section", "title_link", "obligor", "kind", "next_due_date", "overdue_count", "standing"]
    readonly_fields = fields
    template = "admin/obligations/obligation/deal_obligations.html"
    extra = 0
    can_delete = False

    @admin.display(description="obligation")
    def title_link(self, obligation: Obligation) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:obligations_obligation_change",
                                                          args=[obligation.pk]), obligation.title)

    def get_queryset(self, request):
        return with_next_due(super().get_queryset(request)).select_related("obligor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="next due date")
    def next_due_date(self, obligation: Obligation) -> datetime.date | str:
        return obligation.next_due or NONE_AHEAD

    @admin.display(description="overdue")
    def overdue_count(self, obligation: Obligation) -> int:
        return obligation.overdue

    @admin.display(description="standing")
    def standing(self, obligation: Obligation) -> str:
        return standing_of(obligation)


def with_deal_standing(deals):
    """Each deal's next due date (today or later) and its count of overdue ones, for the deal list."""
    return with_next_due(deals, row="rule__obligation__deal")


# Not sortable, as on the obligation list.
@admin.display(description="next due date")
def deal_next_due_date(deal: Deal) -> datetime.date | str:
    return getattr(deal, "next_due", None) or NONE_AHEAD


@admin.display(description="overdue")
def deal_overdue_count(deal: Deal) -> int:
    return getattr(deal, "overdue", 0)


DealAdmin.add_to_workspace(
    inlines=[ObligationInline],
    columns=[deal_next_due_date, deal_overdue_count],
    facts=[deal_next_due_date, deal_overdue_count],
    annotate=with_deal_standing,
)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(LookupSafeAdminMixin, admin.ModelAdmin):
    """Who has a calendar address, and the means to withdraw one.

    The address is a password for the feed, so only its owner sees it whole (on
    their My calendar page); here it is shown cut short, to be recognised.
    """

    list_display = ["user", "created_at"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    fields = ["user", "address_hint", "created_at"]
    readonly_fields = ["address_hint", "created_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a feed to another user would hand them the first user's address.
        return [*self.readonly_fields, "user"] if obj is not None else self.readonly_fields

    @admin.display(description="address")
    def address_hint(self, feed: CalendarFeed) -> str:
        if feed.pk is None:
            return "Issued when saved."
        return f".../calendar/{feed.token[:4]}....ics (its owner sees it whole on their My calendar page)"

    @admin.action(permissions=["change"], description="Revoke (issue a new address)")
    def revoke(self, request, queryset):
        feeds = list(queryset.select_related("user"))
        count = calendar_feed_revoke(feeds=queryset)
        for feed in feeds:
            self.log_change(request, feed, "Issued a new calendar address; the old one no longer works.")
        replaced = "1 calendar address replaced; the old one no longer works" if count == 1 else (
            f"{count} calendar addresses replaced; the old ones no longer work")
        self.message_user(request, f"{replaced}. Each user finds the new address on their My calendar page.",
                          messages.SUCCESS)
