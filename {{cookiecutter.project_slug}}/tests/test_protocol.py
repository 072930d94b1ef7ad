"""The reply envelope and its error rows, for any consumer built on the module."""

import datetime
import decimal
import uuid

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.test import TransactionTestCase
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.throttling import BaseThrottle

from tests.support import connected
from users.consumers import UserConsumer
from websocket_api.actions import action
from websocket_api.consumers import AsyncAPIConsumer


class OncePerConnection(BaseThrottle):
    def allow_request(self, request, view):
        view.calls = getattr(view, "calls", 0) + 1
        return view.calls <= 1

    def wait(self):
        return 42


class ToolConsumer(AsyncAPIConsumer):
    permission_classes = [AllowAny]

    @action(method="GET", detail=True, data="none")
    def show(self, request, **kwargs):
        return {"pk": kwargs["pk"]}, 200

    @action(data="required")
    def echo(self, request, **kwargs):
        return request.data, 200

    @action(method="GET", params=("colour",))
    def values(self, request, **kwargs):
        return {
            "when": datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC),
            "id": uuid.UUID(int=1),
            "price": decimal.Decimal("9.50"),
            "colour": request.message.get("colour"),
        }

    @action
    def nothing(self, request, **kwargs):
        return None

    @action
    def invalid(self, request, **kwargs):
        raise serializers.ValidationError({"name": ["This name is taken."]})

    @action
    def crash(self, request, **kwargs):
        raise RuntimeError("secret detail")

    @action
    async def wait(self, request, **kwargs):
        return {"async": True}, 202


class ThrottledConsumer(ToolConsumer):
    throttle_classes = [OncePerConnection]


tool_app = AllowedHostsOriginValidator(
    AuthMiddlewareStack(
        URLRouter(
            [
                path("ws/tools/", ToolConsumer.as_asgi()),
                path("ws/throttled/", ThrottledConsumer.as_asgi()),
            ]
        )
    )
)


class MalformedFrameTests(TransactionTestCase):
    """Frames that are not requests get a 400 and the connection keeps serving."""

    async def test_invalid_json_is_a_400_and_the_next_request_is_answered(self):
        async with connected("/ws/users/") as socket:
            reply = await socket.send_text("{not json")
            self.assertEqual(reply["response_status"], 400)
            self.assertIsNone(reply["action"])
            self.assertIsNone(reply["request_id"])
            self.assertIn("Invalid JSON", reply["errors"][0])
            reply = await socket.request("no-such-action", request_id=7)
            self.assertEqual((reply["response_status"], reply["request_id"]), (405, 7))

    async def test_a_json_value_that_is_not_an_object_is_a_400(self):
        async with connected("/ws/users/") as socket:
            for text in ("[1, 2]", '"list"', "3", "null"):
                reply = await socket.send_text(text)
                self.assertEqual(reply["response_status"], 400, text)
                self.assertIsNone(reply["data"])

    async def test_a_binary_frame_is_a_400(self):
        async with connected("/ws/users/") as socket:
            await socket.communicator.send_to(bytes_data=b'{"action": "list"}')
            reply = await socket.receive()
            self.assertEqual(reply["response_status"], 400)
            self.assertIn("Binary frames", reply["errors"][0])

    async def test_a_request_without_action_is_a_400_naming_the_field(self):
        async with connected("/ws/users/") as socket:
            reply = await socket.send_text('{"request_id": "r1"}')
            self.assertEqual(reply["response_status"], 400)
            self.assertEqual(reply["request_id"], "r1")
            self.assertEqual(reply["errors"], ["action: This field is required."])

    async def test_an_action_that_is_not_a_string_is_a_400(self):
        async with connected("/ws/users/") as socket:
            reply = await socket.request(["list"])
            self.assertEqual(reply["response_status"], 400)
            self.assertEqual(reply["errors"], ["action: Expected a string."])

    async def test_an_unknown_action_is_a_405_naming_the_offered_actions(self):
        async with connected("/ws/users/") as socket:
            reply = await socket.request("explode")
            self.assertEqual(reply["response_status"], 405)
            self.assertEqual(reply["action"], "explode")
            for name in UserConsumer.available_actions:
                self.assertIn(name, reply["errors"][0])

    async def test_many_bad_frames_in_a_row_each_get_one_reply_in_order(self):
        async with connected("/ws/users/") as socket:
            frames = ["{", "[]", '{"action": 1}', '{"request_id": 4}', '{"action": "nope"}'] * 10
            for frame in frames:
                await socket.communicator.send_to(text_data=frame)
            statuses = [(await socket.receive())["response_status"] for _ in frames]
            self.assertEqual(statuses, [400, 400, 400, 400, 405] * 10)
            await socket.assert_nothing_more()


