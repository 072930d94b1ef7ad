"""An AsyncAPI 3.0 document that describes the project's WebSocket routes, read from them.

Each route is a channel whose address is its path. Each action the route's consumer offers is
an operation the server receives: its request, its success reply and every error reply it can
give, correlated by ``request_id``. A subscription action adds an operation the server sends:
its pushes. Serializers give the shape of ``data``; ``ActionSchema`` (``extend_action_schema``
or a consumer's ``action_schemas``) adds or corrects what cannot be read. Keys are sorted and
nothing depends on the time or the machine, so the output can be committed and diffed.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.urls import URLPattern
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.module_loading import import_string
from rest_framework import authentication
from rest_framework.viewsets import ViewSetMixin

from .actions import MODEL_ACTIONS, UNSET, ActionSchema, ActionSpec, ModelAction
from .conf import drf_classes, websocket_api_settings
from .field_schemas import (
    Direction,
    markdown,
    model_field_schema,
    object_schema,
    openapi_to_json_schema,
    serializer_instance,
    serializer_name,
)

ASYNCAPI_VERSION = "3.0.0"
# settings.ASYNCAPI, over these.
DEFAULTS: dict[str, Any] = {
    "TITLE": "WebSocket API",
    "VERSION": "0.1.0",
    "DESCRIPTION": "",
    # Server name -> AsyncAPI server object ({"host": ..., "protocol": "ws"|"wss", ...}).
    "SERVERS": {},
    # The WebSocket URL patterns described, as a dotted path.
    "URLPATTERNS": "config.routing.websocket_urlpatterns",
}
PROTOCOL = (
    "Each request is one JSON object in a text frame and gets exactly one reply, with five "
    "keys: `action` and `request_id` echoed, `response_status` (an HTTP status code), `data` "
    "and `errors` (`[]` on success). Pushes for a subscription use the same envelope and "
    "carry the subscribing `request_id`. A request with a key its action does not accept is "
    "refused with 400."
)
PUSH_CHANGES = ("create", "update", "delete")
# The component schemas of a serializer: what replies show, what create and update take, and
# what patch takes (every field optional).
SCHEMA_SUFFIXES = {"reply": "", "input": "Input", "partial": "Patch"}
PARAMETER_KINDS = {
    "IntConverter": "a whole number",
    "StringConverter": "text without a slash",
    "SlugConverter": "letters, digits, hyphens and underscores",
    "UUIDConverter": "a UUID",
    "PathConverter": "text, slashes included",
}
ERROR_STATUSES = (400, 401, 403, 405, 413, 429, 500, 503)
ENVELOPE = ("action", "data", "errors", "request_id", "response_status")
NO_DATA = {"type": "object", "maxProperties": 0, "description": "Send `{}` or leave it out."}
ANY_DATA = {"type": "object", "description": "The action's own data."}

# Each error reply: summary, description, example errors.
ERRORS: dict[str, tuple[int, str, str, list]] = {
    "error_400": (
        400,
        "Bad request",
        "The frame is not a request this action accepts: invalid JSON, not an object, a "
        "binary frame, a missing or unknown key, a value of the wrong type, paging out of "
        "range, a value too large or too deep. One message per problem, naming the key.",
        [
            "Unknown key 'color': the list action accepts action, data, limit, offset, query, "
            "request_id."
        ],
    ),
    "error_400_invalid": (
        400,
        "Validation failed",
        "The serializer refused `data`: one object mapping each field (or `non_field_errors`) "
        "to its messages, as DRF gives it.",
        [{"username": ["A user with that username already exists."]}],
    ),
    "error_401": (
        401,
        "Session ended",
        "The connection's session or token has ended (sign-out, password change, "
        "deactivation, expiry, revocation); the server then closes the socket with 4401.",
        ["Your session has ended: sign in again."],
    ),
    "error_403": (
        403,
        "Not permitted",
        "Not signed in, or the permission classes refuse the action (DRF's message).",
        ["Authentication credentials were not provided."],
    ),
    "error_404": (404, "Not found", "No object has this lookup value.", ["Not found."]),
    "error_405": (
        405,
        "Unknown action",
        "The route offers no action of that name; the message names those it offers.",
        ["Unknown action 'lsit'. This consumer offers: list, retrieve."],
    ),
    "error_413": (
        413,
        "Reply too large",
        "The reply would exceed the maximum message size; the message says whether the "
        "request took effect.",
        [
            "The reply would be 70000 bytes, over the 65536-byte limit, so it is not sent; the "
            "request was handled (it took effect, status 200). Ask for less, for example with "
            "a smaller limit."
        ],
    ),
    "error_429": (
        429,
        "Throttled",
        "Too many requests (DRF's throttles, with the wait), too many requests waiting on "
        "the connection, or too many subscriptions.",
        ["Request was throttled. Expected available in 12 seconds."],
    ),
    "error_500": (
        500,
        "Server error",
        "The action raised; the details go to the server log only.",
        ["A server error occurred."],
    ),
    "error_503": (
        503,
        "Unavailable",
        "A service the request needs (the database, the channel layer) is unavailable.",
        ["The database is unavailable (locked, busy or down): try again shortly."],
    ),
}
EXAMPLE_STRINGS = {
    "email": "user@example.com",
    "uri": "https://example.com/",
    "uuid": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "date-time": "2025-01-01T12:00:00Z",
    "date": "2025-01-01",
    "time": "12:00:00",
    "duration": "01:00:00",
    "decimal": "1.50",
    "password": "correct-horse-battery-staple",
}


def schema_settings() -> dict[str, Any]:
    return {**DEFAULTS, **getattr(settings, "ASYNCAPI", {})}


def identifier(text: str) -> str:
    """``text`` as an AsyncAPI component key: letters, digits, ``_`` and ``-``."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "root"


