"""Reminder workflows: find the reminders that are due, and deliver each at least once.

The beat task, the `send_reminders` command and the admin's retry action all
come through `reminders_run` / `reminders_send_pending` here.

Each sweep plans one reminder row per due date, offset and recipient; the sender then claims all
of one recipient's ready rows together and sends them as one email, a digest grouped by deal
(a single row goes out as the detailed one-reminder email). Its guarantees hold per row:

- A send the mail server did not take (refused, 4xx, unreachable) is retried with a backoff:
  REMINDER_RETRY_BASE_SECONDS doubling up to REMINDER_RETRY_MAX_SECONDS, for
  REMINDER_MAX_ATTEMPTS attempts in all. With the defaults (60 s, an hour, 32) the waits are
  1, 2, 4, 8, 16 and 32 minutes, then an hour each: the last attempt comes 26 hours after the
  first, so a day-long outage loses nothing. Each sweep sends the reminders whose time has come.
  After the last attempt the reminder is *failed*; the desk (REMINDER_ALERT_TO) is alerted once
  its next attempt is its last, and again for whatever gave up.
- A send whose outcome is unknown (the server did not confirm the end of the message in time, or
  the connection dropped after it was handed over) may have arrived: the reminder is *uncertain*
  and is sent once more, after the backoff, with the same Message-ID. A second unknown outcome
  leaves it uncertain for a person, and the desk is alerted; it is never sent a third time.
- A row left *sending* by a worker that died is an unknown outcome too (the worker may have handed
  the message over before it died): once its claim (REMINDER_CLAIM_TIMEOUT_SECONDS) runs out it is
  taken up again as that one resend, or, if it already was the resend, left uncertain.
"""
from __future__ import annotations

import datetime
import functools
import itertools
import json
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (Case, CharField, F, Min, OuterRef, PositiveSmallIntegerField, Q, Subquery, When,
                              prefetch_related_objects)
from django.db.models.expressions import RawSQL
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone, translation

from deals import clock
from obligations import emails
from deals.models import Deal, parse_email_list
from obligations.models import DeadlineRule, Obligation, Occurrence, Reminder
from parties.models import Person
from reckoning.reminder_policy import ReminderPolicy, parse_days_before
from reckoning.standing import Standing

logger = logging.getLogger(__name__)
# One key=value line per send outcome and per sweep (README, "Operating it").
_SEND_LINE = "event=reminder_send outcome=%s reminder=%s occurrence=%s attempt=%s"


@dataclass
class RunResult:
    created: list[Reminder] = field(default_factory=list)
    sent: list[Reminder] = field(default_factory=list)
    failed: list[Reminder] = field(default_factory=list)  # not confirmed sent: retrying, uncertain or failed
    retry_at: datetime.datetime | None = None


def policy_for(obligation: Obligation) -> ReminderPolicy:
    """The obligation's own days, else its deal's, else the desk's default."""
    return _policy(obligation.reminder_days_before or obligation.deal.reminder_days_before)


def _policy(days_before: str) -> ReminderPolicy:
    try:
        days = parse_days_before(days_before) if days_before else settings.REMINDER_DAYS_BEFORE
    except ValueError:
        days = settings.REMINDER_DAYS_BEFORE
    return ReminderPolicy(
        days_before=tuple(days),
        overdue_first_day=settings.REMINDER_OVERDUE_FIRST_DAY,
        overdue_every_days=settings.REMINDER_OVERDUE_EVERY_DAYS,
    )


def _longest_lead() -> int:
    # Each wording once: thousands of obligations share a handful of them.
    overrides = {
        *Obligation.objects.exclude(reminder_days_before="").values_list("reminder_days_before", flat=True)
        .order_by().distinct(),
        *Deal.objects.exclude(reminder_days_before="").values_list("reminder_days_before", flat=True)
        .order_by().distinct(),
    }
    policies = [ReminderPolicy(days_before=tuple(settings.REMINDER_DAYS_BEFORE))]
    for override in overrides:
        try:
            policies.append(ReminderPolicy(days_before=parse_days_before(override)))
        except ValueError:  # saved past the form's check; that obligation falls back to the default
            logger.warning("Ignoring unreadable reminder days %r", override)
    return max(policy.lead_days for policy in policies)


def reminder_recipients(obligation: Obligation) -> list[str]:
    """Who is told of an obligation's due dates, each address once: the obligor's people marked
    to receive reminders, the obligation's responsible staff, then the deal's reminder copies."""
    return _recipients_of({obligation.pk})[obligation.pk]


def _recipients_of(obligation_ids: set[int]) -> dict[int, list[str]]:
    """`reminder_recipients` of many obligations at once, in three queries."""
    return _recipients_of_rows(Obligation.objects.filter(pk__in=obligation_ids)
                               .values_list("pk", "obligor_id", "deal__reminder_copies_to"))


