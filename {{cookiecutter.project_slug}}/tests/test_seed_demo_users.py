"""The seed_demo_users command."""

import re
from io import StringIO

from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import TransactionTestCase, override_settings


@override_settings(DEBUG=True)
class SeedDemoUsersTests(TransactionTestCase):
    def run_command(self, *args):
        out = StringIO()
        call_command("seed_demo_users", *args, stdout=out)
        return out.getvalue()

    def test_it_creates_demo_users_and_a_staff_account_with_the_printed_password(self):
        output = self.run_command("--users", "4")
        password = re.search(r"password '([^']+)'", output).group(1)
        staff = User.objects.get(username="staff")
        self.assertTrue(staff.is_staff)
        self.assertFalse(staff.is_superuser)
        self.assertTrue(staff.check_password(password))
        self.assertEqual(User.objects.filter(username__startswith="demo").count(), 4)

    def test_running_it_again_adds_nobody_and_changes_the_staff_password(self):
        first = self.run_command()
        second = self.run_command()
        self.assertEqual(User.objects.count(), 4)
        self.assertNotEqual(first, second)

    @override_settings(DEBUG=False)
    def test_it_refuses_when_debug_is_off_unless_forced(self):
        with self.assertRaisesMessage(CommandError, "--force"):
            self.run_command()
        self.assertFalse(User.objects.exists())
        self.run_command("--force")
        self.assertTrue(User.objects.filter(username="staff").exists())
