"""The delete action."""

from django.contrib.auth.models import User
from django.test import TransactionTestCase

from tests.support import ROUTES, connected, create_user


class DeleteActionTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)

    async def test_delete_removes_the_user_and_answers_204_with_null_data(self):
        for route in ROUTES:
            with self.subTest(route=route):
                target = await User.objects.acreate(username=f"doomed{len(route)}")
                async with connected(route, self.staff) as socket:
                    reply = await socket.request("delete", pk=target.pk, data={})
                    again = await socket.request("delete", pk=target.pk)
                self.assertEqual(
                    (reply["response_status"], reply["data"], reply["errors"]), (204, None, [])
                )
                self.assertFalse(await User.objects.filter(pk=target.pk).aexists())
                self.assertEqual(again["response_status"], 404)
