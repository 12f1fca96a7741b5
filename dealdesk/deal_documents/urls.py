"""Include under "admin/deals/" in dealdesk/urls.py, before admin.site.urls: see docs/deal-document.md."""
from django.contrib import admin
from django.urls import path

from .views import deal_document_download

urlpatterns = [
    path("<int:deal_id>/document.json", admin.site.admin_view(deal_document_download), name="deal-document"),
]
