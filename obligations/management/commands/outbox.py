"""Print the reminder outbox: how many in each status, what waits, what comes back, what failed."""
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from obligations.outbox import outbox_state


def _at(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


class Command(BaseCommand):
    help = ("Show the reminder outbox: counts by status, the oldest ready reminder, the next retry, the uncertain "
            "ones (they may have arrived) and the failed ones.")

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20, help="Show at most this many uncertain reminders, and as many failed ones.")

    def handle(self, *args, limit: int, **options):
        now = timezone.now()
        state = outbox_state(now=now, failed_limit=limit)
        write = self.stdout.write
        write(f"Reminder outbox at {_at(now)}")
        for status, count in state.counts.items():
            write(f"  {status:<10} {count:>6}")
        if state.oldest_ready is None:
            write("Oldest ready: none")
        else:
            # Whole seconds: an operator reads minutes, not microseconds.
            waited = datetime.timedelta(seconds=int((now - state.oldest_ready.ready_since).total_seconds()))
            write(f"Oldest ready: reminder {state.oldest_ready.pk}, "
                  f"waiting since {_at(state.oldest_ready.ready_since)} ({waited})")
        if state.next_retry is None:
            write("Next retry: none")
        else:
            write(f"Next retry: reminder {state.next_retry.pk} at {_at(state.next_retry.next_attempt_at)}")
        self._list("Uncertain", state.uncertain, state.uncertain_total)
        self._list("Failed", state.failed, state.failed_total)

    def _list(self, label: str, reminders, total: int) -> None:
        self.stdout.write(f"{label}: {total}")
        for reminder in reminders:
            occurrence = reminder.occurrence
            self.stdout.write(f"  reminder {reminder.pk}: {occurrence.rule.obligation}, due {occurrence.due_date}, "
                              f"{reminder.when_label()}; {reminder.attempts} attempts; {reminder.last_error}")
        if total > len(reminders):
            self.stdout.write(f"  ... and {total - len(reminders)} more (admin: Reminders, status {label})")
