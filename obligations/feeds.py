"""Each user's private iCalendar feed of open deadlines, and the address it is published at.

Calendar apps cannot log in, so the feed's address carries a secret token;
replacing the token (`calendar_feed_revoke`) is how an address is withdrawn.
"""
from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from obligations.models import CalendarFeed, Occurrence, new_feed_token

CALENDAR_NAME = "dealdesk deadlines"
# Calendar apps re-read a subscribed address on their own schedule; these ask for hourly.
REFRESH = datetime.timedelta(hours=1)
# Open deadlines more than a year overdue are left out: the sample agreements alone hold
# hundreds from 2003-2005, and a calendar nobody scrolls back to is the wrong place to
# chase them (overdue reminders and the admin's "overdue" filter do that). Forward there is
# no cut: recurring rules only produce dates up to DEADLINE_HORIZON_DAYS, and a one-off
# deadline further out is still worth seeing.
PAST_WINDOW = datetime.timedelta(days=365)


def calendar_feed_for(*, user: AbstractBaseUser) -> CalendarFeed:
    """The user's feed, created with a fresh address on first use."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, feeds: QuerySet[CalendarFeed]) -> int:
    """Give each feed a new address; the old one stops working at once. Returns how many."""
    count = 0
    for feed in feeds.select_for_update():
        feed.token = new_feed_token()
        feed.save(update_fields=["token"])
        count += 1
    return count


def calendar_feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("feeds:feed", args=[feed.token])


def feed_occurrences(*, user: AbstractBaseUser, today: datetime.date) -> QuerySet[Occurrence]:
    """The open occurrences the user's feed shows, annotated with how often each was revised.

    Whoever may view occurrences sees them all; anyone else sees the obligations
    they are responsible staff of.
    """
    occurrences = Occurrence.objects.open().visible_to(user).filter(due_date__gte=today - PAST_WINDOW)
    # Each recorded change ("~") of the row is one revision: it becomes the event's SEQUENCE.
    changes = (
        Occurrence.history.model.objects.filter(id=OuterRef("pk"), history_type="~")
        .order_by()
        .values("id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        occurrences.annotate(revisions=Coalesce(Subquery(changes, output_field=IntegerField()), 0))
        .select_related("rule__obligation__deal", "rule__obligation__obligor")
        .order_by("due_date", "id")
    )


def _uid_domain(site_url: str) -> str:
    # A user may subscribe to more than one desk: the site's host keeps their UIDs apart.
    return urlsplit(site_url).hostname or "dealdesk"


def occurrence_summary(occurrence: Occurrence) -> str:
    obligation = occurrence.rule.obligation
    return f"s.{obligation.section} {obligation.title} – {obligation.deal.title}"


def occurrence_description(occurrence: Occurrence, *, url: str) -> str:
    obligation = occurrence.rule.obligation
    consequence = obligation.consequence or "The agreement states no amount for this obligation."
    return (
        f"Deal: {obligation.deal.title}\n"
        f"Section: s.{obligation.section}\n"
        f"Owed by: {obligation.obligor}\n"
        f"Due date: {occurrence.due_date.isoformat()}\n"
        f"How dated: {occurrence.computation}\n"
        f"\n"
        f"What a miss costs:\n{consequence}\n"
        f"\n"
        f"Mark it done, or see its history:\n{url}\n"
    )


def deadlines_ical(*, occurrences, site_url: str) -> icalendar.Calendar:
    """One all-day event per occurrence; the same rows always give the same text."""
    ical = icalendar.Calendar()
    ical.add("prodid", "-//dealdesk//deadlines//EN")
    ical.add("version", "2.0")
    ical.add("calscale", "GREGORIAN")
    ical.add("x-wr-calname", CALENDAR_NAME)
    ical.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})  # RFC 7986
    ical.add("x-published-ttl", icalendar.vDuration(REFRESH))  # what Outlook reads
    domain = _uid_domain(site_url)
    for occurrence in occurrences:
        url = site_url.rstrip("/") + reverse("admin:obligations_occurrence_change", args=[occurrence.pk])
        event = icalendar.Event()
        event.add("uid", f"occurrence-{occurrence.pk}@{domain}")
        event.add("dtstart", occurrence.due_date)
        event.add("dtend", occurrence.due_date + datetime.timedelta(days=1))
        # Without a METHOD, DTSTAMP is when the event was last revised in the store
        # (RFC 5545 3.8.7.2), so an unchanged deadline reads the same on every poll.
        event.add("dtstamp", occurrence.updated_at)
        event.add("last-modified", occurrence.updated_at)
        event.add("sequence", getattr(occurrence, "revisions", 0))
        event.add("summary", occurrence_summary(occurrence))
        event.add("description", occurrence_description(occurrence, url=url))
        event.add("url", url)
        # A deadline is not a meeting: it must not make the day look busy.
        event.add("transp", "TRANSPARENT")
        ical.add_component(event)
    return ical