def channel_id(address: str) -> str:
    """The channel key of a route: ``/ws/users/`` is ``ws_users``."""
    return identifier(address.replace("{", "").replace("}", ""))


def operation_id(address: str, action: str) -> str:
    """The operation key of an action on a route: ``ws_users_retrieve``; the docs page's anchor."""
    return f"{channel_id(address)}_{identifier(action)}"


# Routes


@dataclass(frozen=True)
class Route:
    """One WebSocket route: its address (``{name}`` for each parameter) and its consumer."""

    address: str
    parameters: Mapping[str, str]
    consumer: Any


def find_routes(patterns: Iterable[Any], prefix: str = "/") -> list[Route]:
    """The routes in Channels URL patterns whose consumer offers actions, nested routers too."""
    routes = []
    for pattern in patterns:
        fragment, parameters = route_address(pattern)
        inner = getattr(pattern.callback, "routes", None)
        if inner is not None:
            for route in find_routes(inner, prefix + fragment):
                routes.append(
                    Route(route.address, {**parameters, **route.parameters}, route.consumer)
                )
            continue
        consumer = getattr(pattern.callback, "consumer_class", None)
        if consumer is not None and getattr(consumer, "available_actions", None):
            routes.append(Route(prefix + fragment, parameters, consumer))
    return routes


def route_address(pattern: URLPattern) -> tuple[str, dict[str, str]]:
    """A pattern's path with ``{name}`` for each parameter, and each parameter's description."""
    matcher = pattern.pattern
    if isinstance(matcher, RoutePattern):
        converters = matcher.converters
        address = re.sub(r"<(?:[^>:]+:)?([^>]+)>", r"{\1}", str(matcher))
        parameters = {
            name: "A route parameter: "
            + PARAMETER_KINDS.get(type(converter).__name__, type(converter).__name__)
            + "."
            for name, converter in converters.items()
        }
        return address, parameters
    if isinstance(matcher, RegexPattern):
        text = str(matcher).removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        names = list(matcher.regex.groupindex)
        for name in names:
            text = replace_group(text, name)
        return text, {name: "A route parameter (regular expression)." for name in names}
    return str(matcher), {}


