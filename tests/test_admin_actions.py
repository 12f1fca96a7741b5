"""The "Mark done" and "Waive" actions on the occurrence list, through both steps of the admin."""
import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from obligations.models import Occurrence, Reminder
from tests.factories import DeadlineRuleFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:obligations_occurrence_changelist")


@pytest.fixture
def occurrences():
    """SPA s.4(h) statements for June, July and August 2005: three open occurrences."""
    rule = DeadlineRuleFactory(obligation__title="Monthly shareholder statement",
                               window_start=datetime.date(2005, 6, 30), window_end=datetime.date(2005, 8, 31))
    return list(Occurrence.objects.filter(rule=rule).order_by("due_date"))


def choose(client, action: str, selected):
    """Step one: tick rows on the changelist and pick the action."""
    return client.post(CHANGELIST, {"action": action, "_selected_action": [o.pk for o in selected]})


def confirm(client, action: str, selected, **form):
    """Step two: the confirmation page posts the selection back with the date and evidence."""
    data = {"action": action, "_selected_action": [o.pk for o in selected], "confirm": "yes", **form}
    return client.post(CHANGELIST, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_mark_done_asks_for_date_and_evidence_first(admin_client, occurrences):
    response = choose(admin_client, "mark_done", occurrences[:2])

    assert response.status_code == 200
    assert response.context["title"] == "Mark done: 2 selected"
    assert response.context["form"].initial == {"on": timezone.localdate()}
    assert Occurrence.objects.filter(status="open").count() == 3


def test_mark_done_records_day_person_and_evidence(admin_client, superuser, occurrences):
    response = confirm(admin_client, "mark_done", occurrences[:2], on="2005-07-08",
                       evidence="Statements emailed to the buyers on 8 July.")

    assert messages_of(response) == ["2 occurrences marked done."]
    done = Occurrence.objects.filter(status="done").order_by("due_date")
    assert [(o.pk, o.done_on, o.done_by, o.evidence) for o in done] == [
        (o.pk, datetime.date(2005, 7, 8), superuser, "Statements emailed to the buyers on 8 July.")
        for o in occurrences[:2]
    ]
    assert Occurrence.objects.get(pk=occurrences[2].pk).status == "open"


def test_mark_done_counts_only_occurrences_still_open(admin_client, occurrences):
    confirm(admin_client, "mark_done", occurrences[:1], on="2005-07-08", evidence="List emailed 8 Jul 2005")

    response = confirm(admin_client, "mark_done", occurrences[:2], on="2005-08-05", evidence="List emailed 5 Aug 2005")

    assert messages_of(response) == ["1 occurrence marked done."]
    assert Occurrence.objects.get(pk=occurrences[0].pk).done_on == datetime.date(2005, 7, 8)


def test_waive_records_who_waived_and_how(admin_client, superuser, occurrences):
    response = confirm(admin_client, "waive", occurrences[2:], on="2005-09-01",
                       evidence="Buyers' written waiver of 1 Sep 2005.")

    assert messages_of(response) == ["1 occurrence waived."]
    waived = Occurrence.objects.get(pk=occurrences[2].pk)
    assert (waived.status, waived.done_on, waived.done_by, waived.evidence) == (
        "waived", datetime.date(2005, 9, 1), superuser, "Buyers' written waiver of 1 Sep 2005.")


def test_waive_without_a_reason_shows_the_error_and_changes_nothing(admin_client, occurrences):
    response = confirm(admin_client, "waive", occurrences, on="2005-09-01", evidence="  ")

    assert response.status_code == 200
    assert messages_of(response) == ["Say who waived it and how (e.g. the buyers' written waiver)."]
    assert escape("Say who waived it and how") in response.content.decode()
    assert Occurrence.objects.filter(status="open").count() == 3


def test_marking_done_on_a_future_day_is_refused(admin_client, occurrences):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = confirm(admin_client, "mark_done", occurrences, on=tomorrow.isoformat())

    assert messages_of(response) == ["The date cannot be in the future."]
    assert Occurrence.objects.filter(status="open").count() == 3


def test_garbage_date_on_the_confirmation_page_is_a_form_error(admin_client, occurrences):
    response = confirm(admin_client, "mark_done", occurrences, on="2005-13-45")

    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert Occurrence.objects.filter(status="open").count() == 3


@pytest.fixture
def finance_client(client, django_user_model):
    """Finance staff: may look at the due dates, may not change them."""
    user = django_user_model.objects.create_user("finance", "finance@example.com", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_occurrence"))
    client.force_login(user)
    return client


def test_view_only_staff_see_the_list_without_the_actions(finance_client, occurrences):
    response = finance_client.get(CHANGELIST)

    assert response.status_code == 200
    assert "Monthly shareholder statement" in response.content.decode()
    assert response.context["action_form"] is None
    assert "Mark done" not in response.content.decode()


def test_view_only_staff_cannot_post_the_action(finance_client, occurrences):
    response = confirm(finance_client, "mark_done", occurrences, on="2005-07-08")

    assert response.status_code == 200
    assert Occurrence.objects.filter(status="open").count() == 3


def test_retry_puts_failed_reminders_back_in_the_queue(admin_client, occurrences):
    failed = Reminder.objects.create(occurrence=occurrences[0], due_date=occurrences[0].due_date, days_from_due=-7,
                                     scheduled_for=occurrences[0].due_date - datetime.timedelta(days=7),
                                     status="failed", attempts=5, last_error="Connection refused")
    sent = Reminder.objects.create(occurrence=occurrences[1], due_date=occurrences[1].due_date, days_from_due=-7,
                                   scheduled_for=occurrences[1].due_date - datetime.timedelta(days=7), status="sent")

    response = admin_client.post(reverse("admin:obligations_reminder_changelist"),
                                 {"action": "retry", "_selected_action": [failed.pk, sent.pk]}, follow=True)

    assert messages_of(response) == ["1 failed reminder queued again."]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 0, "")
    assert Reminder.objects.get(pk=sent.pk).status == "sent"
