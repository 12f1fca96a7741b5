"""Who may open and change what: the whole policy of the three roles in one table.

Each cell is one request by one kind of user. A GET expects a status; a POST
also says whether the row it aims at changed. The roles are the groups
dealdesk/roles.py installs after every migrate.
"""
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from deals.models import Deal
from dealdesk.roles import AUDITORS, DEAL_ADMINISTRATORS, FINANCE
from instruments.models import ConvertibleNote
from obligations.models import DeadlineRule, Obligation, Occurrence, Reminder
from parties.models import Party
from tests.factories import (
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealFactory,
    ObligationFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db

# What a cell expects.
OK = "200"            # the page opens
DENIED = "403"        # refused; a POST changes nothing
LOGIN = "login"       # 302 to the login page; a POST changes nothing
SAVED = "saved"       # a POST is accepted (302 back to the list) and the row changed, or went
IGNORED = "ignored"   # the changelist shows again (200) without the action; the row is unchanged

ROLES = [DEAL_ADMINISTRATORS, FINANCE, AUDITORS, "staff without a group", "anonymous"]

# fmt: off
POLICY = {
    #                                   Deal admins  Finance  Auditors  no group  anonymous
    "admin index":                      (OK,         OK,      OK,       OK,       LOGIN),

    "deal list":                        (OK,         OK,      OK,       DENIED,   LOGIN),
    "deal add page":                    (OK,         DENIED,  DENIED,   DENIED,   LOGIN),
    "deal change page":                 (OK,         OK,      OK,       DENIED,   LOGIN),
    "deal save":                        (SAVED,      DENIED,  DENIED,   DENIED,   LOGIN),
    "deal delete":                      (SAVED,      DENIED,  DENIED,   DENIED,   LOGIN),

    "obligation list":                  (OK,         OK,      OK,       DENIED,   LOGIN),
    "obligation add page":              (OK,         DENIED,  DENIED,   DENIED,   LOGIN),
    "obligation change page":           (OK,         OK,      OK,       DENIED,   LOGIN),
    "obligation save":                  (SAVED,      DENIED,  DENIED,   DENIED,   LOGIN),

    # Occurrences are computed from the rules: nobody adds one by hand.
    "occurrence list":                  (OK,         OK,      OK,       DENIED,   LOGIN),
    "occurrence add page":              (DENIED,     DENIED,  DENIED,   DENIED,   LOGIN),
    "occurrence change page":           (OK,         OK,      OK,       DENIED,   LOGIN),
    "occurrence save":                  (SAVED,      SAVED,   DENIED,   DENIED,   LOGIN),
    "occurrences: mark done":           (SAVED,      SAVED,   IGNORED,  DENIED,   LOGIN),
    "occurrence delete":                (SAVED,      DENIED,  DENIED,   DENIED,   LOGIN),

    "party list":                       (OK,         OK,      OK,       DENIED,   LOGIN),
    "party add page":                   (OK,         DENIED,  DENIED,   DENIED,   LOGIN),
    "party change page":                (OK,         OK,      OK,       DENIED,   LOGIN),
    "party save":                       (SAVED,      DENIED,  DENIED,   DENIED,   LOGIN),

    "convertible note list":            (OK,         OK,      OK,       DENIED,   LOGIN),
    "convertible note add page":        (OK,         DENIED,  DENIED,   DENIED,   LOGIN),
    "convertible note change page":     (OK,         OK,      OK,       DENIED,   LOGIN),
    "convertible note save":            (SAVED,      DENIED,  DENIED,   DENIED,   LOGIN),

    # Reminders are the sender's outbox: read-only for everyone, but a failed one may be retried.
    "reminder list":                    (OK,         OK,      OK,       DENIED,   LOGIN),
    "reminder add page":                (DENIED,     DENIED,  DENIED,   DENIED,   LOGIN),
    "reminder change page":             (OK,         OK,      OK,       DENIED,   LOGIN),
    "reminder save":                    (DENIED,     DENIED,  DENIED,   DENIED,   LOGIN),
    "reminders: retry":                 (SAVED,      SAVED,   IGNORED,  DENIED,   LOGIN),

    # The audit trail is read by all who may read the deal; an old version is never restored over it.
    "deal history page":                (OK,         OK,      OK,       DENIED,   LOGIN),
    "deal history: restore old version":(DENIED,     DENIED,  DENIED,   DENIED,   LOGIN),

    "deadlines report":                 (OK,         OK,      OK,       DENIED,   LOGIN),
    # Reading an agreement proposes a deal: for those who may create one. Its record is read by all.
    "read an agreement page":           (OK,         DENIED,  DENIED,   DENIED,   LOGIN),
    "agreements read list":             (OK,         OK,      OK,       DENIED,   LOGIN),
    "intake proposal list":             (OK,         OK,      OK,       DENIED,   LOGIN),
    "deadlines report CSV":             (OK,         OK,      OK,       DENIED,   LOGIN),
}
# fmt: on

REPORT_CELLS = {"deadlines report", "deadlines report CSV"}


@pytest.fixture
def world():
    """SPA s.4(h) of the CalbaTech deal: one obligation due once, its note, and a reminder that failed."""
    deal = DealFactory(title="CalbaTech 10% secured convertible notes")
    company = PartyFactory(legal_name="CalbaTech, Inc.", short_name="CalbaTech")
    obligation = ObligationFactory(deal=deal, obligor=company, title="Monthly shareholder statement", section="4(h)")
    rule = DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="",
                               fixed_date=datetime.date(2005, 7, 8), roll="none")
    occurrence = rule.occurrences.get()
    note = ConvertibleNoteFactory(deal=deal, issuer=company, name="Closing notes")
    reminder = Reminder.objects.create(occurrence=occurrence, due_date=occurrence.due_date, days_from_due=-7,
                                       scheduled_for=datetime.date(2005, 7, 1), status=Reminder.Status.FAILED,
                                       attempts=6, last_error="Connection refused")
    deal.title = "CalbaTech convertible notes"  # a second version, for the history cells
    deal.save()
    return SimpleNamespace(deal=deal, party=company, obligation=obligation, occurrence=occurrence, note=note,
                           reminder=reminder)


