"""Contract: each documented example, sent to a real Daphne, gets a reply the document describes."""

from __future__ import annotations

import copy
import json
from itertools import count

from django.test import TransactionTestCase

from tests.daphne_server import DaphneServer
from tests.support import ROUTES, create_user, offered, session_cookie
from websocket_api.schema import build_document
from websocket_api.testing import APIDescription

UNIQUE = count(1)


def with_fresh_objects(payload: dict) -> dict:
    """The example acting on a user made for it, and creating one whose names are free."""
    payload = copy.deepcopy(payload)
    number = next(UNIQUE)
    if "pk" in payload:
        payload["pk"] = create_user(f"target{number}").pk
    data = payload.get("data")
    if isinstance(data, dict):
        if "username" in data:
            data["username"] = f"{data['username']}{number}"
        if "email" in data:
            data["email"] = f"example{number}@example.com"
    return payload


def exchange(server: DaphneServer, route: str, cookie: str | None, payload: dict) -> dict:
    """Send one request on a new socket and return its reply."""
    with server.connect(route, cookie) as socket:
        return next_reply(socket, payload, [])


def next_reply(socket, payload: dict, pushes: list) -> dict:
    """The reply to ``payload``; pushes that arrive first go to ``pushes``."""
    socket.send(json.dumps(payload))
    for _ in range(50):
        frame = json.loads(socket.recv(timeout=10))
        if (frame["action"], frame["request_id"]) == (payload["action"], payload["request_id"]):
            return frame
        pushes.append(frame)
    raise AssertionError(f"no reply to {payload!r}")


class ContractTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.description = APIDescription(build_document())

    def test_each_documented_example_gets_a_reply_the_document_describes(self):
        """The examples in order on one socket per route, so an unsubscribe follows its
        subscribe; the pushes they cause must match the documented pushes too."""
        replies = []
        with DaphneServer() as server:
            cookie = session_cookie(self.staff)
            for route in ROUTES:
                examples = self.description.request_examples(route)
                self.assertTrue(examples, f"{route} documents no example")
                subscriptions, pushes = {}, []
                with server.connect(route, cookie) as socket:
                    for action, example in examples:
                        with self.subTest(route=route, action=action):
                            payload = {"action": action, **with_fresh_objects(example)}
                            if action.startswith("subscribe_"):
                                subscriptions[json.dumps(payload["request_id"])] = action
                            reply = next_reply(socket, payload, pushes)
                            self.assertLess(reply["response_status"], 400, reply)
                            self.description.assert_reply(reply, route, action)
                            replies.append((route, action, reply))
                for push in pushes:
                    with self.subTest(route=route, push=push["action"]):
                        subscription = subscriptions[json.dumps(push["request_id"])]
                        self.description.assert_push(push, route, subscription)
        self.assertTrue(replies)
        self.assert_a_wrong_schema_is_caught(replies)

    def assert_a_wrong_schema_is_caught(self, replies):
        """Negative control: with each matched reply's status documented wrongly, it fails."""
        for route, action, reply in replies:
            document = copy.deepcopy(self.description.document)
            channel = next(c for c in document["channels"].values() if c["address"] == route)
            message = channel["messages"][self.description.assert_reply(reply, route, action)]
            message["payload"]["properties"]["response_status"] = {"const": 299}
            with self.subTest(negative=action, route=route), self.assertRaises(AssertionError):
                APIDescription(document).assert_reply(reply, route, action)

    def test_error_replies_match_their_documented_messages(self):
        action = next(
            (name for name in ("retrieve", "patch", "update", "delete") if offered(name)), None
        )
        if action is None:
            self.skipTest("no detail action offered")
        cases = [
            (session_cookie(self.staff), {"pk": 10**6}, 404),
            (None, {"pk": self.staff.pk}, 403),
        ]
        with DaphneServer() as server:
            for route in ROUTES:
                for cookie, extra, status in cases:
                    with self.subTest(route=route, status=status):
                        payload = {"action": action, "request_id": "e", **extra}
                        if action in ("patch", "update"):
                            payload["data"] = {"email": "x@example.com", "username": "x"}
                        reply = exchange(server, route, cookie, payload)
                        self.assertEqual(reply["response_status"], status, reply)
                        matched = self.description.assert_reply(reply, route, action)
                        self.assertEqual(matched, f"error_{status}")
