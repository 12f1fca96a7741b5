"""Every path that changes a deal's records leaves a history row: what changed, from what to what, and by whom.

Paths: the admin change form, an admin action, a management command, the
services, and the signals that recompute due dates. Reminders are the sender's
outbox, not audited records, so `send_reminders` is not among them.
"""
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from dealdesk.roles import AUDITORS, DEAL_ADMINISTRATORS, FINANCE
from instruments.models import ShareClass
from obligations import services
from obligations.models import DeadlineRule, Occurrence
from tests.factories import DeadlineRuleFactory, DealEventFactory, ObligationFactory

pytestmark = pytest.mark.django_db


def changes(record) -> dict[str, tuple]:
    """{field: (old, new)} between a history row and the one before it."""
    delta = record.diff_against(record.prev_record)
    return {change.field: (change.old, change.new) for change in delta.changes}


def member_of(client, django_user_model, group: str):
    username = group.lower().replace(" ", "-")
    user = django_user_model.objects.create_user(username, f"{username}@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


@pytest.fixture
def occurrence():
    """SPA s.4(h): the June 2005 shareholder statement, due 8 July 2005."""
    rule = DeadlineRuleFactory(obligation__title="Monthly shareholder statement", kind=DeadlineRule.Kind.FIXED_DATE,
                               frequency="", fixed_date=datetime.date(2005, 7, 8), roll="none")
    return rule.occurrences.get()


def test_the_admin_change_form_records_old_and_new_values_and_the_user(client, django_user_model, occurrence):
    user = member_of(client, django_user_model, FINANCE)

    response = client.post(reverse("admin:obligations_occurrence_change", args=[occurrence.pk]),
                           {"status": "done", "done_on": "2005-07-08", "evidence": "Emailed on 8 July."})

    assert response.status_code == 302
    record = occurrence.history.latest()
    assert (record.history_type, record.history_user) == ("~", user)
    assert changes(record) == {
        "status": ("open", "done"),
        "done_on": (None, datetime.date(2005, 7, 8)),
        "done_by": (None, user.pk),
        "evidence": ("", "Emailed on 8 July."),
    }


def test_the_mark_done_action_records_the_change_and_the_user(client, django_user_model, occurrence):
    user = member_of(client, django_user_model, DEAL_ADMINISTRATORS)

    client.post(reverse("admin:obligations_occurrence_changelist"),
                {"action": "mark_done", "_selected_action": [occurrence.pk], "confirm": "yes",
                 "on": "2005-07-11", "evidence": "Statement delivered by fax."})

    record = occurrence.history.latest()
    assert (record.history_type, record.history_user) == ("~", user)
    assert changes(record) == {
        "status": ("open", "done"),
        "done_on": (None, datetime.date(2005, 7, 11)),
        "done_by": (None, user.pk),
        "evidence": ("", "Statement delivered by fax."),
    }


def test_load_sample_deals_putting_a_changed_number_back_is_recorded():
    call_command("load_sample_deals", stdout=io.StringIO())
    # CalbaTech's charter: 200,000,000 common shares authorized (SPA s.3(c)).
    common = ShareClass.objects.get(deal__title__startswith="CalbaTech", kind=ShareClass.Kind.COMMON)
    assert common.authorized == 200_000_000
    common.authorized = 250_000_000
    common.save()

    call_command("load_sample_deals", stdout=io.StringIO())

    record = common.history.latest()
    assert (record.history_type, record.history_user) == ("~", None)
    assert changes(record) == {"authorized": (250_000_000, 200_000_000)}
    assert common.history.count() == 3  # loaded, edited, put back


def test_the_mark_done_service_records_the_change(occurrence, django_user_model):
    finance = django_user_model.objects.create_user("finance")

    count = services.occurrences_mark_done(occurrences=Occurrence.objects.filter(pk=occurrence.pk),
                                           on=datetime.date(2005, 7, 8), by=finance, evidence="Emailed.")

    assert count == 1
    record = occurrence.history.latest()
    assert record.history_type == "~"
    assert changes(record) == {
        "status": ("open", "done"),
        "done_on": (None, datetime.date(2005, 7, 8)),
        "done_by": (None, finance.pk),
        "evidence": ("", "Emailed."),
    }


def test_sync_moving_a_due_date_after_a_rule_change_records_old_and_new_date():
    obligation = ObligationFactory(title="Registration statement filed", section="2(a)", kind="filing")
    # RRA s.2(a): file within 30 calendar days of the closing (23 May 2005).
    rule = DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.AFTER_ANCHOR, frequency="",
                               anchor=DeadlineRule.Anchor.CLOSING_DATE, offset=30,
                               offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, roll="none")
    occurrence = rule.occurrences.get()
    assert occurrence.due_date == datetime.date(2005, 6, 22)
    # Changed behind the signals' back, so only the service can move the date.
    DeadlineRule.objects.filter(pk=rule.pk).update(offset=45)

    result = services.occurrences_sync(rule=DeadlineRule.objects.get(pk=rule.pk))

    assert (result.created, result.updated, result.removed) == (0, 1, 0)
    record = occurrence.history.latest()
    assert record.history_type == "~"
    found = changes(record)
    assert found["due_date"] == (datetime.date(2005, 6, 22), datetime.date(2005, 7, 7))
    assert set(found) == {"due_date", "computation"}


