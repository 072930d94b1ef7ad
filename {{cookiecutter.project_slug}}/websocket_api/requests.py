"""Checking an incoming message against an action and wrapping it as a request."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from django.core.handlers.asgi import ASGIRequest
from django.http import QueryDict

from .actions import PAGING_PARAMS, ActionSpec
from .conf import websocket_api_settings

ENVELOPE_KEYS = frozenset({"action", "request_id", "data"})


class ActionRequest:
    """What a DRF ``Request`` offers permissions, throttles and serializers, for one action.

    ``method`` is the action's mapped HTTP method, ``data`` the message's ``data`` object,
    ``query_params`` its ``query`` object as a ``QueryDict`` and ``message`` the whole
    decoded message. Anything else (``META``, ``build_absolute_uri()``, ``get_host()``,
    ``scheme``, ``COOKIES``, ``session``) comes from the WebSocket handshake, as from the
    ``HttpRequest`` a DRF ``Request`` wraps.
    """

    def __init__(
        self,
        scope: dict,
        action: str,
        method: str,
        message: Mapping[str, Any],
        user: Any,
        auth: Any = None,
        authenticators: Callable[[], Sequence[Any]] = tuple,
    ) -> None:
        self.scope = scope
        self.action = action
        self.method = method
        self.message = message
        self.data = message.get("data") or {}
        self.user = user
        self.auth = auth
        self._make_authenticators = authenticators
        self.successful_authenticator = None
        self.versioning_scheme = None
        self.version = None

    @cached_property
    def authenticators(self) -> tuple:
        """The consumer's authentication classes, made when a refusal needs them."""
        return tuple(self._make_authenticators())

    @cached_property
    def query_params(self) -> QueryDict:
        """The message's ``query`` object; a list value gives the key several values."""
        query = QueryDict(mutable=True)
        for key, value in (self.message.get("query") or {}).items():
            values = value if isinstance(value, list) else [value]
            query.setlist(str(key), [str(item) for item in values])
        query._mutable = False
        return query

    @cached_property
    def _request(self) -> ASGIRequest:
        """The handshake as a Django request, with this action's method."""
        return http_request_from_scope(self.scope, self.method)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._request, name)


def http_request_from_scope(
    scope: dict, method: str, body: Any = None, query: Mapping | None = None
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
        extra = query.urlencode() if isinstance(query, QueryDict) else urlencode(query, doseq=True)
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


def check_message(message: Mapping[str, Any], spec: ActionSpec, lookup_kwarg: str) -> list[str]:
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
    return problems


def check_lookup(message: Mapping[str, Any], lookup_kwarg: str) -> list[str]:
    if lookup_kwarg not in message:
        return [f"{lookup_kwarg}: This field is required."]
    value = message[lookup_kwarg]
    if isinstance(value, bool) or not isinstance(value, str | int):
        return [f"{lookup_kwarg}: Expected a string or an integer."]
    return []


def check_data(message: Mapping[str, Any], spec: ActionSpec) -> list[str]:
    value = message.get("data")
    if spec.data == "required" and value is None:
        return ["data: This field is required."]
    if value is not None and not isinstance(value, dict):
        return ["data: Expected an object."]
    if spec.data == "none" and value:
        return [f"data: The {spec.name} action takes no data; send an empty object or none."]
    return []


def check_paging(message: Mapping[str, Any], max_page_size: int) -> list[str]:
    """Problems with the message's ``limit`` (1 to ``max_page_size``) and ``offset``."""
    problems = []
    highest = (max_page_size, websocket_api_settings.MAX_OFFSET)
    for key, low, high in zip(PAGING_PARAMS, (1, 0), highest, strict=True):
        if key not in message:
            continue
        value = message[key]
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{key}: A valid integer is required.")
        elif not low <= value <= high:
            problems.append(f"{key}: Ensure this value is between {low} and {high}.")
    return problems