def replace_group(text: str, name: str) -> str:
    """``text`` with the named group ``(?P<name>...)`` replaced by ``{name}``."""
    start = text.find(f"(?P<{name}>")
    if start < 0:
        return text
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(" and (index == 0 or text[index - 1] != "\\"):
            depth += 1
        elif text[index] == ")" and text[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[:start] + "{" + name + "}" + text[index + 1 :]
    return text


# What is known of one action


@dataclass
class ActionInfo:
    """Everything the document says about one action of one route."""

    name: str
    spec: ActionSpec
    schema: ActionSchema
    row: ModelAction | None
    serializer: Any
    method: Any
    view_route: bool


def view_class_of(consumer: Any) -> type | None:
    return getattr(consumer, "view_class", None)


def serializer_of(consumer: Any) -> Any:
    """The serializer a consumer (or the view it serves) reads and writes with, if it names one."""
    view_class = view_class_of(consumer)
    return getattr(consumer, "serializer_class", None) or getattr(
        view_class, "serializer_class", None
    )


def model_of(consumer: Any) -> Any:
    for owner in (consumer, view_class_of(consumer)):
        queryset = getattr(owner, "queryset", None)
        if queryset is not None:
            return queryset.model
    return getattr(consumer, "model", None)


def action_method(consumer: Any, spec: ActionSpec, method_name: str) -> Any:
    """The function that implements an action: the consumer's, or the view's it runs."""
    view_class = view_class_of(consumer)
    if view_class is None or not hasattr(consumer, "views"):
        return getattr(consumer, method_name, None)
    row = MODEL_ACTIONS.get(spec.name)
    if isinstance(view_class, type) and issubclass(view_class, ViewSetMixin):
        attribute = row.viewset_method if row and hasattr(view_class, row.viewset_method) else None
        return getattr(view_class, attribute or spec.name, None)
    return getattr(view_class, spec.method.lower(), None)


def action_info(consumer: Any, name: str, spec: ActionSpec, method_name: str) -> ActionInfo:
    method = action_method(consumer, spec, method_name)
    schema = getattr(method, "asyncapi_schema", None) or ActionSchema()
    for owner in (view_class_of(consumer), consumer):
        schema = schema.extended(getattr(owner, "action_schemas", {}).get(name))
    serializer = getattr(method, "kwargs", {}).get("serializer_class") or serializer_of(consumer)
    view_route = hasattr(consumer, "views")
    row = MODEL_ACTIONS.get(name)
    if row is not None and (row.method, row.detail) != (spec.method, spec.detail):
        row = None  # an action of the same name that is not the table's
    return ActionInfo(name, spec, schema, row, serializer, method, view_route)


def description_of(info: ActionInfo) -> str:
    if info.schema.description is not None:
        return info.schema.description
    if info.spec.description:
        return markdown(info.spec.description)
    return markdown(inspect.getdoc(info.method) or "") if info.method is not None else ""


def summary_of(info: ActionInfo, description: str) -> str:
    if info.schema.summary is not None:
        return info.schema.summary
    if info.row is not None:
        return info.row.summary
    first = description.strip().split("\n\n", 1)[0]
    return " ".join(first.split())


# The document


class DocumentBuilder:
    """Builds the document, one route at a time, sharing components between routes."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = options
        self.schemas: dict[str, Any] = {}
        self.schema_names: dict[tuple[Any, str], str] = {}
        self.channels: dict[str, Any] = {}
        self.operations: dict[str, Any] = {}
        self.used_errors: set[str] = set()

    def build(self, routes: Iterable[Route]) -> dict[str, Any]:
        for route in routes:
            self.add_route(route)
        document: dict[str, Any] = {
            "asyncapi": ASYNCAPI_VERSION,
            "info": self.info(),
            "defaultContentType": "application/json",
            "channels": self.channels,
            "operations": self.operations,
            "components": {
                "schemas": {"RequestId": request_id_schema(), **self.schemas},
                "messages": {key: error_message(key) for key in sorted(self.used_errors)},
                "correlationIds": {
                    "request_id": {
                        "description": "The request's `request_id`, echoed in its reply and in "
                        "every push of a subscription it made.",
                        "location": "$message.payload#/request_id",
                    }
                },
                "securitySchemes": security_schemes(),
            },
        }
        servers = self.servers(document["components"]["securitySchemes"])
        if servers:
            document["servers"] = servers
        return document

    def info(self) -> dict[str, Any]:
        description = str(self.options["DESCRIPTION"]).strip()
        return {
            "title": str(self.options["TITLE"]),
            "version": str(self.options["VERSION"]),
            "description": f"{description}\n\n{PROTOCOL}" if description else PROTOCOL,
        }

    def servers(self, schemes: Mapping[str, Any]) -> dict[str, Any]:
        servers = {}
        for name, server in dict(self.options["SERVERS"]).items():
            server = dict(server)
            server.setdefault(
                "security", [{"$ref": f"#/components/securitySchemes/{key}"} for key in schemes]
            )
            servers[identifier(name)] = server
        return servers

    # Schemas of serializers

    def serializer_schema(self, serializer: Any, variant: str) -> dict[str, Any]:
        """A reference to the component schema of a serializer: ``reply`` (what replies
        show), ``input`` (what create and update take) or ``partial`` (what patch takes)."""
        instance: Any = serializer_instance(serializer)
        many = hasattr(instance, "child")
        target = instance.child if many else instance
        key = (type(target), variant)
        name = self.schema_names.get(key)
        if name is None:
            base = serializer_name(target) + SCHEMA_SUFFIXES[variant]
            name = identifier(base)
            if name in self.schemas:
                name = identifier(f"{type(target).__module__}_{base}")
            self.schema_names[key] = name
            direction: Direction = "reply" if variant == "reply" else "request"
            self.schemas[name] = object_schema(target, direction, partial=variant == "partial")
        reference = {"$ref": f"#/components/schemas/{name}"}
        return {"type": "array", "items": reference} if many else reference

    def given_schema(self, value: Any, variant: str) -> dict[str, Any]:
        """A schema given in an ``ActionSchema``: a JSON Schema dict, or a serializer."""
        if isinstance(value, Mapping):
            return dict(value)
        return self.serializer_schema(value, variant)

    # One route

    def add_route(self, route: Route) -> None:
        consumer = route.consumer
        key = channel_id(route.address)
        while key in self.channels:
            key += "_"
        view_class = view_class_of(consumer)
        documented = view_class or consumer
        channel: dict[str, Any] = {
            "address": route.address,
            "title": documented.__name__,
            "messages": {},
        }
        doc = inspect.getdoc(documented)
        if doc:
            channel["description"] = markdown(doc)
        if route.parameters:
            channel["parameters"] = {
                name: {"description": text} for name, text in route.parameters.items()
            }
        self.channels[key] = channel
        for name, (spec, method_name) in consumer.available_actions.items():
            info = action_info(consumer, name, spec, method_name)
            self.add_action(key, route, info)

    def add_action(self, key: str, route: Route, info: ActionInfo) -> None:
        channel = self.channels[key]
        messages = channel["messages"]
        name = identifier(info.name)
        reply_data = self.reply_data(route.consumer, info)
        request = self.request_message(route.consumer, info)
        messages[f"{name}_request"] = request
        status = info.schema.reply_status or (info.row.status if info.row else None)
        messages[f"{name}_reply"] = self.reply_message(info, status, reply_data)
        reply_refs = [f"{name}_reply"]
        for error in self.error_keys(info):
            self.used_errors.add(error)
            messages[error] = {"$ref": f"#/components/messages/{error}"}
            reply_refs.append(error)
        description = description_of(info)
        operation: dict[str, Any] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{key}"},
            "title": info.name,
            "summary": summary_of(info, description),
            "messages": [{"$ref": f"#/channels/{key}/messages/{name}_request"}],
            "reply": {
                "channel": {"$ref": f"#/channels/{key}"},
                "messages": [{"$ref": f"#/channels/{key}/messages/{ref}"} for ref in reply_refs],
            },
            "x-method": info.spec.method,
            "x-detail": info.spec.detail,
            "x-data": info.spec.data,
        }
        if description:
            operation["description"] = description
        if info.schema.pushes:
            operation["x-pushes"] = f"{key}_{name}_pushes"
        operation_key = f"{key}_{name}"
        while operation_key in self.operations:
            operation_key += "_"
        self.operations[operation_key] = operation
        if info.schema.pushes:
            self.add_pushes(key, route, info)

    def add_pushes(self, key: str, route: Route, info: ActionInfo) -> None:
        messages = self.channels[key]["messages"]
        refs = []
        for change in PUSH_CHANGES:
            if change not in info.schema.pushes:
                continue
            messages[f"push_{change}"] = self.push_message(route.consumer, change)
            refs.append({"$ref": f"#/channels/{key}/messages/push_{change}"})
        self.operations[f"{key}_{identifier(info.name)}_pushes"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "title": f"{info.name} pushes",
            "summary": f"What a `{info.name}` subscription pushes, with its `request_id`.",
            "description": (
                "Each change made anywhere (a WebSocket or HTTP request, the admin, a command, "
                "another process) that the subscriber may see: "
                + ", ".join(
                    f"`{change}` ({MODEL_ACTIONS[change].status})"
                    for change in PUSH_CHANGES
                    if change in info.schema.pushes
                )
                + ". Unsubscribing with the same `request_id` stops them."
            ),
            "messages": refs,
            "x-subscription": info.name,
        }

    # Requests

    def request_message(self, consumer: Any, info: ActionInfo) -> dict[str, Any]:
        spec = info.spec
        properties: dict[str, Any] = {
            "action": {"const": info.name, "description": "The action to run."},
            "request_id": {"$ref": "#/components/schemas/RequestId"},
        }
        required = ["action"]
        lookup = consumer.get_lookup_kwarg()
        if spec.detail:
            properties[lookup] = self.lookup_schema(consumer)
            required.append(lookup)
        for param in sorted(spec.params):
            properties[param] = self.param_schema(consumer, info, param)
        properties["data"] = self.request_data(info)
        if spec.data == "required":
            required.append("data")
        payload = {
            "type": "object",
            "properties": properties,
            "required": sorted(required),
            "additionalProperties": False,
        }
        example = self.request_example(info, payload)
        return {
            "name": f"{info.name}_request",
            "title": f"{info.name} request",
            "summary": f"Run `{info.name}`.",
            "payload": payload,
            "correlationId": {"$ref": "#/components/correlationIds/request_id"},
            "examples": [{"name": info.name, "payload": example}],
        }

    def lookup_schema(self, consumer: Any) -> dict[str, Any]:
        model = model_of(consumer)
        owner = view_class_of(consumer) or consumer
        field_name = getattr(owner, "lookup_field", "pk")
        schema: dict[str, Any] = {"type": ["integer", "string"]}
        if model is not None:
            try:
                found = model._meta.pk if field_name == "pk" else model._meta.get_field(field_name)
            except FieldDoesNotExist:
                found = None
            if found is not None:
                schema = model_field_schema(found)
        schema["description"] = f"The object to act on (its `{field_name}`)."
        return schema

    def param_schema(self, consumer: Any, info: ActionInfo, param: str) -> dict[str, Any]:
        if param in info.schema.params:
            return self.given_schema(info.schema.params[param], "input")
        if param == "limit":
            page_size, max_page_size = page_sizes(consumer)
            return {
                "type": "integer",
                "minimum": 1,
                "maximum": max_page_size,
                "default": page_size,
                "description": "Rows to return; more than the maximum is a 400.",
            }
        if param == "offset":
            return {
                "type": "integer",
                "minimum": 0,
                "maximum": websocket_api_settings.MAX_OFFSET,
                "default": 0,
                "description": "Rows to skip.",
            }
        if param == "query":
            return {
                "type": "object",
                "additionalProperties": {
                    "type": ["string", "number", "boolean", "array"],
                    "items": {"type": ["string", "number", "boolean"]},
                },
                "description": "Filter parameters, read by the consumer's `filter_backends` "
                "as query parameters; a list gives a key several values.",
            }
        if param == consumer.get_lookup_kwarg():
            return {**self.lookup_schema(consumer), "description": "The object, if any."}
        return {"description": f"Accepted by `{info.name}`."}

    def request_data(self, info: ActionInfo) -> dict[str, Any]:
        if info.schema.request_data is not UNSET:
            return self.given_schema(info.schema.request_data, "input")
        if info.spec.data == "none":
            return dict(NO_DATA)
        if info.row is not None and info.serializer is not None:
            return self.serializer_schema(
                info.serializer, "partial" if info.row.method == "PATCH" else "input"
            )
        return dict(ANY_DATA)

    def request_example(self, info: ActionInfo, payload: dict) -> dict[str, Any]:
        given = dict(info.schema.request_example or {})
        example: dict[str, Any] = {"action": info.name, "request_id": given.pop("request_id", 1)}
        if info.schema.request_example is not None:
            return {**example, **given}
        properties = payload["properties"]
        for key in payload["required"]:
            if key not in example:
                example[key] = self.example(properties[key], key)
        return example

    # Replies

    def reply_data(self, consumer: Any, info: ActionInfo) -> dict[str, Any]:
        if info.schema.reply_data is not UNSET:
            return self.given_schema(info.schema.reply_data, "reply")
        row = info.row
        if row is None:
            return {"description": "The action's own data."}
        if row.name == "delete":
            return {"type": "null"}
        item = self.serializer_schema(info.serializer, "reply") if info.serializer else {}
        if row.name != "list":
            return item
        listed = {"type": "array", "items": item}
        paginator = getattr(view_class_of(consumer), "pagination_class", None)
        if info.view_route and paginator is not None:
            schema_of = getattr(paginator(), "get_paginated_response_schema", None)
            if schema_of is not None:
                return openapi_to_json_schema(schema_of(listed))
        return listed

    def reply_message(self, info: ActionInfo, status: int | None, data: dict) -> dict[str, Any]:
        status_schema: dict[str, Any] = (
            {"const": status}
            if status is not None
            else {"type": "integer", "minimum": 200, "maximum": 399}
        )
        payload = envelope_schema(
            {"const": info.name, "description": "The request's action."},
            status_schema,
            data,
            {"type": "array", "maxItems": 0},
        )
        example_data = (
            info.schema.reply_example
            if info.schema.reply_example is not UNSET
            else self.example(data, "data")
        )
        request_id = (info.schema.request_example or {}).get("request_id", 1)
        example = envelope_example(info.name, request_id, status or 200, example_data, [])
        return {
            "name": f"{info.name}_reply",
            "title": f"{info.name} reply",
            "summary": f"`{info.name}` succeeded" + (f" ({status})." if status else "."),
            "payload": payload,
            "correlationId": {"$ref": "#/components/correlationIds/request_id"},
            "examples": [{"name": f"{info.name}_{status or 200}", "payload": example}],
        }

    def error_keys(self, info: ActionInfo) -> list[str]:
        if info.schema.errors is not None:
            statuses = set(info.schema.errors)
        else:
            statuses = set(ERROR_STATUSES)
            if info.spec.detail or info.row is None or info.view_route:
                statuses.add(404)
        keys = [f"error_{status}" for status in sorted(statuses) if f"error_{status}" in ERRORS]
        if 400 in statuses and info.spec.data != "none":
            keys.insert(keys.index("error_400") + 1, "error_400_invalid")
        return keys

    # Pushes

    def push_message(self, consumer: Any, change: str) -> dict[str, Any]:
        status = MODEL_ACTIONS[change].status
        serializer = serializer_of(consumer)
        if change == "delete":
            model = model_of(consumer)
            pk_schema = model_field_schema(model._meta.pk) if model is not None else {}
            data: dict[str, Any] = {
                "type": "object",
                "properties": {"pk": {**pk_schema, "description": "The deleted object's key."}},
                "required": ["pk"],
                "additionalProperties": False,
            }
        else:
            data = self.serializer_schema(serializer, "reply") if serializer else {}
        payload = envelope_schema(
            {"const": change, "description": "The change."},
            {"const": status},
            data,
            {"type": "array", "maxItems": 0},
            request_id="The `request_id` of the subscribing request.",
        )
        example = envelope_example(change, "list-1", status, self.example(data, "data"), [])
        return {
            "name": f"push_{change}",
            "title": f"{change} push",
            "summary": f"An object was {change}d ({status}).",
            "payload": payload,
            "correlationId": {"$ref": "#/components/correlationIds/request_id"},
            "examples": [{"name": f"push_{change}", "payload": example}],
        }

    # Examples

    def example(self, schema: Any, name: str, depth: int = 0) -> Any:
        """A value that ``schema`` accepts, for the documented examples."""
        if not isinstance(schema, Mapping) or depth > 8:
            return None
        if "$ref" in schema:
            target = self.schemas.get(schema["$ref"].rsplit("/", 1)[-1])
            return self.example(target, name, depth + 1)
        for key in ("const", "default"):
            if key in schema:
                return schema[key]
        if "examples" in schema and schema["examples"]:
            return schema["examples"][0]
        if "enum" in schema:
            return schema["enum"][0] if schema["enum"] else None
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((item for item in kind if item != "null"), "null")
        if kind is None and "anyOf" in schema:
            return self.example(schema["anyOf"][0], name, depth + 1)
        if kind == "null":
            return None
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            return {
                key: self.example(value, key, depth + 1)
                for key, value in properties.items()
                if depth < 1 or key in schema.get("required", ())
            }
        if kind == "array":
            if schema.get("maxItems") == 0:
                return []
            return [self.example(schema.get("items", {}), name, depth + 1)]
        if kind in ("integer", "number"):
            return max(schema.get("minimum", 1), 1) if kind == "integer" else 1.5
        if kind == "boolean":
            return True
        if kind == "string":
            return string_example(schema, name)
        return None


def page_sizes(consumer: Any) -> tuple[int, int]:
    """The default and the largest page size of a consumer's list."""
    page_size = getattr(consumer, "page_size", None) or websocket_api_settings.PAGE_SIZE
    largest = getattr(consumer, "max_page_size", None) or websocket_api_settings.MAX_PAGE_SIZE
    return page_size, largest


def string_example(schema: Mapping[str, Any], name: str) -> str:
    string_format = schema.get("format") or next(
        (item["format"] for item in schema.get("anyOf", ()) if "format" in item), None
    )
    text = EXAMPLE_STRINGS.get(string_format or "", f"{name}-example".replace("_", "-"))
    if "maxLength" in schema:
        text = text[: schema["maxLength"]]
    return text.ljust(schema.get("minLength", 0), "x")


def request_id_schema() -> dict[str, Any]:
    limit = websocket_api_settings.MAX_REQUEST_ID_SIZE
    return {
        "description": "Any JSON value, at most "
        f"{limit} bytes as JSON (MAX_REQUEST_ID_SIZE), echoed in the reply and in every push "
        "of a subscription the request made; `null` in a reply when the request had none or "
        "its value was refused.",
    }


def envelope_schema(
    action: dict[str, Any],
    status: dict[str, Any],
    data: dict[str, Any],
    errors: dict[str, Any],
    request_id: str | None = None,
) -> dict[str, Any]:
    """The five keys of every reply and push."""
    request_id_property: dict[str, Any] = {"$ref": "#/components/schemas/RequestId"}
    if request_id is not None:
        request_id_property = {"description": request_id}
    return {
        "type": "object",
        "properties": {
            "action": action,
            "request_id": request_id_property,
            "response_status": {**status, "description": "An HTTP status code."},
            "data": data,
            "errors": errors,
        },
        "required": list(ENVELOPE),
        "additionalProperties": False,
    }


def envelope_example(action: Any, request_id: Any, status: int, data: Any, errors: list) -> dict:
    return {
        "action": action,
        "request_id": request_id,
        "response_status": status,
        "data": data,
        "errors": errors,
    }


def error_message(key: str) -> dict[str, Any]:
    status, summary, description, example = ERRORS[key]
    if key == "error_400_invalid":
        errors = {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"type": ["array", "object"]},
            },
        }
    else:
        errors = {"type": "array", "minItems": 1, "items": {"type": "string"}}
    payload = envelope_schema(
        {
            "type": ["string", "null"],
            "description": "The request's action (null when the frame was not a request).",
        },
        {"const": status},
        {"type": "null"},
        errors,
    )
    action = "lsit" if status == 405 else ("create" if key == "error_400_invalid" else "list")
    return {
        "name": key,
        "title": f"{status} {summary.lower()}",
        "summary": summary,
        "description": description,
        "payload": payload,
        "correlationId": {"$ref": "#/components/correlationIds/request_id"},
        "examples": [{"name": key, "payload": envelope_example(action, 1, status, None, example)}],
    }


