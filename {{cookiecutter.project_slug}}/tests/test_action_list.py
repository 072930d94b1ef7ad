"""The list action, on the generic consumer and on the viewset served by view_as_consumer."""

from django.contrib.auth.models import User
from django.test import TransactionTestCase

from tests.support import ROUTES, connected, create_user


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
