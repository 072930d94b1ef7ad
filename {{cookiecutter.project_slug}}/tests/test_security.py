"""Access control on open sockets, against a real Daphne with a real WebSocket client.

Each test pairs what the protection refuses with a control that the same setup allows, or
with the protection switched off, so that none passes by accident.
"""

from __future__ import annotations

import json
import re
import statistics
import threading
import time
from contextlib import ExitStack
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import TransactionTestCase
from django.utils import timezone
from rest_framework.authtoken.models import Token
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.browser_http import HttpClient
from tests.daphne_server import DaphneServer
from tests.support import PASSWORD, ROUTES, create_user, offered, session_cookie

pytestmark = pytest.mark.slow

SESSION_ENDED = 4401
READ = "retrieve" if offered("retrieve") else "list"


def read_request(target: User) -> dict:
    return {"pk": target.pk} if READ == "retrieve" else {}


def call(ws, action, **payload) -> dict:
    ws.send(json.dumps({"action": action, "request_id": action, **payload}))
    return json.loads(ws.recv(timeout=10))


def close_code(ws, timeout: float = 10) -> int | None:
    """Wait for the server to close ``ws``; its close code (None if it stayed open)."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ws.recv(timeout=max(0.05, deadline - time.monotonic()))
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        return None
    return None


class ServerTestCase(TransactionTestCase):
    """Tests that each start Daphne with settings of their own."""

    def start(self, **env) -> DaphneServer:
        server = DaphneServer(env={key: str(value) for key, value in env.items()}).__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        return server

    def open(self, server, route, cookie=None, **options):
        stack = ExitStack()
        self.addCleanup(stack.close)
        return stack.enter_context(server.connect(route, cookie, **options))

    def assert_ended(self, ws, within: float = 10):
        """The next request gets 401, or the socket is closed with 4401, within ``within`` s."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                reply = call(ws, READ, **read_request(self.target))
            except ConnectionClosed as closed:
                self.assertEqual(closed.rcvd.code, SESSION_ENDED)
                return
            if reply["response_status"] == 401:
                self.assertIn("session has ended", reply["errors"][0])
                self.assertEqual(close_code(ws), SESSION_ENDED)
                return
            self.assertEqual(reply["response_status"], 200, reply)
            time.sleep(0.2)
        self.fail(f"the socket still acted for the user after {within} s")

    def assert_still_works(self, ws):
        self.assertEqual(call(ws, READ, **read_request(self.target))["response_status"], 200)


class PrivilegeBoundaryTests(ServerTestCase):
    """Staff manage ordinary users; only superusers change staff and superuser accounts."""

    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
        self.member = create_user("member")

    def test_staff_cannot_change_or_delete_a_superuser_on_any_route(self):
        server = self.start()
        staff_cookie = session_cookie(self.staff)
        writes = [name for name in ("patch", "update", "delete") if offered(name)]
        payloads = {
            "patch": {"data": {"password": "taken-over-123"}},
            "update": {"data": {"username": "renamed", "password": "taken-over-123"}},
            "delete": {},
        }
        for route in ROUTES:
            ws = self.open(server, route, staff_cookie)
            for action in writes:
                with self.subTest(route=route, action=action):
                    reply = call(ws, action, pk=self.root.pk, **payloads[action])
                    self.assertEqual(reply["response_status"], 403, reply)
                    # The control: the same staff user may do it to an ordinary user.
                    if action != "delete":
                        control = call(ws, action, pk=self.member.pk, **payloads[action])
                        self.assertEqual(control["response_status"], 200, control)
                        User.objects.filter(pk=self.member.pk).update(username="member")
        http = HttpClient(f"http://127.0.0.1:{server.port}")
        basic = {"Authorization": "Basic " + _basic("staff", PASSWORD)}
        status, _, _ = http.request(
            "PATCH", f"/api/users/{self.root.pk}/", {"password": "taken-over-123"}, basic
        )
        self.assertEqual(status, 403)
        self.assertEqual(http.request("DELETE", f"/api/users/{self.root.pk}/", None, basic)[0], 403)
        self.assertEqual(
            http.request("PATCH", f"/api/users/{self.member.pk}/", {"email": "m@x.org"}, basic)[0],
            200,
        )
        self.root.refresh_from_db()
        self.assertTrue(self.root.check_password(PASSWORD))

    def test_a_superuser_may_change_a_staff_account(self):
        if not offered("patch"):
            self.skipTest("this project has no patch action")
        server = self.start()
        ws = self.open(server, "/ws/users/", session_cookie(self.root))
        reply = call(ws, "patch", pk=self.staff.pk, data={"email": "boss@example.com"})
        self.assertEqual(reply["response_status"], 200)


