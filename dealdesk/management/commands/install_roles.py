"""Create or refresh the Deal administrators, Finance and Auditors groups (also done after each migrate)."""
from django.core.management.base import BaseCommand

from dealdesk.roles import roles_install


class Command(BaseCommand):
    help = "Create or refresh the role groups and their permissions."

    def handle(self, *args, **options):
        for name, count in roles_install():
            self.stdout.write(f"{name}: {count} permissions")
