"""Metrics and logs of real WebSocket traffic, scraped and read from a real Daphne."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.test import TransactionTestCase
from prometheus_client import generate_latest

from tests.browser_http import HttpClient
from tests.daphne_server import DaphneServer
from tests.support import PASSWORD, create_user, offered, sample_requests, session_cookie

pytestmark = pytest.mark.slow

READ = "retrieve" if offered("retrieve") else "list"
TOKEN = "scrape-token-for-tests"
SECRET_PASSWORD = "never-in-the-log-51-" + "x" * 8


def sample_value(scrape: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, by name and exact labels."""
    for line in scrape.splitlines():
        match = re.match(r"^(\w+)\{(.*)\} (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2)))
        if found == labels:
            return float(match.group(3))
    return None


class ObservabilityTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.target = create_user("target")
        env = {
            "DJANGO_METRICS_ENABLED": "1",
            "DJANGO_METRICS_TOKEN": TOKEN,
            "DJANGO_ACTION_LOG_LEVEL": "INFO",
            "DJANGO_LOG_FORMAT": "json",
        }
        self.server = DaphneServer(env=env).__enter__()
        self.addCleanup(self.server.__exit__, None, None, None)
        self.cookie = session_cookie(self.staff)

    def talk(self) -> None:
        payload = sample_requests(self.target)[READ]
        with self.server.connect("/ws/users/", self.cookie) as ws:
            for number in range(3):
                ws.send(json.dumps({"action": READ, "request_id": number, **payload}))
                self.assertEqual(json.loads(ws.recv(timeout=10))["response_status"], 200)
            ws.send(json.dumps({"action": "nope", "request_id": "n"}))
            self.assertEqual(json.loads(ws.recv(timeout=10))["response_status"], 405)
            if offered("create"):
                data = {
                    "username": "secretive",
                    "email": "s@example.com",
                    "password": SECRET_PASSWORD,
                }
                ws.send(json.dumps({"action": "create", "request_id": "c", "data": data}))
                self.assertEqual(json.loads(ws.recv(timeout=10))["response_status"], 201)

    def scrape(self) -> str:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        status, body, _ = HttpClient(self.server.origin).request("GET", "/metrics", None, headers)
        self.assertEqual(status, 200)
        return body

    def test_a_scrape_counts_the_connections_and_messages_that_happened(self):
        self.talk()
        time.sleep(0.5)  # the disconnect is handled after the client has gone
        scrape = self.scrape()
        route = "/ws/users/"
        counted = sample_value(
            scrape, "websocket_messages_total", route=route, action=READ, status="200"
        )
        self.assertEqual(counted, 3)
        unknown = sample_value(
            scrape, "websocket_messages_total", route=route, action="nope", status="405"
        )
        self.assertEqual(unknown, 1)
        self.assertEqual(sample_value(scrape, "websocket_connections_open", route=route), 0)
        latency = sample_value(
            scrape, "websocket_action_duration_seconds_count", route=route, action=READ
        )
        self.assertEqual(latency, 3)

    def test_the_log_has_a_line_per_action_and_never_a_password_or_cookie(self):
        self.talk()
        time.sleep(0.5)
        log = self.server.output()
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        actions = [line for line in lines if line.get("logger") == "websocket_api.actions"]
        self.assertEqual([line["status"] for line in actions if line["action"] == READ], [200] * 3)
        connections = [line for line in lines if line.get("logger") == "websocket_api.connections"]
        self.assertEqual(len(connections), 2)  # connected, disconnected
        self.assertIn("close_code", connections[-1])
        self.assertNotIn(SECRET_PASSWORD, log)
        self.assertNotIn(PASSWORD, log)
        self.assertNotIn(self.cookie, log)


class LabelTests(TransactionTestCase):
    def test_an_action_name_with_a_lone_surrogate_does_not_break_the_scrape(self):
        from ops import metrics
        from ops.instrumentation import OpsInstrumentation

        hooks = OpsInstrumentation()
        hooks.request_answered({"path": "/ws/users/"}, "bad\udfff", None, 405, 0.001)
        self.assertIn(b'action="bad?"', generate_latest(metrics.REGISTRY))
