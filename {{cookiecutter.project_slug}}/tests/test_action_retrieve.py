"""The retrieve action, on the generic consumer and on the viewset served by view_as_consumer."""

from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.test import TransactionTestCase
from django.urls import path
from django.utils import timezone
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


class NeverSignedInConsumer(UserConsumer):
    """A class queryset whose filter takes no parameter: it is part of the reused SQL."""

    queryset = User.objects.filter(last_login__isnull=True)


class ActiveOnlyConsumer(UserConsumer):
    """A class queryset whose filter takes a parameter of its own."""

    queryset = User.objects.filter(is_active=True)


class ByUsernameConsumer(UserConsumer):
    lookup_field = "username"


class OwnAccountConsumer(UserConsumer):
    """get_queryset() narrowed per request: each lookup must see the narrowed queryset."""

    def get_queryset(self):
        return super().get_queryset().filter(pk=self.request.user.pk)


class ByStaffFlagConsumer(UserConsumer):
    lookup_field = "is_staff"


class ActiveUsers(QuerySet):
    """A QuerySet subclass that hides inactive users from get()."""

    def get(self, *args, **kwargs):
        return super(ActiveUsers, self.filter(is_active=True)).get(*args, **kwargs)


class ActiveUsersConsumer(UserConsumer):
    queryset = ActiveUsers(model=User)


class NobodyConsumer(UserConsumer):
    queryset = User.objects.none()


class StaffSeeEmailSerializer(serializers.ModelSerializer):
    """Builds its field names from the request: only staff see email addresses."""

    class Meta:
        model = User
        fields = ["id", "username", "email"]

    def get_field_names(self, declared_fields, info):
        names = super().get_field_names(declared_fields, info)
        if not self.context["request"].user.is_staff:
            names = [name for name in names if name != "email"]
        return names


class StaffSeeEmailConsumer(UserConsumer):
    serializer_class = StaffSeeEmailSerializer


