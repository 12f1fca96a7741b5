"""What each covenant with a penalty in numbers has accrued as of today: computed, and kept.

A covenant accrues once a day while any of its due dates is missed, never stacked (reckoning.penalties;
SPA s.2(f), s.4(f)), one row per payee. Computing every covenant's damages takes about a second on a
desk of 10,000 deals, so the fees report, its CSV, its totals and the front page's damages read them
from `KeptPenalty`: brought up to the day each night (`penalties_keep`, a beat task) and marked stale
by every change they are computed from (`penalties_changed`, from obligations.signals). A covenant
whose kept rows are stale is computed on the spot: what is read is always today's.
"""
from __future__ import annotations

import datetime
import heapq
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import BigIntegerField, DateField, F, JSONField, QuerySet, Value

from instruments.models import ConvertibleNote
from obligations.models import KeptPenalty, Obligation, Occurrence
from parties.models import Party
from reckoning import penalties

KEEP_AT_ONCE = 1_000  # covenants computed and written together by penalties_keep
# Stale covenants computed on the spot are named by id, up to this many; more (a desk of 50,000 deals
# before the night's task) would make a statement too long for PostgreSQL: then every one is computed.
STALE_BY_ID_AT_MOST = 10_000


@dataclass(frozen=True)
class Breaches:
    """A covenant's breach spells, and where it comes in the report: its first due date in breach (date, id)."""

    first: tuple[datetime.date, int]
    spells: list[penalties.Spell]


# --------------------------------------------------------------------------
# Computed
# --------------------------------------------------------------------------


def penalised_due_dates(*, today: datetime.date, deal=None, start: datetime.date | None = None,
                        end: datetime.date | None = None) -> QuerySet:
    """Today's due dates, before the day, of the covenants with a penalty in numbers, in the date range."""
    occurrences = Occurrence.objects.filter(due_date__lt=today).exclude(
        rule__obligation__penalty=Obligation.Penalty.NONE)
    if deal:
        occurrences = occurrences.filter(rule__obligation__deal=deal)
    if start:
        occurrences = occurrences.filter(due_date__gte=start)
    if end:
        occurrences = occurrences.filter(due_date__lte=end)
    return occurrences


def breaches_in_order(due_dates: QuerySet, *, today: datetime.date) -> dict[int, Breaches]:
    """Each covenant's breach spells among `due_dates`, the covenants in the order of their first due
    date in breach (the row's first breach day), as the due dates are listed: by due date, then id.

    A due date waived or done by its day has no spell (penalties.breach_spell), and those are most of
    a desk's history: the others are read whole in one query (14,207 of a million), not through a
    server-side cursor, which would plan for the first rows and walk every due date in date order.
    """
    breached = due_dates.exclude(status=Occurrence.Status.WAIVED).exclude(
        status=Occurrence.Status.DONE, done_on__lte=F("due_date"))
    covenants: dict[int, Breaches] = {}
    for pk, obligation_id, status, due_date, done_on in breached.order_by("due_date", "id").values_list(
        "id", "rule__obligation_id", "status", "due_date", "done_on"
    ):
        if obligation_id not in covenants:
            covenants[obligation_id] = Breaches((due_date, pk), [])
        covenants[obligation_id].spells.append(
            penalties.breach_spell(status=status, due_date=due_date, done_on=done_on, as_of=today))
    return covenants


def beneficiaries_of(obligation_ids: Iterable[int]) -> dict[int, list[Party]]:
    # The rows name a payee by its legal name: one light party object each, not a link and a
    # whole party for each of the tens of thousands of links an export reads.
    beneficiaries, parties = defaultdict(list), {}
    for obligation_id, party_id, legal_name in Obligation.beneficiaries.through.objects.filter(
        obligation_id__in=list(obligation_ids)
    ).order_by("party__legal_name", "id").values_list("obligation_id", "party_id", "party__legal_name"):
        if party_id not in parties:
            parties[party_id] = Party(pk=party_id, legal_name=legal_name)
        beneficiaries[obligation_id].append(parties[party_id])
    return beneficiaries


