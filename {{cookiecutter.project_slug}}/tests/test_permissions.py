"""The same permissions on all three routes: anonymous none, members read, staff everything."""

from django.contrib.auth.models import User
from django.test import TransactionTestCase

from tests.support import (
    CRUD_ACTIONS,
    READ_ACTIONS,
    ROUTES,
    SUCCESS_STATUS,
    connected,
    create_user,
    sample_requests,
)
from websocket_api.actions import MODEL_ACTIONS

# Each model action as an HTTP call: the test client's method, and whether it names a user.
HTTP_CALLS = {row.name: (row.method.lower(), row.detail) for row in MODEL_ACTIONS.values()}


class WebSocketPermissionTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.member = create_user("member")

    async def run_matrix(self, who, expected):
        """Run every offered action as ``who`` on both routes against a fresh target."""
        for route in ROUTES:
            for action in CRUD_ACTIONS:
                target = await User.objects.acreate(username=f"target_{action}")
                payload = sample_requests(target)[action]
                with self.subTest(route=route, action=action):
                    async with connected(route, who) as socket:
                        reply = await socket.request(action, **payload)
                    self.assertEqual(reply["response_status"], expected(action), reply)
                    if reply["response_status"] >= 400:
                        self.assertIsNone(reply["data"])
                        self.assertTrue(reply["errors"])
                await User.objects.filter(username__in=["created", "updated"]).adelete()
                await User.objects.filter(pk=target.pk).adelete()

    async def test_anonymous_clients_may_do_nothing(self):
        await self.run_matrix(None, lambda action: 403)

    async def test_signed_in_users_may_only_read(self):
        await self.run_matrix(
            self.member, lambda action: SUCCESS_STATUS[action] if action in READ_ACTIONS else 403
        )

    async def test_staff_may_do_everything(self):
        await self.run_matrix(self.staff, lambda action: SUCCESS_STATUS[action])

    async def test_anonymous_replies_say_credentials_are_missing(self):
        async with connected("/ws/users/") as socket:
            action = CRUD_ACTIONS[0]
            target = await User.objects.afirst()
            reply = await socket.request(action, **sample_requests(target)[action])
        self.assertEqual(reply["errors"], ["Authentication credentials were not provided."])


class HttpPermissionTests(TransactionTestCase):
    """The HTTP API at /api/users/ answers as the WebSocket routes do."""

    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.member = create_user("member")

    def run_matrix(self, who, expected):
        if who is not None:
            self.client.force_login(who)
        for action, (method, detail) in HTTP_CALLS.items():
            target = User.objects.create(username=f"target_{action}")
            payload = sample_requests(target)[action]
            url = f"/api/users/{target.pk}/" if detail else "/api/users/"
            with self.subTest(action=action):
                response = getattr(self.client, method)(
                    url, payload.get("data"), content_type="application/json"
                )
                self.assertEqual(response.status_code, expected(action))
            User.objects.filter(username__in=["created", "updated"]).delete()
            User.objects.filter(pk=target.pk).delete()

    def test_anonymous_clients_may_do_nothing(self):
        self.run_matrix(None, lambda action: 403)

    def test_signed_in_users_may_only_read(self):
        self.run_matrix(
            self.member, lambda action: SUCCESS_STATUS[action] if action in READ_ACTIONS else 403
        )

    def test_staff_may_do_everything(self):
        self.run_matrix(self.staff, lambda action: SUCCESS_STATUS[action])

    def test_responses_never_contain_password_hashes(self):
        self.client.force_login(self.staff)
        body = self.client.get("/api/users/").content.decode()
        self.assertNotIn("password", body)
        self.assertNotIn(self.staff.password, body)
