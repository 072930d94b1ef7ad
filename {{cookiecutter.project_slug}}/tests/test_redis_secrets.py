"""What crosses Redis: watched with MONITOR while users sign in, change and are created."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from contextlib import ExitStack
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import TransactionTestCase
from rest_framework.authtoken.models import Token

from tests.browser_http import HttpClient
from tests.daphne_server import DaphneServer
from tests.support import PASSWORD, create_user, offered, session_cookie

pytestmark = pytest.mark.slow

NEW_PASSWORD = "brand-new-secret-93"


class RedisMonitor:
    """Every command Redis receives while it runs, as raw text (bounded in size and time)."""

    LIMIT = 20 * 1024 * 1024

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.sock = socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=10
        )
        self.sock.sendall(b"MONITOR\r\n")
        self.chunks: list[bytes] = []
        self.running = True
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self) -> None:
        self.sock.settimeout(0.2)
        size = 0
        while self.running and size < self.LIMIT:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            self.chunks.append(chunk)
            size += len(chunk)

    def stop(self) -> str:
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()
        return b"".join(self.chunks).decode("latin1")


class RedisTrafficTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.member = create_user("member")
        self.token = Token.objects.create(user=self.member)

    def test_no_password_hash_password_session_key_or_token_crosses_redis(self):
        env = {"DJANGO_DEMO": "1", "DJANGO_SECURE_COOKIES": "0"}
        server = DaphneServer(env=env).__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        stack = ExitStack()
        self.addCleanup(stack.close)
        monitor = RedisMonitor(settings.REDIS_URL)
        watcher = stack.enter_context(server.connect("/ws/users/", session_cookie(self.staff)))
        by_token = stack.enter_context(
            server.connect("/ws/users/", headers={"Authorization": f"Token {self.token.key}"})
        )
        if offered("subscribe_list"):
            watcher.send(json.dumps({"action": "subscribe_list", "request_id": "all"}))
            self.assertEqual(json.loads(watcher.recv(timeout=10))["response_status"], 201)
        browser = HttpClient(server.origin)
        self.assertEqual(browser.sign_in("member", PASSWORD)[0], 200)
        signed_in_session = browser.session_cookie
        credentials = base64.b64encode(f"staff:{PASSWORD}".encode()).decode()
        basic = {"Authorization": f"Basic {credentials}"}
        staff_api = HttpClient(server.origin)
        path = f"/api/users/{self.member.pk}/"
        status, content, _ = staff_api.request("PATCH", path, {"password": NEW_PASSWORD}, basic)
        self.assertEqual(status, 200, content)
        created = {"username": "created", "email": "c@example.com", "password": NEW_PASSWORD}
        self.assertEqual(staff_api.request("POST", "/api/users/", created, basic)[0], 201)
        if offered("subscribe_list"):
            push = json.loads(watcher.recv(timeout=10))
            self.assertEqual((push["action"], push["data"]["username"]), ("create", "created"))
        token_key = self.token.key
        self.token.delete()  # a revocation: its event crosses Redis too
        time.sleep(1.0)
        traffic = monitor.stop()
        by_token.close()

        # The control: the capture did see the API's channel-layer traffic.
        self.assertIn("credentials_changed", traffic)
        if offered("subscribe_list"):
            self.assertIn("websocket_api.change", traffic)
            self.assertIn("created", traffic)
        secrets = {
            "the member's password hash": User.objects.get(pk=self.member.pk).password,
            "the created user's hash": User.objects.get(username="created").password,
            "a plaintext password": NEW_PASSWORD,
            "the sign-in password": PASSWORD,
            "a session key": signed_in_session,
            "a token": token_key,
        }
        for name, secret in secrets.items():
            with self.subTest(secret=name):
                self.assertTrue(secret)
                self.assertNotIn(secret, traffic)
        for marker in ("md5$", "pbkdf2_sha256$", "is_superuser", "last_login"):
            self.assertNotIn(marker, traffic)
