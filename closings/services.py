"""Workflows over closings: completing one once nothing on its checklist is open, reopening one."""
from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from closings.models import Closing


@transaction.atomic
def closing_complete(*, closing: Closing, on: datetime.date, by: AbstractBaseUser | None) -> Closing:
    """Mark the closing complete on `on`; refused, naming them, while any of its items is open.

    The closing and its items are locked first, so no item can be reopened
    between the check and the save. A refusal changes nothing.
    """
    locked = Closing.objects.select_for_update().select_related("deal").get(pk=closing.pk)
    list(locked.items.select_for_update())
    if locked.closed_on:
        raise ValidationError(f"{locked.name} was already completed on {locked.closed_on.isoformat()}.")
    locked.closed_on = on
    locked.closed_by = by
    # Closing.clean() holds the rule: no open item, no day still to come.
    locked.full_clean()
    locked._history_user = by  # the audit trail names who did it, in a request or not
    locked.save()
    return locked


@transaction.atomic
def closing_reopen(*, closing: Closing, by: AbstractBaseUser | None) -> Closing:
    """Undo a completion (e.g. entered on the wrong day); the audit trail keeps the completion."""
    locked = Closing.objects.select_for_update().get(pk=closing.pk)
    if not locked.closed_on:
        raise ValidationError(f"{locked.name} is not complete.")
    locked.closed_on = None
    locked.closed_by = None
    locked._history_user = by
    locked.save()
    return locked
