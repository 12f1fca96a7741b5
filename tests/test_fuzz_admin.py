"""Garbage in every field of every admin form: no server error, and a refused form saves nothing and says why.

Every registered ModelAdmin is covered, so a new screen is fuzzed the day it is
registered: its change page, its add page and the rows of its inlines. Each
submission starts from values the page accepts (the saved row's; on an add page
the same made unique) and spoils fields in three ways:

1. every field at once, with the first bad value of its kind, then the second...:
   fields are validated apart from each other, so one request puts every value
   into every field and shows each one's error;
2. on a change page, each field of the main form alone, so the checks across
   fields (clean()) run with one field missing;
3. what step 1 let through, sent again without the refused values, so it is saved.

A request that fails is sent again with one field spoilt at a time, so the
failure names the form, the field and the value.
"""
from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.urls import reverse
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, PeriodicTask, SolarSchedule

from dealdesk.intake.models import AgreementIntake, IntakeProposal
from deals.models import AgreementSection, Deal, DealEvent, RelatedAgreement
from instruments.models import Draw, ReserveCovenant, ShareReservation, Tranche
from obligations.models import CalendarFeed, Obligation, Occurrence, Reminder
from obligations.schedule import schedule_install
from parties.models import DealParty, NoticeMethod
from tests.factories import (
    AddressFactory,
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealEventFactory,
    DealFactory,
    DealPartyFactory,
    EquityLineFactory,
    ObligationFactory,
    PartyFactory,
    PersonFactory,
    ShareClassFactory,
    WarrantFactory,
)

pytestmark = pytest.mark.django_db

# The garbage, by the kind of field it is aimed at; fixed, so a failure can be replayed. Each value
# breaks something else: not a number, a date that does not exist, a NUL the database refuses, too
# big for the column, a spreadsheet formula, a script. Step 2 sends the first of each list.
NUL = "\x00"
HUGE = "99999999999999999999999"
IDS = ["abc", "2005-02-29", "' OR 1=1 --", HUGE, NUL]
DATES = ["2005-02-29", "2005-13-01", "abc", NUL]
NUMBERS = ["1e309", "-1", HUGE, "NaN", NUL]
TEXT = [NUL, "=1+1", "<script>alert(1)</script>", "-1"]  # and, second, one character too many
FLAGS = [NUL]


def bad_values(field: forms.Field) -> list[str]:
    if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField, forms.ModelMultipleChoiceField)):
        return IDS
    if isinstance(field, (forms.DateField, forms.DateTimeField, forms.TimeField, forms.SplitDateTimeField,
                          forms.DurationField)):
        return DATES
    if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        return NUMBERS
    if isinstance(field, (forms.BooleanField, forms.NullBooleanField)):
        return FLAGS
    overlong = "x" * ((getattr(field, "max_length", None) or 10_000) + 1)
    return [TEXT[0], overlong, *TEXT[1:]]


@pytest.fixture(autouse=True)
def quiet_error_log():
    # Each failure is in the assertion message; the log would repeat it as hundreds of tracebacks.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


# The world: one row of every model, so every change page and every inline has a row to spoil -------


