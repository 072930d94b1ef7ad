"""The create action: new users, hashed passwords and validation errors."""

from django.contrib.auth.models import User
from django.test import TransactionTestCase

from tests.support import PASSWORD, ROUTES, connected, create_user


class CreateActionTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)

    async def test_create_with_a_matching_password_pair_stores_a_hash(self):
        for number, route in enumerate(ROUTES, start=4):
            with self.subTest(route=route):
                data = {
                    "username": f"new_user_{number}",
                    "password1": "testpassword123",
                    "password2": "testpassword123",
                    "email": f"{number}@example.com",
                }
                async with connected(route, self.staff) as socket:
                    reply = await socket.request("create", data=data)
                self.assertEqual(reply["response_status"], 201, reply)
                user = await User.objects.aget(username=f"new_user_{number}")
                self.assertEqual(
                    reply["data"],
                    {"id": user.pk, "username": user.username, "email": f"{number}@example.com"},
                )
                self.assertTrue(user.check_password("testpassword123"))
                self.assertNotIn("testpassword123", user.password)
                self.assertNotIn(user.password, str(reply))
                self.assertFalse(user.is_staff)

    async def test_create_with_a_single_password(self):
        async with connected("/ws/users/", self.staff) as socket:
            reply = await socket.request(
                "create", data={"username": "solo", "email": "", "password": PASSWORD}
            )
        self.assertEqual(reply["response_status"], 201)
        user = await User.objects.aget(username="solo")
        self.assertTrue(user.check_password(PASSWORD))

    async def test_staff_flags_cannot_be_set(self):
        for route in ROUTES:
            with self.subTest(route=route):
                name = f"sneaky{len(route)}"
                data = {"username": name, "password": PASSWORD, "is_staff": True}
                data |= {"is_superuser": True}
                async with connected(route, self.staff) as socket:
                    reply = await socket.request("create", data=data)
                self.assertEqual(reply["response_status"], 201)
                self.assertNotIn("is_staff", reply["data"])
                user = await User.objects.aget(username=name)
                self.assertFalse(user.is_staff or user.is_superuser)

    async def test_invalid_data_is_a_400_with_field_errors_and_creates_nothing(self):
        cases = [
            ({"username": "x", "password1": "a-long-password", "password2": "other"}, "password2"),
            ({"username": "x"}, "password"),
            ({"username": "x", "password": "123"}, "password"),
            ({"username": "staff", "password": PASSWORD}, "username"),
            ({"username": "has space", "password": PASSWORD}, "username"),
        ]
        for route in ROUTES:
            async with connected(route, self.staff) as socket:
                for data, field in cases:
                    with self.subTest(route=route, data=data):
                        reply = await socket.request("create", data=data)
                        self.assertEqual(reply["response_status"], 400)
                        self.assertIsNone(reply["data"])
                        self.assertEqual(len(reply["errors"]), 1)
                        self.assertIn(field, reply["errors"][0])
        self.assertEqual(await User.objects.acount(), 1)

    async def test_create_without_data_is_a_400(self):
        async with connected("/ws/users/", self.staff) as socket:
            reply = await socket.request("create")
        self.assertEqual(reply["response_status"], 400)
        self.assertEqual(reply["errors"], ["data: This field is required."])