def change_form_data(url: str, **changes) -> dict:
    """What the change page posts back when only `changes` are typed in (its inlines included)."""
    client = Client()
    client.force_login(get_user_model().objects.get_or_create(username="root", is_superuser=True, is_staff=True)[0])
    response = client.get(url)
    assert response.status_code == 200, url
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(value, (list, tuple)):
                data[field.html_name] = [getattr(item, "pk", item) for item in value]
            elif value is not None:
                data[field.html_name] = getattr(value, "pk", value)
    return {**data, **changes}


@dataclass
class Cell:
    url: Callable[[SimpleNamespace], str]
    post: Callable[[SimpleNamespace], dict] | None = None  # None: a GET
    watch: Callable[[SimpleNamespace], object] | None = None       # the value a POST may change


def admin_url(name: str, *objects: str) -> Callable[[SimpleNamespace], str]:
    return lambda w: reverse(f"admin:{name}", args=[getattr(w, o).pk for o in objects])


def model_cells(label: str, app: str, model: str, obj: str, watch, **changes) -> dict[str, Cell]:
    change = admin_url(f"{app}_{model}_change", obj)
    return {
        f"{label} list": Cell(admin_url(f"{app}_{model}_changelist")),
        f"{label} add page": Cell(admin_url(f"{app}_{model}_add")),
        f"{label} change page": Cell(change),
        f"{label} save": Cell(change, post=lambda w: change_form_data(change(w), **changes), watch=watch),
    }


def delete_cell(app: str, model_class, obj: str) -> Cell:
    return Cell(admin_url(f"{app}_{model_class._meta.model_name}_delete", obj), post=lambda w: {"post": "yes"},
                watch=lambda w: model_class.objects.filter(pk=getattr(w, obj).pk).exists())


