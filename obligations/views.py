"""The iCalendar feed (read by calendar apps, by token) and the page where a user finds its address."""
from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from deals import clock
from obligations.feeds import (
    calendar_feed_for,
    calendar_feed_revoke,
    calendar_feed_url,
    deadlines_ical,
    feed_occurrences,
)
from obligations.models import CalendarFeed


# No login: the token in the address is the credential. never_cache keeps the
# secret-bearing response out of shared caches, and a replaced address stops at once.
@require_GET
@never_cache
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No calendar at this address.")
    occurrences = feed_occurrences(user=feed.user, today=clock.today())
    ical = deadlines_ical(occurrences=occurrences, site_url=settings.SITE_URL)
    response = HttpResponse(ical.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="dealdesk-deadlines.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_calendar(request: HttpRequest) -> HttpResponse:
    feed = calendar_feed_for(user=request.user)
    if request.method == "POST":
        calendar_feed_revoke(feeds=CalendarFeed.objects.filter(pk=feed.pk))
        messages.success(request, "Your calendar has a new address. The old one no longer works: "
                                  "replace it in every calendar app that used it.")
        return redirect("feeds:mine")
    context = {
        **admin.site.each_context(request),
        "title": "My calendar",
        "feed": feed,
        "feed_url": calendar_feed_url(feed),
    }
    return TemplateResponse(request, "obligations/my_calendar.html", context)
