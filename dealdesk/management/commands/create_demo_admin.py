"""Create the demo login for a local run; refuses when a superuser already exists."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a demo superuser (admin / dealdesk) if the database has no superuser yet."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="dealdesk")

    def handle(self, *args, username: str, password: str, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists; no demo login created.")
            return
        User.objects.create_superuser(username, f"{username}@localhost", password)
        self.stdout.write(f"Log in at /admin/ as {username} / {password}")