CELLS = {
    "admin index": Cell(admin_url("index")),
    "deal delete": delete_cell("dealdesk", Deal, "deal"),
    "occurrence delete": delete_cell("obligations", Occurrence, "occurrence"),
    **model_cells("deal", "dealdesk", "deal", "deal", lambda w: Deal.objects.get(pk=w.deal.pk).title,
                  title="CalbaTech notes (amended)"),
    **model_cells("obligation", "obligations", "obligation", "obligation",
                  lambda w: Obligation.objects.get(pk=w.obligation.pk).title,
                  title="Monthly statement to the buyers"),
    **model_cells("occurrence", "obligations", "occurrence", "occurrence",
                  lambda w: Occurrence.objects.get(pk=w.occurrence.pk).status,
                  status="done", done_on="2005-07-08", evidence="Statement emailed to the buyers on 8 July."),
    "occurrences: mark done": Cell(
        admin_url("obligations_occurrence_changelist"),
        post=lambda w: {"action": "mark_done", "_selected_action": [w.occurrence.pk], "confirm": "yes",
                            "on": "2005-07-08", "evidence": "Statement emailed to the buyers on 8 July."},
        watch=lambda w: Occurrence.objects.get(pk=w.occurrence.pk).status,
    ),
    **model_cells("party", "parties", "party", "party", lambda w: Party.objects.get(pk=w.party.pk).short_name,
                  short_name="Calba"),
    **model_cells("convertible note", "instruments", "convertiblenote", "note",
                  lambda w: ConvertibleNote.objects.get(pk=w.note.pk).principal, principal="900000.00"),
    **model_cells("reminder", "obligations", "reminder", "reminder",
                  lambda w: Reminder.objects.get(pk=w.reminder.pk).status, status="pending"),
    "reminders: retry": Cell(
        admin_url("obligations_reminder_changelist"),
        post=lambda w: {"action": "retry", "_selected_action": [w.reminder.pk]},
        watch=lambda w: Reminder.objects.get(pk=w.reminder.pk).status,
    ),
    "deal history page": Cell(admin_url("dealdesk_deal_history", "deal")),
    "deal history: restore old version": Cell(
        lambda w: reverse("admin:dealdesk_deal_simple_history",
                          args=[w.deal.pk, w.deal.history.earliest().history_id]),
        post=lambda w: change_form_data(reverse("admin:dealdesk_deal_change", args=[w.deal.pk]),
                                            title="CalbaTech notes (restored)"),
        watch=lambda w: Deal.objects.get(pk=w.deal.pk).title,
    ),
    "deadlines report": Cell(lambda w: "/reports/deadlines/"),
    "read an agreement page": Cell(lambda w: reverse("intake:read")),
    "agreements read list": Cell(admin_url("intake_agreementintake_changelist")),
    "intake proposal list": Cell(admin_url("intake_intakeproposal_changelist")),
    "deadlines report CSV": Cell(lambda w: "/reports/deadlines/csv/"),
}


def matrix() -> list:
    assert set(CELLS) == set(POLICY)
    return [
        pytest.param(name, role, expected, id=f"{role} | {name}")
        for name, expected_by_role in POLICY.items()
        for role, expected in zip(ROLES, expected_by_role, strict=True)
    ]


def log_in(client, role: str, django_user_model) -> None:
    if role == "anonymous":
        return
    username = role.lower().replace(" ", "-")
    user = django_user_model.objects.create_user(username, f"{username}@example.com", is_staff=True)
    if role in (DEAL_ADMINISTRATORS, FINANCE, AUDITORS):
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)


@pytest.mark.parametrize(("cell_name", "role", "expected"), matrix())
def test_each_role_gets_exactly_what_the_policy_grants(client, django_user_model, world,
                                                       cell_name, role, expected):
    cell = CELLS[cell_name]
    url = cell.url(world)
    data = cell.post(world) if cell.post else None
    before = cell.watch(world) if cell.watch else None
    log_in(client, role, django_user_model)

    response = client.post(url, data) if data is not None else client.get(url)

    if expected == LOGIN:
        assert (response.status_code, response["Location"].split("?")[0]) == (302, reverse("admin:login"))
    elif expected == SAVED:
        assert response.status_code == 302
        assert not response["Location"].startswith(reverse("admin:login"))
    elif expected == IGNORED:
        assert response.status_code == 200
        assert response.context["action_form"] is None
    else:
        assert response.status_code == int(expected)
    if cell.watch:
        after = cell.watch(world)
        assert (after != before) == (expected == SAVED), f"{cell_name}: {before!r} -> {after!r}"
