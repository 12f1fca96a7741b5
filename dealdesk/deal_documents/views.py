"""The deal document as a download from the deal's admin page (the same export as `manage.py export_deal`)."""
import json

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.text import slugify

from deals.models import Deal

from .export import ExportError, deal_document_export


@staff_member_required
def deal_document_download(request: HttpRequest, deal_id: int) -> HttpResponse:
    if not request.user.has_perm("dealdesk.view_deal"):
        raise PermissionDenied
    deal = get_object_or_404(Deal, pk=deal_id)
    try:
        document = deal_document_export(deal=deal)
    except ExportError as error:
        # Said on the deal's page, where what it names can be corrected.
        messages.error(request, str(error))
        return redirect("admin:dealdesk_deal_change", deal.pk)
    response = HttpResponse(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(deal.title) or "deal"}.json"'
    return response
