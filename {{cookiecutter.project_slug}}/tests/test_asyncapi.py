"""The AsyncAPI document: what it describes, where it is served, and that the parser accepts it."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, SimpleTestCase, TestCase, override_settings
from django.urls import path
from rest_framework import serializers
from rest_framework.decorators import action as drf_action
from rest_framework.response import Response

from config.routing import websocket_urlpatterns
from demo.routes import describe_routes
from tests.node_tools import asyncapi_diagnostics
from tests.support import create_user, offered
from users.consumers import UserConsumer
from users.views import UserViewSet
from websocket_api.actions import ActionSchema, action, extend_action_schema
from websocket_api.generics import GenericAsyncAPIConsumer
from websocket_api.schema import build_document, dump_json
from websocket_api.view_consumer import view_as_consumer

ROUTES = ("/ws/users/", "/ws/api/users/")
WRITES = [name for name in ("create", "update", "patch") if offered(name)]


def document_command(*arguments: str) -> str:
    output = StringIO()
    call_command("asyncapi", *arguments, stdout=output)
    return output.getvalue()


def channel_key(document: dict, address: str) -> str:
    (key,) = [key for key, item in document["channels"].items() if item["address"] == address]
    return key


def receive_operations(document: dict, address: str) -> dict[str, dict]:
    channel = f"#/channels/{channel_key(document, address)}"
    return {
        operation["title"]: operation
        for operation in document["operations"].values()
        if operation["channel"]["$ref"] == channel and operation["action"] == "receive"
    }


def schema_of(document: dict, reference: dict) -> dict:
    node: Any = document
    for part in reference["$ref"].removeprefix("#/").split("/"):
        node = node[part]
    return node


class Note(serializers.Serializer):
    title = serializers.CharField(max_length=40)
    colour = serializers.ChoiceField(choices=["red", "green"])
    secret = serializers.CharField(write_only=True)
    created = serializers.DateTimeField(read_only=True)


class NoteConsumer(GenericAsyncAPIConsumer):
    serializer_class = Note
    action_schemas = {"shout": ActionSchema(description="Corrected from the consumer.")}

    @action(method="POST", data="required")
    async def shout(self, request, **kwargs):
        """Say it louder."""
        return request.data, 200

    @extend_action_schema(
        summary="Echo a title.",
        request_data=Note,
        reply_data=Note,
        request_example={"request_id": 7, "data": {"title": "hello"}},
    )
    @action(method="POST", data="optional", params=("volume",))
    async def echo(self, request, **kwargs):
        """Give the data back."""
        return request.data, 200


class PromotingViewSet(UserViewSet):
    @drf_action(detail=True, methods=["post"])
    def promote(self, request, pk=None):
        """Make the user a moderator."""
        return Response({"promoted": True})


NOTE_ROUTES = [path("ws/notes/<int:board>/", NoteConsumer.as_asgi())]
VIEW_ROUTES = [path("ws/teams/<slug:team>/users/", view_as_consumer(PromotingViewSet))]


class DocumentTests(SimpleTestCase):
    def test_each_route_is_a_channel_and_each_offered_action_an_operation(self):
        document = build_document()
        self.assertEqual(document["asyncapi"], "3.0.0")
        addresses = {channel["address"] for channel in document["channels"].values()}
        self.assertEqual(addresses, set(ROUTES))
        for address in ROUTES:
            with self.subTest(address=address):
                documented = set(receive_operations(document, address))
                self.assertTrue(set(UserConsumer.available_actions) & documented)
        self.assertEqual(
            set(receive_operations(document, "/ws/users/")), set(UserConsumer.available_actions)
        )

    def test_requests_carry_the_action_as_a_constant_and_request_id_as_correlation(self):
        document = build_document()
        self.assertEqual(
            document["components"]["correlationIds"]["request_id"]["location"],
            "$message.payload#/request_id",
        )
        for name, operation in receive_operations(document, "/ws/users/").items():
            with self.subTest(action=name):
                request = schema_of(document, operation["messages"][0])
                self.assertEqual(request["payload"]["properties"]["action"]["const"], name)
                self.assertIn("request_id", request["payload"]["properties"])
                self.assertEqual(
                    request["correlationId"], {"$ref": "#/components/correlationIds/request_id"}
                )

    def test_write_only_fields_appear_in_requests_only_and_read_only_in_replies_only(self):
        schemas = build_document(NOTE_ROUTES)["components"]["schemas"]
        self.assertIn("secret", schemas["NoteInput"]["properties"])
        self.assertNotIn("secret", schemas["Note"]["properties"])
        self.assertIn("created", schemas["Note"]["properties"])
        self.assertNotIn("created", schemas["NoteInput"]["properties"])
        self.assertEqual(schemas["NoteInput"]["required"], ["colour", "secret", "title"])

    def test_the_user_schemas_follow_the_serializer(self):
        schemas = build_document()["components"]["schemas"]
        if "User" in schemas:
            self.assertNotIn("password", schemas["User"]["properties"])
            self.assertIn("id", schemas["User"]["properties"])
        # create and update take the whole input; patch the same fields, none required.
        inputs = {
            "UserInput": offered("create") or offered("update"),
            "UserPatch": offered("patch"),
        }
        for name, expected in inputs.items():
            with self.subTest(schema=name):
                self.assertEqual(name in schemas, expected)
                if not expected:
                    continue
                properties = schemas[name]["properties"]
                self.assertIn("password", properties)
                self.assertNotIn("id", properties)
                self.assertEqual(properties["username"]["type"], "string")
                self.assertEqual(properties["username"]["maxLength"], 150)
                self.assertIn({"format": "email"}, properties["email"]["anyOf"])
                required = ["username"] if name == "UserInput" else []
                self.assertEqual(schemas[name].get("required", []), required)

    def test_the_lookup_key_is_typed_from_the_model_field(self):
        document = build_document()
        detail = [
            operation
            for name, operation in receive_operations(document, "/ws/users/").items()
            if name in ("retrieve", "patch", "update", "delete", "subscribe_instance")
        ]
        for operation in detail:
            with self.subTest(action=operation["title"]):
                request = schema_of(document, operation["messages"][0])["payload"]
                self.assertEqual(request["properties"]["pk"]["type"], "integer")
                self.assertIn("pk", request["required"])

    def test_every_error_reply_is_documented_with_the_envelope(self):
        document = build_document()
        for address in ROUTES:
            for name, operation in receive_operations(document, address).items():
                with self.subTest(address=address, action=name):
                    replies = {
                        ref["$ref"].rsplit("/", 1)[-1] for ref in operation["reply"]["messages"]
                    }
                    for status in ("400", "401", "403", "429", "500"):
                        self.assertIn(f"error_{status}", replies)
                    if operation.get("x-detail"):
                        self.assertIn("error_404", replies)
        envelope = {"action", "request_id", "response_status", "data", "errors"}
        errors = document["components"]["messages"]
        for name in ("error_400_invalid", "error_400") if WRITES else ("error_400",):
            self.assertEqual(set(errors[name]["payload"]["required"]), envelope)

    def test_custom_actions_route_parameters_docstrings_and_overrides(self):
        document = build_document(NOTE_ROUTES)
        (channel,) = document["channels"].values()
        self.assertEqual(channel["address"], "/ws/notes/{board}/")
        self.assertEqual(set(channel["parameters"]), {"board"})
        operations = receive_operations(document, "/ws/notes/{board}/")
        self.assertEqual(set(operations), {"shout", "echo"})
        self.assertEqual(operations["shout"]["description"], "Corrected from the consumer.")
        self.assertEqual(operations["echo"]["description"], "Give the data back.")
        self.assertEqual(operations["echo"]["summary"], "Echo a title.")
        echo = schema_of(document, operations["echo"]["messages"][0])
        self.assertEqual(echo["examples"][0]["payload"]["data"], {"title": "hello"})
        self.assertIn("volume", echo["payload"]["properties"])
        note = document["components"]["schemas"]["NoteInput"]["properties"]
        self.assertEqual(note["colour"]["enum"], ["red", "green"])
        self.assertEqual(note["title"]["maxLength"], 40)
        self.assertIn("secret", note)
        self.assertNotIn("secret", document["components"]["schemas"]["Note"]["properties"])
        self.assertIn("created", document["components"]["schemas"]["Note"]["properties"])

    def test_a_viewsets_extra_actions_are_described_from_their_decorator(self):
        document = build_document(VIEW_ROUTES)
        operations = receive_operations(document, "/ws/teams/{team}/users/")
        self.assertIn("promote", operations)
        promote = operations["promote"]
        self.assertEqual((promote["x-method"], promote["x-detail"]), ("POST", True))
        self.assertEqual(promote["description"], "Make the user a moderator.")
        request = schema_of(document, promote["messages"][0])["payload"]
        self.assertIn("pk", request["required"])
        self.assertTrue({"list", "retrieve", "create"} <= set(operations))

    def test_the_document_is_deterministic(self):
        self.assertEqual(dump_json(build_document()), dump_json(build_document()))
        self.assertEqual(document_command(), document_command())

    def test_the_official_parser_reports_no_error_and_no_warning(self):
        documents = {
            "project": build_document(),
            "custom actions": build_document(NOTE_ROUTES),
            "a viewset": build_document(VIEW_ROUTES),
        }
        with TemporaryDirectory() as folder:
            files = []
            for number, document in enumerate(documents.values()):
                files.append(Path(folder) / f"asyncapi-{number}.json")
                files[-1].write_text(dump_json(document), encoding="utf-8")
            results = asyncapi_diagnostics(*files)
        for name, result in zip(documents, results, strict=True):
            with self.subTest(document=name):
                problems = [d for d in result["diagnostics"] if d["severity"] in (0, 1)]
                self.assertTrue(result["parsed"])
                self.assertEqual(problems, [])

    def test_the_parser_check_fails_on_a_broken_document(self):
        document = build_document()
        first = next(iter(document["operations"].values()))
        first["channel"] = {"$ref": "#/channels/no_such_channel"}
        with TemporaryDirectory() as folder:
            target = Path(folder) / "asyncapi.json"
            target.write_text(dump_json(document), encoding="utf-8")
            (result,) = asyncapi_diagnostics(target)
        self.assertTrue([d for d in result["diagnostics"] if d["severity"] == 0])


class CommandTests(SimpleTestCase):
    def test_json_and_yaml_describe_the_same_document(self):
        from_json = json.loads(document_command())
        from_yaml = yaml.safe_load(document_command("--format", "yaml"))
        self.assertEqual(from_json, from_yaml)
        self.assertEqual(from_json, json.loads(dump_json(build_document())))

    def test_output_to_a_file_and_check_against_it(self):
        with TemporaryDirectory() as folder:
            target = Path(folder) / "asyncapi.json"
            document_command("--output", str(target))
            self.assertEqual(json.loads(target.read_text()), json.loads(document_command()))
            document_command("--output", str(target), "--check")
            target.write_text("{}", encoding="utf-8")
            with self.assertRaises(CommandError):
                document_command("--output", str(target), "--check")

    def test_typescript_declares_each_routes_actions(self):
        declarations = document_command("--typescript")
        self.assertIn("export type WsUsersActions = {", declarations)
        for name in UserConsumer.available_actions:
            self.assertIn(f"  {name}: ", declarations)


class ServedDocumentTests(TestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        self.member = create_user("member")

    def get(self, url, user=None):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get(url)

    def test_the_url_serves_the_same_bytes_as_the_command(self):
        with override_settings(API_SCHEMA_ACCESS="public"):
            response = self.get("/api/schema/asyncapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content.decode(), document_command())

    def test_staff_access_lets_only_staff_read_the_document_and_the_page(self):
        with override_settings(API_SCHEMA_ACCESS="staff"):
            self.assertEqual(self.get("/api/schema/asyncapi.json").status_code, 403)
            self.assertEqual(self.get("/api/schema/asyncapi.json", self.member).status_code, 403)
            self.assertEqual(self.get("/api/schema/asyncapi.json", self.staff).status_code, 200)
            self.assertEqual(self.get("/api/docs/", self.member).status_code, 403)
            self.assertEqual(self.get("/api/docs/").status_code, 302)
            self.assertEqual(self.get("/api/docs/", self.staff).status_code, 200)

    def test_public_access_is_open_and_off_hides_both(self):
        with override_settings(API_SCHEMA_ACCESS="public"):
            self.assertEqual(self.get("/api/schema/asyncapi.json").status_code, 200)
            self.assertEqual(self.get("/api/docs/").status_code, 200)
        with override_settings(API_SCHEMA_ACCESS="off"):
            self.assertEqual(self.get("/api/schema/asyncapi.json", self.staff).status_code, 404)
            self.assertEqual(self.get("/api/docs/", self.staff).status_code, 404)

    def test_the_demo_page_forms_point_at_the_documented_operations(self):
        document = build_document()
        for route in describe_routes(websocket_urlpatterns):
            for described in route["actions"]:
                with self.subTest(route=route["path"], action=described["name"]):
                    self.assertIn(described["operation"], document["operations"])
