"""The roles part of the fault record: Finance could reopen a done deadline and mark one done with no evidence.

Marking a due date done now needs its evidence, on every path (the service, the admin action, the
change form); reopening a done or waived one, or amending its outcome, is for deal administrators.
"""
import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from dealdesk.roles import DEAL_ADMINISTRATORS, FINANCE
from obligations.models import DeadlineRule, Occurrence
from obligations.services import occurrences_mark_done
from tests.factories import DeadlineRuleFactory

pytestmark = pytest.mark.django_db

NO_EVIDENCE = ("Say what shows it was done (e.g. the email that delivered the list, "
               "or the filing's confirmation number).")
CHANGELIST = reverse("admin:obligations_occurrence_changelist")


@pytest.fixture
def occurrence() -> Occurrence:
    """SPA s.4(h): the June 2005 statement, due 8 July 2005."""
    rule = DeadlineRuleFactory(obligation__title="Monthly shareholder statement", kind=DeadlineRule.Kind.FIXED_DATE,
                               frequency="", fixed_date=datetime.date(2005, 7, 8), roll="none")
    return rule.occurrences.get()


@pytest.fixture
def done(occurrence) -> Occurrence:
    occurrences_mark_done(occurrences=Occurrence.objects.filter(pk=occurrence.pk), on=datetime.date(2005, 7, 8),
                          by=None, evidence="Statement emailed to the buyers on 8 July.")
    occurrence.refresh_from_db()
    return occurrence


def member_of(client, django_user_model, group: str):
    user = django_user_model.objects.create_user(group.lower(), f"{group.lower()}@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def outcome(occurrence: Occurrence) -> tuple:
    occurrence.refresh_from_db()
    return occurrence.status, occurrence.done_on, occurrence.evidence


def change_url(occurrence: Occurrence) -> str:
    return reverse("admin:obligations_occurrence_change", args=[occurrence.pk])


REOPEN = {"status": "open", "done_on": "", "evidence": ""}
DONE_ON_8_JULY = ("done", datetime.date(2005, 7, 8), "Statement emailed to the buyers on 8 July.")


def test_finance_cannot_reopen_a_done_deadline_and_sees_its_outcome_read_only(client, django_user_model, done):
    member_of(client, django_user_model, FINANCE)

    page = client.get(change_url(done))
    client.post(change_url(done), REOPEN)

    assert list(page.context["adminform"].form.fields) == []
    assert outcome(done) == DONE_ON_8_JULY


def test_finance_cannot_blank_the_evidence_of_a_done_deadline(client, django_user_model, done):
    member_of(client, django_user_model, FINANCE)

    client.post(change_url(done), {"status": "done", "done_on": "2005-07-08", "evidence": ""})

    assert outcome(done) == DONE_ON_8_JULY


def test_a_deal_administrator_may_reopen_a_done_deadline(client, django_user_model, done):
    member_of(client, django_user_model, DEAL_ADMINISTRATORS)

    response = client.post(change_url(done), REOPEN)

    assert response.status_code == 302
    assert outcome(done) == ("open", None, "")


def test_finance_still_records_the_outcome_of_an_open_deadline_with_its_evidence(client, django_user_model,
                                                                                 occurrence):
    member_of(client, django_user_model, FINANCE)

    response = client.post(change_url(occurrence), {"status": "done", "done_on": "2005-07-08",
                                                    "evidence": "Statement emailed to the buyers on 8 July."})

    assert response.status_code == 302
    assert outcome(occurrence) == DONE_ON_8_JULY


def test_the_change_form_refuses_done_without_evidence_and_says_so_beside_the_field(client, django_user_model,
                                                                                   occurrence):
    member_of(client, django_user_model, FINANCE)

    response = client.post(change_url(occurrence), {"status": "done", "done_on": "2005-07-08", "evidence": "  "})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"evidence": [NO_EVIDENCE]}
    assert outcome(occurrence) == ("open", None, "")


def test_the_mark_done_action_refuses_empty_evidence_and_marks_nothing(client, django_user_model, occurrence):
    member_of(client, django_user_model, FINANCE)

    response = client.post(CHANGELIST, {"action": "mark_done", "_selected_action": [occurrence.pk], "confirm": "yes",
                                        "on": "2005-07-08", "evidence": ""}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [NO_EVIDENCE]
    assert outcome(occurrence) == ("open", None, "")


def test_the_service_refuses_to_mark_a_deadline_done_without_evidence(occurrence):
    with pytest.raises(ValidationError) as refused:
        occurrences_mark_done(occurrences=Occurrence.objects.all(), on=datetime.date(2005, 7, 8), by=None,
                              evidence=" \n")

    assert refused.value.messages == [NO_EVIDENCE]
    assert outcome(occurrence) == ("open", None, "")
