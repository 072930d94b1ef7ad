"""The liveness and readiness probes, and the command that waits for them."""

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from django.http import HttpResponse
from django.test import RequestFactory, TestCase, override_settings

from ops import health, metrics, probe
from ops.middleware import ProbeMiddleware

# A process addressed by IP and port, as a load balancer or Kubernetes probes it.
PROBE_HOST = "10.1.2.3:8001"
PROBE_MIDDLEWARE = "ops.middleware.ProbeMiddleware"


# Independent of the action selection: run once per layer and database.
pytestmark = pytest.mark.slow


class FakeLayer:
    """A channel layer whose messages are lost or whose sends fail."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    async def new_channel(self) -> str:
        return "specific.readiness"

    async def send(self, channel: str, message: dict) -> None:
        if self.fail:
            raise ConnectionError("no route to the channel layer")

    async def receive(self, channel: str) -> dict:
        await asyncio.sleep(30)
        return {}


class ProbeTests(TestCase):
    def test_healthz_answers_without_a_session_a_known_host_or_a_database(self):
        with mock.patch.object(health, "query_database", side_effect=RuntimeError("down")):
            response = self.client.get("/healthz", HTTP_HOST=PROBE_HOST)
        self.assertEqual((response.status_code, response.json()), (200, {"status": "ok"}))
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertNotIn("Set-Cookie", response.headers)

    def test_readyz_reports_each_part_when_all_work(self):
        response = self.client.get("/readyz", HTTP_HOST=PROBE_HOST)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(), {"status": "ok", "checks": {"database": "ok", "channel_layer": "ok"}}
        )

    def test_readyz_names_a_failing_database(self):
        with mock.patch.object(health, "query_database", side_effect=RuntimeError("down")):
            with self.assertLogs("ops", "WARNING") as logs:
                response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["failed"], ["database"])
        self.assertEqual(response.json()["checks"]["channel_layer"], "ok")
        self.assertIn("down", "\n".join(logs.output))

    @override_settings(READINESS_TIMEOUT=0.2)
    def test_readyz_names_a_channel_layer_that_loses_messages_and_counts_it(self):
        before = error_count("readiness")
        with mock.patch.object(health, "get_channel_layer", return_value=FakeLayer()):
            with self.assertLogs("ops", "WARNING"):
                response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            response.json(),
            {
                "status": "unavailable",
                "failed": ["channel_layer"],
                "checks": {"database": "ok", "channel_layer": "timed out"},
            },
        )
        self.assertEqual(error_count("readiness") - before, 1)

    def test_readyz_names_a_channel_layer_that_refuses_sends(self):
        with mock.patch.object(health, "get_channel_layer", return_value=FakeLayer(fail=True)):
            with self.assertLogs("ops", "WARNING"):
                response = self.client.get("/readyz")
        self.assertEqual(response.json()["checks"]["channel_layer"], "failed")

    def test_without_a_channel_layer_readiness_checks_the_database_only(self):
        with mock.patch.object(health, "get_channel_layer", return_value=None):
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200)

    def test_probes_are_not_throttled(self):
        # More requests than the anonymous rate (100 a minute) allows for the API.
        statuses = {self.client.get("/healthz").status_code for _ in range(120)}
        self.assertEqual(statuses, {200})

    def test_probes_accept_only_get_and_head(self):
        self.assertEqual(self.client.head("/healthz").status_code, 200)
        self.assertEqual(self.client.post("/healthz").status_code, 405)
        self.assertEqual(self.client.post("/readyz").status_code, 405)

    @override_settings(SECURE_SSL_REDIRECT=True)
    def test_an_ssl_redirect_spares_the_probes(self):
        self.assertEqual(self.client.get("/healthz").status_code, 200)
        self.assertEqual(self.client.get("/readyz").status_code, 200)
        self.assertEqual(self.client.get("/api/users/").status_code, 301)

    def test_without_the_probe_middleware_the_redirect_exemption_still_holds(self):
        with self.modify_settings(MIDDLEWARE={"remove": PROBE_MIDDLEWARE}):
            with self.settings(SECURE_SSL_REDIRECT=True):
                self.assertEqual(self.client.get("/healthz").status_code, 200)
                self.assertEqual(self.client.get("/api/users/").status_code, 301)
            # Through the whole stack, the host check applies again.
            self.assertEqual(self.client.get("/healthz", HTTP_HOST=PROBE_HOST).status_code, 400)

    def test_the_middleware_answers_probes_in_async_mode_and_passes_the_rest_on(self):
        async def inner(request):
            return HttpResponse("inner")

        middleware = ProbeMiddleware(inner)
        factory = RequestFactory()
        probed = async_to_sync(middleware)(factory.get("/healthz", HTTP_HOST=PROBE_HOST))
        passed = async_to_sync(middleware)(factory.get("/api/users/"))
        self.assertEqual((probed.status_code, passed.content), (200, b"inner"))


def error_count(operation: str) -> float:
    labels = {"operation": operation}
    return metrics.REGISTRY.get_sample_value("channel_layer_errors_total", labels) or 0.0


class StatusHandler(BaseHTTPRequestHandler):
    """Answers 503 to the first ``failures`` requests, then 200."""

    failures = 0

    def do_GET(self):  # noqa: N802 - the name http.server calls
        handler = type(self)
        status = 503 if handler.failures > 0 else 200
        handler.failures -= 1
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


class WaitCommandTests(TestCase):
    def serve(self, failures: int) -> str:
        handler = type("Handler", (StatusHandler,), {"failures": failures})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return f"http://127.0.0.1:{server.server_address[1]}/healthz"

    def test_it_waits_until_the_probe_answers_200(self):
        self.assertEqual(probe.main([self.serve(failures=2), "--wait", "10"]), 0)

    def test_it_gives_up_after_the_wait(self):
        with mock.patch("sys.stderr"):
            self.assertEqual(probe.main([self.serve(failures=1000), "--wait", "1"]), 1)
