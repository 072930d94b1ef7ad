"""The docs page in a real browser against a real Daphne process."""

import os
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.test import TransactionTestCase
from playwright.sync_api import expect, sync_playwright

from tests.browser import ARTIFACTS, LAUNCH_ARGS, chromium_path
from tests.daphne_server import DaphneServer
from tests.support import ROUTES, create_user
from websocket_api.schema import build_document, operation_id
from websocket_api.testing import APIDescription

pytestmark = pytest.mark.slow


class DocsPageTests(TransactionTestCase):
    def setUp(self):
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        self.addCleanup(os.environ.pop, "DJANGO_ALLOW_ASYNC_UNSAFE", None)
        create_user("member")
        settings = {
            "DJANGO_SERVE_STATIC": "1",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_DEMO": "1",
            "DJANGO_API_SCHEMA_ACCESS": "public",
        }
        self.server = DaphneServer(env=settings).__enter__()
        self.addCleanup(self.server.__exit__, None, None, None)
        self.playwright = sync_playwright().start()
        self.addCleanup(self.playwright.stop)
        self.addCleanup(connections.close_all)
        browser = self.playwright.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        self.addCleanup(browser.close)
        self.page = browser.new_page(viewport={"width": 1280, "height": 1000})
        self.page.set_default_timeout(10_000)
        self.requested = []
        self.page.on("request", lambda request: self.requested.append(request.url))

    def open(self, path):
        self.page.goto(f"http://127.0.0.1:{self.server.port}{path}")

    def test_every_route_and_action_is_shown_with_fields_examples_errors_and_pushes(self):
        self.open("/api/docs/")
        document = build_document()
        description = APIDescription(document)
        for route in ROUTES:
            channel = self.page.locator(f'section.channel[data-address="{route}"]')
            expect(channel).to_be_visible()
            for action, _ in description.request_examples(route):
                with self.subTest(route=route, action=action):
                    article = channel.locator(f'article.operation[data-action="{action}"]')
                    expect(article).to_have_count(1)
                    expect(article.locator('tr[data-field="action"]')).to_have_count(1)
                    expect(article.locator("pre.example").first).to_contain_text(f'"{action}"')
                    expect(article.locator('ul.errors li[data-status="403"]')).to_have_count(1)
                    key = operation_id(route, action)
                    operation = document["operations"][key]
                    request = description.resolve(operation["messages"][0]["$ref"])
                    data = request["payload"]["properties"].get("data", {})
                    schema = description.resolve(data["$ref"]) if "$ref" in data else data
                    for field in schema.get("properties", {}):
                        expect(article.locator(f'tr[data-field="data.{field}"]')).to_have_count(1)
                    if "x-pushes" in operation:
                        expect(article.locator("section.pushes li[data-push]")).not_to_have_count(0)
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / "docs-page.png"), full_page=True)
        self.assert_only_this_server_was_asked()

    def test_each_demo_form_links_to_its_documentation(self):
        self.open("/")
        form = self.page.locator("form.action").first
        form.locator("details.docs summary").click()
        link = form.locator("a[data-docs]")
        action = link.get_attribute("data-docs")
        link.click()
        expect(self.page).to_have_url(
            f"http://127.0.0.1:{self.server.port}/api/docs/#ws_users_{action}"
        )
        expect(
            self.page.locator(f'article.operation[data-action="{action}"]').first
        ).to_be_visible()
        self.assert_only_this_server_was_asked()

    def assert_only_this_server_was_asked(self):
        self.assertTrue(self.requested)
        hosts = {urlsplit(url).hostname for url in self.requested if not url.startswith("data:")}
        self.assertEqual(hosts, {"127.0.0.1"})
