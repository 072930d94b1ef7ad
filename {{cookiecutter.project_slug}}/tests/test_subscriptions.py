"""Live updates: subscriptions to one user or to the list, pushed after commit."""

import base64
import json
from unittest import mock

from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, TransactionTestCase
from django.urls import path
from rest_framework.permissions import BasePermission

from config.asgi import websocket_stack
from tests.browser_http import HttpClient
from tests.daphne_server import DaphneServer
from tests.support import PASSWORD, ApiSocket, connected, create_user, session_cookie
from users.consumers import UserConsumer


class OnlyThemselves(BasePermission):
    def has_object_permission(self, request, view, obj):
        return obj.pk == request.user.pk


class OwnUserConsumer(UserConsumer):
    permission_classes = [OnlyThemselves]


app = websocket_stack([path("ws/own/", OwnUserConsumer.as_asgi())])


@sync_to_async
def change_email(pk, email):
    user = User.objects.get(pk=pk)
    user.email = email
    user.save()


@sync_to_async
def delete_user(pk):
    User.objects.filter(pk=pk).delete()


class SubscriptionTests(TransactionTestCase):
    def setUp(self):
        self.member = create_user("member")
        self.target = create_user("target")

    async def test_an_instance_subscription_gets_updates_and_the_delete(self):
        async with connected("/ws/users/", self.member) as socket:
            reply = await socket.request("subscribe_instance", pk=self.target.pk, request_id="s1")
            self.assertEqual((reply["response_status"], reply["data"]), (201, None))
            await change_email(self.target.pk, "new@example.com")
            update = await socket.receive()
            await delete_user(self.target.pk)
            deleted = await socket.receive()
            await socket.assert_nothing_more()
        self.assertEqual(update["action"], "update")
        self.assertEqual(update["request_id"], "s1")
        self.assertEqual(
            update["data"], {"id": self.target.pk, "username": "target", "email": "new@example.com"}
        )
        self.assertEqual((deleted["action"], deleted["data"]), ("delete", {"pk": self.target.pk}))

    async def test_a_list_subscription_gets_creates_updates_and_deletes(self):
        async with connected("/ws/users/", self.member) as socket:
            await socket.request("subscribe_list", request_id="all")
            # Each push is checked against the database when it arrives: wait for it before
            # the next change, as a change made after the object is gone has nothing to show.
            created = await sync_to_async(create_user)("newcomer")
            pushes = [await socket.receive()]
            await change_email(created.pk, "changed@example.com")
            pushes.append(await socket.receive())
            await delete_user(created.pk)
            pushes.append(await socket.receive())
        self.assertEqual([push["action"] for push in pushes], ["create", "update", "delete"])
        self.assertEqual([push["response_status"] for push in pushes], [201, 200, 204])
        self.assertEqual({push["request_id"] for push in pushes}, {"all"})
        self.assertEqual(pushes[0]["data"]["username"], "newcomer")
        self.assertNotIn("password", pushes[0]["data"])

    async def test_an_instance_subscription_ignores_other_objects(self):
        async with connected("/ws/users/", self.member) as socket:
            await socket.request("subscribe_instance", pk=self.target.pk)
            await change_email(self.member.pk, "mine@example.com")
            await socket.assert_nothing_more()

    async def test_unsubscribing_one_request_id_keeps_the_others(self):
        async with connected("/ws/users/", self.member) as socket:
            await socket.request("subscribe_list", request_id="list")
            await socket.request("subscribe_instance", pk=self.target.pk, request_id="one")
            reply = await socket.request("unsubscribe_list", request_id="list")
            self.assertEqual(reply["response_status"], 204)
            await change_email(self.target.pk, "still@example.com")
            push = await socket.receive()
            await socket.assert_nothing_more()
        self.assertEqual((push["request_id"], push["action"]), ("one", "update"))

    async def test_unsubscribing_an_unknown_request_id_is_a_404(self):
        async with connected("/ws/users/", self.member) as socket:
            reply = await socket.request("unsubscribe_list", request_id="never")
        self.assertEqual(reply["response_status"], 404)

    async def test_anonymous_clients_cannot_subscribe(self):
        async with connected("/ws/users/") as socket:
            reply = await socket.request("subscribe_list")
            await sync_to_async(create_user)("unseen")
            await socket.assert_nothing_more()
        self.assertEqual(reply["response_status"], 403)

    async def test_subscribing_to_a_missing_object_is_a_404(self):
        async with connected("/ws/users/", self.member) as socket:
            reply = await socket.request("subscribe_instance", pk=999999)
        self.assertEqual(reply["response_status"], 404)

    async def test_a_subscriber_gets_nothing_about_objects_it_may_not_see(self):
        async with connected("/ws/own/", self.member, app) as socket:
            await socket.request("subscribe_list", request_id="mine")
            await change_email(self.target.pk, "hidden@example.com")
            await delete_user(self.target.pk)
            await socket.assert_nothing_more()
            await change_email(self.member.pk, "visible@example.com")
            push = await socket.receive()
        self.assertEqual(push["data"]["email"], "visible@example.com")

    async def test_a_rolled_back_change_is_never_pushed(self):
        @sync_to_async
        def change_and_roll_back():
            with transaction.atomic():
                User.objects.filter(pk=self.target.pk).update(email="x@example.com")
                user = User.objects.get(pk=self.target.pk)
                user.save()
                transaction.set_rollback(True)

        async with connected("/ws/users/", self.member) as socket:
            await socket.request("subscribe_list")
            await change_and_roll_back()
            await socket.assert_nothing_more()

    async def test_changes_over_http_reach_subscribers(self):
        staff = await sync_to_async(create_user)("boss", staff=True)

        @sync_to_async
        def patch_over_http():
            client = Client()
            client.force_login(staff)
            url = f"/api/users/{self.target.pk}/"
            response = client.patch(url, {"email": "http@example.com"}, "application/json")
            assert response.status_code == 200, response.content

        async with connected("/ws/users/", self.member) as socket:
            await socket.request("subscribe_instance", pk=self.target.pk, request_id="watch")
            await patch_over_http()
            push = await socket.receive()
        self.assertEqual((push["request_id"], push["data"]["email"]), ("watch", "http@example.com"))

    async def test_serializing_a_change_costs_the_same_for_one_or_three_subscribers(self):
        async def serializations_of_one_change(subscribers):
            calls = []
            original = UserConsumer.broadcast_representation.__func__

            def counting(cls, instance):
                calls.append(instance.pk)
                return original(cls, instance)

            with mock.patch.object(UserConsumer, "broadcast_representation", classmethod(counting)):
                sockets = [
                    await ApiSocket.open("/ws/users/", self.member) for _ in range(subscribers)
                ]
                for socket in sockets:
                    await socket.request("subscribe_instance", pk=self.target.pk)
                calls.clear()
                await change_email(self.target.pk, f"{subscribers}@example.com")
                for socket in sockets:
                    self.assertEqual((await socket.receive())["action"], "update")
                    await socket.close()
            return len(calls)

        self.assertEqual(
            await serializations_of_one_change(3), await serializations_of_one_change(1)
        )


