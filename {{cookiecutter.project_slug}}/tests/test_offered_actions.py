"""Both WebSocket routes offer exactly the actions chosen for this project."""

from django.contrib.auth.models import User
from django.test import TransactionTestCase

from tests.support import (
    CRUD_ACTIONS,
    ROUTES,
    SUCCESS_STATUS,
    connected,
    create_user,
    offered,
    sample_requests,
)
from websocket_api.actions import MODEL_ACTIONS

ALL_ACTIONS = tuple(MODEL_ACTIONS)


class OfferedActionTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)

    async def test_each_action_is_answered_on_both_routes_only_if_offered(self):
        for route in ROUTES:
            for action in ALL_ACTIONS:
                target = await User.objects.acreate(username=f"target_{action}")
                with self.subTest(route=route, action=action):
                    async with connected(route, self.staff) as socket:
                        reply = await socket.request(action, **sample_requests(target)[action])
                    if offered(action):
                        self.assertEqual(reply["response_status"], SUCCESS_STATUS[action])
                    else:
                        self.assertEqual(reply["response_status"], 405)
                        for name in CRUD_ACTIONS:
                            self.assertIn(name, reply["errors"][0])
                await User.objects.exclude(pk=self.staff.pk).adelete()