def _recipients_of_rows(rows) -> dict[int, list[str]]:
    """`reminder_recipients` of the obligations of rows of (obligation id, obligor id, the deal's reminder copies)."""
    rows = set(rows)
    obligation_ids = {pk for pk, _, _ in rows}
    people: dict[int, list[str]] = {}
    for party, address in (Person.objects.filter(party__in={obligor for _, obligor, _ in rows},
                                                 receives_reminders=True).exclude(email="")
                           .order_by("party", "name").values_list("party", "email")):
        people.setdefault(party, []).append(address)
    staff: dict[int, list[str]] = {}
    for obligation, address in (Obligation.responsible_staff.through.objects
                                .filter(obligation__in=obligation_ids).exclude(user__email="")
                                .order_by("user__pk").values_list("obligation", "user__email")):
        staff.setdefault(obligation, []).append(address)
    return {pk: list(dict.fromkeys([*people.get(obligor, []), *staff.get(pk, []), *parse_email_list(copies)]))
            for pk, obligor, copies in rows}


def reminders_plan(*, today: datetime.date) -> list[Reminder]:
    """The latest reminder now due for each open occurrence that has not had it, one per recipient (unsaved).

    An occurrence whose obligation names nobody still gets a row, with no recipient: it fails with
    a message saying whom to name, instead of passing in silence. Rows are read as plain values
    and each due date's latest reminder through the reminders' unique index, so the sweep costs
    the same few queries whatever the size of the desk and of its reminder history.
    """
    horizon = today + datetime.timedelta(days=_longest_lead())
    latest = (Reminder.objects.filter(occurrence=OuterRef("pk"), due_date=OuterRef("due_date"))
              .order_by("-days_from_due").values("days_from_due")[:1])
    candidates = (
        Occurrence.objects.open().filter(due_date__lte=horizon)
        .annotate(latest_reminder=Subquery(latest))
        .values_list("pk", "due_date", "rule__kind", "rule__obligation", "rule__obligation__reminder_days_before",
                     "rule__obligation__deal__reminder_days_before", "latest_reminder",
                     # whom to tell, from the rows already joined (`_recipients_of_rows`)
                     "rule__obligation__obligor", "rule__obligation__deal__reminder_copies_to")
    )
    policies: dict[str, ReminderPolicy] = {}
    due, told = [], set()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One large query run once: compiling it (PostgreSQL's JIT) costs more than it saves;
            # and all of its rows are read, so it is planned for all of them (a cursor's plan is
            # for the first tenth: 0.6 s instead of 0.45 s on a desk of 10,000 deals).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
        for (pk, due_date, kind, obligation, own_days, deal_days, latest_reminder,
             obligor, copies) in candidates.iterator(2000):
            days_text = own_days or deal_days
            if days_text not in policies:
                policies[days_text] = _policy(days_text)
            policy = policies[days_text]
            days_from_due = policy.latest_due(due_date=due_date, today=today)
            if days_from_due is None:
                continue
            if days_from_due > 0 and kind == DeadlineRule.Kind.PERIOD:
                continue  # the end of a lock-up is announced ahead, never chased as overdue
            if latest_reminder is not None and latest_reminder >= days_from_due:
                continue
            due.append((pk, due_date, obligation, days_from_due,
                        policy.scheduled_for(due_date=due_date, days_from_due=days_from_due)))
            told.add((obligation, obligor, copies))
    recipients = _recipients_of_rows(told)
    return _unsaved_reminders(
        (pk, due_date, days_from_due, scheduled_for, recipient)
        for pk, due_date, obligation, days_from_due, scheduled_for in due
        for recipient in recipients[obligation] or [""]
    )


# What tells one planned row from another; every other column takes the model's default.
_PLANNED_COLUMNS = ("occurrence_id", "due_date", "days_from_due", "scheduled_for", "recipient")


def _unsaved_reminders(rows) -> list[Reminder]:
    """Unsaved outbox rows of (occurrence id, due date, days from due, scheduled for, recipient).

    Each is built from all its columns in order, as Django builds a row it reads, the others at the
    model's defaults: a sweep builds thousands, and keyword arguments take twice as long.
    """
    fields = Reminder._meta.concrete_fields
    blank = Reminder()
    defaults = [getattr(blank, field.attname) for field in fields]
    positions = [[field.attname for field in fields].index(name) for name in _PLANNED_COLUMNS]
    reminders = []
    for row in rows:
        values = defaults.copy()
        for position, value in zip(positions, row):
            values[position] = value
        reminders.append(Reminder(*values))
    return reminders


def reminders_create_due(*, today: datetime.date) -> list[Reminder]:
    """Create the due outbox rows in bulk; the unique constraint makes a rerun, or a race, harmless."""
    planned = reminders_plan(today=today)
    if connection.vendor == "postgresql":
        _insert_planned(planned)
    else:
        Reminder.objects.bulk_create(planned, ignore_conflicts=True, batch_size=2000)
    return planned


def _insert_planned(planned: list[Reminder]) -> None:
    """`bulk_create(ignore_conflicts=True)` of the planned rows in one statement, each column one array.

    Django writes a placeholder and a prepared value per cell (a sweep of 7,000 rows: 100,000 of
    them, some 0.3 s of Python); here the five columns that differ go as five arrays and
    PostgreSQL unnests them, and the rest take the model's defaults (as an unsaved `Reminder`
    has them, its creation time included), worked out once.
    """
    if not planned:
        return
    meta = Reminder._meta
    planned_fields = [meta.get_field(name) for name in _PLANNED_COLUMNS]
    default_fields = [field for field in meta.concrete_fields
                      if not field.primary_key and field.attname not in _PLANNED_COLUMNS]
    blank = Reminder()
    defaults = [field.get_db_prep_save(field.pre_save(blank, add=True), connection) for field in default_fields]
    arrays = [[getattr(row, field.attname) for row in planned] for field in planned_fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in [*planned_fields, *default_fields])
    typed_defaults = ", ".join(f"%s::{field.db_type(connection)}" for field in default_fields)
    typed_arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in planned_fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) "
                       f"SELECT *, {typed_defaults} FROM unnest({typed_arrays}) ON CONFLICT DO NOTHING",
                       [*defaults, *arrays])


