"""Deals, rules and completed due dates stored before the richer rules survive the migration unchanged."""
import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from obligations.models import DeadlineRule, Occurrence

BEFORE = [("obligations", "0005_penalty_base_on_notes_with_interest")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_rules_keep_their_weekend_handling_and_completed_due_dates_keep_their_outcome():
    old = migrate(BEFORE)
    deal = old.get_model("dealdesk", "Deal").objects.create(
        title="Old deal", agreement_name="Securities Purchase Agreement", kind="convertible_notes",
        dated_as_of=datetime.date(2005, 5, 23), closing_date=datetime.date(2005, 5, 23))
    party = old.get_model("parties", "Party").objects.create(legal_name="CalbaTech, Inc.", form="corporation")
    obligation = old.get_model("obligations", "Obligation").objects.create(
        deal=deal, obligor=party, title="Monthly list", section="4(h)")
    rule_model = old.get_model("obligations", "DeadlineRule")
    rolling = rule_model.objects.create(obligation=obligation, kind="recurring", frequency="monthly", offset=5,
                                        offset_unit="business_days", roll_forward=True)
    fixed = rule_model.objects.create(obligation=obligation, kind="fixed_date", fixed_date=datetime.date(2005, 7, 9),
                                      roll_forward=False)
    old.get_model("obligations", "Occurrence").objects.create(
        rule=rolling, key="2005-05-31", due_date=datetime.date(2005, 6, 7), period_end=datetime.date(2005, 5, 31),
        computation="Month ended 31 May 2005 + 5 business days = Tue 7 Jun 2005", status="done",
        done_on=datetime.date(2005, 6, 6), evidence="List emailed to each Buyer")

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert DeadlineRule.objects.get(pk=rolling.pk).roll == DeadlineRule.Roll.FOLLOWING
    assert DeadlineRule.objects.get(pk=fixed.pk).roll == DeadlineRule.Roll.NONE
    assert DeadlineRule.objects.get(pk=rolling.pk).direction == DeadlineRule.Direction.AFTER
    done = Occurrence.objects.get(rule_id=rolling.pk, key="2005-05-31")
    assert (done.status, done.done_on, done.due_date, done.evidence, done.computation) == (
        "done", datetime.date(2005, 6, 6), datetime.date(2005, 6, 7), "List emailed to each Buyer",
        "Month ended 31 May 2005 + 5 business days = Tue 7 Jun 2005")