def _basic(username: str, password: str) -> str:
    import base64

    return base64.b64encode(f"{username}:{password}".encode()).decode()


class SessionLifecycleTests(ServerTestCase):
    """A socket stops acting for a user once the session that opened it has ended."""

    def setUp(self):
        self.member = create_user("member")
        self.target = create_user("target")

    def test_signing_out_closes_that_sessions_sockets_at_once_on_both_routes(self):
        server = self.start(
            DJANGO_DEMO=1, DJANGO_SECURE_COOKIES=0, DJANGO_WS_CREDENTIALS_CHECK_INTERVAL=3600
        )
        browser = HttpClient(f"http://127.0.0.1:{server.port}")
        self.assertEqual(browser.sign_in("member", PASSWORD)[0], 200)
        sockets = [self.open(server, route, browser.session_cookie) for route in ROUTES]
        other_session = self.open(server, ROUTES[0], session_cookie(self.member))
        for ws in [*sockets, other_session]:
            self.assert_still_works(ws)
        self.assertEqual(browser.sign_out(), 200)
        for ws in sockets:
            self.assertEqual(close_code(ws, timeout=5), SESSION_ENDED)
        # The control: the same user's other session is untouched.
        self.assert_still_works(other_session)

    def test_a_password_change_deactivation_or_deletion_ends_sockets(self):
        changes = {
            "password": lambda user: (user.set_password("a-new-secret-42"), user.save()),
            "deactivation": lambda user: User.objects.filter(pk=user.pk).update(is_active=False),
            "deletion": lambda user: user.delete(),
        }
        server = self.start(DJANGO_WS_CREDENTIALS_CHECK_INTERVAL=1)
        for name, change in changes.items():
            with self.subTest(change=name):
                user = create_user(f"user_{name}")
                unchanged = create_user(f"control_{name}")
                sockets = [self.open(server, route, session_cookie(user)) for route in ROUTES]
                control = self.open(server, ROUTES[0], session_cookie(unchanged))
                for ws in sockets:
                    self.assert_still_works(ws)
                change(user)  # in this process: the server learns it at its next check
                for ws in sockets:
                    self.assert_ended(ws, within=5)
                self.assert_still_works(control)

    def test_an_expired_session_ends_its_sockets(self):
        server = self.start(DJANGO_WS_CREDENTIALS_CHECK_INTERVAL=1)
        cookie = session_cookie(self.member)
        ws = self.open(server, ROUTES[-1], cookie)
        self.assert_still_works(ws)
        Session.objects.filter(session_key=cookie).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        self.assert_ended(ws, within=5)

    def test_a_change_from_another_process_takes_effect_within_ten_seconds_by_default(self):
        server = self.start()
        ws = self.open(server, ROUTES[0], session_cookie(self.member))
        self.assert_still_works(ws)
        self.member.set_password("changed-elsewhere-42")
        self.member.save()
        started = time.monotonic()
        self.assert_ended(ws, within=10)
        self.assertLess(time.monotonic() - started, 10)

    def test_without_rechecks_the_socket_would_outlive_the_password(self):
        # The control for the tests above: with the check interval pushed out, the same
        # change leaves the socket working, so it is the recheck that ends it.
        server = self.start(DJANGO_WS_CREDENTIALS_CHECK_INTERVAL=3600)
        ws = self.open(server, ROUTES[0], session_cookie(self.member))
        self.member.set_password("changed-elsewhere-42")
        self.member.save()
        time.sleep(1.5)
        self.assert_still_works(ws)

    def test_pushes_stop_when_the_session_ends(self):
        if not offered("subscribe_instance"):
            self.skipTest("this project has no live updates")
        server = self.start(DJANGO_WS_CREDENTIALS_CHECK_INTERVAL=1)
        watcher = self.open(server, "/ws/users/", session_cookie(self.member))
        reply = call(watcher, "subscribe_instance", pk=self.target.pk)
        self.assertEqual(reply["response_status"], 201)
        writer = HttpClient(f"http://127.0.0.1:{server.port}")
        staff = create_user("writer", staff=True)
        basic = {"Authorization": "Basic " + _basic(staff.username, PASSWORD)}
        path = f"/api/users/{self.target.pk}/"
        self.assertEqual(writer.request("PATCH", path, {"email": "one@example.com"}, basic)[0], 200)
        push = json.loads(watcher.recv(timeout=10))
        self.assertEqual((push["action"], push["data"]["email"]), ("update", "one@example.com"))
        User.objects.filter(pk=self.member.pk).update(is_active=False)
        time.sleep(1.2)
        self.assertEqual(writer.request("PATCH", path, {"email": "two@example.com"}, basic)[0], 200)
        with self.assertRaises(ConnectionClosed) as closed:
            while True:
                message = json.loads(watcher.recv(timeout=10))
                self.assertNotEqual(message["data"], {"email": "two@example.com"})
                self.assertNotIn("two@example.com", json.dumps(message))
        self.assertEqual(closed.exception.rcvd.code, SESSION_ENDED)