def _waiting_to_send() -> Q:
    """Reminders that will be sent when their time comes: pending, or uncertain with their one resend to come."""
    return Q(status=Reminder.Status.PENDING) | Q(status=Reminder.Status.UNCERTAIN, next_attempt_at__isnull=False)


def reminders_cancel(*, occurrence_ids: list[int]) -> int:
    """A done or waived occurrence gets nothing more."""
    return Reminder.objects.filter(_waiting_to_send(), occurrence_id__in=occurrence_ids).update(
        status=Reminder.Status.CANCELLED, next_attempt_at=None
    )


def reminders_retry(*, reminders) -> int:
    """Put failed reminders back in the queue with a fresh set of attempts.

    Only failed ones: the server took none of their attempts. An uncertain reminder may have
    arrived, and its count of unknown outcomes is kept, so it is never resent more than once.
    A row that failed because nobody was named goes to whoever is named now.
    """
    failed = reminders.filter(status=Reminder.Status.FAILED)
    fresh = dict(status=Reminder.Status.PENDING, attempts=0, next_attempt_at=None, last_error="", alerted_at=None)
    moved = 0
    with transaction.atomic():
        for reminder in failed.filter(recipient="").select_related("occurrence__rule__obligation__deal"):
            named = reminder_recipients(reminder.occurrence.rule.obligation)
            if named:
                Reminder.objects.bulk_create(
                    [Reminder(occurrence_id=reminder.occurrence_id, due_date=reminder.due_date,
                              days_from_due=reminder.days_from_due, scheduled_for=reminder.scheduled_for,
                              recipient=recipient, **fresh) for recipient in named],
                    ignore_conflicts=True,
                )
                reminder.delete()
                moved += len(named)
        return failed.update(**fresh) + moved


def _stale(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)


def ready_to_send(now: datetime.datetime) -> Q:
    """Reminders a sender may claim now.

    Pending ones past their backoff; uncertain ones whose one resend is due; and a row left in
    "sending" by a worker that died (its claim ran out) that has not been resent yet: taking it up
    is its one resend, since the dead worker may have handed the message over.
    """
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    pending = Q(status=Reminder.Status.PENDING) & due
    resend = Q(status=Reminder.Status.UNCERTAIN, unknown_outcomes__lte=1, next_attempt_at__lte=now)
    abandoned = Q(status=Reminder.Status.SENDING, claimed_at__lt=_stale(now), unknown_outcomes=0)
    return pending | resend | abandoned


# One email lists at most this many reminders; more for one recipient go in the next email.
DIGEST_LISTS_AT_MOST = 200


def _locked(queryset):
    return queryset.select_for_update(skip_locked=True) if connection.features.has_select_for_update_skip_locked \
        else queryset


