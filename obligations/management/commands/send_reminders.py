"""Send the reminders that are due: the same path as the beat task."""
import datetime

from django.core.management.base import BaseCommand, CommandError

from deals import clock
from obligations import reminders


class Command(BaseCommand):
    help = "Create the reminders due today and send them (or, with --dry-run, only list them)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Act as if today were this date (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="List what is due; create and send nothing.")

    def handle(self, *args, today: str | None, dry_run: bool, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else clock.today()
        except ValueError:
            raise CommandError(f"--today must be a date like 2005-06-30, not {today!r}.") from None
        result = reminders.reminders_run(today=day, dry_run=dry_run)
        if dry_run:
            for reminder in result.created:
                self.stdout.write(f"would send: {self._describe(reminder)}")
            self.stdout.write(f"{len(result.created)} reminder(s) due on {day}; nothing sent (dry run).")
            return
        for reminder in result.sent:
            self.stdout.write(f"sent: {self._describe(reminder)} -> {reminder.recipient}")
        for reminder in result.failed:
            self.stdout.write(f"not sent: {self._describe(reminder)}: {reminder.last_error}")
        self.stdout.write(f"{len(result.sent)} sent, {len(result.failed)} not sent, on {day}.")

    @staticmethod
    def _describe(reminder) -> str:
        occurrence = reminder.occurrence
        obligation = occurrence.rule.obligation
        return f"{obligation.deal} s.{obligation.section} {obligation.title}, due {occurrence.due_date} ({reminder.when_label()})"
