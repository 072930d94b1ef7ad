"""The retrieve action, on the generic consumer and on the viewset served by view_as_consumer."""

from django.test import TransactionTestCase

from tests.support import ROUTES, connected, create_user


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
