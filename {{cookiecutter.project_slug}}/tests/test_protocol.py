"""The reply envelope and its error rows, for any consumer built on the module."""

import datetime
import decimal
import json
import uuid

from asgiref.sync import sync_to_async
from channels.sessions import InstanceSessionWrapper
from channels.testing import WebsocketCommunicator
from django.test import SimpleTestCase, TransactionTestCase, override_settings
from django.urls import path
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import exception_handler

from config.asgi import websocket_stack
from tests.support import HOST, ORIGIN, connected, create_user
from users.consumers import UserConsumer
from websocket_api.actions import action
from websocket_api.connection import without_session_wrappers
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
        }, 200

    @action
    def nothing(self, request, **kwargs):
        return None, 200

    @action
    def bare_data(self, request, **kwargs):
        return {"status": "forgot the status"}

    @action
    def odd_tuple(self, request, **kwargs):
        return "a", 1

    @action
    def invalid(self, request, **kwargs):
        raise serializers.ValidationError({"name": ["This name is taken."]})

    @action
    def crash(self, request, **kwargs):
        raise RuntimeError("secret detail")

    @action
    async def wait(self, request, **kwargs):
        return {"async": True}, 202

    @action(method="GET", params=("query",))
    def search(self, request, **kwargs):
        return {
            "tags": request.query_params.getlist("tag"),
            "q": request.query_params.get("q"),
        }, 200

    @action(method="GET", detail=True)
    def missing(self, request, **kwargs):
        raise NotFound()


def teapot_handler(exc, context):
    """A project's EXCEPTION_HANDLER: DRF's, with 404s turned into 418s that name the action."""
    response = exception_handler(exc, context)
    if response is not None and response.status_code == 404:
        response.status_code = 418
        response.data = {"detail": f"No {context['view'].action} here for {context['kwargs']}."}
    return response


class MembersOnlyConsumer(ToolConsumer):
    """Refuses anonymous handshakes in its own connect(), as a Channels consumer may."""

    async def connect(self):
        if self.scope["user"].is_authenticated:
            await super().connect()
        else:
            await self.close(code=4003)


class PrefixedJsonConsumer(ToolConsumer):
    """Frames start with "v1:" before the JSON; replies start with "v1:" too."""

    @classmethod
    async def decode_json(cls, text_data):
        return await super().decode_json(text_data.removeprefix("v1:"))

    @classmethod
    async def encode_json(cls, content):
        return "v1:" + await super().encode_json(content)


class ThrottledConsumer(ToolConsumer):
    throttle_classes = [OncePerConnection]


tool_app = websocket_stack(
    [
        path("ws/tools/", ToolConsumer.as_asgi()),
        path("ws/throttled/", ThrottledConsumer.as_asgi()),
        path("ws/members/", MembersOnlyConsumer.as_asgi()),
        path("ws/prefixed/", PrefixedJsonConsumer.as_asgi()),
    ]
)


class SessionSavedOnFrames(InstanceSessionWrapper):
    save_message_types = ["http.response.start", "websocket.send"]


