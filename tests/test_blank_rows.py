"""The deal page sends each inline's blank row when its "Add another" first asks for it, not with the page
(deals.admin.BlankRowsOnDemandMixin; the browser's side is tests/browser/test_entering_a_deal.py)."""
from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealdesk.roles import AUDITORS
from deals.admin import InlineMediaOnce
from deals.models import Deal, DealEvent
from instruments.models import ConvertibleNote
from tests.factories import ConvertibleNoteFactory, DealEventFactory, DealFactory, ObligationFactory
from tests.test_admin_bad_input import form_data
from tests.test_audit_trail import member_of

pytestmark = pytest.mark.django_db

# Every inline of the deal page a row can be added to, by its prefix, in the page's order; the
# obligations' list is read-only (an obligation is added on its own page).
ADDABLE = ["event_kinds", "events", "related_agreements", "deal_parties", "notice_methods", "share_classes",
           "convertible_notes", "warrants", "equity_lines", "tranches", "reserve_covenant", "closings"]


class _BlankRows(HTMLParser):
    """Each blank row of the page (an element whose id ends in "-empty"): its prefix and the fields in it."""

    VOID = {"input", "img", "br", "hr", "meta", "link", "source", "col", "wbr", "area", "base", "embed"}

    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._open: list[str | None] = []  # for each open element, the blank row it starts, if any

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        inside = [prefix for prefix in self._open if prefix is not None]
        if inside and tag in ("input", "select", "textarea"):
            self.rows[inside[-1]].append(attrs["name"])
        if tag in self.VOID:
            return
        starts = (attrs.get("id") or "").removesuffix("-empty") if (attrs.get("id") or "").endswith("-empty") \
            else None
        if starts is not None:
            self.rows[starts] = []
        self._open.append(starts)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._open:
            self._open.pop()


def blank_rows(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    reader = _BlankRows()
    reader.feed(response.content.decode())
    return reader.rows


@pytest.fixture
def deal() -> Deal:
    deal = DealFactory(title="CalbaTech 2005 notes")
    DealEventFactory(deal=deal, name="Closing Date")
    return deal


def test_the_deal_page_holds_an_empty_stand_in_for_each_blank_row_and_no_blank_field(admin_client, deal):
    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk]))

    assert blank_rows(response) == {prefix: [] for prefix in ADDABLE}
    assert "__prefix__" not in response.content.decode()
    assert "deals/blank_rows.js" in response.content.decode()


@pytest.mark.parametrize(("prefix", "fields"), [
    ("warrants", ["name", "tranche", "section", "issuer", "holder", "shares", "exercise_price", "issue_date",
                  "expiry_date", "id", "deal"]),
    ("deal_parties", ["party", "role", "signatory", "signed_by_way_of", "notice_address", "copy_to", "id", "deal"]),
    ("events", ["id", "deal", "name", "date", "kind", "description"]),
])
def test_asking_the_page_for_a_blank_row_answers_that_row_with_its_fields(admin_client, deal, prefix, fields):
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])

    response = admin_client.get(url, {"blank_row": prefix})

    assert blank_rows(response) == {prefix: [f"{prefix}-__prefix__-{name}" for name in fields]}


def test_the_add_page_answers_a_blank_row_too(admin_client):
    response = admin_client.get(reverse("admin:dealdesk_deal_add"), {"blank_row": "tranches"})

    assert blank_rows(response) == {"tranches": [f"tranches-__prefix__-{name}" for name in (
        "name", "event", "section", "amount", "warrant_shares", "days_to_close", "id", "deal")]}


@pytest.mark.parametrize("prefix", ["nothing-of-the-kind", "obligations", ""])
def test_a_blank_row_of_no_list_that_can_be_added_to_is_not_found(admin_client, deal, prefix):
    response = admin_client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk]), {"blank_row": prefix})

    assert response.status_code == 404