def test_an_event_date_set_in_the_admin_creates_the_occurrence_with_history_by_that_user(client, django_user_model):
    user = member_of(client, django_user_model, DEAL_ADMINISTRATORS)
    event = DealEventFactory(name="Filing Date", date=None)
    obligation = ObligationFactory(deal=event.deal, title="Registration statement effective", section="2(a)")
    # RRA s.2(a): effective within 90 days of the Filing Date, which has not come yet.
    DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.AFTER_ANCHOR, frequency="",
                        anchor=DeadlineRule.Anchor.EVENT, anchor_event=event, offset=90,
                        offset_unit=DeadlineRule.Unit.CALENDAR_DAYS, roll="none")
    assert not Occurrence.objects.filter(rule__obligation=obligation).exists()

    response = client.post(reverse("admin:dealdesk_dealevent_change", args=[event.pk]),
                           {"deal": event.deal.pk, "name": "Filing Date", "date": "2005-06-22", "description": ""})

    assert response.status_code == 302
    event_record = event.history.latest()
    assert (event_record.history_user, changes(event_record)) == (user, {"date": (None, datetime.date(2005, 6, 22))})
    occurrence = Occurrence.objects.get(rule__obligation=obligation)
    created = occurrence.history.get()
    assert (created.history_type, created.history_user, created.due_date) == ("+", user, datetime.date(2005, 9, 20))


def test_the_history_page_shows_who_changed_what_from_and_to(client, django_user_model, occurrence):
    finance = member_of(client, django_user_model, FINANCE)
    client.post(reverse("admin:obligations_occurrence_change", args=[occurrence.pk]),
                {"status": "done", "done_on": "2005-07-08", "evidence": "Emailed on 8 July."})
    member_of(client, django_user_model, AUDITORS)

    response = client.get(reverse("admin:obligations_occurrence_history", args=[occurrence.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["title"] == f"View history: {occurrence}"
    newest = response.context["page_obj"][0]
    assert (newest.history_user, newest.get_history_type_display()) == (finance, "Changed")
    assert {(c["field"], c["old"], c["new"]) for c in newest.history_delta_changes} >= {
        ("Status", "open", "done"), ("Done on", "None", "2005-07-08"), ("Evidence", "", "Emailed on 8 July."),
    }
    assert "<strong>Status:</strong>\n                    open\n" in page
    assert escape("Emailed on 8 July.") in page
    assert ">finance</a>" in page
    assert "Revert" not in page


def test_an_old_version_opens_but_cannot_be_posted_back(client, django_user_model, occurrence):
    member_of(client, django_user_model, FINANCE)
    url = reverse("admin:obligations_occurrence_change", args=[occurrence.pk])
    client.post(url, {"status": "done", "done_on": "2005-07-08", "evidence": "Emailed on 8 July."})
    first = occurrence.history.earliest()
    version_url = reverse("admin:obligations_occurrence_simple_history", args=[occurrence.pk, first.history_id])

    page = client.get(version_url)
    # Restoring would also reopen the occurrence and clear its evidence, past the change form's checks.
    refused = client.post(version_url, {"status": "open", "done_on": "", "evidence": ""})

    assert page.status_code == 200
    assert 'value="Revert"' not in page.content.decode()
    assert refused.status_code == 403
    occurrence.refresh_from_db()
    assert (occurrence.status, occurrence.evidence) == ("done", "Emailed on 8 July.")
