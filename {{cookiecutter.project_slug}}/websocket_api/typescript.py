"""TypeScript declarations of each route's requests, replies and pushes, read from the
AsyncAPI document (``manage.py asyncapi --typescript``).

Each route gets an action map, ``Routes["/ws/users/"]``, which types the JavaScript client
(``static/js/api-client.d.ts``): ``new ApiClient<Routes["/ws/users/"]>(url)`` checks each
``request(action, payload)`` against the action's request and types the promised ``data``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

HEADER = (
    "// The WebSocket API's requests, replies and pushes, generated from its AsyncAPI document\n"
    "// by `manage.py asyncapi --typescript`. Do not edit: generate it again.\n"
)
IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
SCALARS = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean"}


def pascal(name: str) -> str:
    """``ws_api_users`` as ``WsApiUsers``: a TypeScript type name."""
    parts = [part for part in re.split(r"[^A-Za-z0-9]+", name) if part]
    text = "".join(part[0].upper() + part[1:] for part in parts) or "Unnamed"
    return f"T{text}" if text[0].isdigit() else text


def property_key(name: str) -> str:
    return name if IDENTIFIER.match(name) else json.dumps(name)


def comment(text: str | None, indent: str) -> list[str]:
    """A JSDoc comment for ``text``, or nothing."""
    if not text:
        return []
    lines = str(text).replace("*/", "*\\/").splitlines()
    if len(lines) == 1:
        return [f"{indent}/** {lines[0]} */"]
    return [f"{indent}/**", *(f"{indent} * {line}".rstrip() for line in lines), f"{indent} */"]


class TypeScriptWriter:
    """Turns the document's schemas into TypeScript types, its routes into action maps."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def resolve(self, value: Any) -> Any:
        for _ in range(10):
            if not (isinstance(value, Mapping) and isinstance(value.get("$ref"), str)):
                return value
            node: Any = self.document
            for part in value["$ref"].removeprefix("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            value = node
        return value

    def type_of(self, schema: Any, indent: str = "") -> str:
        """The TypeScript type of the values ``schema`` accepts."""
        if not isinstance(schema, Mapping):
            return "unknown"
        reference = schema.get("$ref")
        if isinstance(reference, str):
            if reference.startswith("#/components/schemas/"):
                return pascal(reference.rsplit("/", 1)[-1])
            return self.type_of(self.resolve(schema), indent)
        if "const" in schema:
            return json.dumps(schema["const"])
        if "enum" in schema:
            return " | ".join(json.dumps(item) for item in schema["enum"]) or "never"
        kinds = schema.get("type")
        if kinds is None:
            for key, joiner in (("anyOf", " | "), ("oneOf", " | "), ("allOf", " & ")):
                if key in schema:
                    return joiner.join(f"({self.type_of(item, indent)})" for item in schema[key])
            return "unknown"
        kinds = kinds if isinstance(kinds, list) else [kinds]
        return " | ".join(self.kind_type(kind, schema, indent) for kind in kinds)

    def kind_type(self, kind: str, schema: Mapping[str, Any], indent: str) -> str:
        if kind == "null":
            return "null"
        if kind in SCALARS:
            return SCALARS[kind]
        if kind == "array":
            if schema.get("maxItems") == 0:
                return "[]"
            return f"Array<{self.type_of(schema.get('items'), indent)}>"
        if kind == "object":
            return self.object_type(schema, indent)
        return "unknown"

    def object_type(self, schema: Mapping[str, Any], indent: str) -> str:
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        if not properties:
            if schema.get("maxProperties") == 0 or extra is False:
                return "Record<string, never>"
            if isinstance(extra, Mapping):
                return f"Record<string, {self.type_of(extra, indent)}>"
            return "Record<string, unknown>"
        required = set(schema.get("required") or ())
        inner = indent + "  "
        lines = ["{"]
        for name, value in properties.items():
            resolved = self.resolve(value) if isinstance(value, Mapping) else {}
            if isinstance(value, Mapping) and "$ref" not in value:
                lines += comment(resolved.get("description") or resolved.get("title"), inner)
            optional = "" if name in required else "?"
            lines.append(f"{inner}{property_key(name)}{optional}: {self.type_of(value, inner)};")
        lines.append(indent + "}")
        return "\n".join(lines)

    def declaration(self, name: str, schema: Any, description: str | None = None) -> list[str]:
        """``export type Name = ...;`` with its comment."""
        text = description
        if text is None and isinstance(schema, Mapping):
            text = schema.get("description")
        return [*comment(text, ""), f"export type {name} = {self.type_of(schema)};", ""]

    def render(self) -> str:
        lines = [HEADER]
        components = self.document.get("components", {})
        for name in sorted(components.get("schemas", {})):
            lines += self.declaration(pascal(name), components["schemas"][name])
        for key in sorted(components.get("messages", {})):
            message = components["messages"][key]
            lines += self.declaration(
                pascal(key) + "Reply", message["payload"], message.get("description")
            )
        routes = []
        for key in sorted(self.document.get("channels", {})):
            channel = self.document["channels"][key]
            lines += self.route(key, channel)
            routes.append(f"  {json.dumps(channel['address'])}: {pascal(key)}Actions;")
        lines += [
            "/** Each route's action map, by address: `new ApiClient<Routes[path]>(url)`. */",
            "export interface Routes {",
            *routes,
            "}",
            "",
        ]
        return "\n".join(lines)

    def route(self, key: str, channel: Mapping[str, Any]) -> list[str]:
        prefix = pascal(key)
        lines = [f"// {channel['address']} ({channel.get('title', '')})", ""]
        for name in sorted(channel.get("messages", {})):
            message = channel["messages"][name]
            if "$ref" not in message:
                lines += self.declaration(
                    prefix + pascal(name), message["payload"], message.get("summary")
                )
        entries = []
        requests = []
        operations = self.document.get("operations", {})
        pushes = {
            operation["x-subscription"]: operation
            for operation in operations.values()
            if operation.get("action") == "send" and "x-subscription" in operation
        }
        for operation_key in sorted(operations):
            operation = operations[operation_key]
            if operation.get("action") != "receive":
                continue
            if self.resolve(operation["channel"]) is not channel:
                continue
            action = operation["title"]
            request = prefix + pascal(message_name(operation["messages"][0]))
            replies = [message_name(ref) for ref in operation["reply"]["messages"]]
            reply = prefix + pascal(replies[0])
            errors = [self.reply_type(prefix, channel, name) for name in replies[1:]]
            push_operation = pushes.get(action)
            push = "never"
            if push_operation is not None and self.resolve(push_operation["channel"]) is channel:
                push = " | ".join(
                    prefix + pascal(message_name(ref)) for ref in push_operation["messages"]
                )
            requests.append(request)
            entries += [
                *comment(operation.get("summary"), "  "),
                "  " + property_key(action) + ": {",
                f"    request: {request};",
                f'    payload: Omit<{request}, "action" | "request_id">;',
                f"    reply: {reply};",
                f'    data: {reply}["data"];',
                f"    errorReply: {' | '.join(errors) or 'never'};",
                f"    push: {push};",
                "  };",
            ]
        lines += [
            f"/** The actions of {channel['address']}: what each sends, answers and pushes. */",
            "export type " + prefix + "Actions = {",
            *entries,
            "};",
            "",
            f"export type {prefix}Request = {' | '.join(requests) or 'never'};",
            "",
        ]
        return lines

    def reply_type(self, prefix: str, channel: Mapping[str, Any], name: str) -> str:
        message = channel["messages"][name]
        if "$ref" in message:
            return pascal(message["$ref"].rsplit("/", 1)[-1]) + "Reply"
        return prefix + pascal(name)


def message_name(reference: Mapping[str, Any]) -> str:
    return str(reference["$ref"]).rsplit("/", 1)[-1]


def typescript_from_document(document: Mapping[str, Any]) -> str:
    """TypeScript declarations of every route's action map, sorted like the document."""
    return TypeScriptWriter(document).render()
