"""Redis stopped, restarted and hung under a real Daphne: who keeps working, who gets what."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack

import pytest
from django.test import TransactionTestCase

from tests.browser_http import HttpClient
from tests.daphne_server import DaphneServer
from tests.faults import Relay, ThrowawayRedis, wait_until
from tests.support import PASSWORD, create_user, offered, session_cookie

pytestmark = pytest.mark.slow

READ = "retrieve" if offered("retrieve") else "list"
FAST = 3.0  # seconds: what "answers at once" means here, well below any client timeout


class RedisFaultTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.target = create_user("target")
        self.stack = ExitStack()
        self.addCleanup(self.stack.close)

    def start_server(self, redis_url: str) -> DaphneServer:
        env = {"REDIS_URL": redis_url, "DJANGO_DEMO": "1", "DJANGO_SECURE_COOKIES": "0"}
        return self.stack.enter_context(DaphneServer(env=env))

    def open(self, server):
        return self.stack.enter_context(server.connect("/ws/users/", session_cookie(self.staff)))

    def timed_call(self, ws, action, **payload) -> tuple[dict, float]:
        started = time.monotonic()
        ws.send(json.dumps({"action": action, "request_id": action, **payload}))
        reply = json.loads(ws.recv(timeout=15))
        return reply, time.monotonic() - started

    def read_payload(self) -> dict:
        return {"pk": self.target.pk} if READ == "retrieve" else {}

    def http_patch(self, server, email) -> tuple[int, float]:
        import base64

        credentials = base64.b64encode(f"staff:{PASSWORD}".encode()).decode()
        started = time.monotonic()
        status, _, _ = HttpClient(server.origin).request(
            "PATCH",
            f"/api/users/{self.target.pk}/",
            {"email": email},
            {"Authorization": f"Basic {credentials}"},
        )
        return status, time.monotonic() - started

    def test_redis_stopped_then_restarted(self):
        redis = self.stack.enter_context(ThrowawayRedis())
        server = self.start_server(redis.url)
        plain = self.open(server)  # never subscribes
        watcher = self.open(server)
        can_subscribe = offered("subscribe_instance")
        if can_subscribe:
            reply, _ = self.timed_call(watcher, "subscribe_instance", pk=self.target.pk)
            self.assertEqual(reply["response_status"], 201)

        redis.stop()
        reply, seconds = self.timed_call(plain, READ, **self.read_payload())
        self.assertEqual(reply["response_status"], 200)
        self.assertLess(seconds, FAST)
        status, seconds = self.http_patch(server, "while-down@example.com")
        self.assertEqual(status, 200)  # publishing the change does not wait for Redis
        self.assertLess(seconds, FAST)
        readiness = HttpClient(server.origin).request("GET", "/readyz")
        self.assertEqual(readiness[0], 503)
        self.assertIn("channel", json.dumps(readiness[1]).lower())
        if can_subscribe:
            reply, seconds = self.timed_call(plain, "subscribe_list")
            self.assertEqual(reply["response_status"], 503)
            self.assertIn("channel layer", reply["errors"][0])
            self.assertLess(seconds, FAST + 2)

        redis.start()  # the same port, and empty: every group membership is gone
        self.assertTrue(
            wait_until(lambda: HttpClient(server.origin).request("GET", "/readyz")[0] == 200, 20)
        )
        if can_subscribe:
            # The existing subscription works again without restarting Daphne: its
            # listener joins its groups again once Redis answers.
            attempts = iter(range(1000))

            def push_arrives():
                # A new address each time: a save that changes nothing publishes nothing.
                email = f"after-restart-{next(attempts)}@example.com"
                self.http_patch(server, email)
                try:
                    while True:
                        message = json.loads(watcher.recv(timeout=2))
                        if (message["data"] or {}).get("email") == email:
                            return True
                except TimeoutError:
                    return False

            self.assertTrue(wait_until(push_arrives, timeout=30, interval=0.5))
            reply, _ = self.timed_call(plain, "subscribe_list", request_id="again")
            self.assertEqual(reply["response_status"], 201)
        reply, _ = self.timed_call(plain, READ, **self.read_payload())
        self.assertEqual(reply["response_status"], 200)

    def test_redis_hung(self):
        hung = self.stack.enter_context(Relay())  # accepts, never answers
        server = self.start_server(f"redis://127.0.0.1:{hung.port}/0")
        ws = self.open(server)
        other = self.open(server)
        started = time.monotonic()
        status, _ = HttpClient(server.origin).sign_in("staff", PASSWORD)  # tells the user group
        self.assertEqual(status, 200)
        self.assertLess(time.monotonic() - started, FAST)
        status, seconds = self.http_patch(server, "hung@example.com")
        self.assertEqual(status, 200)
        self.assertLess(seconds, FAST)
        if offered("patch"):
            reply, seconds = self.timed_call(
                ws, "patch", pk=self.target.pk, data={"email": "hung-ws@example.com"}
            )
            self.assertEqual(reply["response_status"], 200)
            self.assertLess(seconds, FAST)
        if offered("subscribe_instance"):
            reply, seconds = self.timed_call(ws, "subscribe_instance", pk=self.target.pk)
            self.assertEqual(reply["response_status"], 503)
            self.assertLess(seconds, FAST + 2)
        for _ in range(3):  # other connections are not held up behind the hung layer
            reply, seconds = self.timed_call(other, READ, **self.read_payload())
            self.assertEqual(reply["response_status"], 200)
            self.assertLess(seconds, FAST)
        self.assertEqual(HttpClient(server.origin).request("GET", "/readyz")[0], 503)
        self.assertLess(time.monotonic() - started, 40)