class TokenClientTests(ServerTestCase):
    """Clients that are not browsers authenticate with a DRF token, and revoking it ends them."""

    def setUp(self):
        self.member = create_user("member")
        self.target = self.member
        self.token = Token.objects.create(user=self.member)

    def test_a_token_in_a_header_or_a_subprotocol_authenticates_and_revoking_it_ends_both(self):
        server = self.start(DJANGO_WS_CREDENTIALS_CHECK_INTERVAL=1)
        by_header = self.open(
            server, ROUTES[0], headers={"Authorization": f"Token {self.token.key}"}
        )
        by_subprotocol = self.open(server, ROUTES[-1], subprotocols=["token", self.token.key])
        self.assertEqual(by_subprotocol.subprotocol, "token")
        anonymous = self.open(server, ROUTES[0])
        for ws in (by_header, by_subprotocol):
            self.assertEqual(call(ws, READ, **read_request(self.member))["response_status"], 200)
        self.assertEqual(call(anonymous, READ, **read_request(self.member))["response_status"], 403)
        self.token.delete()
        for ws in (by_header, by_subprotocol):
            self.assert_ended(ws, within=5)

    def test_a_wrong_token_is_refused_at_the_handshake(self):
        server = self.start()
        with self.assertRaises(InvalidStatus) as refused:
            self.open(server, ROUTES[0], headers={"Authorization": "Token " + "0" * 40})
        self.assertEqual(refused.exception.response.status_code, 403)


class OriginTests(ServerTestCase):
    """Origins are compared exactly: scheme, host and port."""

    def test_only_the_servers_own_origin_is_accepted_by_default(self):
        server = self.start()
        own = f"http://127.0.0.1:{server.port}"
        refused = [
            "http://127.0.0.1:9999",
            f"http://localhost:{server.port + 1}",
            f"https://127.0.0.1:{server.port}",
            "https://127.0.0.1",
            "http://evil.example",
            "null",
        ]
        for origin in refused:
            with self.subTest(origin=origin), self.assertRaises(InvalidStatus) as denied:
                self.open(server, ROUTES[0], origin=origin)
            self.assertEqual(denied.exception.response.status_code, 403)
        ws = self.open(server, ROUTES[0], origin=own)  # the control
        self.assertEqual(call(ws, "no-such-action")["response_status"], 405)
        self.assertIn("origin 'http://evil.example' is not allowed", server.output())

    def test_a_configured_list_is_matched_exactly(self):
        server = self.start(
            DJANGO_WS_ALLOWED_ORIGINS="https://app.example.com,https://*.example.org"
        )
        for origin in ("https://app.example.com", "https://eu.example.org"):
            self.open(server, ROUTES[0], origin=origin)
        for origin in (
            "http://app.example.com",
            "https://app.example.com:8443",
            "https://example.org.evil.net",
            f"http://127.0.0.1:{server.port}",
        ):
            with self.subTest(origin=origin), self.assertRaises(InvalidStatus):
                self.open(server, ROUTES[0], origin=origin)


