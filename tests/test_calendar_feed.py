"""Each user's private calendar address: what it shows, to whom, and how it is withdrawn."""
import datetime
import zoneinfo

import icalendar
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from dealdesk.roles import AUDITORS
from obligations.models import CalendarFeed, DeadlineRule, Occurrence
from obligations.services import occurrences_mark_done
from tests.factories import DeadlineRuleFactory, DealFactory, ObligationFactory, PartyFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
SITE = "https://dealdesk.example.com"


@pytest.fixture(autouse=True)
def desk(settings, time_machine):
    settings.SITE_URL = SITE
    time_machine.move_to(datetime.datetime(2005, 6, 1, 9, 0, tzinfo=NEW_YORK), tick=False)


@pytest.fixture
def deal():
    return DealFactory(title="CalbaTech 10% secured convertible notes")


@pytest.fixture
def calbatech():
    return PartyFactory(legal_name="CalbaTech, Inc.", short_name="CalbaTech")


@pytest.fixture
def share_list(deal, calbatech) -> DeadlineRule:
    """SPA s.4(h): the reserved-share list, five business days after each month end, May to July 2005."""
    obligation = ObligationFactory(
        deal=deal, obligor=calbatech, section="4(h)", title="Reserved share list",
        consequence="An Event of Default under the Notes.",
    )
    return DeadlineRuleFactory(obligation=obligation, window_end=datetime.date(2005, 7, 31))


@pytest.fixture
def registration(deal, calbatech) -> DeadlineRule:
    """SPA s.2(a): the registration statement, 30 days after the closing (23 May 2005)."""
    obligation = ObligationFactory(deal=deal, obligor=calbatech, section="2(a)",
                                   title="File the registration statement")
    return DeadlineRuleFactory(
        obligation=obligation, kind=DeadlineRule.Kind.AFTER_ANCHOR, frequency="",
        anchor=DeadlineRule.Anchor.CLOSING_DATE, offset=30, offset_unit=DeadlineRule.Unit.CALENDAR_DAYS,
    )


@pytest.fixture
def auditor(django_user_model):
    user = django_user_model.objects.create_user("auditor", "auditor@example.com")
    user.groups.add(Group.objects.get(name=AUDITORS))
    return user


def feed_url(user) -> str:
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return reverse("feeds:feed", args=[feed.token])


def fetch(client, url: str) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(occurrence: Occurrence) -> str:
    return f"occurrence-{occurrence.pk}@dealdesk.example.com"


def occurrences_of(rule: DeadlineRule) -> list[Occurrence]:
    return list(rule.occurrences.order_by("due_date"))


def test_feed_is_a_calendar_that_asks_to_be_refreshed_hourly(client, auditor, share_list):
    response = client.get(feed_url(auditor))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//dealdesk//deadlines//EN"
    assert str(calendar["X-WR-CALNAME"]) == "dealdesk deadlines"
    text = response.content.decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    assert "X-PUBLISHED-TTL:PT1H\r\n" in text


