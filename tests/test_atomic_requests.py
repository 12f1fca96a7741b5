"""A request that fails part-way leaves nothing half-done: each request is one transaction (ATOMIC_REQUESTS)."""
import pytest
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from obligations.admin import CalendarFeedAdmin
from obligations.models import CalendarFeed

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(superuser) -> Client:
    """A logged-in administrator who gets the server's error page, as a browser does, instead of the exception."""
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    return client


@pytest.fixture
def feeds(django_user_model) -> list[CalendarFeed]:
    """Two users subscribed to their deadlines calendar."""
    return [CalendarFeed.objects.create(user=django_user_model.objects.create_user(name, f"{name}@desk.example"))
            for name in ("alice", "bob")]


def tokens() -> dict[str, str]:
    return dict(CalendarFeed.objects.values_list("user__username", "token"))


def feed_address(token: str) -> str:
    return f"/calendar/{token}.ics"


def test_a_revoke_whose_audit_log_fails_part_way_leaves_every_address_working(browser, feeds, monkeypatch):
    before = tokens()
    logged = []

    def log_the_first_change_only(model_admin, request, obj, message):
        # The first feed's change is logged; writing the second one's fails.
        if logged:
            raise DatabaseError("could not write the admin log")
        logged.append(obj)
        return admin.ModelAdmin.log_change(model_admin, request, obj, message)

    monkeypatch.setattr(CalendarFeedAdmin, "log_change", log_the_first_change_only)

    response = browser.post(reverse("admin:obligations_calendarfeed_changelist"), {
        "action": "revoke", ACTION_CHECKBOX_NAME: [feed.pk for feed in feeds],
    })

    assert response.status_code == 500
    assert len(logged) == 1
    # Neither address was replaced and no change was logged: the subscribed calendars keep working.
    assert tokens() == before
    assert LogEntry.objects.count() == 0
    assert [browser.get(feed_address(token)).status_code for token in before.values()] == [200, 200]


def test_a_new_address_request_that_fails_before_saying_so_keeps_the_old_address(browser, superuser,
                                                                                  monkeypatch):
    feed = CalendarFeed.objects.create(user=superuser)

    def fail(*args, **kwargs):
        raise DatabaseError("could not store the message")

    # The address is replaced first; telling the user so fails.
    monkeypatch.setattr(messages, "success", fail)

    response = browser.post("/calendar/")

    assert response.status_code == 500
    assert CalendarFeed.objects.get(pk=feed.pk).token == feed.token
    assert browser.get(feed_address(feed.token)).status_code == 200