@pytest.fixture
def world(superuser, django_user_model):
    deal = DealFactory(title="CalbaTech notes", closing_date=datetime.date(2005, 5, 23))
    event = DealEventFactory(deal=deal, name="Filing Date", date=datetime.date(2005, 6, 22))
    AgreementSection.objects.create(deal=deal, number="4(h)", heading="Authorization and Reservation of Shares")
    RelatedAgreement.objects.create(deal=deal, title="Registration Rights Agreement",
                                    dated_as_of=datetime.date(2005, 5, 23))
    company = PartyFactory(legal_name="CalbaTech, Inc.")
    buyer = PartyFactory(legal_name="Longview Fund, L.P.")
    agent = PartyFactory(legal_name="Oftring & Company, Inc.")
    signatory = PersonFactory(party=company, name="Edward Deese")
    address = AddressFactory(party=company, label="Head office")
    role = DealPartyFactory(deal=deal, party=company, signatory=signatory, notice_address=address)
    role.copy_to.add(address)
    DealPartyFactory(deal=deal, party=buyer, role="investor")
    NoticeMethod.objects.create(deal=deal, method="mail", effective_when="on_receipt", section="9")
    share_class = ShareClassFactory(deal=deal, issuer=company)
    ShareReservation.objects.create(share_class=share_class, purpose="stock_options", shares=1_000_000)
    tranche = Tranche.objects.create(deal=deal, name="Second tranche", amount=Decimal("200000"), event=event,
                                     days_to_close=5)
    ConvertibleNoteFactory(deal=deal, issuer=company, holder=buyer, tranche=tranche, name="Closing notes")
    WarrantFactory(deal=deal, issuer=company, holder=buyer, tranche=tranche, name="Closing warrants")
    line = EquityLineFactory(deal=deal, issuer=company, investor=buyer, placement_agent=agent)
    Draw.objects.create(equity_line=line, date=datetime.date(2005, 8, 1), amount=Decimal("100000"))
    ReserveCovenant.objects.create(deal=deal, share_class=share_class, section="4(h)")
    obligation = ObligationFactory(deal=deal, obligor=company, title="Monthly share reserve list")
    obligation.beneficiaries.add(buyer)
    obligation.responsible_staff.add(superuser)
    DeadlineRuleFactory(obligation=obligation, window_end=datetime.date(2005, 7, 31))
    occurrence = Occurrence.objects.order_by("due_date").first()
    Reminder.objects.create(occurrence=occurrence, due_date=occurrence.due_date, days_from_due=-7,
                            scheduled_for=occurrence.due_date - datetime.timedelta(days=7),
                            recipient="finance@example.com")
    CalendarFeed.objects.create(user=superuser)
    schedule_install(sweep_every_minutes=15)
    SolarSchedule.objects.create(event="sunrise", latitude=Decimal("40.71"), longitude=Decimal("-74.01"))
    clocked = ClockedSchedule.objects.create(clocked_time=datetime.datetime(2005, 6, 1, 9, tzinfo=datetime.UTC))
    PeriodicTask.objects.create(name="Once", task="obligations.extend_deadlines", clocked=clocked, one_off=True)
    seen = {"username": "intruder", "ip_address": "10.0.0.1", "user_agent": "curl", "path_info": "/admin/login/"}
    AccessAttempt.objects.create(**seen, failures_since_start=1)
    AccessLog.objects.create(**seen)
    AccessFailureLog.objects.create(**seen)
    if apps.is_installed("closings"):
        from closings.models import Closing, ClosingItem

        closing = Closing.objects.create(deal=deal, name="Second tranche closing", section="4(l)", tranche=tranche)
        ClosingItem.objects.create(closing=closing, section="7(h)", title="Opinion of the Company's counsel",
                                   text="The Buyers shall have received the opinion.", kind="deliverable",
                                   condition_of="investor", satisfied_by=company)
    intake = AgreementIntake.objects.create(title="CalbaTech notes (read)", text="The Company shall ...",
                                            reader="rules-v1", uploaded_by=superuser)
    IntakeProposal.objects.create(intake=intake, order=1, kind="party", span_start=0, span_end=11,
                                  proposed={"legal_name": "CalbaTech, Inc."})
    # Room for what may exist once per deal or per user: a second deal with its own share class, a second user.
    spare = DealFactory(title="Cal-Bay equity line")
    spare_class = ShareClassFactory(deal=spare, issuer=company)
    newcomer = django_user_model.objects.create_user("finance", "finance@example.com", "pw")
    return {"spare": spare, "spare_class": spare_class, "newcomer": newcomer}


# What an add page needs on top of a change page's values for the new row to be accepted.
ADD_PAGE_CHANGES = {
    "obligations.calendarfeed": lambda world: {"user": str(world["newcomer"].pk)},
    "instruments.reservecovenant": lambda world: {"deal": str(world["spare"].pk),
                                                  "share_class": str(world["spare_class"].pk)},
    "closings.closing": lambda world: {"tranche": ""},  # one closing per tranche
    "dealdesk.agreementsection": lambda world: {"number": "4(i)"},  # one section per number and deal
    "auth.user": lambda world: {"username": "auditor", "password1": "Ledger-of-2005-notes",
                                "password2": "Ledger-of-2005-notes", "usable_password": "true"},
}


# Reading a page's form as a browser would post it ---------------------------------------------------


