"""The patch action: partial changes, password changes, protected flags."""

from django.contrib.auth.models import User
from django.test import TransactionTestCase

from tests.support import ROUTES, connected, create_user


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
