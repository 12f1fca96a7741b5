"""Recompute due dates whenever something they are computed from changes, by any path."""
from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from deals.models import Deal, DealEvent
from obligations import services
from obligations.models import DeadlineRule
from parties.models import Party


@receiver(post_save, sender=DeadlineRule, dispatch_uid="sync_rule")
def rule_saved(sender, instance: DeadlineRule, raw: bool = False, **kwargs) -> None:
    if not raw:
        services.occurrences_sync(rule=instance)


@receiver(post_save, sender=DealEvent, dispatch_uid="sync_event")
def event_saved(sender, instance: DealEvent, raw: bool = False, **kwargs) -> None:
    if not raw:
        for rule in instance.rules.all():
            services.occurrences_sync(rule=rule)


@receiver(post_save, sender=Deal, dispatch_uid="sync_deal")
def deal_saved(sender, instance: Deal, raw: bool = False, **kwargs) -> None:
    # Agreement and closing dates anchor rules and start recurring windows.
    if not raw:
        services.occurrences_sync_for_deal(deal=instance)


@receiver(post_save, sender=Party, dispatch_uid="sync_party")
def party_saved(sender, instance: Party, raw: bool = False, **kwargs) -> None:
    # A changed fiscal year end moves the obligor's quarterly and yearly deadlines.
    if not raw:
        for rule in DeadlineRule.objects.filter(obligation__obligor=instance).exclude(frequency=""):
            services.occurrences_sync(rule=rule)