class _FormReader(HTMLParser):
    """The name/value pairs a browser would post for the form with the given id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.data: dict[str, list[str]] = {}
        self._inside = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        if "__prefix__" not in name:  # the template row "Add another" copies
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = attrs.get("id") == self.form_id
        if not self._inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._add(attrs["name"], attrs.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = attrs["name"], []

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self._add(self._textarea, text[1:] if text.startswith("\n") else text)
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def posted_data(response, model) -> dict:
    reader = _FormReader(f"{model._meta.model_name}_form")
    reader.feed(response.content.decode())
    return {name: values if len(values) > 1 else values[0] for name, values in reader.data.items()}


def _keys(bound_field) -> list[str]:
    widget = getattr(bound_field.field.widget, "widget", bound_field.field.widget)  # inside the "+" wrapper
    if isinstance(widget, forms.MultiWidget):
        return [bound_field.html_name + suffix for suffix in widget.widgets_names]
    return [bound_field.html_name]


def page_forms(response) -> tuple[dict[str, forms.Field], list[dict[str, forms.Field]]]:
    """The posted keys of the page's main form and of each inline row, each with its form field."""
    main = response.context["adminform"].form
    rows = [form for inline in response.context["inline_admin_formsets"] for form in inline.formset.forms]
    keyed = [{key: bound_field.field for bound_field in form for key in _keys(bound_field)} for form in [main, *rows]]
    return keyed[0], keyed[1:]


def made_unique(model, data: dict, main_keys: set[str]) -> dict:
    """Change a copy of a saved row's values so that it clashes with no unique field or constraint."""
    data = dict(data)
    unique_sets = [(f.name,) for f in model._meta.fields if f.unique and not f.primary_key]
    unique_sets += [c.fields for c in model._meta.total_unique_constraints] + list(model._meta.unique_together)
    for names in unique_sets:
        for name in names:
            field = model._meta.get_field(name)
            if name not in main_keys or not isinstance(field, models.CharField):
                continue
            if field.choices:
                others = [value for value, _ in field.flatchoices if value and value != data.get(name)]
                data[name] = others[0]
            else:
                data[name] = f"{data.get(name, '')} (new)"[: field.max_length]
            break
    return data


# Submitting, and judging the outcome -------------------------------------------------------------


def row_counts() -> tuple[int, ...]:
    tables = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)
                     if m._meta.managed and not m._meta.proxy})
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables))
        return tuple(cursor.fetchone())


class WriteLog:
    """The statements that write, as the database receives them (the session's own excepted)."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE") and "django_session" not in sql:
            self.statements.append(sql[:100])
        return execute(sql, params, many, context)


Spoil = tuple[str, str]  # (posted key, bad value)


def refused_keys(response) -> set[str]:
    """The posted keys whose field shows an error on the page sent back."""
    keys = set()
    inline_forms = [form for inline in response.context["inline_admin_formsets"] for form in inline.formset.forms]
    for form in [response.context["adminform"].form, *inline_forms]:
        for name in form.errors:
            if name in form.fields:
                keys.update(_keys(form[name]))
    return keys


class Fuzzer:
    def __init__(self, client, form: str, url: str, baseline: dict, fields: dict[str, forms.Field]):
        self.client, self.form, self.url, self.baseline, self.fields = client, form, url, baseline, fields
        self.requests = 0
        self.failures: list[str] = []

    def send(self, method: str, data: dict):
        """Send one request and undo whatever it saved: its status, what went wrong in short, the response."""
        self.requests += 1
        with transaction.atomic():
            before, written = row_counts(), WriteLog()
            with connection.execute_wrapper(written):
                try:
                    response = getattr(self.client, method)(self.url, data)
                except Exception as error:  # what the user would see as a 500
                    transaction.set_rollback(True)
                    return None, [f"server error {type(error).__name__}: {str(error)[:160]}"], None
            saved = row_counts() != before or written.statements
            transaction.set_rollback(True)
        status, found = response.status_code, []
        if status >= 500:
            found.append(f"server error {status}")
        elif method == "get" and saved:
            found.append(f"a page opened saved: {written.statements}")
        elif method == "post" and status != 302:
            if saved:
                found.append(f"refused ({status}) but saved: {written.statements}")
            if status != 200 or b'class="errornote"' not in response.content:
                found.append(f"refused ({status}) without an error message")
        return status, found, response

    def spoilt(self, batch: list[Spoil]) -> dict:
        data = dict(self.baseline)
        for key, value in batch:
            data[key] = [value] if isinstance(self.fields.get(key), forms.MultipleChoiceField) else value
        return data

    def post(self, batch: list[Spoil]):
        """Post the baseline with the batch's fields spoilt; when that fails, name the field (or fields) to blame."""
        status, found, response = self.send("post", self.spoilt(batch))
        if found:
            self.blame("post", batch, found, lambda spoil: self.spoilt([spoil]))
        return status, response

    def blame(self, method: str, batch: list[Spoil], found: list[str], data_for) -> None:
        def named(spoils: list[Spoil]) -> str:
            spoilt = ", ".join(f"{key}={value[:40]!r}" for key, value in spoils)
            return f"{self.form} opened with ?{spoilt}" if method == "get" else f"{self.form}: {spoilt}"

        blamed = False
        if len(batch) > 1:
            for spoil in batch:
                alone = self.send(method, data_for(spoil))[1]
                if alone:
                    self.failures.append(f"{named([spoil])}: {'; '.join(alone)}")
                    blamed = True
        if not blamed:
            self.failures.append(f"{named(batch)}: {'; '.join(found)}")

    def fuzz(self, *, each_main_field_alone: dict[str, forms.Field] | None) -> None:
        lists = {key: bad_values(field) for key, field in self.fields.items()}
        accepted: dict[str, list[str]] = {}
        for round_ in range(max(len(values) for values in lists.values())):
            batch = [(key, values[round_]) for key, values in lists.items() if round_ < len(values)]
            status, response = self.post(batch)
            if status == 200:
                refused = refused_keys(response)
                for key, value in batch:
                    if key not in refused:
                        accepted.setdefault(key, []).append(value)
        for round_ in range(max(map(len, accepted.values()), default=0)):
            self.post([(key, values[round_]) for key, values in accepted.items() if round_ < len(values)])
        for key, field in (each_main_field_alone or {}).items():
            self.post([(key, bad_values(field)[0])])

    def open_with(self, keys: list[str]) -> None:
        """An add page takes initial values from its address (?deal=3): each lookup must survive garbage there."""
        for value in ["abc", NUL, HUGE]:
            batch = [(key, value) for key in keys]
            found = self.send("get", dict(batch))[1]
            if found:
                self.blame("get", batch, found, lambda spoil: dict([spoil]))