app = websocket_stack(
    [
        path("ws/per-action/", PerActionSerializerConsumer.as_asgi()),
        path("ws/own-email/", OwnEmailOnlyConsumer.as_asgi()),
        path("ws/linked/", LinkedUserConsumer.as_asgi()),
        path("ws/never-signed-in/", NeverSignedInConsumer.as_asgi()),
        path("ws/active/", ActiveOnlyConsumer.as_asgi()),
        path("ws/by-username/", ByUsernameConsumer.as_asgi()),
        path("ws/own-account/", OwnAccountConsumer.as_asgi()),
        path("ws/active-users/", ActiveUsersConsumer.as_asgi()),
        path("ws/nobody/", NobodyConsumer.as_asgi()),
        path("ws/staff-see-email/", StaffSeeEmailConsumer.as_asgi()),
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


class LookupTests(TransactionTestCase):
    """A lookup's SQL is built once per consumer class; each lookup still finds exactly
    what ``queryset.get()`` would."""

    def setUp(self):
        self.member = create_user("member")
        self.other = create_user("other")
        self.signed_in = create_user("signed-in", last_login=timezone.now())
        self.inactive = create_user("inactive", is_active=False)

    async def statuses(self, route, **lookups):
        async with connected(route, self.member, app) as socket:
            return {
                name: (await socket.request("retrieve", **lookup))["response_status"]
                for name, lookup in lookups.items()
            }

    async def test_the_class_queryset_filter_holds_for_every_lookup(self):
        lookups = {
            "signed-in": {"pk": self.signed_in.pk},
            "other": {"pk": self.other.pk},
            "member": {"pk": self.member.pk},  # signed in to connect
            "missing": {"pk": 999999},
            "other again": {"pk": self.other.pk},
        }
        self.assertEqual(
            await self.statuses("/ws/never-signed-in/", **lookups),
            {"signed-in": 404, "other": 200, "member": 404, "missing": 404, "other again": 200},
        )

    async def test_a_filter_with_its_own_parameter_holds_too(self):
        lookups = {
            "inactive": {"pk": self.inactive.pk},
            "other": {"pk": self.other.pk},
            "inactive again": {"pk": self.inactive.pk},
        }
        self.assertEqual(
            await self.statuses("/ws/active/", **lookups),
            {"inactive": 404, "other": 200, "inactive again": 404},
        )

    async def test_each_lookup_finds_its_own_object(self):
        async with connected("/ws/by-username/", self.member, app) as socket:
            names = [
                (await socket.request("retrieve", username=name))["data"]
                for name in ("other", "member", "nobody", "other")
            ]
        self.assertEqual(
            [data and data["username"] for data in names], ["other", "member", None, "other"]
        )

    async def test_a_per_request_get_queryset_is_used_for_every_lookup(self):
        lookups = {"own": {"pk": self.member.pk}, "other": {"pk": self.other.pk}}
        self.assertEqual(
            await self.statuses("/ws/own-account/", **lookups), {"own": 200, "other": 404}
        )

    async def test_a_queryset_subclass_decides_what_get_finds(self):
        lookups = {"inactive": {"pk": self.inactive.pk}, "other": {"pk": self.other.pk}}
        statuses = await self.statuses("/ws/active-users/", **lookups)
        self.assertEqual(statuses, {"inactive": 404, "other": 200})

    async def test_an_empty_class_queryset_finds_nothing(self):
        statuses = await self.statuses("/ws/nobody/", other={"pk": self.other.pk})
        self.assertEqual(statuses, {"other": 404})

    async def test_fields_built_from_the_request_are_built_for_each_user(self):
        staff = await sync_to_async(create_user)("staff", staff=True)
        for order in ((staff, self.member, staff), (self.member, staff, self.member)):
            shown = []
            for user in order:
                async with connected("/ws/staff-see-email/", user, app) as socket:
                    reply = await socket.request("retrieve", pk=self.other.pk)
                shown.append("email" in reply["data"])
            with self.subTest(first=order[0].username):
                self.assertEqual(shown, [user.is_staff for user in order])

    def test_the_prebuilt_lookup_gives_what_get_gives(self):
        consumer = UserConsumer()
        queryset = consumer.get_queryset()
        for user in (self.member, self.inactive, self.other):
            with self.subTest(user=user.username):
                found = consumer.lookup_in_class_queryset(queryset, user.pk)
                self.assertIsNotNone(found, "the default consumer should take the prebuilt SQL")
                expected = User.objects.get(pk=user.pk)
                self.assertEqual(
                    [getattr(found, f.attname) for f in User._meta.concrete_fields],
                    [getattr(expected, f.attname) for f in User._meta.concrete_fields],
                )
                self.assertFalse(found._state.adding)
        with self.assertRaises(User.DoesNotExist):
            consumer.lookup_in_class_queryset(queryset, 999999)
        with self.assertRaises(User.DoesNotExist):  # beyond the column's range, as get()
            consumer.lookup_in_class_queryset(queryset, 2**70)
        with self.assertRaises(ValueError):
            consumer.lookup_in_class_queryset(queryset, "abc")
        fraction = self.member.pk + 0.5  # get() takes the integer part
        self.assertEqual(
            consumer.lookup_in_class_queryset(queryset, fraction).pk,
            User.objects.get(pk=fraction).pk,
        )

    def test_values_that_change_the_condition_are_not_looked_up_with_other_sql(self):
        staff = create_user("staff", staff=True)
        consumer = ByStaffFlagConsumer()
        queryset = consumer.get_queryset()
        for value in (True, False, True):
            with self.subTest(value=value):
                try:
                    found = consumer.lookup_in_class_queryset(queryset, value)
                except User.MultipleObjectsReturned:
                    self.assertFalse(value)  # every user but one is not staff
                    continue
                if found is not None:
                    self.assertEqual(found.pk, staff.pk)
                    self.assertTrue(value)
