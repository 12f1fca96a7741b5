"""The front page of the admin, and "All records": the list of models the stock front page showed."""
from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from dealdesk.dashboard.figures import damages_for, dashboard_for
from dealdesk.roles import DOMAIN_APPS
from deals import clock
from deals.models import VIEW_REPORTS

DAMAGES_PART = "damages"


def index(request):
    """admin.site's own index view, with the dashboard that templates/admin/index.html shows in place of the models.

    Wired in dealdesk/urls.py ahead of admin.site.urls, so `admin:index` (every
    breadcrumb's "Home") leads here, and admin.site stays the default site.
    """
    today = clock.today()
    if request.GET.get("part") == DAMAGES_PART:
        if not request.user.has_perm(VIEW_REPORTS):
            raise PermissionDenied
        tile, chart = damages_for(today=today)
        return TemplateResponse(request, "admin/dashboard_damages.html", {"tile": tile, "chart": chart})
    # The damages are the fee-totals report, seconds on a desk of 10,000 deals: the page is shown without
    # them, and its script asks for them (?part=damages); without the script, the tile links to the report.
    dashboard = dashboard_for(user=request.user, today=today, with_damages=False)
    return admin.site.index(request, extra_context={"dashboard": dashboard, "damages_part": DAMAGES_PART})


def all_records(request):
    """Every kind of record the user may see: the desk's own first, in the order a deal is built, then the system's.

    The system's (users and groups, login lockouts, the beat schedule) are listed only
    to those who hold permissions on them (deal administrators and superusers).
    """
    apps = admin.site.get_app_list(request)
    desk = sorted((app for app in apps if app["app_label"] in DOMAIN_APPS),
                  key=lambda app: DOMAIN_APPS.index(app["app_label"]))
    system = [app for app in apps if app["app_label"] not in DOMAIN_APPS]
    request.current_app = admin.site.name
    return TemplateResponse(request, "dashboard/all_records.html", {
        **admin.site.each_context(request),
        "title": "All records",
        "desk_apps": desk,
        "system_apps": system,
    })