def editable(response) -> bool:
    # A page its user may only view has a form without fields.
    return response.status_code == 200 and bool(response.context["adminform"].form.fields)


def autocomplete_sources(fields: dict[str, forms.Field]) -> set[tuple[str, str, str]]:
    """The (app label, model, field) an autocomplete box among these fields asks for its choices."""
    sources = set()
    for field in fields.values():
        widget = getattr(field.widget, "widget", field.widget)
        if isinstance(widget, AutocompleteMixin):
            source = widget.field
            sources.add((source.model._meta.app_label, source.model._meta.model_name, source.name))
    return sources


def test_garbage_in_any_field_of_any_admin_form_is_refused_in_words_and_saves_nothing(admin_client, world):
    requests = pages_fuzzed = rows_fuzzed = fields_fuzzed = 0
    failures, sources = [], set()
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower):
        label, info = model._meta.label_lower, (model._meta.app_label, model._meta.model_name)
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"the world has no {label} to open the change page of"
        change_url = reverse("admin:%s_%s_change" % info, args=[obj.pk])
        change_page = admin_client.get(change_url)
        pages = []
        if editable(change_page):
            main, rows = page_forms(change_page)
            pages.append((f"{label} change page", change_url, posted_data(change_page, model), main, rows))
        if model_admin.has_add_permission(change_page.wsgi_request):
            add_url = reverse("admin:%s_%s_add" % info)
            add_page = admin_client.get(add_url)
            main, rows = page_forms(add_page)
            saved = posted_data(change_page, model) if editable(change_page) else {}
            baseline = {key: value for key, value in posted_data(add_page, model).items() if key not in main}
            baseline.update({key: saved[key] for key in main if key in saved})
            baseline = made_unique(model, baseline, main)
            baseline.update(ADD_PAGE_CHANGES.get(label, lambda world: {})(world))
            pages.append((f"{label} add page", add_url, baseline, main, rows))

        for form, url, baseline, main, rows in pages:
            fuzzer = Fuzzer(admin_client, form, url, baseline,
                            {**main, **{key: field for row in rows for key, field in row.items()}})
            status, problems, response = fuzzer.send("post", baseline)
            assert status == 302, (f"{form}: the page's own values are refused: {problems} "
                                   f"{refused_keys(response) if response else ''}; "
                                   f"say in ADD_PAGE_CHANGES what makes {baseline} acceptable")
            fuzzer.fuzz(each_main_field_alone=main if "change page" in form else None)
            if "add page" in form:
                fuzzer.open_with([key for key, field in main.items() if isinstance(field, forms.ModelChoiceField)])
            requests += fuzzer.requests
            pages_fuzzed += 1
            rows_fuzzed += len(rows)
            fields_fuzzed += len(fuzzer.fields)
            failures += fuzzer.failures
            sources |= autocomplete_sources(fuzzer.fields)

    # What an autocomplete box sends while the user types.
    searches = Fuzzer(admin_client, "autocomplete", reverse("admin:autocomplete"), {}, {})
    for app_label, model_name, field_name in sorted(sources):
        source = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
        for params in [{"term": NUL}, {"term": "' OR 1=1 --"}, {"term": "%_\\"}, {"term": "x" * 10_001},
                       {"term": "a", "page": "abc"}, {"term": "a", "page": HUGE}]:
            for problem in searches.send("get", {**source, **params})[1]:
                failures.append(f"autocomplete of {app_label}.{model_name}.{field_name} with {params!r}: {problem}")
    requests += searches.requests

    print(f"admin fuzz: {pages_fuzzed} forms with {rows_fuzzed} inline rows, {fields_fuzzed} fields, "
          f"{len(sources)} autocomplete boxes, {requests} requests, {len(failures)} failures")
    assert not failures, f"{len(failures)} failures in {requests} requests:\n" + "\n".join(failures)


