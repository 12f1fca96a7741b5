"""Recompute due dates, and mark kept penalties stale, whenever something they are computed from
changes, by any path."""
from __future__ import annotations

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from deals.models import Deal, DealEvent
from instruments.models import ConvertibleNote
from obligations import accruals, services
from obligations.models import DeadlineRule, Obligation, Occurrence
from parties.models import Party


def _sync(rules) -> None:
    # A limb's sync syncs its parent: several limbs of one rule sync it once each, which is harmless.
    for rule in rules:
        services.occurrences_sync(rule=rule)


@receiver(post_save, sender=DeadlineRule, dispatch_uid="sync_rule")
def rule_saved(sender, instance: DeadlineRule, raw: bool = False, **kwargs) -> None:
    if not raw:
        services.occurrences_sync(rule=instance)


@receiver(post_delete, sender=DeadlineRule, dispatch_uid="sync_rule_deleted")
def rule_deleted(sender, instance: DeadlineRule, **kwargs) -> None:
    # Deleting a limb moves the date of the rule it was part of.
    if instance.part_of_id is not None:
        parent = DeadlineRule.objects.filter(pk=instance.part_of_id).first()
        if parent is not None:
            services.occurrences_sync(rule=parent)


@receiver(post_save, sender=DealEvent, dispatch_uid="sync_event")
def event_saved(sender, instance: DealEvent, raw: bool = False, **kwargs) -> None:
    # Rules counted from the event, starting or ending with it, or following every event of its kind.
    if not raw:
        rules = Q(anchor_event=instance) | Q(starts_with=instance) | Q(ends_with=instance)
        if instance.kind_id is not None:
            rules |= Q(event_kind_id=instance.kind_id)
        _sync(DeadlineRule.objects.filter(rules).distinct())


@receiver(post_delete, sender=DealEvent, dispatch_uid="sync_event_deleted")
def event_deleted(sender, instance: DealEvent, **kwargs) -> None:
    # A recorded filing deleted by mistake takes its open due date with it.
    if instance.kind_id is not None:
        _sync(DeadlineRule.objects.filter(event_kind_id=instance.kind_id))


@receiver(post_save, sender=Deal, dispatch_uid="sync_deal")
def deal_saved(sender, instance: Deal, raw: bool = False, **kwargs) -> None:
    # Agreement and closing dates anchor rules and start recurring windows.
    if not raw:
        services.occurrences_sync_for_deal(deal=instance)


@receiver(post_save, sender=Party, dispatch_uid="sync_party")
def party_saved(sender, instance: Party, raw: bool = False, **kwargs) -> None:
    # A changed fiscal year end moves the obligor's quarterly and yearly deadlines.
    if not raw:
        _sync(DeadlineRule.objects.filter(obligation__obligor=instance).exclude(frequency=""))


@receiver(post_save, sender=ConvertibleNote, dispatch_uid="sync_note")
def note_saved(sender, instance: ConvertibleNote, raw: bool = False, **kwargs) -> None:
    # The last Note repaid or converted ends the duties that last while any Note is outstanding.
    if not raw:
        _sync(DeadlineRule.objects.filter(obligation__deal_id=instance.deal_id, ends_when_notes_repaid=True))


# --------------------------------------------------------------------------
# Kept penalties (obligations.accruals): stale once anything they are computed from changes
# --------------------------------------------------------------------------


@receiver([post_save, post_delete], sender=Occurrence, dispatch_uid="penalty_due_date")
def penalty_due_date_changed(sender, instance: Occurrence, **kwargs) -> None:
    accruals.penalties_changed(Obligation.objects.filter(rules=instance.rule_id))


@receiver(post_save, sender=Obligation, dispatch_uid="penalty_covenant")
def penalty_covenant_changed(sender, instance: Obligation, **kwargs) -> None:
    accruals.penalties_changed([instance.pk])


@receiver(m2m_changed, sender=Obligation.beneficiaries.through, dispatch_uid="penalty_beneficiaries")
def penalty_beneficiaries_changed(sender, instance, reverse: bool, pk_set, **kwargs) -> None:
    if kwargs["action"] not in ("post_add", "post_remove", "post_clear", "pre_clear"):
        return
    if not reverse:  # instance is the obligation
        accruals.penalties_changed([instance.pk])
    elif kwargs["action"] == "pre_clear":  # a party leaving all its obligations: those it benefits
        accruals.penalties_changed(Obligation.objects.filter(beneficiaries=instance))
    else:
        accruals.penalties_changed(pk_set or ())


@receiver(pre_save, sender=ConvertibleNote, dispatch_uid="penalty_note_moving")
def penalty_note_moving(sender, instance: ConvertibleNote, **kwargs) -> None:
    # A note moved to another deal leaves the damages of the deal it was in.
    if instance.pk is not None:
        accruals.penalties_changed(Obligation.objects.filter(deal__convertible_notes=instance.pk))


@receiver([post_save, post_delete], sender=ConvertibleNote, dispatch_uid="penalty_note")
def penalty_note_changed(sender, instance: ConvertibleNote, **kwargs) -> None:
    # SPA s.2(f): damages run on the deal's notes, each holder's on its own.
    accruals.penalties_changed(Obligation.objects.filter(deal_id=instance.deal_id))


@receiver(post_save, sender=Party, dispatch_uid="penalty_party")
def penalty_party_renamed(sender, instance: Party, **kwargs) -> None:
    # The kept rows name the payer and the payees: the beneficiaries, or the deal's noteholders.
    accruals.penalties_changed(Obligation.objects.filter(
        Q(obligor=instance) | Q(beneficiaries=instance) | Q(deal__convertible_notes__holder=instance)))


@receiver(pre_delete, sender=Party, dispatch_uid="penalty_party_deleted")
def penalty_beneficiary_deleted(sender, instance: Party, **kwargs) -> None:
    # Deleting a party deletes its links as a beneficiary without a word to m2m_changed.
    accruals.penalties_changed(Obligation.objects.filter(beneficiaries=instance))


@receiver(post_save, sender=Deal, dispatch_uid="penalty_deal")
def penalty_deal_renamed(sender, instance: Deal, **kwargs) -> None:
    # The kept rows name the deal.
    accruals.penalties_changed(Obligation.objects.filter(deal=instance))
