from django.core.management.base import BaseCommand

from opsconsole.roles import roles_sync


class Command(BaseCommand):
    help = "Create or update the staff role groups with exactly their permissions."

    def handle(self, *args, **options):
        for group in roles_sync():
            self.stdout.write(f"{group.name}: {group.permissions.count()} permissions")
