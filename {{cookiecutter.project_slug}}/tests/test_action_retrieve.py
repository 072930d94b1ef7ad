"""The retrieve action, on the generic consumer and on the viewset served by view_as_consumer."""

from django.contrib.auth.models import User
from django.test import TransactionTestCase
from django.urls import path
from rest_framework import serializers

from config.asgi import websocket_stack
from tests.support import ROUTES, connected, create_user
from users.consumers import UserConsumer
from users.serializers import UserSerializer
from websocket_api.actions import action


class BriefUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]


class PerActionSerializerConsumer(UserConsumer):
    """Retrieve shows the brief serializer; the custom ``full`` action the usual one."""

    def get_serializer_class(self):
        return BriefUserSerializer if self.action == "retrieve" else UserSerializer

    @action(method="GET", detail=True, data="none")
    def full(self, request, **kwargs):
        return self.get_serializer(self.get_object()).data, 200


class ChosenFieldsSerializer(UserSerializer):
    def __init__(self, *args, fields=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in set(self.fields) - set(fields or self.fields):
            self.fields.pop(name)


class OwnEmailOnlyConsumer(UserConsumer):
    """Users see their own email address and nobody else's, through get_serializer."""

    serializer_class = ChosenFieldsSerializer

    def get_serializer(self, *args, **kwargs):
        if str(self.kwargs.get("pk")) != str(self.request.user.pk):
            kwargs["fields"] = ["id", "username"]
        return super().get_serializer(*args, **kwargs)


class LinkedUserSerializer(serializers.HyperlinkedModelSerializer):
    class Meta:
        model = User
        fields = ["url", "username"]
        extra_kwargs = {"url": {"view_name": "user-detail"}}


class LinkedUserConsumer(UserConsumer):
    serializer_class = LinkedUserSerializer


app = websocket_stack(
    [
        path("ws/per-action/", PerActionSerializerConsumer.as_asgi()),
        path("ws/own-email/", OwnEmailOnlyConsumer.as_asgi()),
        path("ws/linked/", LinkedUserConsumer.as_asgi()),
    ]
)


class RetrieveActionTests(TransactionTestCase):
    def setUp(self):
        self.member = create_user("member")
        self.other = create_user("other")

    async def test_retrieve_returns_the_user_named_by_pk(self):
        for route in ROUTES:
            with self.subTest(route=route):
                async with connected(route, self.member) as socket:
                    reply = await socket.request("retrieve", pk=self.other.pk, data={})
                self.assertEqual(reply["response_status"], 200)
                self.assertEqual(
                    reply["data"],
                    {"id": self.other.pk, "username": "other", "email": "other@example.com"},
                )

    async def test_an_unknown_pk_is_a_404(self):
        for route in ROUTES:
            async with connected(route, self.member) as socket:
                for pk in (999999, "abc"):
                    with self.subTest(route=route, pk=pk):
                        reply = await socket.request("retrieve", pk=pk)
                        self.assertEqual(reply["response_status"], 404)
                        self.assertIsNone(reply["data"])
                        self.assertEqual(len(reply["errors"]), 1)

    async def test_the_generic_consumer_says_not_found(self):
        async with connected("/ws/users/", self.member) as socket:
            reply = await socket.request("retrieve", pk=999999)
        self.assertEqual(reply["errors"], ["Not found."])

    async def test_retrieve_without_pk_is_a_400(self):
        for route in ROUTES:
            with self.subTest(route=route):
                async with connected(route, self.member) as socket:
                    reply = await socket.request("retrieve")
                self.assertEqual(reply["response_status"], 400)
                self.assertEqual(reply["errors"], ["pk: This field is required."])


class SerializerHookTests(TransactionTestCase):
    """Reads go through get_serializer_class() and get_serializer() on every request."""

    def setUp(self):
        self.member = create_user("member")
        self.other = create_user("other")

    async def test_a_per_action_serializer_class_is_used_on_reads(self):
        async with connected("/ws/per-action/", self.member, app) as socket:
            replies = [
                await socket.request(name, pk=self.other.pk)
                for name in ("full", "retrieve", "full", "retrieve")
            ]
        self.assertEqual(
            [sorted(reply["data"]) for reply in replies],
            [["email", "id", "username"], ["id", "username"]] * 2,
        )

    async def test_an_overridden_get_serializer_is_used_on_every_read(self):
        async with connected("/ws/own-email/", self.member, app) as socket:
            replies = [
                await socket.request("retrieve", pk=pk)
                for pk in (self.member.pk, self.other.pk, self.member.pk)
            ]
        self.assertEqual(
            ["email" in reply["data"] for reply in replies], [True, False, True], replies
        )

    async def test_a_hyperlinked_serializer_gets_absolute_urls_from_the_handshake(self):
        for host in (b"localhost", b"127.0.0.1:8000"):
            headers = [(b"host", host)]
            with self.subTest(host=host):
                async with connected("/ws/linked/", self.member, app, headers) as socket:
                    reply = await socket.request("retrieve", pk=self.other.pk)
                self.assertEqual(reply["response_status"], 200, reply)
                self.assertEqual(
                    reply["data"],
                    {
                        "url": f"http://{host.decode()}/api/users/{self.other.pk}/",
                        "username": "other",
                    },
                )
