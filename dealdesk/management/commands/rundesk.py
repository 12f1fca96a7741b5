"""Run the whole desk locally: the web app, one Celery worker and beat, until Ctrl-C."""
from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web app, one Celery worker and Celery beat together (for a local run)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        celery = [sys.executable, "-m", "celery", "-A", "dealdesk"]
        children = [
            subprocess.Popen([*celery, "worker", "--pool=solo", "--loglevel=INFO"], env=os.environ.copy()),
            subprocess.Popen([*celery, "beat", "--loglevel=INFO"], env=os.environ.copy()),
        ]
        self.stdout.write(f"Worker and beat started; broker {settings.CELERY_BROKER_URL}.")
        # Beat's first sweep comes one interval after it starts; sweep now so reminders show at once.
        from obligations.tasks import send_due_reminders

        send_due_reminders.delay()
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(f"Emails are written to {settings.EMAIL_FILE_PATH}/")
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=30)