def covenant_rows(obligation: Obligation, spells: list, beneficiaries: list[Party],
                  deal_notes: list[ConvertibleNote], *, today: datetime.date, party: Party | None = None
                  ) -> Iterator[dict]:
    """The covenant's penalty accrued to the end of `today`, one row per payee (those `party` pays or
    is paid, when given); none when it was never in breach."""
    union = penalties.breach_spells(spells)
    if not union:
        return
    for payees, payee_notes, reading in _payees(obligation, beneficiaries, deal_notes):
        if party and party.pk != obligation.obligor_id and party.pk not in {p.pk for p in payees}:
            continue
        base_on = obligation.penalty_base_on(notes=payee_notes)
        base = base_on(today) if base_on else None
        yield {
            "kind": "Penalty accrued",
            "deal": obligation.deal.title,
            "item": f"s.{obligation.section} {obligation.title}",
            "payer": str(obligation.obligor),
            "payee": ", ".join(p.legal_name for p in payees),
            "payee_ids": [p.pk for p in payees],
            "obligor_id": obligation.obligor_id,
            "date": union[0].start,
            "base": penalties.to_cents(base.total) if base else None,
            "rate": obligation.penalty_rate,
            "days": sum(spell.days for spell in union),
            "amount": obligation.penalty_accrued(spells=union, notes=payee_notes),
            "how": _how(union, base, today, reading),
        }


def _payees(obligation: Obligation, beneficiaries: list[Party], deal_notes: list[ConvertibleNote]):
    """(payees, the notes their damages run on, the reading taken) for each payee of the obligation.

    SPA s.2(f): damages are paid to each Buyer on its own Notes. Notes that record
    no holder are the Buyers' together (the signature pages leave the amounts blank).
    """
    if obligation.penalty != Obligation.Penalty.MONTHLY_ON_NOTES:
        return [(beneficiaries, None, "")]
    by_holder = defaultdict(list)
    for note in deal_notes:
        by_holder[note.holder].append(note)
    groups = []
    for holder, holder_notes in sorted(by_holder.items(), key=lambda item: item[0].legal_name if item[0] else ""):
        if holder is None:
            groups.append((beneficiaries, holder_notes, "notes held by the beneficiaries together"))
        else:
            groups.append(([holder], holder_notes, f"{holder.legal_name}'s own notes"))
    return groups


def _how(spells: list[penalties.Spell], base: penalties.Base | None, day: datetime.date, reading: str) -> str:
    shown = "; ".join(str(spell) for spell in spells[:3]) + (f"; and {len(spells) - 3} more" if len(spells) > 3 else "")
    text = f"In breach {shown}."
    if base is not None:
        text += f" Base on {day.isoformat()}: {penalties.to_cents(base.principal):,}"
        if base.interest:
            text += f" principal + {penalties.to_cents(base.interest):,} accrued interest"
        text += "."
    if reading:
        text += f" On {reading}."
    return text


def computed(covenants: dict[int, Breaches], *, today: datetime.date, party: Party | None = None
             ) -> Iterator[tuple[tuple[datetime.date, int], list[dict]]]:
    """(first due date in breach, rows) of each covenant of `covenants`, in their order: the covenants,
    the notes their damages run on and their beneficiaries read in a query each."""
    obligations = Obligation.objects.select_related("deal", "obligor").in_bulk(list(covenants))
    notes = defaultdict(list)
    for note in ConvertibleNote.objects.filter(deal__in={
        obligation.deal_id for obligation in obligations.values()
        if obligation.penalty == Obligation.Penalty.MONTHLY_ON_NOTES
    }).select_related("holder"):
        notes[note.deal_id].append(note)
    beneficiaries = beneficiaries_of(covenants)
    for obligation_id, breaches in covenants.items():
        obligation = obligations[obligation_id]
        yield breaches.first, list(covenant_rows(obligation, breaches.spells, beneficiaries[obligation_id],
                                                 notes[obligation.deal_id], today=today, party=party))


# --------------------------------------------------------------------------
# Kept
# --------------------------------------------------------------------------


def penalty_rows(*, today: datetime.date, deal=None, party: Party | None = None,
                 start: datetime.date | None = None, end: datetime.date | None = None) -> Iterator[dict]:
    """Each covenant's penalty accrued to the end of today, one row per payee, the covenants in the
    order of their first due date in breach: kept rows where they are current, the rest computed.

    Due dates limited to a range are computed: the kept rows count every due date.
    """
    return _in_order("rows", today=today, deal=deal, party=party, start=start, end=end)


def penalty_amounts(*, today: datetime.date, deal=None, party: Party | None = None,
                    start: datetime.date | None = None, end: datetime.date | None = None) -> Iterator[dict]:
    """`penalty_rows` with only the deal, payee and amount of each (and whom it concerns): what counts and
    totals need, read from the kept summaries (a fifth of the rows' size)."""
    return _in_order("amounts", today=today, deal=deal, party=party, start=start, end=end)


