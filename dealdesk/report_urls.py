from django.urls import path

from deals import reporting

app_name = "reports"

urlpatterns = [
    path("", reporting.report_index, name="index"),
    path("<slug:name>/", reporting.report_page, name="page"),
    path("<slug:name>/csv/", reporting.report_csv, name="csv"),
]
