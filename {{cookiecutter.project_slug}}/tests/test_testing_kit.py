"""websocket_api.testing: the client and the schema checks the project's tests are written with."""

from __future__ import annotations

import time

from asgiref.sync import sync_to_async
from django.test import TransactionTestCase
from rest_framework.authtoken.models import Token

from tests.support import CRUD_ACTIONS, create_user, offered, sample_requests
from users.consumers import UserConsumer
from websocket_api.testing import (
    HandshakeRefusedError,
    PushTimeoutError,
    WebSocketAPIClient,
    assert_matches_documented_reply,
)

ROUTE = "/ws/users/"
ACTION = CRUD_ACTIONS[0]
WRITES = [name for name in CRUD_ACTIONS if name in ("patch", "update", "create", "delete")]


class TestingKitTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.target = create_user("target")

    def payload(self, action):
        return sample_requests(self.target)[action]

    async def test_a_forced_user_gets_replies_that_match_the_document(self):
        client = WebSocketAPIClient(ROUTE)
        client.force_authenticate(self.staff)
        async with client:
            reply = await client.request(ACTION, **self.payload(ACTION))
        self.assertLess(reply["response_status"], 300, reply)
        matched = assert_matches_documented_reply(reply, ROUTE)
        self.assertEqual(matched, f"{ACTION}_reply")

    async def test_an_unauthenticated_client_gets_403(self):
        async with WebSocketAPIClient(ROUTE) as client:
            reply = await client.request(ACTION, **self.payload(ACTION))
        self.assertEqual(reply["response_status"], 403)
        self.assertEqual(assert_matches_documented_reply(reply, ROUTE), "error_403")

    async def test_token_credentials_authenticate_the_handshake(self):
        token = await sync_to_async(Token.objects.create)(user=self.staff)
        client = WebSocketAPIClient(ROUTE)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        async with client:
            reply = await client.request(ACTION, **self.payload(ACTION))
        self.assertLess(reply["response_status"], 300, reply)

    async def test_a_push_wait_times_out_cleanly_and_the_socket_stays_usable(self):
        client = WebSocketAPIClient(ROUTE)
        client.force_authenticate(self.staff)
        async with client:
            started = time.monotonic()
            with self.assertRaises(PushTimeoutError):
                await client.expect_push("update", request_id="never", timeout=0.3)
            waited = time.monotonic() - started
            reply = await client.request(ACTION, **self.payload(ACTION))
        self.assertGreaterEqual(waited, 0.3)
        self.assertLess(waited, 3)
        self.assertLess(reply["response_status"], 300, reply)

    async def test_expect_push_returns_the_push_of_a_subscription(self):
        # Delete pushes reach only subscribers who were shown the object, so the watcher
        # subscribes to the object itself, or to the list when only create changes anything.
        changes = [name for name in WRITES if name != "create"]
        if offered("subscribe_instance") and changes:
            subscribe, write = {"action": "subscribe_instance", "pk": self.target.pk}, changes[0]
        elif offered("subscribe_list") and "create" in WRITES:
            subscribe, write = {"action": "subscribe_list"}, "create"
        else:
            self.skipTest("needs live updates and a write action")
        watcher, writer = WebSocketAPIClient(ROUTE), WebSocketAPIClient(ROUTE)
        watcher.force_authenticate(self.staff)
        writer.force_authenticate(self.staff)
        async with watcher, writer:
            subscribed = await watcher.request(subscribe.pop("action"), request_id="w", **subscribe)
            self.assertEqual(subscribed["response_status"], 201)
            await writer.request(write, **self.payload(write))
            push = await watcher.expect_push(request_id="w", timeout=5)
        self.assertEqual(push["request_id"], "w")
        self.assertEqual(push["action"], {"patch": "update"}.get(write, write))

    async def test_a_reply_that_breaks_the_document_is_reported(self):
        client = WebSocketAPIClient(ROUTE)
        client.force_authenticate(self.staff)
        async with client:
            reply = await client.request(ACTION, **self.payload(ACTION))
        reply["response_status"] = 299
        with self.assertRaises(AssertionError):
            assert_matches_documented_reply(reply, ROUTE)

    async def test_a_foreign_origin_is_refused_at_the_handshake(self):
        client = WebSocketAPIClient(ROUTE, origin="http://attacker.example")
        with self.assertRaises(HandshakeRefusedError):
            await client.connect()
        self.assertIsNone(client.communicator)

    def test_every_offered_action_is_documented_for_the_kit(self):
        from websocket_api.testing import APIDescription

        description = APIDescription()
        for name in UserConsumer.available_actions:
            with self.subTest(action=name):
                self.assertTrue(description.reply_messages(ROUTE, name))