def test_garbage_ids_in_any_admin_address_are_not_found_not_a_crash(admin_client, world):
    requests, failures = 0, []
    for model in sorted(admin.site._registry, key=lambda model: model._meta.label_lower):
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        for bad in ["abc", "2005-02-29", HUGE, "%00", "-1"]:
            for path in [f"{bad}/change/", f"{bad}/delete/", f"{bad}/history/", f"{bad}/history/1/",
                         f"{pk}/history/{bad}/"]:
                requests += 1
                try:
                    status = admin_client.get(base + path).status_code
                except Exception as error:
                    failures.append(f"{base + path}: server error {type(error).__name__}: {str(error)[:160]}")
                    continue
                if status >= 500:
                    failures.append(f"{base + path}: server error {status}")
    print(f"admin address fuzz: {requests} requests, {len(failures)} failures")
    assert not failures, f"{len(failures)} failures in {requests} requests:\n" + "\n".join(failures)


# What the fuzz found, pinned as a deal administrator sees it ---------------------------------------


def field_errors(response, name: str) -> list[str]:
    assert response.status_code == 200, "the form should have been shown again with its errors"
    return response.context["adminform"].form.errors.get(name, [])


NO_SUCH_CHOICE = "Select a valid choice. That choice is not one of the available choices."


@pytest.mark.parametrize(("value", "message"), [
    ("abc", NO_SUCH_CHOICE), ("2005-02-29", NO_SUCH_CHOICE), ("' OR 1=1 --", NO_SUCH_CHOICE),
    ("1e309", NO_SUCH_CHOICE), (HUGE, NO_SUCH_CHOICE), (NUL, "Null characters are not allowed."),
])
def test_a_deal_that_is_not_an_id_is_refused_as_a_choice_that_does_not_exist(admin_client, value, message):
    DealFactory(title="CalbaTech notes")
    url = reverse("admin:dealdesk_dealevent_add")

    response = admin_client.post(url, {"deal": value, "name": "Filing Date", "date": "2005-06-22"})

    assert field_errors(response, "deal") == [message]
    assert not DealEvent.objects.exists()


def test_an_address_that_is_not_an_id_opens_the_add_page_with_the_field_empty(admin_client):
    response = admin_client.get(reverse("admin:dealdesk_dealevent_add"), {"deal": HUGE})

    assert response.status_code == 200
    assert response.context["adminform"].form["deal"].value() == HUGE
    assert HUGE not in response.content.decode()  # nothing was found to label it with


def test_a_party_to_a_deal_with_a_garbage_signatory_on_the_deal_page_is_refused_and_nothing_saved(admin_client, world):
    deal = DealParty.objects.first().deal
    url = reverse("admin:dealdesk_deal_change", args=[deal.pk])
    data = posted_data(admin_client.get(url), Deal)
    data.update({"title": "Renamed with the parties", "deal_parties-0-signatory": HUGE})

    response = admin_client.post(url, data)

    formset = next(inline.formset for inline in response.context["inline_admin_formsets"]
                   if inline.formset.prefix == "deal_parties")
    assert formset.forms[0].errors["signatory"] == [NO_SUCH_CHOICE]
    deal.refresh_from_db()
    assert deal.title == "CalbaTech notes"


