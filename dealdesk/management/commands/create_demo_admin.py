"""Create the demo login for a local run; refuses when a superuser already exists."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

# `rundesk` prints these in its summary on every start, so a restart shows the login too.
DEMO_USERNAME = "admin"
DEMO_PASSWORD = "dealdesk"


def demo_login() -> str:
    """How to log in, as the summary of `rundesk` says it: the demo credentials while they work."""
    User = get_user_model()
    demo = User.objects.filter(username=DEMO_USERNAME, is_superuser=True, is_active=True).first()
    if demo is not None and demo.check_password(DEMO_PASSWORD):
        return f"{DEMO_USERNAME} / {DEMO_PASSWORD}"
    if User.objects.filter(is_superuser=True, is_active=True).exists():
        return "with your own superuser (there is no demo login)"
    return "no superuser yet: python manage.py create_demo_admin"


class Command(BaseCommand):
    help = f"Create a demo superuser ({DEMO_USERNAME} / {DEMO_PASSWORD}) if there is no superuser yet."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=DEMO_USERNAME)
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, username: str, password: str, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists; no demo login created.")
            return
        User.objects.create_superuser(username, f"{username}@localhost", password)
        self.stdout.write(f"Demo login created: {username} / {password}")
