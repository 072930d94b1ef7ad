"""Checking an incoming message against an action and wrapping it as a request."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from django.core.handlers.asgi import ASGIRequest

from .actions import ActionSpec

ENVELOPE_KEYS = frozenset({"action", "request_id", "data"})
PAGING_KEYS = ("limit", "offset")


@dataclass
class ActionRequest:
    """The part of a DRF request that permission, throttle and serializer code reads.

    ``method`` is the action's mapped HTTP method, ``data`` the message's ``data`` object,
    ``query_params`` its ``query`` object and ``message`` the whole decoded message.
    """

    action: str
    method: str
    user: Any
    scope: dict
    message: dict
    data: dict = field(default_factory=dict)
    query_params: dict = field(default_factory=dict)
    auth: Any = None

    @cached_property
    def META(self) -> dict[str, str]:  # noqa: N802 - the name DRF code looks for
        return http_request_from_scope(self.scope, self.method).META


def http_request_from_scope(
    scope: dict, method: str, body: Any = None, query: dict | None = None
) -> ASGIRequest:
    """A Django request as the WebSocket handshake would have made it, with a JSON body.

    Headers land in ``META`` as ``HTTP_*``, the client address as ``REMOTE_ADDR``, and
    ``query`` is added to the handshake's query string.
    """
    payload = b"" if body is None else json.dumps(body).encode()
    headers = [
        (name, value)
        for name, value in scope.get("headers", ())
        if name not in (b"content-type", b"content-length")
    ]
    if payload:
        headers += [(b"content-type", b"application/json")]
        headers += [(b"content-length", str(len(payload)).encode())]
    query_string = scope.get("query_string", b"")
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin1")
    if query:
        extra = urlencode(query, doseq=True)
        query_string = f"{query_string}&{extra}" if query_string else extra
    http_scope = {
        **scope,
        "type": "http",
        "method": method,
        "scheme": "https" if scope.get("scheme") == "wss" else "http",
        "headers": headers,
        "query_string": query_string.encode("latin1"),
    }
    return ASGIRequest(http_scope, BytesIO(payload))


def check_message(
    message: dict, spec: ActionSpec, lookup_kwarg: str, max_page_size: int | None = None
) -> list[str]:
    """List every problem that stops ``message`` from running as ``spec``."""
    allowed = ENVELOPE_KEYS | spec.params | ({lookup_kwarg} if spec.detail else set())
    problems = [
        f"Unknown key '{key}': the {spec.name} action accepts {', '.join(sorted(allowed))}."
        for key in message
        if key not in allowed
    ]
    if spec.detail:
        problems += check_lookup(message, lookup_kwarg)
    problems += check_data(message, spec)
    if "query" in spec.params and not isinstance(message.get("query", {}), dict):
        problems.append("query: Expected an object of filter parameters.")
    if max_page_size is not None:
        problems += check_paging(message, max_page_size)
    return problems


def check_lookup(message: dict, lookup_kwarg: str) -> list[str]:
    if lookup_kwarg not in message:
        return [f"{lookup_kwarg}: This field is required."]
    value = message[lookup_kwarg]
    if isinstance(value, bool) or not isinstance(value, str | int):
        return [f"{lookup_kwarg}: Expected a string or an integer."]
    return []


def check_data(message: dict, spec: ActionSpec) -> list[str]:
    value = message.get("data")
    if spec.data == "required" and value is None:
        return ["data: This field is required."]
    if value is not None and not isinstance(value, dict):
        return ["data: Expected an object."]
    if spec.data == "none" and value:
        return [f"data: The {spec.name} action takes no data; send an empty object or none."]
    return []


def check_paging(message: dict, max_page_size: int) -> list[str]:
    problems = []
    for key, low, high in (("limit", 1, max_page_size), ("offset", 0, None)):
        if key not in message:
            continue
        value = message[key]
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{key}: A valid integer is required.")
        elif value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            problems.append(f"{key}: Ensure this value is {bound}.")
    return problems
