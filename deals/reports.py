"""The change history of every audited model: the `history` report (registered like every app's reports.py).

Each change row says what one django-simple-history record changed against the record before it
of the same object, exactly as `diff_against(previous, foreign_keys_are_objs=True)` says it, and
names the object as its `__str__` read it then. The records are read as plain values, a few
queries per model and chunk, and compared here field by field: building two historical model
instances per row and diffing them through simple-history cost about a millisecond a change.
"""
from __future__ import annotations

import copy
import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.functions import DenseRank
from django.db.models.query import EmptyQuerySet
from django.db.models.query_utils import DeferredAttribute
from simple_history.models import DeletedObject, registered_models

from deals.models import Deal
from deals.reporting import (Col, QuerysetReport, ReportFilterSet, choice_of, date_filter, deal_filter, end_of_day,
                             in_chunks, register)

# The symbol goes last: a cell starting with + or - would be neutralised as a would-be formula.
CHANGE_TYPES = {"+": "created (+)", "~": "changed (~)", "-": "deleted (-)"}
# The CSV reads this many changes at a time (a page reads its own rows only). Each chunk reads the
# records and objects its changes name in a few queries: on the full desk 5,000 a chunk wrote the first
# 50,000 changes 6% faster than 2,000 did, the process at 119 MiB at most against 111 (10,000: 14%, 145 MiB).
EXPORT_CHUNK_SIZE = 5_000


def audited_models() -> dict[str, type[models.Model]]:
    """label ("obligations.occurrence") -> model, for every model with a change history (not the m2m tables)."""
    found = {}
    for model in registered_models.values():
        if hasattr(model, "history"):
            found[model._meta.label_lower] = model
    return dict(sorted(found.items(), key=lambda item: item[1]._meta.verbose_name.lower()))


def deal_path(model: type[models.Model], depth: int = 3) -> str | None:
    """The lookup from a model to its deal ("rule__obligation__deal"), or None when it has none (a party)."""
    if model is Deal:
        return "id"
    for field in model._meta.get_fields():
        if isinstance(field, models.ForeignKey) and field.related_model is Deal:
            return field.name
    if depth > 1:
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and not field.null and field.related_model is not model:
                rest = deal_path(field.related_model, depth - 1)
                if rest:
                    return f"{field.name}__{'deal' if rest == 'id' else rest}"
    return None


def model_choices() -> list[tuple[str, str]]:
    return [(label, model._meta.verbose_name.capitalize()) for label, model in audited_models().items()]


class HistoryFilterSet(ReportFilterSet):
    start = date_filter("Changed from")
    end = date_filter("Changed to")
    model = django_filters.ChoiceFilter(choices=model_choices, label="Model", method="applied_by_report")
    deal = deal_filter()
    user = choice_of(get_user_model().objects.order_by("username"), "User")


_WHOLE_NUMBERS = ("AutoField", "IntegerField")  # the internal types of whole-number columns end so


def _among(queryset: models.QuerySet, field: str, ids) -> models.QuerySet:
    """The rows whose `field` is one of `ids`: on PostgreSQL one array parameter (thousands of separate
    parameters cost more to send and plan than the rows themselves), elsewhere IN."""
    if connection.vendor != "postgresql":
        return queryset.filter(**{f"{field}__in": ids})
    column, quote = queryset.model._meta.get_field(field), connection.ops.quote_name
    # Whole numbers as the array's text, "{1,2,3}": psycopg lists a Python list's items one by one in Python.
    ids = "{%s}" % ",".join(map(str, ids)) if column.get_internal_type().endswith(_WHOLE_NUMBERS) else list(ids)
    # Typed as the column is: bigint = ANY(integer[]) is tested element by element, not hashed.
    return queryset.filter(RawSQL(
        f"{quote(queryset.model._meta.db_table)}.{quote(column.column)} = ANY(%s::{column.db_type(connection)}[])",
        [ids], output_field=models.BooleanField()))


def _built_plainly(model: type[models.Model]) -> bool:
    """Whether model(*values) does no more than store each value under its field's attname: no __init__
    of its own, no pre_init or post_init receiver, and no field that does more when set (a foreign key
    also forgets the object it has cached, and a new instance has none)."""
    return (model.__init__ is models.Model.__init__
            and not models.signals.pre_init.has_listeners(model)
            and not models.signals.post_init.has_listeners(model)
            and all(type(getattr(model, field.attname, None)) in (DeferredAttribute, ForeignKeyDeferredAttribute)
                    for field in model._meta.concrete_fields))


