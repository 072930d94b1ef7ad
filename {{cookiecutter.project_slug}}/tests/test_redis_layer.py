"""Live updates across processes through Redis, and idle connections on the Redis layer."""

import base64
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import ExitStack

from django.test import TransactionTestCase
from websockets.exceptions import ConnectionClosed

from tests.daphne_server import PROJECT_DIR, DaphneServer
from tests.support import PASSWORD, create_user, offered, session_cookie

IDLE_SECONDS = 6.5


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

        self.patch_over_http(process_b, "http@example.com")
        self.expect_push(subscriber, "http@example.com")

        self.save_in_management_command("orm@example.com")
        self.expect_push(subscriber, "orm@example.com")

    def patch_over_http(self, server, email):
        credentials = base64.b64encode(f"staff:{PASSWORD}".encode()).decode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/api/users/{self.target.pk}/",
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

    def test_a_connection_idle_longer_than_redis_read_timeout_still_works(self):
        fixed = self.open(self.start_server())
        # The same server with redis-py's 5 s read timeout shows what the setting prevents.
        unfixed = self.open(self.start_server(REDIS_SOCKET_TIMEOUT="5"))
        for ws in (fixed, unfixed):
            self.assertEqual(self.call(ws, "no-such-action")["response_status"], 405)
        time.sleep(IDLE_SECONDS)
        self.assertEqual(self.call(fixed, "no-such-action")["response_status"], 405)
        with self.assertRaises(ConnectionClosed):
            self.call(unfixed, "no-such-action")