def _in_order(column: str, *, today, deal, party, start, end) -> Iterator[dict]:
    if start or end:
        covenants = breaches_in_order(penalised_due_dates(today=today, deal=deal, start=start, end=end), today=today)
        for _, rows in computed(covenants, today=today, party=party):
            yield from (_kept_as(column, row) for row in rows)
        return
    if column == "amounts" and connection.vendor == "postgresql":
        kept, stale_ids = _kept_summaries_and_stale(today, deal=deal, party=party)
    else:
        kept, stale_ids = _kept_and_stale(today, column, deal=deal)
        kept = [(first, [_read(entry) for entry in entries
                         if not party or party.pk == entry["obligor_id"] or party.pk in entry["payee_ids"]])
                for first, entries in kept]
    due_dates = penalised_due_dates(today=today, deal=deal)
    if len(stale_ids) > STALE_BY_ID_AT_MOST:  # the night's task has not run yet: all are computed
        kept = []
    else:
        due_dates = due_dates.filter(rule__obligation_id__in=stale_ids)
    fresh = ((first, [_kept_as(column, row) for row in rows]) for first, rows in computed(
        breaches_in_order(due_dates, today=today), today=today, party=party)) if stale_ids else ()
    for _, entries in heapq.merge(kept, fresh, key=lambda covenant: covenant[0]):
        yield from entries


def _current(today: datetime.date) -> QuerySet:
    """Kept penalties computed as of today from the covenant as it stands."""
    return KeptPenalty.objects.filter(kept_on=today, kept_at_changes=F("changes"))


def _kept_and_stale_of(today: datetime.date, *, deal=None) -> tuple[QuerySet, QuerySet]:
    """The current kept penalties of the covenants ever in breach, and the covenants with a penalty whose
    kept rows are not current (of the deal, when given); unordered, for one statement to read both."""
    kept = _current(today).filter(first_due_date__isnull=False).order_by()
    stale = Obligation.objects.exclude(penalty=Obligation.Penalty.NONE).exclude(
        pk__in=_current(today).values("obligation_id")).order_by()
    if deal:
        kept, stale = kept.filter(obligation__deal=deal), stale.filter(deal=deal)
    return kept, stale


def _kept_and_stale(today: datetime.date, column: str, *, deal=None
                    ) -> tuple[list[tuple[tuple[datetime.date, int], list]], list[int]]:
    """The current kept rows (or their summaries: `column`) of the covenants ever in breach, in order, and
    the covenants with a penalty whose kept rows are not current. One statement, so one moment: read
    apart, a covenant changed between the two would be in neither, or kept again by the night's task in both."""
    kept, stale = _kept_and_stale_of(today, deal=deal)
    kept = kept.values_list("first_due_date", "first_due_id", column, "obligation_id")
    stale = stale.values_list(Value(None, output_field=DateField()), Value(None, output_field=BigIntegerField()),
                              Value(None, output_field=JSONField()), "pk")
    found = list(kept.union(stale, all=True).order_by("first_due_date", "first_due_id"))
    return ([((first_date, first_id), rows) for first_date, first_id, rows, _ in found if first_date is not None],
            [pk for first_date, _, _, pk in found if first_date is None])


def _kept_summaries_and_stale(today: datetime.date, *, deal=None, party: Party | None = None
                              ) -> tuple[list[tuple[tuple[datetime.date, int], list[dict]]], list[int]]:
    """`_kept_and_stale` of the summaries, on PostgreSQL, those `party` pays or is paid only: the database
    takes each summary out of its JSON as plain columns (decoding the desk's 4,926 covenants' JSON in
    Python was a third of the fee totals page's time)."""
    kept, stale = _kept_and_stale_of(today, deal=deal)
    kept_sql, kept_params = kept.values("first_due_date", "first_due_id", "amounts").query.sql_with_params()
    stale_sql, stale_params = stale.values("pk").query.sql_with_params()
    concerns, concerns_params = "", ()
    if party:
        concerns, concerns_params = "WHERE entry.obligor_id = %s OR entry.payee_ids @> %s::jsonb", (
            party.pk, json.dumps([party.pk]))
    # Each covenant's summaries in their order (WITH ORDINALITY), the covenants in theirs; one statement,
    # as in _kept_and_stale.
    statement = f"""
        SELECT kept.first_due_date, kept.first_due_id, entry.deal, entry.payee, entry.amount, entry.n, NULL
          FROM ({kept_sql}) kept (first_due_date, first_due_id, amounts)
         CROSS JOIN LATERAL ROWS FROM (jsonb_to_recordset(kept.amounts) AS (
               deal text, payee text, amount numeric, obligor_id bigint, payee_ids jsonb))
               WITH ORDINALITY AS entry (deal, payee, amount, obligor_id, payee_ids, n)
         {concerns}
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, NULL, NULL, stale.id FROM ({stale_sql}) stale (id)
         ORDER BY 1, 2, 6"""
    covenants, stale_ids = {}, []
    with connection.cursor() as cursor:
        cursor.execute(statement, (*kept_params, *concerns_params, *stale_params))
        for first_date, first_id, deal_title, payee, amount, _, stale_id in cursor.fetchall():
            if first_date is None:
                stale_ids.append(stale_id)
            else:
                covenants.setdefault((first_date, first_id), []).append(
                    {"deal": deal_title, "payee": payee, "amount": amount})
    return list(covenants.items()), stale_ids