class LiveUpdateLeakTests(TransactionTestCase):
    """Against a real Daphne: pushes tell a subscriber only what it may see."""

    def setUp(self):
        self.member = create_user("member")
        self.staff = create_user("staff", staff=True)

    def start(self, **env):
        server = DaphneServer(app="tests.asgi_live_updates:application", env=env).__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        return server

    @staticmethod
    def receive(ws):
        return json.loads(ws.recv(timeout=10))

    def api(self, server, method, path, body=None):
        """A request to the server's HTTP API as the staff user; its JSON reply."""
        headers = {"Authorization": "Basic " + basic_credentials("staff", PASSWORD)}
        status, content, _ = HttpClient(server.origin).request(method, path, body, headers)
        self.assertLess(status, 300, content)
        return content

    def test_delete_pushes_follow_the_subscribers_queryset_as_it_was(self):
        server = self.start()
        with server.connect("/ws/visible-users/", session_cookie(self.member)) as ws:
            ws.send(json.dumps({"action": "subscribe_list", "request_id": "all"}))
            self.assertEqual(self.receive(ws)["response_status"], 201)
            # Changes made through the server's HTTP API, so that they reach its subscribers.
            hidden = self.api(server, "POST", "/api/users/", new_user("hidden", "elsewhere"))
            shown = self.api(server, "POST", "/api/users/", new_user("shown", "visible"))
            created = self.receive(ws)  # only the visible one is pushed
            self.assertEqual((created["action"], created["data"]["username"]), ("create", "shown"))
            self.api(server, "DELETE", f"/api/users/{hidden['id']}/")
            self.api(server, "DELETE", f"/api/users/{shown['id']}/")
            deleted = self.receive(ws)
            self.assertEqual((deleted["action"], deleted["data"]), ("delete", {"pk": shown["id"]}))
            with self.assertRaises(TimeoutError):
                ws.recv(timeout=0.5)

    def test_a_sign_in_pushes_nothing_and_a_real_change_does(self):
        server = self.start(DJANGO_DEMO="1", DJANGO_SECURE_COOKIES="0")
        with server.connect("/ws/users/", session_cookie(self.staff)) as ws:
            ws.send(json.dumps({"action": "subscribe_instance", "pk": self.member.pk}))
            self.assertEqual(self.receive(ws)["response_status"], 201)
            browser = HttpClient(f"http://127.0.0.1:{server.port}")
            self.assertEqual(browser.sign_in("member", PASSWORD)[0], 200)  # saves last_login
            with self.assertRaises(TimeoutError):
                ws.recv(timeout=1)
            path = f"/api/users/{self.member.pk}/"
            self.api(server, "PATCH", path, {"email": "changed@example.com"})  # the control
            push = self.receive(ws)
        self.assertEqual((push["action"], push["data"]["email"]), ("update", "changed@example.com"))


def new_user(username, domain):
    return {"username": username, "email": f"{username}@{domain}.example", "password": PASSWORD}


def basic_credentials(username, password):
    return base64.b64encode(f"{username}:{password}".encode()).decode()
