"""Prometheus metrics: what a scrape shows, who may scrape, and the recording functions."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from unittest import mock

from asgiref.sync import async_to_sync
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ops import metrics
from ops.checks import metrics_need_a_token
from ops.middleware import MetricsMiddleware

PROJECT_DIR = Path(__file__).resolve().parent.parent
TOKEN = "scrape-token-for-tests"


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@override_settings(METRICS_ENABLED=True, METRICS_TOKEN="")
class ScrapeTests(TestCase):
    def scrape(self) -> dict:
        response = self.client.get("/metrics")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/plain"))
        return parse(response.content.decode())

    def test_a_scrape_counts_http_requests_by_method_url_name_and_status(self):
        before = self.scrape()
        for _ in range(3):
            self.client.get("/healthz")
        self.client.get("/api/users/")  # anonymous: 403
        self.client.get("/api/users/12345/")
        self.client.get("/no/such/page/")
        after = self.scrape()

        def delta(name, **labels):
            return sample(after, name, **labels) - sample(before, name, **labels)

        total = "http_requests_total"
        self.assertEqual(delta(total, method="GET", route="healthz", status="200"), 3)
        self.assertEqual(delta(total, method="GET", route="user-list", status="403"), 1)
        self.assertEqual(delta(total, method="GET", route="user-detail", status="403"), 1)
        self.assertEqual(delta(total, method="GET", route="unmatched", status="404"), 1)
        count = "http_request_duration_seconds_count"
        self.assertEqual(delta(count, method="GET", route="healthz"), 3)
        # The scrape before counts as well.
        self.assertEqual(delta(total, method="GET", route="metrics", status="200"), 1)

    def test_a_scrape_shows_what_the_websocket_code_recorded(self):
        route = f"ws/test-{uuid.uuid4().hex[:8]}/"
        before = self.scrape()
        metrics.connection_opened(route)
        metrics.connection_opened(route)
        metrics.connection_closed(route)
        metrics.message_answered(route, "retrieve", 200, 0.004)
        metrics.message_answered(route, "retrieve", 200, 0.2)
        metrics.message_answered(route, "retrieve", 404, 0.001)
        metrics.push_sent(route)
        metrics.push_sent(route)
        metrics.push_dropped(route, "forbidden")
        metrics.subscriptions_changed(route, 3)
        metrics.subscriptions_changed(route, -1)
        metrics.throttled("websocket")
        metrics.channel_layer_error("group_send")
        after = self.scrape()

        def delta(name, **labels):
            return sample(after, name, **labels) - sample(before, name, **labels)

        self.assertEqual(sample(after, "websocket_connections_open", route=route), 1)
        messages = "websocket_messages_total"
        self.assertEqual(delta(messages, route=route, action="retrieve", status="200"), 2)
        self.assertEqual(delta(messages, route=route, action="retrieve", status="404"), 1)
        seconds = "websocket_action_duration_seconds"
        self.assertEqual(delta(f"{seconds}_count", route=route, action="retrieve"), 3)
        self.assertAlmostEqual(delta(f"{seconds}_sum", route=route, action="retrieve"), 0.205)
        self.assertEqual(delta(f"{seconds}_bucket", route=route, action="retrieve", le="0.005"), 2)
        self.assertEqual(delta("websocket_pushes_sent_total", route=route), 2)
        dropped = "websocket_pushes_dropped_total"
        self.assertEqual(delta(dropped, route=route, reason="forbidden"), 1)
        self.assertEqual(sample(after, "websocket_subscriptions_open", route=route), 2)
        self.assertEqual(delta("api_throttled_total", where="websocket"), 1)
        self.assertEqual(delta("channel_layer_errors_total", operation="group_send"), 1)

    def test_the_process_itself_is_described(self):
        self.assertGreater(sample(self.scrape(), "process_resident_memory_bytes"), 0)


class AccessTests(TestCase):
    @override_settings(METRICS_ENABLED=False)
    def test_disabled_metrics_are_not_found(self):
        self.assertEqual(self.client.get("/metrics").status_code, 404)

    @override_settings(METRICS_ENABLED=True, METRICS_TOKEN=TOKEN)
    def test_a_token_is_required_once_set(self):
        missing = self.client.get("/metrics")
        self.assertEqual(missing.status_code, 401)
        self.assertEqual(missing["WWW-Authenticate"], 'Bearer realm="metrics"')
        basic = self.client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}")
        self.assertEqual(basic.status_code, 401)
        wrong = self.client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")
        self.assertEqual(wrong.status_code, 403)
        self.assertNotIn(b"http_requests_total", wrong.content)
        right = self.client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        self.assertEqual(right.status_code, 200)
        self.assertIn(b"http_requests_total", right.content)

    @override_settings(METRICS_ENABLED=True)
    def test_a_scrape_by_ip_address_is_answered(self):
        self.assertEqual(self.client.get("/metrics", HTTP_HOST="10.1.2.3:8001").status_code, 200)

    @override_settings(METRICS_ENABLED=True)
    def test_only_get_and_head_are_answered(self):
        self.assertEqual(self.client.post("/metrics").status_code, 405)


def metrics_settings(**env: str) -> list[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    code = "from config import settings as s; print(s.METRICS_ENABLED, bool(s.METRICS_TOKEN))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split()


class DefaultTests(SimpleTestCase):
    def test_metrics_are_on_in_development_and_off_in_production_unless_enabled(self):
        self.assertEqual(metrics_settings(DJANGO_DEBUG="1"), ["True", "False"])
        production = {"DJANGO_SECRET_KEY": "k" * 50}
        self.assertEqual(metrics_settings(**production), ["False", "False"])
        enabled = {**production, "DJANGO_METRICS_ENABLED": "1", "DJANGO_METRICS_TOKEN": "t"}
        self.assertEqual(metrics_settings(**enabled), ["True", "True"])

    def test_the_deploy_check_warns_of_metrics_without_a_token(self):
        with self.settings(METRICS_ENABLED=True, METRICS_TOKEN=""):
            self.assertEqual([w.id for w in metrics_need_a_token()], ["ops.W001"])
        with self.settings(METRICS_ENABLED=True, METRICS_TOKEN=TOKEN):
            self.assertEqual(metrics_need_a_token(), [])


class RecordingTests(SimpleTestCase):
    def test_label_values_beyond_the_bound_become_other(self):
        bound = metrics.LabelBound()
        with self.settings(METRICS_MAX_LABEL_VALUES=2):
            self.assertEqual([bound("action", v) for v in "abca"], ["a", "b", "other", "a"])
            self.assertEqual(bound("route", "c"), "c")

    def test_actions_a_client_invents_do_not_grow_the_series_without_limit(self):
        route = f"ws/flood-{uuid.uuid4().hex[:8]}/"
        with mock.patch.object(metrics, "bounded", metrics.LabelBound()):
            for number in range(150):
                metrics.message_answered(route, f"made-up-{number}", 405, 0.001)
        text = generate_latest(metrics.REGISTRY).decode()
        series = [
            labels
            for (name, labels) in parse(text)
            if name == "websocket_messages_total" and ("route", route) in labels
        ]
        self.assertLessEqual(len(series), 101)
        self.assertIn(("action", "other"), set().union(*series))

    def test_the_middleware_counts_429_as_throttled_in_both_modes(self):
        def refused(request):
            return HttpResponse(status=429)

        async def refused_async(request):
            return HttpResponse(status=429)

        where = {"where": "http"}
        before = metrics.REGISTRY.get_sample_value("api_throttled_total", where) or 0.0
        MetricsMiddleware(refused)(RequestFactory().get("/api/users/"))
        async_to_sync(MetricsMiddleware(refused_async))(RequestFactory().get("/api/users/"))
        after = metrics.REGISTRY.get_sample_value("api_throttled_total", where)
        self.assertEqual(after - before, 2)
