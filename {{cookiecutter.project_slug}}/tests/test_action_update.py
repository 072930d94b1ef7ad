"""The update action: a full update that need not resend the password."""

from django.contrib.auth.models import User
from django.test import TransactionTestCase
from django.urls import path

from config.asgi import websocket_stack
from tests.support import PASSWORD, ROUTES, connected, create_user
from users.consumers import UserConsumer


class RecordingUserConsumer(UserConsumer):
    """Records what its perform_update override saw, as a DRF user's override would."""

    saved: list = []

    def perform_update(self, serializer):
        super().perform_update(serializer)
        self.saved.append((self.action, serializer.partial, serializer.instance.email))


recording_app = websocket_stack([path("ws/recorded/", RecordingUserConsumer.as_asgi())])


class UpdateActionTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.target = create_user("target", email="edited@example.com")

    async def test_update_replaces_fields_and_keeps_the_password(self):
        for number, route in enumerate(ROUTES, start=2):
            with self.subTest(route=route):
                async with connected(route, self.staff) as socket:
                    reply = await socket.request(
                        "update", pk=self.target.pk, data={"username": f"user_{number}"}
                    )
                self.assertEqual(reply["response_status"], 200)
                self.assertEqual(
                    reply["data"],
                    {
                        "id": self.target.pk,
                        "username": f"user_{number}",
                        "email": "edited@example.com",
                    },
                )
                user = await User.objects.aget(pk=self.target.pk)
                self.assertTrue(user.check_password(PASSWORD))

    async def test_update_without_a_required_field_is_a_400(self):
        for route in ROUTES:
            with self.subTest(route=route):
                async with connected(route, self.staff) as socket:
                    reply = await socket.request(
                        "update", pk=self.target.pk, data={"email": "x@example.com"}
                    )
                self.assertEqual(reply["response_status"], 400)
                self.assertEqual(reply["errors"], [{"username": ["This field is required."]}])

    async def test_updating_a_missing_user_is_a_404(self):
        async with connected("/ws/users/", self.staff) as socket:
            reply = await socket.request("update", pk=999999, data={"username": "ghost"})
        self.assertEqual(reply["response_status"], 404)

    async def test_an_overridden_perform_update_sees_the_update(self):
        RecordingUserConsumer.saved = []
        async with connected("/ws/recorded/", self.staff, recording_app) as socket:
            reply = await socket.request(
                "update",
                pk=self.target.pk,
                data={"username": "renamed", "email": "seen@example.com"},
            )
        self.assertEqual(reply["response_status"], 200)
        self.assertEqual(RecordingUserConsumer.saved, [("update", False, "seen@example.com")])
