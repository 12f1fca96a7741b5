"""The three role groups: installed after every migrate and by `install_roles`, with the permissions each role needs.

What the groups let a user do screen by screen is in test_permission_matrix.py;
here are the groups themselves, and what Finance and Auditors see on a page.
"""
import datetime
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse

from dealdesk.roles import AUDITORS, DEAL_ADMINISTRATORS, FINANCE
from obligations.models import DeadlineRule, Occurrence
from tests.factories import DeadlineRuleFactory

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ["dealdesk", "parties", "instruments", "closings", "obligations", "intake"]


def permissions_of(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def count(query: Q) -> int:
    return Permission.objects.filter(query).count()


def test_the_three_groups_exist_after_migrate():
    # The test database was built by migrate, which installs the roles at its end.
    assert set(Group.objects.values_list("name", flat=True)) == {DEAL_ADMINISTRATORS, FINANCE, AUDITORS}


def test_install_roles_prints_each_group_with_its_permission_count():
    domain = Q(content_type__app_label__in=DOMAIN_APPS)
    views = count(domain & Q(codename__startswith="view_"))
    beat = Q(content_type__app_label="django_celery_beat")
    lockouts = Q(content_type__app_label="axes", codename__in=["view_accessattempt", "delete_accessattempt"])
    out = io.StringIO()

    call_command("install_roles", stdout=out)

    assert out.getvalue().splitlines() == [
        f"Deal administrators: {count(domain | beat | lockouts)} permissions",
        f"Finance: {views + 2} permissions",
        f"Auditors: {views + count(beat & Q(codename__startswith='view_'))} permissions",
    ]


def test_install_roles_is_idempotent_and_restores_a_permission_removed_by_hand():
    before = {name: permissions_of(name) for name in (DEAL_ADMINISTRATORS, FINANCE, AUDITORS)}
    Group.objects.get(name=FINANCE).permissions.remove(Permission.objects.get(codename="change_occurrence"))
    first, second = io.StringIO(), io.StringIO()

    call_command("install_roles", stdout=first)
    call_command("install_roles", stdout=second)

    assert first.getvalue() == second.getvalue()
    assert Group.objects.count() == 3
    assert {name: permissions_of(name) for name in before} == before
    assert "obligations.change_occurrence" in permissions_of(FINANCE)


def test_deal_administrators_may_change_everything_about_deals_and_the_schedule():
    permissions = permissions_of(DEAL_ADMINISTRATORS)

    for app, model in [("dealdesk", "deal"), ("parties", "party"), ("instruments", "convertiblenote"),
                       ("obligations", "obligation"), ("obligations", "deadlinerule"),
                       ("obligations", "occurrence"), ("intake", "agreementintake"),
                       ("django_celery_beat", "periodictask")]:
        assert {f"{app}.{action}_{model}" for action in ("add", "change", "delete", "view")} <= permissions
    assert "dealdesk.view_reports" in permissions
    # They may lift a colleague's login lockout, but not manage users.
    assert {p for p in permissions if p.startswith("axes.")} == {"axes.view_accessattempt", "axes.delete_accessattempt"}
    assert not {p for p in permissions if p.startswith("auth.")}


def test_finance_reads_everything_and_changes_only_occurrences_and_reminders():
    permissions = permissions_of(FINANCE)

    assert {"obligations.change_occurrence", "obligations.change_reminder", "dealdesk.view_reports",
            "dealdesk.view_deal", "parties.view_party", "instruments.view_convertiblenote",
            "obligations.view_obligation", "obligations.view_occurrence"} <= permissions
    assert {p for p in permissions if not p.split(".")[1].startswith("view_")} == {
        "obligations.change_occurrence", "obligations.change_reminder"}
    assert "obligations.change_obligation" not in permissions


def test_auditors_read_everything_and_change_nothing():
    permissions = permissions_of(AUDITORS)

    assert {"dealdesk.view_reports", "dealdesk.view_deal", "parties.view_party", "instruments.view_convertiblenote",
            "obligations.view_occurrence", "obligations.view_reminder"} <= permissions
    assert [p for p in permissions if p.split(".")[1].startswith(("add_", "change_", "delete_"))] == []
    assert {p.split(".")[0] for p in permissions} == {*DOMAIN_APPS, "django_celery_beat"}


# What the roles see on a page ---------------------------------------------------


@pytest.fixture
def occurrence():
    """SPA s.4(h): the June 2005 statement, due 8 July 2005."""
    rule = DeadlineRuleFactory(obligation__title="Monthly shareholder statement", kind=DeadlineRule.Kind.FIXED_DATE,
                               frequency="", fixed_date=datetime.date(2005, 7, 8), roll="none")
    return rule.occurrences.get()


def member_of(client, django_user_model, group: str):
    user = django_user_model.objects.create_user(group.lower(), f"{group.lower()}@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def test_finance_may_edit_only_the_outcome_of_an_occurrence(client, django_user_model, occurrence):
    member_of(client, django_user_model, FINANCE)
    url = reverse("admin:obligations_occurrence_change", args=[occurrence.pk])
    computed = (occurrence.due_date, occurrence.key, occurrence.computation)

    page = client.get(url)
    response = client.post(url, {"status": "done", "done_on": "2005-07-08", "evidence": "Emailed on 8 July.",
                                 "due_date": "2005-12-31", "key": "forged", "computation": "typed by hand"})

    assert list(page.context["adminform"].form.fields) == ["status", "done_on", "evidence"]
    assert 'name="_save"' in page.content.decode()
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert (occurrence.status, occurrence.done_on, occurrence.evidence) == (
        "done", datetime.date(2005, 7, 8), "Emailed on 8 July.")
    assert (occurrence.due_date, occurrence.key, occurrence.computation) == computed


def test_finance_sees_a_deal_read_only(client, django_user_model, occurrence):
    member_of(client, django_user_model, FINANCE)

    page = client.get(reverse("admin:dealdesk_deal_change", args=[occurrence.rule.obligation.deal.pk]))

    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields) == []
    assert 'name="_save"' not in page.content.decode()


def test_finance_is_offered_the_mark_done_and_waive_actions_only(client, django_user_model, occurrence):
    member_of(client, django_user_model, FINANCE)

    page = client.get(reverse("admin:obligations_occurrence_changelist"))

    choices = [value for value, _ in page.context["action_form"].fields["action"].choices if value]
    assert choices == ["mark_done", "waive"]


def test_auditors_see_an_occurrence_without_a_save_button(client, django_user_model, occurrence):
    member_of(client, django_user_model, AUDITORS)

    page = client.get(reverse("admin:obligations_occurrence_change", args=[occurrence.pk]))

    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields) == []
    assert 'name="_save"' not in page.content.decode()
    assert "Monthly shareholder statement" in page.content.decode()


def test_auditors_are_offered_no_actions(client, django_user_model, occurrence):
    member_of(client, django_user_model, AUDITORS)

    for model in ("occurrence", "reminder", "obligation"):
        page = client.get(reverse(f"admin:obligations_{model}_changelist"))
        assert (model, page.status_code, page.context["action_form"]) == (model, 200, None)


def test_an_occurrence_marked_done_by_finance_stays_done_when_its_rule_is_recomputed(
        client, django_user_model, occurrence):
    # Finance's record of the outcome is history; a later sync must not reopen it.
    user = member_of(client, django_user_model, FINANCE)
    client.post(reverse("admin:obligations_occurrence_change", args=[occurrence.pk]),
                {"status": "done", "done_on": "2005-07-08", "evidence": "Emailed on 8 July."})
    rule = occurrence.rule
    rule.fixed_date = datetime.date(2005, 7, 15)

    rule.save()

    occurrence.refresh_from_db()
    assert (occurrence.status, occurrence.due_date, occurrence.done_by) == ("done", datetime.date(2005, 7, 8), user)
    assert Occurrence.objects.filter(rule=rule).count() == 1