@pytest.mark.parametrize("value", [HUGE, "abc"])
def test_a_beneficiary_that_cannot_exist_is_refused_by_name(admin_client, value):
    obligation = ObligationFactory(title="Monthly share reserve list")
    url = reverse("admin:obligations_obligation_change", args=[obligation.pk])
    data = posted_data(admin_client.get(url), Obligation)
    data["beneficiaries"] = [value]

    response = admin_client.post(url, data)

    assert field_errors(response, "beneficiaries") == [
        f"Select a valid choice. {value} is not one of the available choices."]
    assert not obligation.beneficiaries.exists()


def test_a_permission_that_cannot_exist_is_refused_on_the_group_page(admin_client):
    group = Group.objects.create(name="Treasury")
    url = reverse("admin:auth_group_change", args=[group.pk])

    response = admin_client.post(url, {"name": "Treasury", "permissions": [HUGE]})

    assert field_errors(response, "permissions") == [
        f"Select a valid choice. {HUGE} is not one of the available choices."]
    assert not group.permissions.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("hour", "-1", 'The schedule cannot read "-1" as an hour. Use a number from 0 to 23, "*" for every hour, '
                   "or a list, range or step such as 8,20, 1-5 or */2."),
    ("minute", "*/0", 'The schedule cannot read "*/0" as a minute. Use a number from 0 to 59, "*" for every '
                      "minute, or a list, range or step such as 0,30, 1-5 or */2."),
    ("day_of_week", "8", 'The schedule cannot read "8" as a day of the week. Use a number from 0 (Sunday) to 6, '
                         'or mon to sun, "*" for every day, or a list, range or step such as 1,3,5, 1-5 or */2.'),
])
def test_a_crontab_part_celery_cannot_read_is_refused_in_words(admin_client, field, value, message):
    schedule_install(sweep_every_minutes=15)
    nightly = CrontabSchedule.objects.get(minute="5")
    url = reverse("admin:django_celery_beat_crontabschedule_change", args=[nightly.pk])
    data = {**posted_data(admin_client.get(url), CrontabSchedule), field: value}

    response = admin_client.post(url, data)

    assert field_errors(response, field) == [message]
    nightly.refresh_from_db()
    assert (nightly.minute, nightly.hour, nightly.day_of_week) == ("5", "0", "*")


def test_a_periodic_task_named_with_a_nul_is_refused_not_a_crash(admin_client):
    schedule_install(sweep_every_minutes=15)
    sweep = PeriodicTask.objects.get(name="Send due reminders")
    url = reverse("admin:django_celery_beat_periodictask_change", args=[sweep.pk])
    data = {**posted_data(admin_client.get(url), PeriodicTask), "regtask": "", "task": "obligations.send\x00"}

    response = admin_client.post(url, data)

    assert field_errors(response, "task") == ["Null characters are not allowed."]
    sweep.refresh_from_db()
    assert sweep.task == "obligations.send_due_reminders"


def test_a_registered_task_named_with_a_nul_is_refused_not_a_crash(admin_client):
    schedule_install(sweep_every_minutes=15)
    sweep = PeriodicTask.objects.get(name="Send due reminders")
    url = reverse("admin:django_celery_beat_periodictask_change", args=[sweep.pk])
    data = {**posted_data(admin_client.get(url), PeriodicTask), "regtask": "obligations.send\x00"}

    response = admin_client.post(url, data)

    assert field_errors(response, "regtask") == ["Null characters are not allowed."]
    sweep.refresh_from_db()
    assert sweep.task == "obligations.send_due_reminders"


def test_an_autocomplete_search_with_a_nul_in_it_searches_without_it(admin_client):
    deal = DealFactory(title="CalbaTech notes")

    response = admin_client.get(reverse("admin:autocomplete"), {
        "term": "Calba\x00Tech", "app_label": "dealdesk", "model_name": "dealevent", "field_name": "deal"})

    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(deal.pk), "text": "CalbaTech notes"}]


@pytest.mark.parametrize("path", ["1/history/abc/", "abc/history/1/", "abc/history/"])
def test_a_version_address_that_is_not_an_id_is_not_found(admin_client, path):
    DealFactory(title="CalbaTech notes")

    response = admin_client.get(f"/admin/dealdesk/deal/{path}")

    assert response.status_code == 404