def _claim_batch(*, emails: int | None = None) -> list[list[Reminder]]:
    """Claim up to `emails` (REMINDER_BATCH_EMAILS) emails' worth of ready reminders, each the rows of one recipient.

    The batch's outcomes are written together once it is sent, so a sender that dies mid-batch
    leaves at most that many emails whose outcome is unknown: each is then sent once more, with
    the same Message-ID, like any other unknown outcome.

    A resend (an unknown outcome, or a sender that died) claims exactly the rows of that email
    again, so it goes out with the same Message-ID; a recipient's pending rows are claimed under
    a new one. The conditional update lets only one sender win each row.
    """
    emails = emails or settings.REMINDER_BATCH_EMAILS
    now = timezone.now()
    with transaction.atomic():
        ready = Reminder.objects.filter(ready_to_send(now))
        heads = _locked(ready.order_by("scheduled_for", "id")).values_list("status", "recipient", "message_id")
        recipients, resends = [], []
        for status, recipient, message_id in heads[:emails * 4]:
            group, key = (recipients, recipient) if status == Reminder.Status.PENDING else (resends, message_id)
            if key not in group and len(recipients) + len(resends) < emails:
                group.append(key)
        if not recipients and not resends:
            return []
        members = ready.filter(Q(status=Reminder.Status.PENDING, recipient__in=recipients)
                               | (~Q(status=Reminder.Status.PENDING) & Q(message_id__in=resends)))
        # The rows are read whole, with what their emails say, while locked: no second read after the claim.
        rows = members.order_by("scheduled_for", "id").select_related(*_EMAIL_NEEDS)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        digests: dict[tuple, list[Reminder]] = {}
        for reminder in rows:
            key = ("new", reminder.recipient) if reminder.status == Reminder.Status.PENDING \
                else ("resend", reminder.message_id)
            digest = digests.setdefault(key, [])
            if len(digest) < DIGEST_LISTS_AT_MOST:
                digest.append(reminder)
        message_ids = {key: key[1] if key[0] == "resend" else Reminder.new_message_id() for key in digests}
        claimed = [reminder.pk for digest in digests.values() for reminder in digest]
        won = Reminder.objects.filter(ready_to_send(now), pk__in=claimed).update(
            status=Reminder.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1,
            message_id=_each_digest_its_message_id({message_ids[key]: digest for key, digest in digests.items()}),
            # Taken from a dead sender: its send's outcome is unknown.
            unknown_outcomes=Case(When(status=Reminder.Status.SENDING, then=F("unknown_outcomes") + 1),
                                  default=F("unknown_outcomes"), output_field=PositiveSmallIntegerField()),
        )
    if won == len(claimed):  # every row read is ours (locked, or no other sender wrote in between)
        for key, digest in digests.items():
            for reminder in digest:
                if reminder.status == Reminder.Status.SENDING:
                    reminder.unknown_outcomes += 1
                reminder.status, reminder.claimed_at = Reminder.Status.SENDING, now
                reminder.message_id, reminder.attempts = message_ids[key], reminder.attempts + 1
        return list(digests.values())
    # Without row locks (SQLite) another sender may have won some rows: keep only those this claim holds.
    ours = (Reminder.objects.filter(status=Reminder.Status.SENDING, claimed_at=now, pk__in=claimed)
            .select_related(*_EMAIL_NEEDS).order_by("scheduled_for", "id"))
    by_message: dict[str, list[Reminder]] = {}
    for reminder in ours:
        by_message.setdefault(reminder.message_id, []).append(reminder)
    return list(by_message.values())


def _each_digest_its_message_id(digests: dict[str, list[Reminder]]) -> RawSQL:
    """`CASE WHEN id IN (...) THEN <its Message-ID> ... END`, written out: the same expression built as
    Case(When(pk__in=...)) cost Django some 5 ms of Python per claim of 20 emails, a third of the claim."""
    pk = connection.ops.quote_name(Reminder._meta.pk.column)
    column = connection.ops.quote_name(Reminder._meta.get_field("message_id").column)
    whens, params = [], []
    for message_id, rows in digests.items():
        whens.append(f"WHEN {pk} IN ({', '.join(['%s'] * len(rows))}) THEN %s")
        params.extend([*(row.pk for row in rows), message_id])
    return RawSQL(f"CASE {' '.join(whens)} ELSE {column} END", params, output_field=CharField())


# What an email says of each row: read with the rows it claims.
_EMAIL_NEEDS = ("occurrence__rule__obligation__deal", "occurrence__rule__obligation__obligor")