class SendPathTests(SimpleTestCase):
    """Frames skip Channels' session middleware, which passes them on untouched."""

    async def server_send(self, message):
        self.sent.append(message)

    def setUp(self):
        self.sent = []

    def test_session_wrappers_are_skipped_down_to_the_servers_send(self):
        outer = InstanceSessionWrapper({"cookies": {}}, self.server_send)
        inner = InstanceSessionWrapper({"session": outer.scope["session"]}, outer.send)
        self.assertEqual(without_session_wrappers(inner.send), self.server_send)

    def test_a_wrapper_that_acts_on_websocket_messages_stays(self):
        wrapper = SessionSavedOnFrames({"cookies": {}}, self.server_send)
        self.assertEqual(without_session_wrappers(wrapper.send), wrapper.send)  # the control
        self.assertEqual(without_session_wrappers(self.server_send), self.server_send)


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

    async def test_deep_nesting_is_a_400_and_the_socket_keeps_serving(self):
        async with connected("/ws/users/") as socket:
            for depth in (33, 5000):
                reply = await socket.send_text('{"action": "list", "request_id": ' + "[" * depth)
                self.assertEqual(reply["response_status"], 400)
                reply = await socket.send_text(
                    '{"action": "list", "request_id": ' + "[" * depth + "]" * depth + "}"
                )
                self.assertEqual(reply["response_status"], 400, depth)
                self.assertIn("nests", reply["errors"][0])
            shallow = '{"action": "nope", "request_id": ' + "[" * 20 + "]" * 20 + "}"
            self.assertEqual((await socket.send_text(shallow))["response_status"], 405)

    async def test_nan_and_infinity_are_refused(self):
        async with connected("/ws/users/") as socket:
            for value in ("NaN", "Infinity", "-Infinity"):
                reply = await socket.send_text('{"action": "list", "request_id": ' + value + "}")
                self.assertEqual(reply["response_status"], 400)
                self.assertIn(value, reply["errors"][0])

    async def test_numbers_beyond_float_range_are_refused_not_read_as_infinity(self):
        async with connected("/ws/users/") as socket:
            reply = await socket.send_text('{"action": "list", "request_id": 1e400}')
            self.assertEqual((reply["response_status"], reply["request_id"]), (400, None))
            self.assertIn("1e400", reply["errors"][0])
            self.assertEqual((await socket.request("nope"))["response_status"], 405)

    async def test_an_action_name_too_long_to_echo_gets_a_413_without_it(self):
        async with connected("/ws/users/") as socket:
            with override_settings(WEBSOCKET_API={"MAX_MESSAGE_SIZE": 2000}):
                reply = await socket.request("n" * 1900, request_id=1)
            self.assertEqual((reply["response_status"], reply["action"]), (413, None))
            self.assertEqual((await socket.request("nope"))["response_status"], 405)

    async def test_lone_surrogates_get_a_valid_utf8_reply(self):
        async with connected("/ws/users/") as socket:
            for frame in (
                '{"action": "list", "request_id": "\\ud800"}',
                '{"action": "\\udfff"}',
                '{"action": "list", "\\ud800": 1}',
            ):
                await socket.communicator.send_to(text_data=frame)
                text = await socket.communicator.receive_from(timeout=5)
                text.encode("utf-8")  # raises if the reply is not valid UTF-8
                self.assertIn(json.loads(text)["response_status"], (400, 403, 405))
            self.assertEqual((await socket.request("nope"))["response_status"], 405)

    async def test_a_request_id_over_the_limit_is_a_400_that_does_not_echo_it(self):
        async with connected("/ws/users/") as socket:
            reply = await socket.request("list", request_id="x" * 300)
            self.assertEqual((reply["response_status"], reply["request_id"]), (400, None))
            self.assertTrue(reply["errors"][0].startswith("request_id:"))
            self.assertEqual((await socket.request("nope"))["response_status"], 405)

    async def test_an_integer_request_id_over_the_limit_is_a_400_too(self):
        async with connected("/ws/users/") as socket:
            reply = await socket.request("list", request_id=10**300)
            self.assertEqual((reply["response_status"], reply["request_id"]), (400, None))
            for request_id in (2**62, -(2**63), 10**60):  # within the limit: echoed
                reply = await socket.request("nope", request_id=request_id)
                self.assertEqual((reply["response_status"], reply["request_id"]), (405, request_id))

    async def test_a_short_request_id_that_escapes_to_over_the_limit_is_a_400(self):
        # A lone surrogate makes the reply ASCII: each emoji then takes twelve bytes.
        request_id = "\ud800" + "\U0001f600" * 21
        self.assertGreater(len(json.dumps(request_id)), 256)
        frame = json.dumps({"action": "list", "request_id": request_id})
        async with connected("/ws/users/") as socket:
            reply = await socket.send_text(frame)
            self.assertEqual((reply["response_status"], reply["request_id"]), (400, None))
            self.assertTrue(reply["errors"][0].startswith("request_id:"))

    async def test_a_frame_over_the_size_limit_is_a_400(self):
        with override_settings(WEBSOCKET_API={"MAX_MESSAGE_SIZE": 1000}):
            async with connected("/ws/users/") as socket:
                reply = await socket.request("list", padding="y" * 2000)
                self.assertEqual(reply["response_status"], 400)
                self.assertIn("1000-byte limit", reply["errors"][0])

    async def test_a_reply_over_the_size_limit_becomes_a_413(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            with override_settings(WEBSOCKET_API={"MAX_MESSAGE_SIZE": 300}):
                reply = await socket.request("echo", data={"text": "z" * 230})
            self.assertEqual(reply["response_status"], 413)
            self.assertIn("it took effect", reply["errors"][0])
            self.assertEqual((await socket.request("nothing"))["response_status"], 200)

    async def test_many_bad_frames_in_a_row_each_get_one_reply_in_order(self):
        async with connected("/ws/users/") as socket:
            frames = ["{", "[]", '{"action": 1}', '{"request_id": 4}', '{"action": "nope"}'] * 10
            for frame in frames:
                await socket.communicator.send_to(text_data=frame)
            statuses = [(await socket.receive())["response_status"] for _ in frames]
            self.assertEqual(statuses, [400, 400, 400, 400, 405] * 10)
            await socket.assert_nothing_more()

    async def test_past_the_queue_limit_requests_get_an_immediate_429_and_nothing_is_lost(self):
        limit = 64  # MAX_QUEUED_REQUESTS
        async with connected("/ws/users/") as socket:
            for number in range(3 * limit):
                await socket.communicator.send_json_to({"action": "nope", "request_id": number})
            replies = [await socket.receive() for _ in range(3 * limit)]
            await socket.assert_nothing_more()
            self.assertEqual(
                sorted(reply["request_id"] for reply in replies), list(range(3 * limit))
            )
            statuses = [reply["response_status"] for reply in replies]
            self.assertEqual(set(statuses), {405, 429})
            self.assertGreaterEqual(statuses.count(405), limit)
            refused = next(reply for reply in replies if reply["response_status"] == 429)
            self.assertIn("MAX_QUEUED_REQUESTS", refused["errors"][0])
            self.assertEqual((await socket.request("nope"))["response_status"], 405)


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

    async def test_an_action_returning_a_wrong_shape_is_a_500_with_the_cause_logged(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            for name in ("bare_data", "odd_tuple"):
                with self.assertLogs("websocket_api", level="ERROR") as logs:
                    reply = await socket.request(name)
                self.assertEqual((reply["response_status"], reply["data"]), (500, None))
                self.assertIn(f"Action '{name}' returned", "\n".join(logs.output))
                self.assertIn("must return (data, status)", "\n".join(logs.output))
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


class DrfHookTests(TransactionTestCase):
    """Overrides written for DRF's APIView and Channels' consumers work unchanged."""

    async def test_a_custom_exception_handler_rewrites_an_error_reply(self):
        handler = "tests.test_protocol.teapot_handler"
        with override_settings(
            REST_FRAMEWORK={**api_settings.user_settings, "EXCEPTION_HANDLER": handler}
        ):
            async with connected("/ws/tools/", app=tool_app) as socket:
                reply = await socket.request("missing", pk=3, request_id="m")
        self.assertEqual(
            reply,
            {
                "action": "missing",
                "request_id": "m",
                "response_status": 418,
                "data": None,
                "errors": ["No missing here for {'pk': 3}."],
            },
        )
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("missing", pk=3)
        self.assertEqual((reply["response_status"], reply["errors"]), (404, ["Not found."]))

    async def test_an_overridden_connect_that_rejects_a_user_still_refuses_them(self):
        refused = WebsocketCommunicator(tool_app, "/ws/members/", headers=[HOST, ORIGIN])
        connected_, code = await refused.connect(timeout=5)
        self.assertEqual((connected_, code), (False, 4003))
        member = await sync_to_async(create_user)("member")
        async with connected("/ws/members/", member, tool_app) as socket:
            reply = await socket.request("nothing")
        self.assertEqual(reply["response_status"], 200)

    async def test_overridden_decode_json_and_encode_json_are_used(self):
        async with connected("/ws/prefixed/", app=tool_app) as socket:
            await socket.communicator.send_to(text_data='v1:{"action": "nothing", "request_id": 1}')
            text = await socket.communicator.receive_from(timeout=5)
        self.assertTrue(text.startswith("v1:"), text)
        self.assertEqual(json.loads(text.removeprefix("v1:"))["response_status"], 200)

    async def test_query_parameters_arrive_as_a_query_dict(self):
        async with connected("/ws/tools/", app=tool_app) as socket:
            reply = await socket.request("search", query={"tag": ["a", "b"], "q": "word"})
        self.assertEqual(reply["data"], {"tags": ["a", "b"], "q": "word"})
