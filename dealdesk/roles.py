"""The three roles, as groups with permissions: one place that says who may do what."""
from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q


DOMAIN_APPS = ["dealdesk", "parties", "instruments", "closings", "obligations", "intake"]
DEAL_ADMINISTRATORS = "Deal administrators"
FINANCE = "Finance"
AUDITORS = "Auditors"


def _permissions(query: Q) -> list[Permission]:
    return list(Permission.objects.filter(query))


def role_permissions() -> dict[str, list[Permission]]:
    domain = Q(content_type__app_label__in=DOMAIN_APPS)
    reports = Q(content_type__app_label="dealdesk", codename="view_reports")
    reading = (domain & Q(codename__startswith="view_")) | reports
    return {
        # Change everything about deals and the beat schedule; lift a colleague's login lockout.
        DEAL_ADMINISTRATORS: _permissions(
            domain
            | Q(content_type__app_label="django_celery_beat")
            | Q(content_type__app_label="axes", codename__in=["view_accessattempt", "delete_accessattempt"])
        ),
        # Read everything; mark due dates done or waived (with evidence); retry a failed reminder.
        FINANCE: _permissions(
            reading | Q(content_type__app_label="obligations", codename__in=["change_occurrence", "change_reminder"])
        ),
        # Read-only everywhere (the beat schedule too), every report and export.
        AUDITORS: _permissions(reading | Q(content_type__app_label="django_celery_beat", codename__startswith="view_")),
    }


def roles_install() -> list[tuple[str, int]]:
    """Create or refresh the groups; their permissions are set to exactly the list above."""
    installed = []
    for name, permissions in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        installed.append((name, len(permissions)))
    return installed