def _line(reminder: Reminder, *, today: datetime.date) -> dict:
    """What the email says of one reminder: its standing, day count and cost, the same everywhere."""
    occurrence = reminder.occurrence
    obligation = occurrence.rule.obligation
    days_left = (occurrence.due_date - today).days
    overdue = occurrence.standing(today) == Standing.OVERDUE
    accrued = obligation.penalty_accrued(spells=[occurrence.breach_spell(today)]) if overdue else None
    return {
        "reminder": reminder,
        "occurrence": occurrence,
        "obligation": obligation,
        "deal": obligation.deal,
        "days_left": days_left,
        "overdue": overdue,
        "days_overdue": -days_left,
        "accrued": accrued,
        "url": _occurrence_url(occurrence.pk),
        "due_on": _day_texts(occurrence.due_date, translation.get_language()),
    }


@functools.lru_cache(maxsize=1024)
def _day_texts(day: datetime.date, language: str | None) -> dict[str, str]:
    """A day as the emails write it (the `date` filter's own formats), worked out once per day and language:
    a sweep's emails share a few days, and the filter was half the time of rendering a reminder."""
    return {"long": formats.date_format(day, "l j F Y"), "short": formats.date_format(day, "D j M Y"),
            "iso": formats.date_format(day, "Y-m-d")}


def _occurrence_url(pk: int) -> str:
    return _occurrence_url_pattern(settings.SITE_URL, get_script_prefix(), get_urlconf()) % pk


@functools.lru_cache(maxsize=16)
def _occurrence_url_pattern(site_url: str, script_prefix: str, urlconf) -> str:
    """The admin address of a due date with `%d` for its id: the URL resolver is asked once, not per email."""
    marker = 918_273_645
    path = reverse("admin:obligations_occurrence_change", args=[marker])
    return site_url.rstrip("/") + path.replace("%", "%%").replace(str(marker), "%d")


def _with_notes(batch: list[list[Reminder]]) -> None:
    """Read in one query the notes of every deal whose penalty runs on them (SPA s.2(f)), not once per overdue line."""
    deals = [reminder.occurrence.rule.obligation.deal for digest in batch for reminder in digest
             if reminder.occurrence.rule.obligation.penalty == Obligation.Penalty.MONTHLY_ON_NOTES]
    if deals:
        prefetch_related_objects(deals, "convertible_notes")


def reminder_context(reminder: Reminder, *, today: datetime.date) -> dict:
    """The one-reminder email: everything about one due date."""
    language = translation.get_language()
    return {**_line(reminder, today=today), "today": today, "today_on": _day_texts(today, language),
            "meant_for": _day_texts(reminder.scheduled_for, language),
            "desk_date": clock.desk_date()}  # set: the email says which day "today" was


def digest_context(reminders: list[Reminder], *, today: datetime.date) -> dict:
    """The digest: overdue first, then due today, then coming up; within each, grouped by deal."""
    lines = sorted((_line(r, today=today) for r in reminders),
                   key=lambda line: (line["days_left"], line["obligation"].section, line["reminder"].pk))
    groups = []
    for heading, wanted in (("Overdue", lambda line: line["overdue"]),
                            ("Due today", lambda line: not line["overdue"] and line["days_left"] <= 0),
                            ("Coming up", lambda line: line["days_left"] > 0)):
        chosen = [line for line in lines if wanted(line)]
        deals: dict[int, dict] = {}
        for line in sorted(chosen, key=lambda line: str(line["deal"])):  # stable: keeps the due-date order
            deals.setdefault(line["deal"].pk, {"deal": line["deal"], "lines": []})["lines"].append(line)
        groups.append({"heading": heading, "count": len(chosen), "deals": list(deals.values())})
    accrued = [line["accrued"] for line in lines if line["accrued"] is not None]
    return {
        "groups": [group for group in groups if group["count"]],
        "overdue": groups[0]["count"], "due_today": groups[1]["count"], "coming_up": groups[2]["count"],
        "total": len(lines),
        "deal_count": len({line["deal"].pk for line in lines}),
        "accrued": sum(accrued) if accrued else None,
        "today": today,
        "today_on": _day_texts(today, translation.get_language()),
        "desk_date": clock.desk_date(),
        "catching_up": sum(today != line["reminder"].scheduled_for for line in lines),
        "url": settings.SITE_URL.rstrip("/") + reverse("admin:obligations_occurrence_changelist"),
    }


def _finish(reminders: list[Reminder], **fields) -> None:
    """Record an outcome on claimed rows now.

    Only the claim we hold may be finished: a reclaimed row belongs to its new sender. The rows
    of one batch were claimed together, so they share `claimed_at`.
    """
    for claimed_at, rows in itertools.groupby(reminders, key=lambda r: r.claimed_at):
        Reminder.objects.filter(pk__in=[r.pk for r in rows], status=Reminder.Status.SENDING,
                                claimed_at=claimed_at).update(**fields)
    for reminder in reminders:
        for name, value in fields.items():
            setattr(reminder, name, value)


