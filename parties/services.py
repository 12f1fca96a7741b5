"""Workflows over parties: when a notice sent to a party counts as given."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from deals.models import Deal
from parties.models import NoticeMethod


@dataclass(frozen=True)
class NoticeEffect:
    effective_on: datetime.date | None
    explanation: str


def notice_effective_on(
    *,
    deal: Deal,
    method: str,
    sent_on: datetime.date,
    received_on: datetime.date | None = None,
) -> NoticeEffect:
    """Answer "sent on D by method M: effective when?" under the deal's notice clause.

    Placement Agent Agreement s.11(B): effective when deposited in the mail, or
    on receipt if delivered by hand or fax. SPA s.8(f): five days after being
    placed in the mail, or on receipt if delivered personally, by courier or fax.
    """
    rule = deal.notice_methods.filter(method=method).first()
    label = NoticeMethod.Method(method).label if method in NoticeMethod.Method.values else method
    if rule is None:
        allowed = ", ".join(m.get_method_display().lower() for m in deal.notice_methods.all())
        raise ValidationError(
            f"{deal} does not allow notices by {label.lower()}. Allowed: {allowed or 'none recorded'}."
        )
    if received_on is not None and received_on < sent_on:
        raise ValidationError("A notice cannot be received before it is sent.")

    if rule.effective_when == NoticeMethod.EffectiveWhen.ON_RECEIPT:
        if received_on is None:
            return NoticeEffect(None, f"{label}: effective on receipt, which is not yet recorded.")
        return NoticeEffect(received_on, f"{label}: effective on receipt, {received_on:%d %b %Y}.")

    effective = sent_on + datetime.timedelta(days=rule.days_after_sending)
    if rule.days_after_sending == 0:
        return NoticeEffect(effective, f"{label}: effective when sent, {effective:%d %b %Y}.")
    return NoticeEffect(
        effective,
        f"{label}: sent {sent_on:%d %b %Y} + {rule.days_after_sending} days = {effective:%d %b %Y}.",
    )
