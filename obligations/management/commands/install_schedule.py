"""Install the default beat schedule; running it again changes nothing an administrator tuned."""
from django.conf import settings
from django.core.management.base import BaseCommand

from obligations.schedule import schedule_install


class Command(BaseCommand):
    help = "Create the periodic tasks (reminder sweep, deadline extension) if they do not exist."

    def handle(self, *args, **options):
        for name, created in schedule_install(sweep_every_minutes=settings.REMINDER_SWEEP_EVERY_MINUTES):
            self.stdout.write(f"{'created' if created else 'kept'}: {name}")