class _Outcomes:
    """The outcomes of a batch's emails, written once the batch is sent: one UPDATE per outcome
    (times are kept to the second, so the emails of one second share theirs)."""

    def __init__(self) -> None:
        self.rows: dict[tuple, list[Reminder]] = {}

    def __call__(self, reminders: list[Reminder], **fields) -> None:
        for reminder in reminders:
            for name, value in fields.items():
                setattr(reminder, name, value)
        key = tuple(sorted(fields.items()))
        self.rows.setdefault(key, []).extend(reminders)

    def write(self) -> None:
        for key, reminders in self.rows.items():
            _finish(reminders, **dict(key))
        self.rows.clear()


def _now() -> datetime.datetime:
    return timezone.now().replace(microsecond=0)


def _retry_at(attempts: int) -> datetime.datetime:
    """When to try again: the backoff from now, to the whole second after (never early)."""
    at = timezone.now() + _backoff(attempts)
    return at.replace(microsecond=0) + datetime.timedelta(seconds=1) if at.microsecond else at


def _backoff(attempts: int) -> datetime.timedelta:
    # min() before the power would overflow: past 2**40 the cap has long been reached.
    seconds = settings.REMINDER_RETRY_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 40)
    return datetime.timedelta(seconds=min(seconds, settings.REMINDER_RETRY_MAX_SECONDS))


def _send_budget() -> float:
    """Seconds a send may take: it must end before its claim runs out and another sender takes the row."""
    claim = settings.REMINDER_CLAIM_TIMEOUT_SECONDS
    return max(claim - 60, claim / 2)


def _log_error(outcome: str, reminder: Reminder) -> None:
    logger.error(_SEND_LINE + " error=%s", outcome, reminder.pk, reminder.occurrence_id, reminder.attempts,
                 json.dumps(reminder.last_error))


def _uncertain(reminders: list[Reminder], error: Exception, record=_finish) -> None:
    """The message may have arrived: resend it once, with the same Message-ID; after that, leave it to a person.

    The rows resent keep one retry time, so the resend carries all of them again.
    """
    first_time = [r for r in reminders if r.unknown_outcomes == 0]
    again = [r for r in reminders if r.unknown_outcomes >= 1]
    if first_time:
        retry_at = _retry_at(max(r.attempts for r in first_time))
        record(first_time, status=Reminder.Status.UNCERTAIN, unknown_outcomes=1, next_attempt_at=retry_at,
               last_error=f"{type(error).__name__}: {error} It is sent once more, with the same Message-ID.")
        for reminder in first_time:
            logger.warning(_SEND_LINE + " resend_at=%s error=%s", "uncertain", reminder.pk, reminder.occurrence_id,
                           reminder.attempts, retry_at.isoformat(), json.dumps(reminder.last_error))
    if again:
        record(again, status=Reminder.Status.UNCERTAIN, unknown_outcomes=2, next_attempt_at=None,
               last_error=f"{type(error).__name__}: {error} It was already sent once more after an unknown "
                          "outcome, so it is not sent again: ask the recipient whether it arrived.")
        for reminder in again:
            _log_error("uncertain", reminder)


def _refused(reminders: list[Reminder], error: Exception, record=_finish) -> None:
    """The server did not take it: retry with a backoff, never lose it; give up after the last attempt."""
    message = f"{type(error).__name__}: {error}"
    spent = [r for r in reminders if r.attempts >= settings.REMINDER_MAX_ATTEMPTS]
    retrying = [r for r in reminders if r.attempts < settings.REMINDER_MAX_ATTEMPTS]
    if spent:
        record(spent, status=Reminder.Status.FAILED, last_error=message)
        for reminder in spent:
            _log_error("failed", reminder)
    if retrying:
        retry_at = _retry_at(max(r.attempts for r in retrying))
        record(retrying, status=Reminder.Status.PENDING, last_error=message, next_attempt_at=retry_at)
        for reminder in retrying:
            logger.warning(_SEND_LINE + " retry_at=%s error=%s", "retry", reminder.pk, reminder.occurrence_id,
                           reminder.attempts, retry_at.isoformat(), json.dumps(message))