class EnvelopeTests(TransactionTestCase):
    """Replies from custom actions: statuses, encodings and request_id echoes."""

    async def test_request_id_is_echoed_whatever_json_value_it_is(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            for request_id in ("abc", 15050500, {"nested": [1, 2]}, None):
                reply = await socket.request("nothing", request_id=request_id)
                self.assertEqual(reply["request_id"], request_id)

    async def test_a_missing_request_id_comes_back_as_null(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.send_text('{"action": "nothing"}')
            self.assertIsNone(reply["request_id"])
            self.assertEqual(reply["response_status"], 200)

    async def test_an_action_returning_nothing_still_gets_one_reply(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("nothing")
            self.assertEqual(reply, {
                "action": "nothing", "request_id": "nothing-1", "response_status": 200,
                "data": None, "errors": [],
            })  # fmt: skip
            await socket.assert_nothing_more()

    async def test_dates_uuids_and_decimals_are_encoded_as_drf_does(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("values", colour="red")
            self.assertEqual(reply["data"], {
                "when": "2024-05-01T12:30:00Z", "id": "00000000-0000-0000-0000-000000000001",
                "price": 9.5, "colour": "red",
            })  # fmt: skip

    async def test_unknown_keys_are_a_400_naming_each_key(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("values", colour="red", size=3, shape="round")
            self.assertEqual(reply["response_status"], 400)
            self.assertEqual(len(reply["errors"]), 2)
            self.assertIn("'size'", reply["errors"][0] + reply["errors"][1])
            self.assertIn("'shape'", reply["errors"][0] + reply["errors"][1])

    async def test_a_detail_action_without_pk_is_a_400(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("show")
            self.assertEqual(reply["response_status"], 400)
            self.assertEqual(reply["errors"], ["pk: This field is required."])

    async def test_a_pk_that_is_not_a_scalar_is_a_400(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("show", pk={"id": 1})
            self.assertEqual(reply["response_status"], 400)

    async def test_empty_data_is_accepted_where_data_means_nothing(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("show", pk=5, data={})
            self.assertEqual((reply["response_status"], reply["data"]), (200, {"pk": 5}))

    async def test_data_where_it_means_nothing_is_a_400(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("show", pk=5, data={"x": 1})
            self.assertEqual(reply["response_status"], 400)

    async def test_missing_or_non_object_data_is_a_400(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("echo")
            self.assertEqual(reply["errors"], ["data: This field is required."])
            reply = await socket.request("echo", data=[1])
            self.assertEqual(reply["errors"], ["data: Expected an object."])

    async def test_a_validation_error_is_a_400_with_drfs_dict(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("invalid")
            self.assertEqual(reply["response_status"], 400)
            self.assertEqual(reply["errors"], [{"name": ["This name is taken."]}])
            self.assertIsNone(reply["data"])

    async def test_an_unexpected_exception_is_a_500_without_its_details(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            with self.assertLogs("websocket_api", level="ERROR") as logs:
                reply = await socket.request("crash", request_id="c1")
            self.assertEqual((reply["response_status"], reply["request_id"]), (500, "c1"))
            self.assertNotIn("secret", str(reply))
            self.assertIn("secret detail", "\n".join(logs.output))
            reply = await socket.request("nothing")
            self.assertEqual(reply["response_status"], 200)

    async def test_async_actions_run_and_choose_their_status(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("wait")
            self.assertEqual((reply["response_status"], reply["data"]), (202, {"async": True}))


class ThrottleTests(TransactionTestCase):
    async def test_a_throttled_request_is_a_429_with_the_wait(self):
        async with connected("/ws/throttled/", app=tool_app) as socket:
            first = await socket.request("nothing")
            second = await socket.request("nothing", request_id="again")
        self.assertEqual(first["response_status"], 200)
        self.assertEqual((second["response_status"], second["request_id"]), (429, "again"))
        self.assertIn("42 seconds", second["errors"][0])