def security_schemes() -> dict[str, Any]:
    """How a handshake may authenticate (``websocket_api.auth``), from the DRF settings."""
    classes = drf_classes("DEFAULT_AUTHENTICATION_CLASSES")
    schemes: dict[str, Any] = {
        "session": {
            "type": "httpApiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The session cookie a signed-in browser page sends.",
        }
    }
    if any(issubclass(item, authentication.TokenAuthentication) for item in classes):
        marker = websocket_api_settings.TOKEN_SUBPROTOCOL
        schemes["token"] = {
            "type": "httpApiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A DRF token: `Authorization: Token <key>`, or, for clients that "
            f"cannot set headers, `Sec-WebSocket-Protocol: {marker}, <key>`.",
        }
    if any(issubclass(item, authentication.BasicAuthentication) for item in classes):
        schemes["basic"] = {"type": "http", "scheme": "basic", "description": "HTTP Basic."}
    return schemes


def build_document(patterns: Iterable[Any] | None = None, **options: Any) -> dict[str, Any]:
    """The AsyncAPI document of ``patterns`` (``ASYNCAPI["URLPATTERNS"]`` by default).

    ``options`` override ``settings.ASYNCAPI`` (``TITLE``, ``VERSION``, ``DESCRIPTION``,
    ``SERVERS``).
    """
    merged = {**schema_settings(), **{key.upper(): value for key, value in options.items()}}
    if patterns is None:
        patterns = import_string(merged["URLPATTERNS"])
    return DocumentBuilder(merged).build(find_routes(patterns))