def digest_deliver(reminders: list[Reminder], *, today: datetime.date, connection=None,
                   within: float | None = None, record=None) -> None:
    """Send one claimed email (the rows of one recipient) and record the outcome on each row.

    A single row goes out as the one-reminder email, several as a digest grouped by deal.
    `within`: seconds the send may take (by default the claim's budget). `record`: where
    outcomes go (a batch's `_Outcomes`, written after the batch); by default written at once.
    """
    record = record or _finish
    live = []
    for reminder in reminders:
        occurrence = reminder.occurrence
        if occurrence.status != Occurrence.Status.OPEN or occurrence.due_date != reminder.due_date:
            # Done, waived, or moved to another date (which gets reminders of its own).
            record([reminder], status=Reminder.Status.CANCELLED)
            logger.info(_SEND_LINE, "cancelled", reminder.pk, reminder.occurrence_id, reminder.attempts)
        else:
            live.append(reminder)
    if not live:
        return
    recipient = live[0].recipient
    if not recipient:
        for reminder in live:
            obligor = reminder.occurrence.rule.obligation.obligor
            record([reminder], status=Reminder.Status.FAILED,
                   last_error=f"No one to send to: mark a person of {obligor} to receive reminders, "
                              "or name the obligation's responsible staff, then retry it.")
            _log_error("failed", reminder)
        return
    if len(live) == 1:
        name, context = "reminder", reminder_context(live[0], today=today)
    else:
        name, context = "reminder-digest", digest_context(live, today=today)
    try:
        # The rows it carries, for an operator searching a mailbox (and the fault tests counting rows).
        headers = {"Message-ID": live[0].message_id, "X-Dealdesk-Reminders": " ".join(str(r.pk) for r in live)}
        emails.send(name, to=[recipient], context=context, headers=headers,
                    within=_send_budget() if within is None else within, connection=connection)
    except emails.DeliveryUncertain as error:
        _uncertain(live, error, record)
        return
    except Exception as error:  # any other failure: the server did not take it
        _refused(live, error, record)
        return
    record(live, status=Reminder.Status.SENT, sent_at=_now(), last_error="")
    for reminder in live:
        logger.info(_SEND_LINE + " recipients=%s", "sent", reminder.pk, reminder.occurrence_id, reminder.attempts, 1)


def _release(reminders: list[Reminder]) -> None:
    """Give back claimed rows whose email was not tried (the batch ran out of time), as ready as before."""
    for reminder in reminders:
        resend = reminder.unknown_outcomes >= 1
        Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SENDING, claimed_at=reminder.claimed_at).update(
            status=Reminder.Status.UNCERTAIN if resend else Reminder.Status.PENDING, attempts=F("attempts") - 1,
            next_attempt_at=timezone.now() if resend else reminder.next_attempt_at,
        )


def _settle_abandoned(*, now: datetime.datetime) -> None:
    """A resend whose sender died too: its outcome is unknown a second time, so it is not sent again."""
    abandoned = Reminder.objects.filter(status=Reminder.Status.SENDING, claimed_at__lt=_stale(now),
                                        unknown_outcomes__gte=1)
    for reminder in abandoned:
        reminder.last_error = (
            "The worker sending it stopped before recording the outcome. It was already sent once more after "
            "an unknown outcome, so it is not sent again: ask the recipient whether it arrived."
        )
        settled = Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SENDING,
                                          claimed_at=reminder.claimed_at).update(
            status=Reminder.Status.UNCERTAIN, unknown_outcomes=F("unknown_outcomes") + 1, next_attempt_at=None,
            last_error=reminder.last_error,
        )
        if settled:
            _log_error("uncertain", reminder)


def reminders_send_pending(*, today: datetime.date, limit: int | None = None) -> RunResult:
    """Claim and send ready reminders, a batch of emails at a time, until none is left.

    Each email carries one recipient's ready rows. `limit` stops it once that many reminders have
    been tried. The run's emails share a connection to the mail server; a batch's outcomes are
    written once it is sent, and its emails must all be tried before its claim runs out (what is
    left is given back, ready for the next sender). Then tell the desk about any reminder that is
    about to give up or needs a person.
    """
    result = RunResult()
    _settle_abandoned(now=timezone.now())
    connection = emails.open_connection()
    try:
        while limit is None or len(result.sent) + len(result.failed) < limit:
            batch = _claim_batch(emails=None if limit is None else
                                 min(settings.REMINDER_BATCH_EMAILS, limit - len(result.sent) - len(result.failed)))
            if not batch:
                break
            deadline = time.monotonic() + _send_budget()
            _with_notes(batch)
            outcomes = _Outcomes()
            try:
                for n, digest in enumerate(batch):
                    if time.monotonic() >= deadline:
                        _release([reminder for rest in batch[n:] for reminder in rest])
                        batch = batch[:n]
                        break
                    digest_deliver(digest, today=today, connection=connection,
                                   within=deadline - time.monotonic(), record=outcomes)
            finally:
                outcomes.write()
            for reminder in itertools.chain.from_iterable(batch):
                if reminder.status == Reminder.Status.SENT:
                    result.sent.append(reminder)
                elif reminder.status in (Reminder.Status.FAILED, Reminder.Status.PENDING,
                                         Reminder.Status.UNCERTAIN):
                    result.failed.append(reminder)
    finally:
        try:
            connection.close()
        except Exception:  # a server gone away: nothing is left to tell it
            logger.warning("event=reminder_send outcome=close_failed")
    result.retry_at = (
        Reminder.objects.filter(_waiting_to_send(), next_attempt_at__isnull=False)
        .aggregate(first=Min("next_attempt_at"))["first"]
    )
    reminders_alert(now=timezone.now())
    return result


