"""Build a large, realistic desk to measure the desk at scale (bench/README.md)."""
from django.core.management.base import BaseCommand, CommandError

from dealdesk.load_generator import LoadError, load_generate


class Command(BaseCommand):
    help = (
        "Build N deals with their parties, instruments, closing checklists, obligations (a rule of every "
        "kind), due dates over years (some done, late, waived, due soon, overdue) and the reminders sent for "
        "them, around the desk's today (DESK_DATE, else the real date). The same --deals, --seed and today "
        "build the same desk; 10,000 deals make about a million due dates. Refuses a desk that already holds deals "
        "unless --force is given, which adds the new deals to them (with a seed not used before). Deals are "
        "written 100 at a time, each whole: an interrupted run leaves complete deals only. -v 2 shows progress."
    )

    def add_arguments(self, parser):
        parser.add_argument("--deals", type=int, required=True, help="How many deals to build (at least 1).")
        parser.add_argument("--seed", type=int, default=1, help="Chooses the desk: the same seed, the same desk.")
        parser.add_argument("--force", action="store_true",
                            help="Add to a desk that already holds deals instead of refusing.")

    def handle(self, *args, deals, seed, force, verbosity, **options):
        progress = self.stdout.write if verbosity > 1 else None
        try:
            summary = load_generate(deals=deals, seed=seed, force=force, progress=progress)
        except LoadError as error:
            raise CommandError(str(error)) from error
        for line in summary.lines():
            self.stdout.write(line)
