"""Live updates across processes through Redis, behind nginx too, and idle connections on the
Redis layer."""

import base64
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack

from django.test import TransactionTestCase
from websockets.sync.client import connect

from tests.daphne_server import PROJECT_DIR, DaphneServer
from tests.nginx import NginxProxy
from tests.support import PASSWORD, create_user, offered, session_cookie

IDLE_SECONDS = 6.5
LOG_WAIT_SECONDS = 10


class RedisLayerTests(TransactionTestCase):
    def setUp(self):
        # A key prefix of its own keeps this test's groups apart from any other run.
        self.layer_env = {"CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
        self.staff = create_user("staff", staff=True)
        self.target = create_user("target")
        self.cookie = session_cookie(self.staff)

    def start_server(self, **env):
        server = DaphneServer(env={**self.layer_env, **env}).__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        return server

    def open(self, server):
        connections = ExitStack()
        self.addCleanup(connections.close)
        return connections.enter_context(server.connect("/ws/users/", self.cookie))

    @staticmethod
    def call(ws, action, **payload):
        ws.send(json.dumps({"action": action, **payload}))
        return json.loads(ws.recv(timeout=10))

    def expect_push(self, ws, email):
        push = json.loads(ws.recv(timeout=10))
        self.assertEqual((push["action"], push["request_id"]), ("update", "watch"), push)
        self.assertEqual(push["data"]["email"], email)

    def test_changes_from_another_process_reach_a_subscriber(self):
        process_a, process_b = self.start_server(), self.start_server()
        subscriber = self.open(process_a)
        reply = self.call(subscriber, "subscribe_instance", pk=self.target.pk, request_id="watch")
        self.assertEqual(reply["response_status"], 201)

        if offered("patch"):
            writer = self.open(process_b)
            data = {"email": "websocket@example.com"}
            reply = self.call(writer, "patch", pk=self.target.pk, data=data, request_id="w")
            self.assertEqual(reply["response_status"], 200)
            self.expect_push(subscriber, "websocket@example.com")

        self.patch_over_http(f"http://127.0.0.1:{process_b.port}", "http@example.com")
        self.expect_push(subscriber, "http@example.com")

        self.save_in_management_command("orm@example.com")
        self.expect_push(subscriber, "orm@example.com")

    def patch_over_http(self, base_url, email):
        credentials = base64.b64encode(f"staff:{PASSWORD}".encode()).decode()
        request = urllib.request.Request(
            f"{base_url}/api/users/{self.target.pk}/",
            data=json.dumps({"email": email}).encode(),
            method="PATCH",
            headers={"Content-Type": "application/json", "Authorization": f"Basic {credentials}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            self.assertEqual(response.status, 200)

    def save_in_management_command(self, email):
        code = (
            "from django.contrib.auth.models import User; "
            f"user = User.objects.get(pk={self.target.pk}); "
            f"user.email = {email!r}; user.save()"
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=PROJECT_DIR,
            env=DaphneServer(env=self.layer_env).environment(),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def test_subscribers_idle_longer_than_the_redis_read_timeout_still_get_pushes(self):
        # With its 10 s read timeout, and even with redis-py's own 5 s one, which is shorter
        # than channels-redis's blocking reads: the listener retries instead of failing.
        servers = [self.start_server(), self.start_server(REDIS_SOCKET_TIMEOUT="5")]
        subscribers = [self.open(server) for server in servers]
        for ws in subscribers:
            reply = self.call(ws, "subscribe_instance", pk=self.target.pk, request_id="watch")
            self.assertEqual(reply["response_status"], 201)
        time.sleep(IDLE_SECONDS)
        for ws in subscribers:
            self.assertEqual(self.call(ws, "no-such-action")["response_status"], 405)
        self.patch_over_http(servers[0].origin, "after-idle@example.com")
        for ws in subscribers:
            self.expect_push(ws, "after-idle@example.com")

    def start_proxy(self, *servers):
        proxy = NginxProxy([server.port for server in servers]).__enter__()
        self.addCleanup(proxy.__exit__, None, None, None)
        return proxy

    def open_through(self, proxy):
        """A WebSocket connection made through nginx, from a page nginx serves."""
        connections = ExitStack()
        self.addCleanup(connections.close)
        return connections.enter_context(
            connect(
                f"{proxy.ws_url}/ws/users/",
                origin=proxy.http_url,
                additional_headers={"Cookie": f"sessionid={self.cookie}"},
                open_timeout=10,
                close_timeout=5,
            )
        )

    def test_through_nginx_a_change_on_one_process_reaches_a_subscriber_on_the_other(self):
        process_a, process_b = self.start_server(), self.start_server()
        proxy = self.start_proxy(process_a, process_b)
        subscriber = self.open_through(proxy)
        reply = self.call(subscriber, "subscribe_instance", pk=self.target.pk, request_id="watch")
        self.assertEqual(reply["response_status"], 201)
        # nginx takes the processes in turn, so of two changes in a row one is made on the
        # process the subscriber is not connected to; the access log shows which.
        for number in range(2):
            email = f"proxied{number}@example.com"
            self.patch_over_http(proxy.http_url, email)
            self.expect_push(subscriber, email)
        subscriber.close()
        websocket, changes = self.upstreams(proxy, f"/api/users/{self.target.pk}/")
        self.assertEqual(len(changes), 2, changes)
        self.assertTrue(set(changes) - {websocket}, f"Every change was made on {websocket}.")

    def upstreams(self, proxy, changed_path):
        """The process that served the WebSocket, and those that served the changes."""
        deadline = time.monotonic() + LOG_WAIT_SECONDS
        while True:
            lines = proxy.access_log()
            sockets = [line[3] for line in lines if line[:3] == ["GET", "/ws/users/", "101"]]
            changes = [line[3] for line in lines if line[:3] == ["PATCH", changed_path, "200"]]
            if sockets or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(len(sockets), 1, f"nginx logged: {lines}")
        return sockets[0], changes

    def test_nginx_serves_probes_and_static_files_and_leaves_metrics_to_each_process(self):
        process_a, process_b = (self.start_server(DJANGO_METRICS_ENABLED="1") for _ in "ab")
        proxy = self.start_proxy(process_a, process_b)
        with urllib.request.urlopen(f"{proxy.http_url}/readyz", timeout=10) as response:
            ready = json.loads(response.read())
        self.assertEqual(ready["checks"], {"database": "ok", "channel_layer": "ok"})
        with urllib.request.urlopen(f"{proxy.http_url}/static/js/api-client.js", timeout=10) as js:
            self.assertIn(b"ApiClient", js.read())
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{proxy.http_url}/metrics", timeout=10)
        self.assertEqual(refused.exception.code, 404)
        for process in (process_a, process_b):
            url = f"http://127.0.0.1:{process.port}/metrics"
            with urllib.request.urlopen(url, timeout=10) as scrape:
                self.assertIn(b"http_requests_total", scrape.read())