# An alert lists at most this many reminders; the rest are counted and found in the admin.
ALERT_LISTS_AT_MOST = 100


def _needs_alerting() -> Q:
    """About to give up (its next attempt is its last), gave up, or uncertain with no resend to come."""
    last = settings.REMINDER_MAX_ATTEMPTS
    about_to_give_up = Q(status=Reminder.Status.PENDING, attempts__gte=max(last - 1, 1)) if last > 1 else Q(pk=None)
    gave_up = Q(status=Reminder.Status.FAILED)
    for_a_person = Q(status=Reminder.Status.UNCERTAIN, next_attempt_at__isnull=True)
    return Q(alerted_at__isnull=True) & (about_to_give_up | gave_up | for_a_person)


def reminders_alert(*, now: datetime.datetime) -> int:
    """Email the desk (REMINDER_ALERT_TO) one list of the reminders that need it; returns how many were listed.

    Each reminder is in one alert: it is marked alerted once the alert is handed over. An alert
    the mail server does not take (it is down: that is often why reminders are failing) is tried
    again at the next run; the log has the same news (event=reminder_send outcome=failed|uncertain).
    """
    if not settings.REMINDER_ALERT_TO:
        return 0
    ids = list(Reminder.objects.filter(_needs_alerting()).order_by("scheduled_for", "id").values_list("pk", flat=True))
    if not ids:
        return 0
    total = len(ids)
    listed = list(Reminder.objects.filter(pk__in=ids[:ALERT_LISTS_AT_MOST])
                  .select_related("occurrence__rule__obligation__deal").order_by("scheduled_for", "id"))
    site = settings.SITE_URL.rstrip("/")
    rows = []
    for reminder in listed:
        if reminder.status == Reminder.Status.PENDING:
            state = f"last attempt at {timezone.localtime(reminder.next_attempt_at):%Y-%m-%d %H:%M %Z}" \
                if reminder.next_attempt_at else "last attempt next"
        elif reminder.status == Reminder.Status.FAILED:
            state = "gave up"
        else:
            state = "uncertain: not sent again"
        rows.append({"reminder": reminder, "obligation": reminder.occurrence.rule.obligation, "state": state,
                     "url": site + reverse("admin:obligations_reminder_change", args=[reminder.pk])})
    context = {"rows": rows, "total": total, "more": total - len(listed),
               "max_attempts": settings.REMINDER_MAX_ATTEMPTS,
               "url": site + reverse("admin:obligations_reminder_changelist")}
    try:
        emails.send("reminder-alert", to=list(settings.REMINDER_ALERT_TO), context=context, within=_send_budget())
    except emails.DeliveryUncertain as error:
        # It may have arrived; the desk is better told twice by the log than alerted twice by email.
        logger.warning("event=reminder_alert outcome=uncertain reminders=%s error=%s", total,
                       json.dumps(f"{type(error).__name__}: {error}"))
    except Exception as error:  # the mail server did not take it: try again at the next run
        logger.error("event=reminder_alert outcome=retry reminders=%s error=%s", total,
                     json.dumps(f"{type(error).__name__}: {error}"))
        return 0
    else:
        logger.info("event=reminder_alert outcome=sent reminders=%s recipients=%s", total,
                    len(settings.REMINDER_ALERT_TO))
    Reminder.objects.filter(pk__in=ids, alerted_at__isnull=True).update(alerted_at=now)
    return total


def reminders_run(*, today: datetime.date, dry_run: bool = False) -> RunResult:
    """Sweep for due reminders and send them: what beat runs, and `send_reminders`."""
    if dry_run:
        return RunResult(created=reminders_plan(today=today))
    started = time.monotonic()
    created = reminders_create_due(today=today)
    result = reminders_send_pending(today=today)
    result.created = created
    logger.info(
        "event=reminder_sweep today=%s created=%s sent=%s retrying=%s uncertain=%s failed=%s retry_at=%s "
        "duration_ms=%d",
        today, len(created), len(result.sent),
        sum(r.status == Reminder.Status.PENDING for r in result.failed),
        sum(r.status == Reminder.Status.UNCERTAIN for r in result.failed),
        sum(r.status == Reminder.Status.FAILED for r in result.failed),
        result.retry_at.isoformat() if result.retry_at else "", (time.monotonic() - started) * 1000,
    )
    return result
