"""The demo page in a real browser against a real Daphne process."""

import os

from django.contrib.auth.models import User
from django.db import connections
from django.test import TransactionTestCase
from playwright.sync_api import expect, sync_playwright

from tests.browser import ARTIFACTS, LAUNCH_ARGS, chromium_path
from tests.daphne_server import DaphneServer
from tests.support import CRUD_ACTIONS, PASSWORD, ROUTES, create_user, offered
from users.consumers import UserConsumer


class DemoPageTests(TransactionTestCase):
    def setUp(self):
        # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
        # make between page steps are ordinary blocking calls.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        self.addCleanup(os.environ.pop, "DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.staff = create_user("staff", staff=True)
        self.member = create_user("member")
        self.requests_sent = 0
        executable = chromium_path()
        plain_http = {"DJANGO_SERVE_STATIC": "1", "DJANGO_SECURE_COOKIES": "0", "DJANGO_DEMO": "1"}
        self.server = DaphneServer(env=plain_http).__enter__()
        self.addCleanup(self.server.__exit__, None, None, None)
        self.playwright = sync_playwright().start()
        self.addCleanup(self.playwright.stop)
        # While Playwright's loop runs, Django keeps this test's database connections apart
        # from the usual ones; close them before it stops, or they outlive the test.
        self.addCleanup(connections.close_all)
        self.browser = self.playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        self.addCleanup(self.browser.close)
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.page.goto(f"http://127.0.0.1:{self.server.port}/")

    def form(self, action):
        return self.page.locator(f'form[data-action="{action}"]')

    def send(self, action, **fields):
        self.requests_sent += 1
        form = self.form(action)
        for name, value in fields.items():
            form.locator(f'[name="{name}"]').fill(str(value))
        form.get_by_role("button", name=f"Send {action}").click()

    def expect_result(self, ok: bool, *texts: str):
        result = self.page.locator("#result")
        expect(result).to_have_attribute("data-ok", "true" if ok else "false")
        for text in texts:
            expect(result).to_contain_text(text)

    def sign_in(self, username, password=PASSWORD):
        form = self.page.locator("#sign-in")
        form.get_by_label("Username").fill(username)
        form.get_by_label("Password").fill(password)
        form.get_by_role("button", name="Sign in").click()
        expect(self.page.locator("#who")).to_contain_text(f"Signed in as {username}")

    def choose_route(self, route):
        self.page.locator(f'input[name="route"][value="{route}"]').check()
        badge = self.page.locator(f'.state[data-route="{route}"]')
        expect(badge).to_have_text("open")

    def test_staff_use_every_action_through_the_page_on_both_routes(self):
        self.sign_in("staff")
        for number, route in enumerate(ROUTES, start=1):
            with self.subTest(route=route):
                self.choose_route(route)
                self.run_actions(route, f"fresh{number}")
        # Every request and every reply appears in the frame log (with subscriptions and
        # pushes, when the project offers live updates).
        self.assertGreaterEqual(self.page.locator("#log li").count(), 2 * self.requests_sent)
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / "demo-page.png"), full_page=True)

    def run_actions(self, route, username):
        rows = self.page.locator("#users tbody tr")
        if offered("list"):
            self.send("list")
            self.expect_result(True, "list")
            expect(rows).to_have_count(User.objects.count())
        if offered("create"):
            self.send(
                "create", username=username, email=f"{username}@example.com", password=PASSWORD
            )
            self.expect_result(True, username)
            self.assertTrue(User.objects.get(username=username).check_password(PASSWORD))
            target = User.objects.get(username=username)
        else:
            target = User.objects.create(username=username)
        expect_row = self.page.locator(f'#users tbody tr[data-id="{target.pk}"]')
        if offered("retrieve"):
            self.send("retrieve", pk=target.pk)
            self.expect_result(True, username)
            expect(expect_row).to_contain_text(username)
        if offered("patch"):
            self.send("patch", pk=target.pk, email="patched@example.com")
            self.expect_result(True, "patched@example.com")
            expect(expect_row).to_contain_text("patched@example.com")
            self.assertEqual(User.objects.get(pk=target.pk).email, "patched@example.com")
        if offered("update"):
            self.send("update", pk=target.pk, username=f"{username}_renamed")
            self.expect_result(True, f"{username}_renamed")
            self.assertEqual(User.objects.get(pk=target.pk).username, f"{username}_renamed")
        if offered("delete"):
            self.send("delete", pk=target.pk)
            self.expect_result(True, "delete")
            expect(expect_row).to_have_count(0)
            self.assertFalse(User.objects.filter(pk=target.pk).exists())

    def test_anonymous_visitors_see_the_403_error(self):
        expect(self.page.locator("#who")).to_contain_text("Not signed in")
        action = CRUD_ACTIONS[0]
        spec, _ = UserConsumer.available_actions[action]
        self.choose_route(ROUTES[0])
        fields = {"pk": self.member.pk} if spec.detail else {}
        if spec.data == "required":
            fields |= {"username": "someone", "password": PASSWORD}
        self.send(action, **fields)
        self.expect_result(False, "403", "Authentication credentials were not provided.")
        failed = self.page.locator('#log li[data-ok="false"]')
        expect(failed.first).to_contain_text("status 403")

    def test_a_validation_error_is_shown_with_its_field(self):
        if not offered("create"):
            self.skipTest("this project has no create action")
        self.sign_in("staff")
        self.choose_route(ROUTES[0])
        self.send("create", username="member", email="x@example.com", password=PASSWORD)
        self.expect_result(False, "400", "username")

    def test_the_page_offers_exactly_the_consumers_actions_on_each_route(self):
        for route in ROUTES:
            with self.subTest(route=route):
                self.choose_route(route)
                shown = self.page.locator("form[data-action]").evaluate_all(
                    "forms => forms.map(form => form.dataset.action)"
                )
                offered_here = (
                    UserConsumer.available_actions if route == "/ws/users/" else CRUD_ACTIONS
                )
                self.assertEqual(sorted(shown), sorted(offered_here))

    def test_a_change_made_in_another_page_appears_live(self):
        if not (offered("subscribe_list") and offered("patch")):
            self.skipTest("this project has no live updates or no patch action")
        self.sign_in("staff")
        self.choose_route(ROUTES[0])
        expect(self.page.locator("#live")).to_contain_text("Following changes")
        other = self.context.new_page()  # a second tab of the same session
        other.goto(f"http://127.0.0.1:{self.server.port}/")
        other.locator('.state[data-route="/ws/users/"]').wait_for()
        expect(other.locator('.state[data-route="/ws/users/"]')).to_have_text("open")
        form = other.locator('form[data-action="patch"]')
        form.locator('[name="pk"]').fill(str(self.member.pk))
        form.locator('[name="email"]').fill("live@example.com")
        form.get_by_role("button", name="Send patch").click()
        row = self.page.locator(f'#users tbody tr[data-id="{self.member.pk}"]')
        expect(row).to_contain_text("live@example.com")
        expect(self.page.locator("#live")).to_contain_text("member updated")
        self.assertEqual(User.objects.get(pk=self.member.pk).email, "live@example.com")

    def test_signing_out_returns_to_anonymous(self):
        self.sign_in("member")
        self.page.get_by_role("button", name="Sign out").click()
        expect(self.page.locator("#who")).to_contain_text("Not signed in")

    def test_signing_out_in_another_tab_shows_signed_out_without_reconnecting(self):
        self.sign_in("member")
        self.choose_route(ROUTES[0])
        other = self.context.new_page()  # the same session in a second tab
        other.goto(f"http://127.0.0.1:{self.server.port}/")
        other.get_by_role("button", name="Sign out").click()
        expect(other.locator("#who")).to_contain_text("Not signed in")
        expect(self.page.locator("#who")).to_contain_text("Signed out: the session ended")
        for route in ROUTES:
            badge = self.page.locator(f'.state[data-route="{route}"]')
            expect(badge).to_have_text("signed-out")
        self.page.wait_for_timeout(1500)  # longer than the first reconnect delay
        expect(self.page.locator(f'.state[data-route="{ROUTES[0]}"]')).to_have_text("signed-out")
