"""GET /health/: can the desk do its work? For a load balancer or a monitor.

200 when the database answers, the Celery broker answers within
HEALTH_BROKER_TIMEOUT_SECONDS, and no reminder ready to send has waited longer than
HEALTH_OUTBOX_MAX_WAIT_MINUTES; 503 otherwise, with the failing check named in the body.
No login; the body holds no address, host or error text (those go to the log); never cached.
"""
from __future__ import annotations

import datetime
import json
import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dealdesk.celery import app
from obligations.outbox import outbox_ready

logger = logging.getLogger(__name__)


def _broker_answers() -> bool:
    timeout = settings.HEALTH_BROKER_TIMEOUT_SECONDS
    try:
        # socket_timeout bounds a broker that accepts the connection but never answers.
        with app.connection_for_read(settings.CELERY_BROKER_URL, connect_timeout=timeout,
                                     transport_options={"socket_timeout": timeout}) as conn:
            conn.ensure_connection(max_retries=0)
    except Exception as error:  # whatever the transport raises, the broker is not usable
        logger.warning("event=health_check check=broker error=%s", json.dumps(f"{type(error).__name__}: {error}"))
        return False
    return True


@transaction.non_atomic_requests  # a database that is down must not stop the answer
@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    checks = {"database": "ok", "broker": "ok", "outbox": "ok"}
    oldest_ready_seconds = None
    try:
        oldest = outbox_ready(now=now).first()
    except DatabaseError as error:
        logger.warning("event=health_check check=database error=%s", json.dumps(f"{type(error).__name__}: {error}"))
        checks["database"] = "error"
        checks["outbox"] = "unknown"
    else:
        if oldest is not None:
            waited = now - oldest.ready_since
            oldest_ready_seconds = int(waited.total_seconds())
            if waited > datetime.timedelta(minutes=settings.HEALTH_OUTBOX_MAX_WAIT_MINUTES):
                checks["outbox"] = "stalled"
    if not _broker_answers():
        checks["broker"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": checks, "oldest_ready_seconds": oldest_ready_seconds},
        status=200 if healthy else 503,
    )