def dump_json(document: Any) -> str:
    """The document as JSON: keys sorted, two-space indents, one final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# YAML, for the subset of it that JSON values need: block mappings and sequences, with
# every string double-quoted (JSON's escapes are YAML's), so no value is read as another type.

PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$./-]*$")
YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
UNPRINTABLE = re.compile("[\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")


def yaml_string(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)
    return UNPRINTABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", quoted)


def yaml_key(key: str) -> str:
    if PLAIN_KEY.match(key) and key.lower() not in YAML_WORDS:
        return key
    return yaml_string(key)


def yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = json.dumps(value)
        # YAML 1.1 readers take an exponent without a dot for a string.
        return text.replace("e", ".0e", 1) if "e" in text and "." not in text else text
    return yaml_string(str(value))


def yaml_lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        lines = []
        for key in sorted(value):
            item = value[key]
            if isinstance(item, Mapping | list) and item:
                lines.append(f"{pad}{yaml_key(str(key))}:")
                lines += yaml_lines(item, indent + 2)
            else:
                lines.append(f"{pad}{yaml_key(str(key))}: {yaml_inline(item)}")
        return lines
    lines = []
    for item in value:
        if isinstance(item, Mapping | list) and item:
            nested = yaml_lines(item, indent + 2)
            lines.append(f"{pad}- {nested[0].lstrip()}")
            lines += nested[1:]
        else:
            lines.append(f"{pad}- {yaml_inline(item)}")
    return lines


def yaml_inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return yaml_scalar(value)


def dump_yaml(document: Any) -> str:
    """The document as YAML, keys sorted like ``dump_json``'s."""
    if not isinstance(document, Mapping | list) or not document:
        return yaml_inline(document) + "\n"
    return "\n".join(yaml_lines(document, 0)) + "\n"
