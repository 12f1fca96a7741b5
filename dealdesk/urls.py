from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from dealdesk.dashboard import views as dashboard
from dealdesk.health import health

admin.site.site_header = "dealdesk"
admin.site.site_title = "dealdesk"
admin.site.index_title = "Deals, parties, instruments and obligations"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    # The front page is the dashboard (admin.site's index with its figures), and the list of models it used
    # to show is "All records"; both come before admin.site.urls, which keeps every other admin page.
    path("admin/", admin.site.admin_view(dashboard.index)),
    path("admin/records/", admin.site.admin_view(dashboard.all_records), name="all-records"),
    path("admin/deals/", include("dealdesk.deal_documents.urls")),
    path("admin/intake/", include("dealdesk.intake.urls")),
    path("admin/", admin.site.urls),
    path("reports/", include("dealdesk.report_urls")),
    path("calendar/", include("obligations.urls")),
    path("health/", health, name="health"),
]
