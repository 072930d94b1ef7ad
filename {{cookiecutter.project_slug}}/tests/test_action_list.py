"""The list action, on the generic consumer and on the viewset served by view_as_consumer."""

from django.contrib.auth.models import User
from django.test import TransactionTestCase
from django.urls import path
from django.utils import timezone
from rest_framework import serializers

from config.asgi import websocket_stack
from tests.support import ROUTES, connected, create_user
from users.consumers import UserConsumer


class AccountSerializer(serializers.ModelSerializer):
    """Plain fields of several types, which a list may read from rows."""

    class Meta:
        model = User
        fields = ["id", "username", "is_staff", "is_active", "date_joined", "last_login"]


class InstanceAccountConsumer(UserConsumer):
    serializer_class = AccountSerializer
    list_rows = False


class RowAccountConsumer(UserConsumer):
    serializer_class = AccountSerializer


class Shouting(serializers.CharField):
    def to_representation(self, value):
        return super().to_representation(value).upper()


class ComputedSerializer(serializers.ModelSerializer):
    """Fields that need the model instance or code of their own."""

    shouted = Shouting(source="username")
    full_name = serializers.SerializerMethodField()
    is_anonymous = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "shouted", "full_name", "is_anonymous"]

    def get_full_name(self, user):
        return user.get_full_name()


class ComputedConsumer(UserConsumer):
    serializer_class = ComputedSerializer


class MethodFieldForManyConsumer(UserConsumer):
    """get_serializer() picks another serializer for pages than get_serializer_class()."""

    serializer_class = AccountSerializer

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many"):
            kwargs.setdefault("context", self.get_serializer_context())
            return ComputedSerializer(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)


app = websocket_stack(
    [
        path("ws/instances/", InstanceAccountConsumer.as_asgi()),
        path("ws/rows/", RowAccountConsumer.as_asgi()),
        path("ws/computed/", ComputedConsumer.as_asgi()),
        path("ws/many/", MethodFieldForManyConsumer.as_asgi()),
    ]
)


class ListActionTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.member = create_user("member")

    async def test_list_returns_users_as_an_array_without_passwords(self):
        for route in ROUTES:
            with self.subTest(route=route):
                async with connected(route, self.member) as socket:
                    reply = await socket.request("list", data={}, request_id=15050500)
                self.assertEqual(reply["response_status"], 200)
                self.assertEqual(reply["request_id"], 15050500)
                self.assertEqual(reply["errors"], [])
                self.assertEqual(
                    reply["data"],
                    [
                        {"id": self.staff.pk, "username": "staff", "email": "staff@example.com"},
                        {"id": self.member.pk, "username": "member", "email": "member@example.com"},
                    ],
                )

    async def test_limit_and_offset_choose_the_page(self):
        for route in ROUTES:
            with self.subTest(route=route):
                async with connected(route, self.member) as socket:
                    reply = await socket.request("list", limit=1, offset=1)
                self.assertEqual([user["username"] for user in reply["data"]], ["member"])

    async def test_a_page_is_bounded_by_default(self):
        await User.objects.abulk_create([User(username=f"bulk{n}") for n in range(120)])
        for route in ROUTES:
            with self.subTest(route=route):
                async with connected(route, self.member) as socket:
                    reply = await socket.request("list")
                self.assertEqual(reply["response_status"], 200)
                self.assertEqual(len(reply["data"]), 100)

    async def test_a_bad_paging_value_is_a_400_naming_the_key(self):
        bad_values = {"limit": [0, -1, "ten", 1001, True, None], "offset": [-1, 1.5, "0"]}
        for route in ROUTES:
            async with connected(route, self.member) as socket:
                for key, values in bad_values.items():
                    for value in values:
                        with self.subTest(route=route, key=key, value=value):
                            reply = await socket.request("list", **{key: value})
                            self.assertEqual(reply["response_status"], 400)
                            self.assertTrue(reply["errors"][0].startswith(f"{key}:"))
                            self.assertIsNone(reply["data"])


class ListFromRowsTests(TransactionTestCase):
    """A list reads plain columns as rows when it can, with the same reply as from
    instances, and falls back to instances whenever a field needs one."""

    def setUp(self):
        self.staff = create_user("staff", staff=True, first_name="Ada", last_name="Byron")
        self.member = create_user("member", last_login=timezone.now(), is_active=False)
        self.viewer = create_user("viewer", staff=True)  # signing in sets its last_login

    async def page(self, route):
        async with connected(route, self.viewer, app) as socket:
            reply = await socket.request("list")
        self.assertEqual(reply["response_status"], 200, reply)
        return reply["data"]

    async def test_rows_give_the_reply_that_instances_give(self):
        from_rows, from_instances = await self.page("/ws/rows/"), await self.page("/ws/instances/")
        self.assertEqual(from_rows[:2], from_instances[:2])
        self.assertEqual(
            [(user["username"], user["is_active"]) for user in from_rows],
            [("staff", True), ("member", False), ("viewer", True)],
        )
        self.assertIsNone(from_rows[0]["last_login"])
        self.assertIsInstance(from_rows[1]["last_login"], str)

    def test_a_plain_serializer_reads_rows(self):
        columns = ("pk", "id", "username", "is_staff", "is_active", "date_joined", "last_login")
        for consumer_class, fields in (
            (RowAccountConsumer, columns),
            (InstanceAccountConsumer, None),
        ):
            with self.subTest(consumer=consumer_class.__name__):
                consumer = consumer_class()
                consumer.request, consumer.scope = None, {}
                self.assertEqual(
                    consumer.get_list_queryset(consumer.get_queryset())._fields, fields
                )

    async def test_fields_that_need_an_instance_get_one(self):
        expected = [
            {"id": self.staff.pk, "shouted": "STAFF", "full_name": "Ada Byron"},
            {"id": self.member.pk, "shouted": "MEMBER", "full_name": ""},
            {"id": self.viewer.pk, "shouted": "VIEWER", "full_name": ""},
        ]
        for route in ("/ws/computed/", "/ws/many/"):
            with self.subTest(route=route):
                page = await self.page(route)
                self.assertEqual([user.pop("is_anonymous") for user in page], [False] * 3)
                self.assertEqual(page, expected)