class _Builder:
    """Model instances from the values of every concrete field, in order, as model(*values) builds them:
    for most models by setting the instance's attributes at once: Model.__init__ (two signals sent, each
    value set through its descriptor), for the 150,000 objects named in 50,000 changes, was the export's
    largest cost."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.attnames = [field.attname for field in model._meta.concrete_fields]
        self.plainly = _built_plainly(model)

    def build(self, values: Iterable, db: str | None = None) -> models.Model:
        if not self.plainly:
            instance = self.model(*values)
        else:
            instance = self.model.__new__(self.model)
            instance._state = ModelState()
            instance.__dict__.update(zip(self.attnames, values))
        if db is not None:  # read from the database, as Model.from_db marks it
            instance._state.db, instance._state.adding = db, False
        return instance


def _describe(value) -> str:
    if value is None or value == "":
        return "(empty)"
    return str(value)


def _followed_paths(obj: models.Model, start: tuple = ()) -> Iterator[tuple[models.ForeignKey, ...]]:
    """The chains of foreign keys from `obj` to the related objects it holds (those reading it loaded)."""
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.is_cached(obj):
            path = (*start, field)
            yield path
            further = field.get_cached_value(obj)
            if further is not None and len(path) < 4:
                yield from _followed_paths(further, path)


class _Related:
    """The objects changes point to (as they are today, as simple-history reads them), one query per
    model for what a chunk needs; kept for the next chunks up to LIMIT objects, so memory stays flat.

    Only what a name reads is read: a model's __str__ is the one home of its name, and the foreign keys
    it follows (an occurrence's rule and the rule's obligation; not an event's deal) are learned by
    naming one object of it with none of them loaded, then again whenever a name loads one more itself.
    Reading every foreign key of every record, a third of the objects read were never named."""

    LIMIT = 20_000

    def __init__(self):
        # Those changes name and those these point to, together: the obligation a due date's rule points
        # to is the one named by that rule, read once.
        self.objects: dict[tuple[type[models.Model], object], models.Model | None] = {}
        self.names: dict[tuple[type[models.Model], object], str] = {}
        self.builders: dict[type[models.Model], _Builder] = {}  # one a model for the whole export
        self.paths: dict[type[models.Model], set[tuple[models.ForeignKey, ...]]] = {}  # what names read
        self.hops: dict[type[models.Model], dict] = {}  # first_hops, made once a model for what is known
        self.loads = 0  # statements run since the export began: a name that loads an object shows here

    def counted(self, execute, sql, params, many, context):
        self.loads += 1
        return execute(sql, params, many, context)

    def knows(self, model: type[models.Model]) -> bool:
        return model in self.paths

    def learn(self, obj: models.Model) -> None:
        """Name `obj` (without the objects it points to loaded: each its name needs loads itself) and keep
        the foreign keys that naming followed as what its model's names read."""
        try:
            str(obj)
        except ObjectDoesNotExist:
            pass
        self._followed(obj)

    def _followed(self, obj: models.Model) -> None:
        self.paths.setdefault(type(obj), set()).update(_followed_paths(obj))
        self.hops.pop(type(obj), None)

    def text(self, obj: models.Model) -> str:
        """str(obj), learning what more its model's names read if it had to load an object itself."""
        loads = self.loads
        try:
            return str(obj)
        finally:
            if self.loads != loads:
                self._followed(obj)

    def first_hops(self, model: type[models.Model]) -> dict[models.ForeignKey, set[tuple]]:
        """The foreign keys of `model` its names follow, each with the paths that go on from there."""
        if model not in self.hops:
            hops = self.hops[model] = defaultdict(set)
            for path in self.paths.get(model, ()):
                hops[path[0]].update([path[1:]] if len(path) > 1 else [])
        return self.hops[model]

    def read(self, wanted: dict[type[models.Model], tuple[set, set]]) -> None:
        """Read the objects of each model with these ids, and from each, along each of these paths, the
        objects its foreign keys point to, one query per model and level; set each as the pointing
        object's own (as select_related would), so naming them asks nothing more."""
        if len(self.objects) > self.LIMIT:
            self.objects.clear()
            self.names.clear()
        pointing = []  # (objects, foreign key): set once the level they point to is read
        level = wanted
        while level:
            deeper = defaultdict(lambda: (set(), set()))
            for model, (ids, paths) in level.items():
                found = self._read(model, ids - {None})
                for field in {path[0] for path in paths}:
                    pointing.append((found, field))
                    further_ids, further_paths = deeper[field.related_model]
                    further_ids.update(getattr(obj, field.attname) for obj in found)
                    further_paths.update(path[1:] for path in paths if path[0] is field and len(path) > 1)
            level = deeper
        for found, field in pointing:
            for obj in found:
                if (further := self.objects.get((field.related_model, getattr(obj, field.attname)))) is not None:
                    field.set_cached_value(obj, further)

    def _read(self, model: type[models.Model], ids: set) -> list[models.Model]:
        """The objects of `model` with these ids that exist, read from the database unless already kept."""
        missing = {pk for pk in ids if (model, pk) not in self.objects}
        if missing:
            found = self._fetch(model, missing)
            for pk in missing:
                self.objects[(model, pk)] = found.get(pk)
        return [obj for pk in ids if (obj := self.objects[(model, pk)]) is not None]

    def _fetch(self, model: type[models.Model], ids: set) -> dict:
        if model not in self.builders:
            self.builders[model] = _Builder(model)
        builder = self.builders[model]
        queryset = _among(model._base_manager.order_by(), model._meta.pk.name, ids)
        db, pk = queryset.db, builder.attnames.index(model._meta.pk.attname)
        return {values[pk]: builder.build(values, db) for values in queryset.values_list(*builder.attnames)}

    def learn_named(self, model: type[models.Model], ids: set) -> None:
        """Learn what names of `model` read from a fresh copy of one of these objects, if one exists."""
        for obj in self._read(model, set(itertools.islice(ids - {None}, 1))):
            fresh = copy.copy(obj)
            fresh._state = copy.copy(obj._state)
            fresh._state.fields_cache = {}
            self.learn(fresh)

    def get(self, related: type[models.Model], pk) -> models.Model | None:
        return self.objects.get((related, pk))

    def name(self, related: type[models.Model], pk) -> str:
        """A foreign key's value as diff_against(foreign_keys_are_objs=True) gives it: the object, or
        simple-history's "Deleted <model> (pk=...)" when it is gone (or the key was empty)."""
        key = (related, pk)
        if key not in self.names:
            found = self.objects.get(key)
            self.names[key] = self.text(found) if found is not None else str(DeletedObject(related, pk))
        return self.names[key]


class _ManyToMany:
    """A many-to-many field simple-history records: its rows per record, compared and named as diff_against does."""

    def __init__(self, field: models.ManyToManyField, history_model):
        self.name = field.name
        self.rows_model = getattr(history_model, field.name).model
        opts = self.rows_model._meta
        # diff_against compares every through field but the row's own ids and the record it belongs to.
        self.compared = [f for f in opts.fields if f.editable and f.name not in ("id", "m2m_history_id", "history")]
        self.order = field.m2m_reverse_field_name()  # and sorts by the other side, as here
        self.named = self.compared.index(opts.get_field(self.order))
        self.related = opts.get_field(self.order).related_model

    def read(self, history_ids: set) -> dict[int, list[tuple]]:
        rows = defaultdict(list)
        for history_id, *values in (
            self.rows_model._default_manager.filter(history_id__in=history_ids)
            .order_by(self.order, "m2m_history_id")
            .values_list("history_id", *(f.attname for f in self.compared))
        ):
            rows[history_id].append(tuple(values))
        return rows

    def describe(self, rows: list[tuple], related: _Related) -> str:
        return ", ".join(related.name(self.related, row[self.named]) for row in rows) or "(none)"


class _Audited:
    """One audited model as the report reads it: its records as plain values (the tracked fields, in the
    order the model takes them), the fields diff_against compares, sorted by name as it sorts them, and
    the object each record was."""

    def __init__(self, label: str, model: type[models.Model]):
        self.label, self.model = label, model
        self.history_model = history_model = model.history.model
        self.verbose_name = model._meta.verbose_name.capitalize()
        tracked = history_model.tracked_fields
        self.attnames = [field.attname for field in tracked]
        self.id_index = self.attnames.index(model._meta.pk.attname)
        self.positional = self.attnames == [field.attname for field in model._meta.concrete_fields]
        self.builder = _Builder(model)
        self.many = [_ManyToMany(field, history_model) for field in history_model._history_m2m_fields]
        many = {m2m.name: m2m for m2m in self.many}
        # (name, index of its value in a record, the model a foreign key points to, or the m2m field), by name.
        self.compared = []
        for name in sorted({field.name for field in tracked if field.editable} | set(many)):
            if name in many:
                self.compared.append((name, None, None, many[name]))
                continue
            field = history_model._meta.get_field(name)
            if not field.editable:
                continue
            related = field.related_model if isinstance(field, models.ForeignKey) else None
            self.compared.append((name, self.attnames.index(field.attname), related, None))

    def records(self, changes: list[dict]) -> tuple[dict[int, tuple], dict[int, int]]:
        """The record of each change, and the one before it of the same object for each change (~): the
        latest strictly earlier, the last by history_id among ties (simple-history's prev_record).

        One query for both: every record of the changes' objects up to the last change, each object's in
        order, each with the rank of its moment among the object's moments. The record before a change is
        the last one of the rank before its own, found without reading or comparing a single moment here
        (the records before, read by a query of their own and searched by moment in Python, took a
        seventh of the export's time)."""
        moment_rank = models.Window(DenseRank(), partition_by=models.F("id"), order_by=models.F("history_date").asc())
        rows = _among(self.history_model.objects.filter(history_date__lte=max(o["history_date"] for o in changes)),
                      "id", {o["id"] for o in changes}).annotate(moment_rank=moment_rank).order_by(
            "id", "history_date", "history_id").values_list("history_id", "id", "moment_rank", *self.attnames)
        records, before = {}, {}
        object_id = rank = last = last_of_rank_before = None
        for history_id, its_object, its_rank, *values in rows:
            if its_object != object_id:
                object_id, rank, last, last_of_rank_before = its_object, None, None, None
            if its_rank != rank:
                rank, last_of_rank_before = its_rank, last
            records[history_id], before[history_id], last = tuple(values), last_of_rank_before, history_id
        return records, {o["history_id"]: before[o["history_id"]] for o in changes
                         if o["history_type"] == "~" and before[o["history_id"]] is not None}

    def instance(self, values: tuple) -> models.Model:
        """The object as simple-history's get_instance builds it from a record, nothing it points to loaded."""
        return (self.builder.build(values) if self.positional
                else self.model(**dict(zip(self.attnames, values))))

    def wanted(self, records: list[tuple], related: _Related, into: dict[type[models.Model], tuple[set, set]]
               ) -> None:
        """The objects these records' names read (learned from the first record when not yet known)."""
        if not related.knows(self.model):
            related.learn(self.instance(records[0]))
        for field, paths in related.first_hops(self.model).items():
            ids, further = into[field.related_model]
            index = self.attnames.index(field.attname)
            ids.update(values[index] for values in records)
            further.update(paths)

    def changes(self, new: tuple, old: tuple, rows: dict, related: _Related) -> str:
        """What diff_against(old, foreign_keys_are_objs=True) finds, as "field: old → new; ..."."""
        described = []
        for name, index, points_to, many in self.compared:
            if many is not None:
                before, after = rows[many.name].get(old[0], []), rows[many.name].get(new[0], [])
                if before != after:
                    described.append(f"{name}: {many.describe(before, related)} → {many.describe(after, related)}")
                continue
            before, after = old[1][index], new[1][index]
            if before == after:
                continue
            if points_to is not None:
                described.append(f"{name}: {related.name(points_to, before)} → {related.name(points_to, after)}")
            else:
                described.append(f"{name}: {_describe(before)} → {_describe(after)}")
        return "; ".join(described)

    def object_label(self, values: tuple, related: _Related) -> str:
        # Its foreign keys as they are today, as get_instance leaves them for __str__.
        instance = self.instance(values)
        for field in related.first_hops(self.model):
            found = related.get(field.related_model, getattr(instance, field.attname))
            if found is not None:
                field.set_cached_value(instance, found)
        try:
            return related.text(instance)
        except ObjectDoesNotExist:  # its deal or rule is gone: the id still identifies it
            return f"#{values[self.id_index]}"


def _rows(objects: list[dict], audited: dict[str, _Audited], related: _Related) -> list[dict]:
    """The report's rows for `objects` (the union's rows, in order): a few queries per model, not per row."""
    records, previous, m2m_rows = {}, {}, {}
    wanted = defaultdict(lambda: (set(), set()))  # model -> the ids to read, and the paths to follow from them
    named = defaultdict(set)  # model -> the ids of the objects changes name (a foreign key's old and new value)
    for label, group in itertools.groupby(sorted(objects, key=lambda o: o["model"]), key=lambda o: o["model"]):
        group = list(group)
        model = audited[label]
        found, before = model.records(group)
        records[label], previous[label] = found, before
        model.wanted([found[o["history_id"]] for o in group], related, wanted)
        for _, index, points_to, _ in model.compared:
            if points_to is not None:  # a foreign key a change may name
                for change, earlier in before.items():
                    if (new := found[change][index]) != (old := found[earlier][index]):
                        named[points_to].update((new, old))
        if model.many and before:
            ids = {*before, *before.values()}
            m2m_rows[label] = {many.name: many.read(ids) for many in model.many}
            for many in model.many:
                for rows in m2m_rows[label][many.name].values():
                    named[many.related].update(row[many.named] for row in rows)
    for model, ids in named.items():
        if not related.knows(model):
            related.learn_named(model, ids)
        wanted[model][0].update(ids)
        wanted[model][1].update(related.paths.get(model, ()))
    related.read(wanted)
    rows = []
    with connection.execute_wrapper(related.counted):  # a name that loads an object itself is seen
        for o in objects:
            label, history_id = o["model"], o["history_id"]
            model, values = audited[label], records[label][history_id]
            changes = ""
            if (earlier := previous[label].get(history_id)) is not None:
                changes = model.changes((history_id, values), (earlier, records[label][earlier]),
                                        m2m_rows.get(label, {}), related)
            rows.append({
                "when": o["history_date"],
                "user": o["user"] or "",
                "model": model.verbose_name,
                "object": model.object_label(values, related),
                "change": CHANGE_TYPES.get(o["history_type"], o["history_type"]),
                "changes": changes,
            })
    return rows


@register
class HistoryReport(QuerysetReport):
    name = "history"
    title = "Change history"
    description = "Every change to every record: when, by whom, and each field's old and new value."
    position = 70
    noun = ("change", "changes")
    filterset_class = HistoryFilterSet
    columns = (
        Col("when", "When", ("history_date",)),
        Col("user", "Who", ("user",)),
        Col("model", "Model", ("model",)),
        Col("object", "Object", ()),
        Col("change", "Change", ("history_type",)),
        Col("changes", "Old → new", ()),
    )
    default_ordering = ("-history_date",)

    def _history_querysets(self, filterset):
        options = filterset.options
        label = options.get("model")
        models_ = audited_models()
        for model_label, model in models_.items():
            if label and model_label != label:
                continue
            history = model.history.all()
            if options.get("deal"):
                path = deal_path(model)
                if path is None:
                    continue
                history = history.filter(**{path: options["deal"].pk})
            if options.get("user"):
                history = history.filter(history_user=options["user"])
            if options.get("start"):
                history = history.filter(history_date__gte=end_of_day(options["start"] - datetime.timedelta(days=1)))
            if options.get("end"):
                history = history.filter(history_date__lt=end_of_day(options["end"]))
            if filterset.as_of_day:
                history = history.filter(history_date__lt=end_of_day(filterset.as_of_day))
            yield model_label, history

    def queryset(self, filterset):
        return self._union(self._parts(filterset))

    def _parts(self, filterset, tables: Iterable[tuple[str, models.QuerySet]] | None = None) -> list[models.QuerySet]:
        return [
            history.order_by().annotate(model=models.Value(label, output_field=models.CharField()),
                                        user=models.F("history_user__username"))
            .values("history_id", "history_date", "history_type", "user", "model", "id")
            for label, history in (self._history_querysets(filterset) if tables is None else tables)
        ]

    @staticmethod
    def _union(parts: list[models.QuerySet]) -> models.QuerySet:
        # One UNION ALL over every history table, so the database sorts and pages across models.
        if not parts:
            return Deal.history.none().values("history_id")
        return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    def page(self, filterset, order, start, stop):
        # Each table gives only its first `stop` changes in the page's order (its history_date index
        # finds them), so the union sorts a few hundred rows, not every change ever made.
        if stop <= start:
            return []
        ordering = self.ordering(order)
        # (union() drops parts that can hold nothing, and with one left it would be that sliced part.)
        parts = [part.order_by(*ordering)[:stop] for part in self._parts(filterset)
                 if not isinstance(part, EmptyQuerySet)]
        if len(parts) < 2 or not connection.features.supports_slicing_ordering_in_compound:  # SQLite cannot
            return super().page(filterset, order, start, stop)
        return self.make_rows(list(self._union(parts).order_by(*ordering)[start:stop]), filterset)

    def ordering(self, order):
        # A union sorts by its selected columns only. Ids are each table's own: two models can have a
        # change of the same id at the same moment with the same history id, and the model tells them apart.
        fields = super().ordering(order)
        return [field for field in fields if field.lstrip("-") in
                {"history_date", "history_type", "user", "model", "id"}] + ["history_id", "model"]

    def count(self, filterset):
        return sum(history.count() for _, history in self._history_querysets(filterset))

    def bounded_count(self, filterset, bound):
        # Each history table counted up to the bound, at any size: in one query (a UNION ALL of the
        # bounded tables) where the database can, else one query a table.
        parts = [history.order_by().values("pk")[: bound + 1] for _, history in self._history_querysets(filterset)]
        parts = [part for part in parts if not isinstance(part, EmptyQuerySet)]
        if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
            return self._union(parts).count()
        return sum(part.count() for part in parts)

    def rows(self, filterset, order=()):
        ordering = self.ordering(order)
        if ordering[0].lstrip("-") == "history_date" and connection.features.supports_slicing_ordering_in_compound:
            objects = itertools.chain.from_iterable(self._by_moments(filterset, ordering))
        else:  # SQLite, or sorted by who, model or kind of change: the database sorts every change first
            objects = self.ordered(filterset, order).iterator(chunk_size=EXPORT_CHUNK_SIZE)
        # The objects changes point to are kept from chunk to chunk (most are named again and again).
        audited = {label: _Audited(label, model) for label, model in audited_models().items()}
        related = _Related()
        for chunk in in_chunks(objects, EXPORT_CHUNK_SIZE):
            yield from _rows(chunk, audited, related)

    def _by_moments(self, filterset, ordering) -> Iterator[list[dict]]:
        """The changes in `ordering` (the moment first), a window of moments at a time: every change from
        the moment of the EXPORT_CHUNK_SIZE-th next one on, so a window ends between two moments. Each
        window is read through the history_date indexes and sorted alone; the union of every change
        sorted at once took PostgreSQL 20 to 30 s on a full desk before it gave a first row."""
        descending = ordering[0].startswith("-")
        tables = list(self._history_querysets(filterset))
        while tables:
            parts = [history.order_by(ordering[0]).values("history_date")[:EXPORT_CHUNK_SIZE]
                     for _, history in tables]
            last = self._union(parts).order_by(ordering[0]) if len(parts) > 1 else (
                tables[0][1].order_by(ordering[0]).values("history_date"))
            last = [row["history_date"] for row in last[EXPORT_CHUNK_SIZE - 1:EXPORT_CHUNK_SIZE]]
            window = tables if not last else [
                (label, history.filter(**{"history_date__gte" if descending else "history_date__lte": last[0]}))
                for label, history in tables]
            yield list(self._union(self._parts(filterset, window)).order_by(*ordering))
            if not last:
                return
            tables = [(label, history.filter(**{"history_date__lt" if descending else "history_date__gt": last[0]}))
                      for label, history in tables]

    def make_rows(self, objects, filterset):
        audited = {label: _Audited(label, model) for label, model in audited_models().items()}
        return _rows(objects, audited, _Related())
