import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create demo users and a staff account for trying the API, and print the staff "
        "account's new random password. Refuses to run with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=3, help="How many demo users.")
        parser.add_argument("--staff-username", default="staff")
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args, users: int, staff_username: str, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like production. Use --force to add demo users anyway."
            )
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            for number in range(1, users + 1):
                user, created = User.objects.get_or_create(
                    username=f"demo{number}", defaults={"email": f"demo{number}@example.com"}
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
            staff, _ = User.objects.get_or_create(
                username=staff_username, defaults={"email": f"{staff_username}@example.com"}
            )
            staff.is_staff = True
            staff.set_password(password)
            staff.save()
        self.stdout.write(f"{users} demo users are ready (demo1 to demo{users}).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Staff account: username {staff_username!r}, password {password!r} "
                "(a new password each time this command runs)."
            )
        )
