from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from dealdesk.health import health

admin.site.site_header = "dealdesk"
admin.site.site_title = "dealdesk"
admin.site.index_title = "Deals, parties, instruments and obligations"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("reports/", include("dealdesk.report_urls")),
    path("calendar/", include("obligations.urls")),
    path("health/", health, name="health"),
]
