"""The seed's requests against a real Daphne process, with a real WebSocket client."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import TransactionTestCase
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.daphne_server import DaphneServer
from tests.support import create_user, offered, session_cookie
from websocket_api.testing import REPLY_KEYS


class EndToEndTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.users = [create_user(f"test{number}") for number in (1, 2, 3)]
        self.cookie = session_cookie(self.staff)

    def open(self, server, route):
        return server.connect(route, self.cookie)

    @staticmethod
    def call(ws, action, **payload):
        ws.send(json.dumps({"action": action, "request_id": f"{action}-e2e", **payload}))
        reply = json.loads(ws.recv(timeout=10))
        assert set(reply) == REPLY_KEYS, reply
        assert reply["request_id"] == f"{action}-e2e", reply
        return reply

    def seed_steps(self):
        """The six requests of the seed, in its order, for the actions this project offers."""
        second = self.users[1]
        new_user = {
            "username": "new_user_4",
            "password1": "testpassword123",
            "password2": "testpassword123",
            "email": "4@example.com",
        }
        steps = [
            ("list", {}, 200),
            ("retrieve", {"pk": second.pk}, 200),
            ("patch", {"pk": second.pk, "data": {"email": "edited@example.com"}}, 200),
            ("update", {"pk": second.pk, "data": {"username": "user_2"}}, 200),
            ("create", {"data": new_user}, 201),
            ("delete", {"pk": None}, 204),
        ]
        return [step for step in steps if offered(step[0])]

    def run_seed(self, server, route):
        replies = {}
        with self.open(server, route) as ws:
            for action, payload, status in self.seed_steps():
                if action == "delete":
                    created = replies.get("create")
                    payload = {"pk": created["data"]["id"] if created else self.users[2].pk}
                with self.subTest(route=route, action=action):
                    replies[action] = self.call(ws, action, **payload)
                    self.assertEqual(replies[action]["response_status"], status, replies[action])
                    self.assertEqual(replies[action]["errors"], [])
        return replies

    def test_the_seed_requests_work_on_both_routes(self):
        with DaphneServer() as server:
            for route in ("/ws/users/", "/ws/api/users/"):
                replies = self.run_seed(server, route)
                if "list" in replies:
                    usernames = {user["username"] for user in replies["list"]["data"]}
                    self.assertTrue({"staff", "test1", "test3"} <= usernames)
                if "patch" in replies:
                    self.assertEqual(replies["patch"]["data"]["email"], "edited@example.com")
                if "update" in replies:
                    self.assertEqual(replies["update"]["data"]["username"], "user_2")
                if "create" in replies:
                    self.assertNotIn("password", replies["create"]["data"])
                if "delete" in replies:
                    self.assertIsNone(replies["delete"]["data"])
                self.reset_users()

    def reset_users(self):
        User.objects.filter(username="new_user_4").delete()
        second = self.users[1]
        User.objects.filter(pk=second.pk).update(username="test2", email="test2@example.com")
        if not User.objects.filter(pk=self.users[2].pk).exists():
            self.users[2] = create_user("test3")

    def test_bad_frames_get_replies_and_the_connection_stays_open(self):
        with DaphneServer() as server, self.open(server, "/ws/users/") as ws:
            for frame in ("{oops", "[]", '{"action": 5}', '{"action": "nope"}'):
                ws.send(frame)
                self.assertIn(json.loads(ws.recv(timeout=10))["response_status"], {400, 405})
            ws.send(b"\x00\x01")
            self.assertEqual(json.loads(ws.recv(timeout=10))["response_status"], 400)
            reply = self.call(ws, "no-such-action")
            self.assertEqual(reply["response_status"], 405)

    @pytest.mark.slow
    def test_an_oversized_frame_closes_only_its_own_connection(self):
        with DaphneServer(max_message_size=64 * 1024) as server:
            with (
                self.open(server, "/ws/users/") as bystander,
                self.open(server, "/ws/users/") as sender,
            ):
                sender.send(json.dumps({"action": "list", "padding": "x" * 100_000}))
                # Daphne drops the connection (close code 1009 at most) instead of reading on.
                with self.assertRaises(ConnectionClosed) as closed:
                    sender.recv(timeout=10)
                self.assertIn(getattr(closed.exception.rcvd, "code", 1009), {1009})
                reply = self.call(bystander, "no-such-action")
                self.assertEqual(reply["response_status"], 405)

    @pytest.mark.slow
    def test_a_foreign_origin_is_refused(self):
        with DaphneServer() as server:
            with self.assertRaises(Exception):  # noqa: B017 - websockets raises InvalidStatus
                connect(f"{server.url}/ws/users/", origin="http://evil.example", open_timeout=10)
