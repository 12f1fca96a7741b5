"""The change-history CSV reads records as plain values and diffs them itself: it must write exactly what
simple-history's own diff_against and the models' __str__ say, for every kind of change and filter."""
import csv
import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals import reports as history  # the change history report
from deals.csvsafe import csv_cell
from deals.models import DealEvent
from deals.reporting import csv_lines, get_report
from obligations.models import Obligation, Occurrence
from parties.models import DealParty, Party
from tests.desk_clock import at
from tests.factories import (
    AddressFactory,
    DeadlineRuleFactory,
    DealEventFactory,
    DealFactory,
    DealPartyFactory,
    EventKindFactory,
    ObligationFactory,
    PartyFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def by_simple_history(filterset, order=()) -> str:
    """The CSV as simple-history itself tells each change, one record at a time (the report's former way):
    the record before it (the latest strictly earlier one), diff_against with the objects the foreign keys
    point to, and the object the record was."""
    report = get_report("history")
    models_ = history.audited_models()
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow([col.key for col in report.csv_columns])
    for o in report.ordered(filterset, order):
        model = models_[o["model"]]
        record = model.history.model.objects.get(history_id=o["history_id"])
        changes = ""
        previous = (model.history.model.objects.filter(id=record.id, history_date__lt=record.history_date)
                    .order_by("history_date", "history_id").last())
        if record.history_type == "~" and previous is not None:
            m2m = {field.name: field for field in model._meta.many_to_many}
            described = []
            for change in record.diff_against(previous, foreign_keys_are_objs=True).changes:
                if change.field in m2m:
                    key = m2m[change.field].m2m_reverse_field_name()
                    old, new = (", ".join(str(row[key]) for row in rows) or "(none)"
                                for rows in (change.old, change.new))
                else:
                    old, new = (str(v) if v not in (None, "") else "(empty)" for v in (change.old, change.new))
                described.append(f"{change.field}: {old} → {new}")
            changes = "; ".join(described)
        try:
            label = str(record.instance)
        except ObjectDoesNotExist:
            label = f"#{record.id}"
        row = [record.history_date, o["user"] or "", model._meta.verbose_name.capitalize(), label,
               history.CHANGE_TYPES[record.history_type], changes]
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


def exported(data: dict, order=()) -> str:
    report = get_report("history")
    filterset = report.filterset(data)
    assert filterset.is_valid(), filterset.errors
    return "".join(csv_lines(report, filterset, order))


def expected(data: dict, order=()) -> str:
    report = get_report("history")
    filterset = report.filterset(data)
    assert filterset.is_valid(), filterset.errors
    return by_simple_history(filterset, order)


@pytest.fixture
def desk(django_user_model):
    """A desk with every kind of change: created, changed (several fields, foreign keys, many-to-many,
    values emptied and filled), deleted, changes naming objects deleted since, and two records of one
    object at the same instant."""
    maria = django_user_model.objects.create_user("maria")
    with at("2005-06-01"):
        alpha, beta = DealFactory(title="Alpha, the =first"), DealFactory(title='Beta "B"')
        acme = PartyFactory(legal_name="Acme, Inc.", jurisdiction="Nevada")
        formula = PartyFactory(legal_name="=SUM(A1) LLC")
        gone = PartyFactory(legal_name="Gone Corp.")
        obligation = ObligationFactory(deal=alpha, obligor=gone, title="Deliver reports\nmonthly", section="4(h)")
        obligation.beneficiaries.set([formula])
        obligation.responsible_staff.set([maria])
        rule = DeadlineRuleFactory(obligation=obligation)
        occurrence = Occurrence.objects.create(rule=rule, key="2005-06", due_date=datetime.date(2005, 7, 8),
                                               computation="5 business days after 2005-06-30")
        role = DealPartyFactory(deal=alpha, party=acme, role=DealParty.Role.INVESTOR)
        lost = ObligationFactory(deal=beta, obligor=formula, title="Pay the fee")
        lost.beneficiaries.set([acme, gone])
    with at("2005-06-02", 9):
        acme.legal_name, acme.jurisdiction, acme.form = "Acme Holdings, Inc.", "", Party.Form.LLC
        acme._history_user = maria
        acme.save()
    with at("2005-06-02", 23, 59):
        DealParty.objects.filter(party=gone).delete()
        obligation.obligor = acme
        obligation.penalty, obligation.penalty_rate = Obligation.Penalty.MONTHLY_ON_NOTES, Decimal("0.03")
        obligation.save()
        gone.delete()  # the change above still names it
        obligation.beneficiaries.set([acme, formula])
    with at("2005-06-03", 0, 1):
        signatory = PersonFactory(party=acme, name="Ann Lee", title="CEO")
        role.signatory = signatory
        role.save()
        role.copy_to.set([AddressFactory(party=acme, city="Reno, NV")])
        occurrence.status, occurrence.done_on, occurrence.done_by = "done", datetime.date(2005, 6, 3), maria
        occurrence.evidence = '=cmd|" /C calc"!A0'
        occurrence._history_user = maria
        occurrence.save()
    with at("2005-06-04"):
        formula.legal_name = "Formula LLC"
        formula.save()
        formula.legal_name = "Formula Two LLC"
        formula.save()  # at the same instant: nothing strictly before it but the creation
        role.signatory = None
        role.copy_to.clear()
        role.save()
        occurrence.status, occurrence.done_on, occurrence.done_by, occurrence.evidence = "open", None, None, ""
        occurrence.save()
    with at("2005-06-05"):
        beta.delete()  # its obligation's records now name a deal that is gone
        role.delete()
        signatory.delete()
    return {"alpha": alpha, "maria": maria, "lost": lost}


def test_the_history_csv_is_what_simple_history_says_of_every_change(desk):
    text = exported({})

    assert text == expected({})
    # The desk holds what it is meant to: every kind of change, each way a value is named.
    assert "changed (~)" in text and "deleted (-)" in text and "created (+)" in text
    assert "obligor: Deleted party (pk=" in text  # gone since
    assert "beneficiaries: Formula Two LLC → Acme Holdings, Inc., Formula Two LLC" in text
    assert "copy_to: (none) → Acme Holdings, Inc. – Notices (Reno, NV)" in text
    assert "signatory: Deleted person (pk=None) → Deleted person (pk=" in text
    assert "done_by: Deleted user (pk=None) → maria" in text
    assert "jurisdiction: Nevada → (empty)" in text
    assert "legal_name: =SUM(A1) LLC → Formula Two LLC" in text  # the record before is the creation, not its twin
    assert f",Obligation,#{desk['lost'].pk},deleted (-)," in text  # its deal is gone: named by its id


@pytest.mark.parametrize("data", [
    {"model": "parties.party"},
    {"model": "obligations.obligation"},
    {"model": "parties.dealparty"},
    {"as_of": "2005-06-02"},
    {"as_of": "2005-06-03", "model": "parties.party"},
    {"start": "2005-06-02", "end": "2005-06-03"},
    {"start": "2005-06-04"},
    {"end": "2005-06-01"},
    {"user": "maria"},
    {"deal": "alpha"},
    {"deal": "alpha", "start": "2005-06-03"},
], ids=str)
def test_each_filter_gives_the_same_changes_as_simple_history(desk, data):
    data = {key: desk[value].pk if value in desk else value for key, value in data.items()}

    assert exported(data) == expected(data)


@pytest.mark.parametrize("order", [("user",), ("-model",), ("change", "-when"), ("when",)])
def test_each_sort_gives_the_same_changes_as_simple_history(desk, order):
    assert exported({}, order) == expected({}, order)


def test_chunks_and_a_full_cache_change_nothing(desk, monkeypatch):
    # A chunk of three changes; the objects changes point to are forgotten every chunk or two.
    monkeypatch.setattr(history, "EXPORT_CHUNK_SIZE", 3)
    monkeypatch.setattr(history._Related, "LIMIT", 2)

    assert exported({}) == expected({})


def test_an_object_read_as_one_pointed_to_and_named_later_is_named_the_same(desk, monkeypatch):
    # One change a chunk and nothing forgotten: the obligation is first read as what the due date's rule
    # points to, then named by its rule's creation from the same kept object, its deal read then.
    monkeypatch.setattr(history, "EXPORT_CHUNK_SIZE", 1)

    assert exported({}) == expected({})


def test_the_command_writes_the_same_changes(desk):
    out = StringIO()
    call_command("export_report", "history", stdout=out)

    assert out.getvalue().replace("\r\n", "\n") == expected({}).replace("\r\n", "\n")


def test_each_page_shows_the_changes_the_csv_holds(desk):
    report = get_report("history")
    filterset = report.filterset({})
    assert filterset.is_valid()
    every = list(report.rows(filterset))

    pages = [row for start in range(0, len(every), 4) for row in report.page(filterset, (), start, start + 4)]

    assert pages == every


@pytest.mark.parametrize("bound", [0, 2, 1_000])
def test_the_page_counts_each_table_up_to_the_bound(desk, bound):
    report = get_report("history")
    filterset = report.filterset({})
    assert filterset.is_valid()
    tables = [table.count() for _, table in report._history_querysets(filterset)]

    assert report.bounded_count(filterset, bound) == sum(min(count, bound + 1) for count in tables)


def test_a_model_someone_listens_to_is_built_through_its_init(desk):
    # Instances are otherwise made without Model.__init__; a post_init receiver must still see each one.
    from django.db.models.signals import post_init

    seen = []

    def count(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(count, sender=Occurrence)
    try:
        text = exported({})
    finally:
        post_init.disconnect(count, sender=Occurrence)

    assert text == expected({})
    assert seen


def test_a_change_after_two_at_one_instant_is_told_against_the_later_of_the_two():
    # The record before a change is the latest strictly earlier one and, of two saved at the same
    # instant, the one saved last (simple-history's prev_record): a change names the value it replaced.
    with at("2005-06-01"):
        party = PartyFactory(legal_name="First LLC")
    with at("2005-06-02"):
        for name in ("Second LLC", "Third LLC"):
            party.legal_name = name
            party.save()
    with at("2005-06-03"):
        party.legal_name = "Fourth LLC"
        party.save()

    rows = list(csv.DictReader(StringIO(exported({"model": "parties.party"}))))

    assert [(row["when"][:10], row["changes"]) for row in rows] == [
        ("2005-06-03", "legal_name: Third LLC → Fourth LLC"),
        # Tied: each told against the record before the instant.
        ("2005-06-02", "legal_name: First LLC → Second LLC"),
        ("2005-06-02", "legal_name: First LLC → Third LLC"),
        ("2005-06-01", ""),
    ]
    assert exported({"model": "parties.party"}) == expected({"model": "parties.party"})


def tables_read(queries) -> set[str]:
    return {table for q in queries if q["sql"].startswith("SELECT")
            for table in re.findall(r'(?:FROM|JOIN) "(\w+)"', q["sql"])}


def test_only_the_objects_names_read_are_read():
    # An event is named by its own name and date: its deal and its kind are not read to name it. A due
    # date is named by its rule's obligation: the rule and the obligation are read, not the deal.
    with at("2005-06-01"):
        kind = EventKindFactory(name="Report filed")
        DealEventFactory(deal=kind.deal, kind=kind, name="10-Q filed", date=datetime.date(2005, 5, 31))
        rule = DeadlineRuleFactory()
        Occurrence.objects.create(rule=rule, key="2005-06", due_date=datetime.date(2005, 7, 8), computation="")

    with CaptureQueriesContext(connection) as queries:
        text = exported({"model": "dealdesk.dealevent"})
    assert text == expected({"model": "dealdesk.dealevent"})
    assert "10-Q filed (2005-05-31)" in text
    assert not tables_read(queries) & {"dealdesk_deal", "dealdesk_eventkind"}

    with CaptureQueriesContext(connection) as queries:
        text = exported({"model": "obligations.occurrence"})
    assert f"{rule.obligation.title} due 08 Jul 2005" in text
    assert {"obligations_deadlinerule", "obligations_obligation"} <= tables_read(queries)
    assert "dealdesk_deal" not in tables_read(queries)


def test_a_name_that_reads_an_object_only_sometimes_reads_it_for_the_next_chunks_at_once(monkeypatch):
    # Named without its kind first; once a name has loaded a kind itself, each chunk reads its kinds in one query.
    monkeypatch.setattr(history, "EXPORT_CHUNK_SIZE", 3)
    monkeypatch.setattr(DealEvent, "__str__", lambda event: f"{event.name} ({event.kind.name})" if event.kind_id
                        else event.name)
    deal = DealFactory()
    with at("2005-06-01"):
        DealEventFactory(deal=deal, name="Closing", kind=None)
    for day in range(2, 11):
        with at(f"2005-06-{day:02}"):
            DealEventFactory(deal=deal, name=f"Filing {day}", kind=EventKindFactory(deal=deal, name=f"Kind {day}"))

    with CaptureQueriesContext(connection) as queries:
        rows = list(csv.DictReader(StringIO(exported({"model": "dealdesk.dealevent", "start": "2005-06-01"}, ("when",)))))

    assert [row["object"] for row in rows] == ["Closing", *(f"Filing {day} (Kind {day})" for day in range(2, 11))]
    # Chunks of three, oldest first: the first learns from "Closing" (no kind) and its two filings' names
    # load their kinds one by one; each chunk after reads its kinds in one query (nine one by one, unlearned).
    kind_reads = [q for q in queries if q["sql"].startswith("SELECT") and 'FROM "dealdesk_eventkind"' in q["sql"]]
    assert len(kind_reads) == 2 + 3
