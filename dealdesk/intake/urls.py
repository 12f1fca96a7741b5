"""Include under "admin/intake/" in dealdesk/urls.py, before admin.site.urls (its model pages live beside these)."""
from django.contrib import admin
from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("read/", admin.site.admin_view(views.read_agreement_page), name="read"),
    path("<int:intake_id>/", admin.site.admin_view(views.review), name="review"),
    path("<int:intake_id>/proposals/<int:proposal_id>/", admin.site.admin_view(views.decide), name="decide"),
    path("<int:intake_id>/accept-remaining/", admin.site.admin_view(views.accept_remaining), name="accept-remaining"),
    path("<int:intake_id>/confirm/", admin.site.admin_view(views.confirm), name="confirm"),
    path("<int:intake_id>/discard/", admin.site.admin_view(views.discard), name="discard"),
]