def test_each_open_due_date_is_an_all_day_event(client, auditor, share_list):
    may, june, july = occurrences_of(share_list)

    calendar = fetch(client, feed_url(auditor))

    summary = "s.4(h) Reserved share list – CalbaTech 10% secured convertible notes"
    # Five business days after 31 May, 30 June (4 July a holiday) and 31 July 2005.
    assert [(str(e["UID"]), e.decoded("DTSTART"), e.decoded("DTEND"), str(e["SUMMARY"]))
            for e in calendar.walk("VEVENT")] == [
        (uid(may), datetime.date(2005, 6, 7), datetime.date(2005, 6, 8), summary),
        (uid(june), datetime.date(2005, 7, 8), datetime.date(2005, 7, 9), summary),
        (uid(july), datetime.date(2005, 8, 5), datetime.date(2005, 8, 6), summary),
    ]
    event = events(calendar)[uid(may)]
    assert str(event["DESCRIPTION"]) == (
        "Deal: CalbaTech 10% secured convertible notes\n"
        "Section: s.4(h)\n"
        "Owed by: CalbaTech, Inc.\n"
        "Due date: 2005-06-07\n"
        f"How dated: {may.computation}\n"
        "\n"
        "What a miss costs:\nAn Event of Default under the Notes.\n"
        "\n"
        "Mark it done, or see its history:\n"
        f"{SITE}/admin/obligations/occurrence/{may.pk}/change/\n"
    )
    assert str(event["URL"]) == f"{SITE}/admin/obligations/occurrence/{may.pk}/change/"
    assert event.decoded("LAST-MODIFIED") == datetime.datetime(2005, 6, 1, 13, 0, tzinfo=datetime.UTC)
    assert event.decoded("DTSTAMP") == datetime.datetime(2005, 6, 1, 13, 0, tzinfo=datetime.UTC)
    assert event["SEQUENCE"] == 0
    assert str(event["TRANSP"]) == "TRANSPARENT"


def test_a_due_date_marked_done_leaves_the_feed(client, auditor, share_list):
    may, june, july = occurrences_of(share_list)
    occurrences_mark_done(occurrences=Occurrence.objects.filter(pk=may.pk), on=datetime.date(2005, 6, 1), by=auditor,
                          evidence="List emailed")

    calendar = fetch(client, feed_url(auditor))

    assert list(events(calendar)) == [uid(june), uid(july)]


def test_a_rule_change_moves_the_event_and_keeps_its_uid(client, auditor, share_list, time_machine):
    may = occurrences_of(share_list)[0]
    url = feed_url(auditor)
    before = events(fetch(client, url))[uid(may)]
    time_machine.move_to(datetime.datetime(2005, 6, 2, 10, 30, tzinfo=NEW_YORK), tick=False)

    share_list.offset = 10
    share_list.save()

    after = events(fetch(client, url))[uid(may)]
    assert (before.decoded("DTSTART"), after.decoded("DTSTART")) == (datetime.date(2005, 6, 7),
                                                                     datetime.date(2005, 6, 14))
    assert (before.decoded("LAST-MODIFIED"), after.decoded("LAST-MODIFIED")) == (
        datetime.datetime(2005, 6, 1, 13, 0, tzinfo=datetime.UTC),
        datetime.datetime(2005, 6, 2, 14, 30, tzinfo=datetime.UTC),
    )
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)


def test_responsible_staff_without_view_permission_see_only_their_obligations(
    client, django_user_model, share_list, registration
):
    clerk = django_user_model.objects.create_user("clerk", "clerk@calbatech.example.com")
    registration.obligation.responsible_staff.add(clerk)
    (filing,) = occurrences_of(registration)

    calendar = fetch(client, feed_url(clerk))

    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == [
        "s.2(a) File the registration statement – CalbaTech 10% secured convertible notes"
    ]
    assert list(events(calendar)) == [uid(filing)]


def test_a_user_with_no_permission_and_no_obligations_gets_an_empty_calendar(client, django_user_model, share_list):
    stranger = django_user_model.objects.create_user("stranger")

    calendar = fetch(client, feed_url(stranger))

    assert calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-CALNAME"]) == "dealdesk deadlines"


def test_an_auditor_sees_every_open_due_date(client, auditor, share_list, registration):
    calendar = fetch(client, feed_url(auditor))

    # The registration statement (30 days after the 23 May closing) between the first two share lists.
    assert [(e.decoded("DTSTART"), str(e["SUMMARY"]).split(" – ")[0]) for e in calendar.walk("VEVENT")] == [
        (datetime.date(2005, 6, 7), "s.4(h) Reserved share list"),
        (datetime.date(2005, 6, 22), "s.2(a) File the registration statement"),
        (datetime.date(2005, 7, 8), "s.4(h) Reserved share list"),
        (datetime.date(2005, 8, 5), "s.4(h) Reserved share list"),
    ]
    assert set(events(calendar)) == {uid(o) for o in [*occurrences_of(share_list), *occurrences_of(registration)]}