# A kept row is the report's row as JSON: its dates as ISO text, its money and rates as decimal text.
_DECIMALS = ("base", "rate", "amount")
_SUMMARY = ("deal", "payee", "amount", "obligor_id", "payee_ids")  # what counts and totals read


def _kept_as(column: str, row: dict) -> dict:
    return row if column == "rows" else {key: row[key] for key in _SUMMARY}


def _stored(row: dict) -> dict:
    return {**row, **({"date": row["date"].isoformat()} if "date" in row else {}),
            **{key: None if row[key] is None else str(row[key]) for key in _DECIMALS if key in row}}


def _read(row: dict) -> dict:
    return {**row, **({"date": datetime.date.fromisoformat(row["date"])} if "date" in row else {}),
            **{key: None if row[key] is None else Decimal(row[key]) for key in _DECIMALS if key in row}}


def penalties_keep(*, today: datetime.date) -> int:
    """Bring every stale kept penalty up to `today` (each night, when the days move on); returns how many
    were written."""
    penalised = Obligation.objects.exclude(penalty=Obligation.Penalty.NONE)
    KeptPenalty.objects.bulk_create(
        [KeptPenalty(obligation_id=pk) for pk in penalised.exclude(kept_penalty__isnull=False).values_list(
            "pk", flat=True)],
        ignore_conflicts=True,
    )
    # Each covenant's count of changes is read before what its damages are computed from: a change
    # made meanwhile counts past the one recorded with the rows, which then stay stale, not wrong.
    stale = list(KeptPenalty.objects.exclude(pk__in=_current(today).values("pk")).order_by("pk").values_list(
        "pk", "changes"))
    written = 0
    for first in range(0, len(stale), KEEP_AT_ONCE):
        chunk = dict(stale[first:first + KEEP_AT_ONCE])
        covenants = breaches_in_order(penalised_due_dates(today=today).filter(rule__obligation_id__in=list(chunk)),
                                      today=today)
        in_breach = dict(zip(covenants, computed(covenants, today=today)))
        kept = []
        for pk, changes in chunk.items():
            (first_date, first_id), rows = in_breach.get(pk, ((None, None), []))
            kept.append(KeptPenalty(obligation_id=pk, kept_on=today, kept_at_changes=changes, first_due_date=first_date,
                                    first_due_id=first_id, rows=[_stored(row) for row in rows],
                                    amounts=[_stored(_kept_as("amounts", row)) for row in rows]))
        with transaction.atomic():
            # Rows a change is marking stale right now are skipped, not waited for: they are stale anyway,
            # and waiting on a change that waits on this write would be a deadlock.
            free = set(KeptPenalty.objects.select_for_update(skip_locked=True).filter(pk__in=list(chunk)).values_list(
                "pk", flat=True))
            # One INSERT ... ON CONFLICT UPDATE: bulk_update picks each row's values out of a CASE of a
            # thousand, and took five times as long (12.7 s against 2.7 s for a desk of 10,000 deals).
            kept = [penalty for penalty in kept if penalty.pk in free]
            KeptPenalty.objects.bulk_create(kept, update_conflicts=True, unique_fields=["obligation"], update_fields=[
                "kept_on", "kept_at_changes", "first_due_date", "first_due_id", "rows", "amounts"])
        written += len(kept)
    return written


def penalties_changed(obligations: QuerySet | Iterable[int]) -> None:
    """Mark the kept penalties of these obligations stale (ids, or a queryset of obligations)."""
    KeptPenalty.objects.filter(obligation__in=obligations).update(changes=F("changes") + 1)
