"""view_as_consumer runs DRF views and viewsets as real requests, one consumer per connection."""

import asyncio
import base64

from django.test import TransactionTestCase
from django.urls import path
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.asgi import websocket_stack
from tests.support import PASSWORD, connected, create_user
from users.views import UserViewSet
from websocket_api.view_consumer import view_as_consumer


class EchoView(APIView):
    """Describes the request it was given."""

    permission_classes = [AllowAny]

    def get(self, request, **kwargs):
        return Response(
            {
                "method": request.method,
                "data": request.data,
                "kwargs": kwargs,
                "query": request.query_params.dict(),
                "user": request.user.username,
                "agent": request.META.get("HTTP_USER_AGENT"),
            }
        )

    post = put = patch = delete = get


class ReadOnlyView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


class NoteViewSet(viewsets.ViewSet):
    permission_classes = [AllowAny]

    def list(self, request):
        return Response([{"pk": 1}])

    def retrieve(self, request, pk=None):
        return Response({"pk": pk})

    @action(detail=True, methods=["post"])
    def star(self, request, pk=None):
        return Response({"starred": pk, "data": request.data}, status=201)


app = websocket_stack(
    [
        path("ws/echo/<str:room>/", view_as_consumer(EchoView.as_view())),
        path(
            "ws/mapped/",
            view_as_consumer(EchoView.as_view(), mapped_actions={"publish": "POST"}),
        ),
        path("ws/readonly/", view_as_consumer(ReadOnlyView.as_view())),
        path("ws/notes/", view_as_consumer(NoteViewSet)),
    ]
)


class RequestTests(TransactionTestCase):
    """The view sees the request an HTTP client would have sent."""

    def setUp(self):
        self.member = create_user("member")

    async def test_actions_map_to_http_methods(self):
        expected = {
            "list": "GET",
            "retrieve": "GET",
            "create": "POST",
            "update": "PUT",
            "patch": "PATCH",
            "delete": "DELETE",
        }
        async with connected("/ws/echo/lobby/?room_size=3", app=app) as socket:
            for action_name, method in expected.items():
                with self.subTest(action=action_name):
                    reply = await socket.request(action_name)
                    self.assertEqual(reply["response_status"], 200)
                    self.assertEqual(reply["data"]["method"], method)

    async def test_body_kwargs_and_query_reach_the_view(self):
        async with connected("/ws/echo/lobby/?room_size=3", self.member, app) as socket:
            reply = await socket.request(
                "create", pk=7, data={"title": "hi", "tags": ["a"]}, query={"sort": "name"}
            )
        self.assertEqual(reply["response_status"], 200)
        data = reply["data"]
        self.assertEqual(data["data"], {"title": "hi", "tags": ["a"]})
        self.assertEqual(data["kwargs"], {"room": "lobby", "pk": 7})
        self.assertEqual(data["query"], {"room_size": "3", "sort": "name"})
        self.assertEqual(data["user"], "member")

    async def test_session_users_may_post_without_a_csrf_token(self):
        async with connected("/ws/echo/lobby/", self.member, app) as socket:
            reply = await socket.request("create", data={"x": 1})
        self.assertEqual((reply["response_status"], reply["data"]["user"]), (200, "member"))

    async def test_handshake_headers_reach_the_view_so_header_auth_works(self):
        credentials = base64.b64encode(f"member:{PASSWORD}".encode())
        communicator_headers = [
            (b"authorization", b"Basic " + credentials),
            (b"user-agent", b"test-agent/1.0"),
        ]
        async with connected("/ws/echo/lobby/", app=app, headers=communicator_headers) as socket:
            reply = await socket.request("list")
        self.assertEqual(reply["data"]["user"], "member")
        self.assertEqual(reply["data"]["agent"], "test-agent/1.0")

    async def test_mapped_actions_replace_the_default_table(self):
        async with connected("/ws/mapped/", app=app) as socket:
            published = await socket.request("publish")
            listed = await socket.request("list")
        self.assertEqual(published["data"]["method"], "POST")
        self.assertEqual(listed["response_status"], 405)
        self.assertIn("publish", listed["errors"][0])

    async def test_the_views_own_error_status_and_body_become_the_reply(self):
        async with connected("/ws/readonly/", app=app) as socket:
            reply = await socket.request("create", data={})
        self.assertEqual(reply["response_status"], 405)
        self.assertEqual(reply["errors"], ['Method "POST" not allowed.'])
        self.assertIsNone(reply["data"])


class ViewSetTests(TransactionTestCase):
    async def test_a_viewset_class_offers_its_actions_and_extra_actions(self):
        async with connected("/ws/notes/", app=app) as socket:
            listed = await socket.request("list")
            retrieved = await socket.request("retrieve", pk="5")
            starred = await socket.request("star", pk="5", data={"stars": 3})
            missing = await socket.request("delete", pk="5")
        self.assertEqual(listed["data"], [{"pk": 1}])
        self.assertEqual(retrieved["data"], {"pk": "5"})
        self.assertEqual((starred["response_status"], starred["data"]["data"]), (201, {"stars": 3}))
        self.assertEqual(missing["response_status"], 405)
        self.assertIn("list, retrieve, star", missing["errors"][0])

    def test_an_unbound_viewset_view_fails_inside_drf(self):
        with self.assertRaisesMessage(TypeError, "actions"):
            view_as_consumer(UserViewSet.as_view())


class ConnectionIsolationTests(TransactionTestCase):
    def setUp(self):
        self.alice = create_user("alice")
        self.bob = create_user("bob")

    async def test_concurrent_connections_never_receive_each_others_replies(self):
        async with (
            connected("/ws/echo/lobby/", self.alice, app) as alice,
            connected("/ws/echo/lobby/", self.bob, app) as bob,
        ):
            for number in range(20):
                for socket, prefix in ((alice, "a"), (bob, "b")):
                    request = {"action": "list", "request_id": f"{prefix}{number}"}
                    await socket.communicator.send_json_to(request)
            alice_replies, bob_replies = await asyncio.gather(
                asyncio.gather(*[alice.receive() for _ in range(20)]),
                asyncio.gather(*[bob.receive() for _ in range(20)]),
            )
            await alice.assert_nothing_more()
            await bob.assert_nothing_more()
        self.assertEqual([r["request_id"] for r in alice_replies], [f"a{n}" for n in range(20)])
        self.assertEqual({r["data"]["user"] for r in alice_replies}, {"alice"})
        self.assertEqual([r["request_id"] for r in bob_replies], [f"b{n}" for n in range(20)])
        self.assertEqual({r["data"]["user"] for r in bob_replies}, {"bob"})
