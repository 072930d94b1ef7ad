"""The patch action: partial changes, password changes, protected flags."""

from django.contrib.auth.models import Group, User
from django.test import TransactionTestCase
from django.urls import path
from rest_framework import serializers

from config.asgi import websocket_stack
from tests.support import ROUTES, connected, create_user
from users.consumers import UserConsumer
from users.serializers import UserSerializer


class RecordingUserConsumer(UserConsumer):
    """Records what its perform_update override saw, as a DRF user's override would."""

    saved: list = []

    def perform_update(self, serializer):
        super().perform_update(serializer)
        self.saved.append((self.action, serializer.partial, serializer.instance.email))


class GroupsSerializer(UserSerializer):
    groups = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "groups"]


class PrefetchingUserConsumer(UserConsumer):
    """Prefetches groups, then adds one behind the prefetch cache's back on each update."""

    queryset = User.objects.prefetch_related("groups").order_by("pk")
    serializer_class = GroupsSerializer

    def perform_update(self, serializer):
        super().perform_update(serializer)
        group = Group.objects.get_or_create(name="editors")[0]
        User.groups.through.objects.create(user=serializer.instance, group=group)


recording_app = websocket_stack(
    [
        path("ws/recorded/", RecordingUserConsumer.as_asgi()),
        path("ws/prefetching/", PrefetchingUserConsumer.as_asgi()),
    ]
)


class PatchActionTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.target = create_user("target")

    async def test_patch_changes_only_the_given_fields(self):
        for route in ROUTES:
            with self.subTest(route=route):
                email = f"edited{len(route)}@example.com"
                async with connected(route, self.staff) as socket:
                    reply = await socket.request("patch", pk=self.target.pk, data={"email": email})
                self.assertEqual(reply["response_status"], 200)
                self.assertEqual(
                    reply["data"], {"id": self.target.pk, "username": "target", "email": email}
                )
                self.assertEqual((await User.objects.aget(pk=self.target.pk)).email, email)

    async def test_a_new_password_is_stored_hashed(self):
        async with connected("/ws/users/", self.staff) as socket:
            reply = await socket.request(
                "patch", pk=self.target.pk, data={"password": "a-brand-new-secret"}
            )
        self.assertEqual(reply["response_status"], 200)
        self.assertNotIn("password", reply["data"])
        user = await User.objects.aget(pk=self.target.pk)
        self.assertTrue(user.check_password("a-brand-new-secret"))

    async def test_staff_flags_cannot_be_changed(self):
        for route in ROUTES:
            with self.subTest(route=route):
                async with connected(route, self.staff) as socket:
                    reply = await socket.request(
                        "patch", pk=self.target.pk, data={"is_staff": True, "is_superuser": True}
                    )
                self.assertEqual(reply["response_status"], 200)
                user = await User.objects.aget(pk=self.target.pk)
                self.assertFalse(user.is_staff or user.is_superuser)

    async def test_patching_a_missing_user_is_a_404(self):
        for route in ROUTES:
            with self.subTest(route=route):
                async with connected(route, self.staff) as socket:
                    reply = await socket.request("patch", pk=999999, data={"email": "a@b.c"})
                self.assertEqual(reply["response_status"], 404)

    async def test_patch_without_data_is_a_400(self):
        async with connected("/ws/users/", self.staff) as socket:
            reply = await socket.request("patch", pk=self.target.pk)
        self.assertEqual(reply["errors"], ["data: This field is required."])

    async def test_an_overridden_perform_update_sees_the_patch(self):
        RecordingUserConsumer.saved = []
        async with connected("/ws/recorded/", self.staff, recording_app) as socket:
            reply = await socket.request(
                "patch", pk=self.target.pk, data={"email": "seen@example.com"}
            )
        self.assertEqual(reply["response_status"], 200)
        self.assertEqual(RecordingUserConsumer.saved, [("patch", True, "seen@example.com")])

    async def test_the_reply_after_a_patch_is_not_served_from_a_stale_prefetch(self):
        async with connected("/ws/prefetching/", self.staff, recording_app) as socket:
            reply = await socket.request(
                "patch", pk=self.target.pk, data={"email": "g@example.com"}
            )
        self.assertEqual(reply["response_status"], 200)
        self.assertEqual(reply["data"]["groups"], ["editors"])