def test_open_due_dates_more_than_a_year_overdue_are_left_out(client, auditor, share_list, time_machine):
    _, june, july = occurrences_of(share_list)
    time_machine.move_to(datetime.datetime(2006, 7, 8, 9, 0, tzinfo=NEW_YORK), tick=False)

    calendar = fetch(client, feed_url(auditor))

    # Due 7 June and 8 July 2005: a year back from 8 July 2006 is 8 July 2005.
    assert list(events(calendar)) == [uid(june), uid(july)]


def test_unknown_address_is_not_found(client, auditor):
    feed_url(auditor)

    response = client.get(reverse("feeds:feed", args=["not-a-token-anyone-was-given"]))

    assert response.status_code == 404


def test_an_inactive_user_s_address_is_not_found(client, auditor, share_list):
    url = feed_url(auditor)
    auditor.is_active = False
    auditor.save()

    assert client.get(url).status_code == 404


def test_my_calendar_page_needs_login(client):
    response = client.get("/calendar/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/calendar/"
    assert client.post("/calendar/").status_code == 302
    assert CalendarFeed.objects.count() == 0


def test_my_calendar_page_creates_the_address_once_and_shows_it_whole(client, auditor):
    client.force_login(auditor)

    first = client.get("/calendar/")
    second = client.get("/calendar/")

    feed = CalendarFeed.objects.get(user=auditor)
    address = f"{SITE}/calendar/{feed.token}.ics"
    assert first.status_code == 200
    assert f'value="{address}"' in first.content.decode()
    assert f'value="{address}"' in second.content.decode()
    assert "Add calendar</strong> &rarr; <strong>From internet" in first.content.decode()
    assert "Other calendars</strong>" in first.content.decode()


def test_replacing_the_address_on_my_calendar_page_stops_the_old_one(client, auditor, share_list):
    old_url = feed_url(auditor)
    client.force_login(auditor)

    response = client.post("/calendar/", follow=True)

    assert response.redirect_chain == [("/calendar/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Your calendar has a new address. The old one no longer works: replace it in every calendar app that used it."
    ]
    new_url = feed_url(auditor)
    assert new_url != old_url
    assert f"{SITE}{new_url}" in response.content.decode()
    client.logout()
    assert client.get(old_url).status_code == 404
    assert len(fetch(client, new_url).walk("VEVENT")) == 3


def test_admin_revoke_action_stops_the_old_address(admin_client, auditor, django_user_model, share_list):
    old_url = feed_url(auditor)
    untouched_url = feed_url(django_user_model.objects.create_user("clerk"))
    feed = CalendarFeed.objects.get(user=auditor)

    response = admin_client.post(
        reverse("admin:obligations_calendarfeed_changelist"),
        {"action": "revoke", "_selected_action": [feed.pk]}, follow=True,
    )

    message = ("1 calendar address replaced; the old one no longer works. "
               "Each user finds the new address on their My calendar page.")
    assert [str(m) for m in response.context["messages"]] == [message]
    assert admin_client.get(old_url).status_code == 404
    assert len(fetch(admin_client, feed_url(auditor)).walk("VEVENT")) == 3
    assert admin_client.get(untouched_url).status_code == 200


def test_admin_shows_the_address_cut_short_and_read_only(admin_client, auditor):
    feed = CalendarFeed.objects.create(user=auditor)

    response = admin_client.get(reverse("admin:obligations_calendarfeed_change", args=[feed.pk]))

    page = response.content.decode()
    assert f".../calendar/{feed.token[:4]}....ics (its owner sees it whole on their My calendar page)" in page
    assert feed.token not in page
    assert 'name="token"' not in page
    assert 'name="user"' not in page


def test_admin_user_tools_link_to_my_calendar(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert '<a href="/calendar/">My calendar</a> /' in response.content.decode()