class ThrottleTests(ServerTestCase):
    """Throttles are reached, answered 429 with the wait, and recovered from."""

    def setUp(self):
        self.member = self.target = create_user("member")

    def test_websocket_requests_are_throttled_per_user_and_recover(self):
        server = self.start(DJANGO_THROTTLE_USER="5/second")
        ws = self.open(server, ROUTES[0], session_cookie(self.member))
        time.sleep(1 - time.time() % 1)  # start at the beginning of a window
        statuses = [
            call(ws, READ, **read_request(self.member))["response_status"] for _ in range(6)
        ]
        self.assertEqual(statuses, [200] * 5 + [429])
        reply = call(ws, READ, **read_request(self.member))
        self.assertRegex(reply["errors"][0], r"Expected available in \d+ seconds?")
        time.sleep(1.1)
        self.assertEqual(call(ws, READ, **read_request(self.member))["response_status"], 200)

    def test_failed_sign_ins_are_throttled_per_username_even_with_the_right_password(self):
        server = self.start(DJANGO_DEMO=1, DJANGO_SECURE_COOKIES=0, DJANGO_SIGN_IN_WINDOW=3)
        browser = HttpClient(f"http://127.0.0.1:{server.port}")
        for _ in range(5):
            self.assertEqual(browser.sign_in("member", "wrong-password")[0], 400)
        status, content = browser.sign_in("member", PASSWORD)
        self.assertEqual(status, 429)
        self.assertIn("Try again in", content["errors"][0])
        basic = {"Authorization": "Basic " + _basic("member", PASSWORD)}
        self.assertEqual(browser.request("GET", "/api/users/", None, basic)[0], 429)
        time.sleep(3.2)
        self.assertEqual(browser.sign_in("member", PASSWORD)[0], 200)  # recovered

    def test_connections_are_capped_per_anonymous_address_and_per_user(self):
        server = self.start(
            DJANGO_WS_MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS=3, DJANGO_WS_MAX_CONNECTIONS_PER_USER=2
        )
        anonymous = [server.connect(ROUTES[0]).__enter__() for _ in range(3)]
        with self.assertRaises(InvalidStatus):
            self.open(server, ROUTES[0])
        anonymous.pop().close()
        time.sleep(0.3)
        anonymous.append(self.open(server, ROUTES[0]))  # a freed place can be taken again
        cookie = session_cookie(self.member)
        users = [self.open(server, ROUTES[0], cookie) for _ in range(2)]
        with self.assertRaises(InvalidStatus):
            self.open(server, ROUTES[0], cookie)
        self.assertEqual(call(users[0], "no-such-action")["response_status"], 405)
        for ws in anonymous:
            ws.close()


class BasicAuthFloodTests(ServerTestCase):
    """Wrong HTTP Basic credentials cannot make the server hash a password per attempt."""

    FLOODERS = 8
    # More attempts than DJANGO_SIGN_IN_FAILURES_PER_ADDRESS (20) allows to be hashed, and a
    # deadline, so the flood is bounded in count and time however slow the machine is.
    ATTEMPTS = 40
    DEADLINE = 90.0

    def flood(self, server) -> tuple[list[float], int, int]:
        victim = self.open(server, ROUTES[-1], session_cookie(create_user("victim")))
        stop = time.monotonic() + self.DEADLINE
        attempts = []

        def flooder():
            header = {"Authorization": "Basic " + _basic("ghost", "wrong")}
            while time.monotonic() < stop and len(attempts) < self.ATTEMPTS:
                attempts.append(1)
                try:
                    with server.connect(ROUTES[-1], headers=header, open_timeout=30):
                        pass
                except Exception:  # noqa: BLE001 - refused, or cut off when the server stops
                    pass

        threads = [threading.Thread(target=flooder) for _ in range(self.FLOODERS)]
        for thread in threads:
            thread.start()
        latencies = []
        while not latencies or (
            time.monotonic() < stop and any(thread.is_alive() for thread in threads)
        ):
            started = time.monotonic()
            self.assertEqual(
                call(victim, READ, **read_request(self.member))["response_status"], 200
            )
            latencies.append(time.monotonic() - started)
        for thread in threads:
            thread.join(timeout=30)
        log = server.output()
        hashed = len(re.findall(r"authentication failed: Invalid username/password", log))
        throttled = len(re.findall(r"authentication failed: Request was throttled", log))
        return latencies, hashed, throttled

    def setUp(self):
        self.member = self.target = create_user("member")

    def test_an_anonymous_basic_auth_flood_is_throttled_before_hashing(self):
        server = self.start(TESTS_REAL_PASSWORD_HASHING=1)
        latencies, hashed, throttled = self.flood(server)
        self.assertLessEqual(hashed, 20)  # DJANGO_SIGN_IN_FAILURES_PER_ADDRESS
        self.assertGreater(throttled, 0)
        print(
            f"\nBasic flood, throttled: {hashed} hashed, {throttled} refused unhashed; victim "
            f"p50 {statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
        )

    def test_without_the_sign_in_throttle_every_attempt_is_hashed(self):
        server = self.start(
            TESTS_REAL_PASSWORD_HASHING=1,
            DJANGO_SIGN_IN_FAILURES_PER_ADDRESS=10**6,
            DJANGO_SIGN_IN_FAILURES_PER_USERNAME=10**6,
        )
        latencies, hashed, throttled = self.flood(server)
        self.assertEqual(throttled, 0)
        self.assertGreater(hashed, 20)  # more than the throttle lets through
        print(
            f"\nBasic flood, unthrottled: {hashed} hashed; victim p50 "
            f"{statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
        )