def test_one_who_may_only_read_the_deal_gets_no_blank_row_at_all(client, django_user_model, deal):
    member_of(client, django_user_model, AUDITORS)
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])

    assert blank_rows(client.get(url)) == {}
    assert client.get(url, {"blank_row": "warrants"}).status_code == 404


def test_a_post_saves_the_page_whatever_its_address_asks(admin_client, deal):
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    data = form_data(admin_client.get(url))
    data["events-0-name"] = "Closing Date, as amended"

    response = admin_client.post(f"{url}?blank_row=events", data)

    assert response.status_code == 302
    assert list(DealEvent.objects.filter(deal=deal).values_list("name", flat=True)) == ["Closing Date, as amended"]


def statements_reading(queries, table: str) -> int:
    """How many statements read `table` (test_admin_scale.tables_read counts SELECTs only; on PostgreSQL
    Django reads a select's choices through a cursor: DECLARE ... CURSOR FOR SELECT)."""
    return sum(f'FROM "{table}"' in query["sql"] for query in queries)


def tranche_queries(client, deal: Deal) -> int:
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("admin:dealdesk_deal_change", args=[deal.pk])).status_code == 200
    return statements_reading(page.captured_queries, "instruments_tranche")


def test_a_select_limited_to_the_deal_reads_its_choices_only_for_a_row_that_shows_it(admin_client, deal):
    # The deal's tranches are read for their own inline and for the section map; the notes', warrants' and
    # closings' tranche selects, with no row to show (their blank rows come when asked for), read nothing.
    assert tranche_queries(admin_client, deal) == 2

    ConvertibleNoteFactory(deal=deal, name="Closing notes")
    ConvertibleNoteFactory(deal=deal, name="Filing notes")

    # Two notes' rows: the deal's tranches read once more, for both.
    assert tranche_queries(admin_client, deal) == 3


def test_an_obligation_page_holds_a_stand_in_for_its_blank_rule_and_answers_the_rule_when_asked(admin_client,
                                                                                                  deal):
    obligation = ObligationFactory(deal=deal)
    url = reverse("admin:obligations_obligation_change", args=[obligation.pk])

    assert blank_rows(admin_client.get(url)) == {"rules": []}
    fields = blank_rows(admin_client.get(url, {"blank_row": "rules"}))["rules"]
    assert fields[:4] == ["rules-__prefix__-kind", "rules-__prefix__-fixed_date", "rules-__prefix__-offset",
                          "rules-__prefix__-offset_unit"]
    assert fields[-2:] == ["rules-__prefix__-id", "rules-__prefix__-obligation"]


def test_an_inlines_scripts_are_its_widgets_and_its_forms_own_read_without_building_a_row(rf, superuser):
    class NoteForm(forms.ModelForm):
        class Media:
            js = ["deals/note_form.js"]

    class NoteInline(admin.TabularInline):
        model = ConvertibleNote
        form = NoteForm
        fields = ["name", "issue_date"]
        formfield_overrides = {models.DateField: {"widget": widgets.AdminDateWidget}}

    inline = NoteInline(Deal, admin.site)
    request = rf.get("/")
    request.user = superuser
    formset = inline.get_formset(request)(instance=Deal())
    scripts = InlineMediaOnce(inline, formset, fieldsets=[(None, {"fields": inline.fields})]).media._js

    assert "deals/note_form.js" in scripts and "admin/js/calendar.js" in scripts and "admin/js/inlines.js" in scripts
    assert "empty_form" not in formset.__dict__  # the blank row was not built to read them


def test_the_answer_for_a_blank_row_reads_no_other_inlines_rows(admin_client, deal):
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    with CaptureQueriesContext(connection) as answer:
        assert admin_client.get(url, {"blank_row": "warrants"}).status_code == 200

    read = answer.captured_queries
    assert statements_reading(read, "instruments_tranche") == 1  # the warrant row's own tranche select
    assert statements_reading(read, "parties_dealparty") == statements_reading(read, "dealdesk_dealevent") == 0
