"""Handshake checks: exact origins, and caps on open connections.

A refused handshake is closed before it is accepted, which Daphne answers with HTTP 403,
and logged with the reason.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost

from .conf import websocket_api_settings
from .requests import http_request_from_scope

logger = logging.getLogger("websocket_api.security")

DEFAULT_PORTS = {"http": 80, "https": 443}


async def refuse(receive: Any, send: Any, reason: str, scope: dict) -> None:
    """Answer a handshake with 403: wait for its connect event, then close."""
    client = (scope.get("client") or ["?"])[0]
    logger.warning(
        "Refused a WebSocket handshake to %s from %s: %s", scope.get("path"), client, reason
    )
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": 403})


def header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def split_origin(origin: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an origin, the default port filled in; None if malformed."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host or parts.path not in ("", "/"):
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def origin_matches(origin: tuple[str, str, int], allowed: str) -> bool:
    """Whether ``origin`` is ``allowed``, where ``https://*.example.com`` covers subdomains."""
    wildcard = "://*." in allowed
    pattern = split_origin(allowed.replace("://*.", "://", 1))
    if pattern is None:
        return False
    scheme, host, port = pattern
    if origin[0] != scheme or origin[2] != port:
        return False
    return origin[1] == host or (wildcard and origin[1].endswith("." + host))


def own_origin(scope: dict) -> tuple[str, str, int] | None:
    """The origin a same-site page has: the handshake's scheme and Host, if ALLOWED_HOSTS has it.

    As for Django's CSRF check, ``SECURE_PROXY_SSL_HEADER`` and ``USE_X_FORWARDED_HOST``
    apply, so a TLS-terminating proxy in front is accounted for.
    """
    request = http_request_from_scope(scope, "GET")
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return split_origin(f"{'https' if request.is_secure() else 'http'}://{host}")


def allowed_origins() -> list[str]:
    configured = websocket_api_settings.ALLOWED_ORIGINS
    if configured is not None:
        return list(configured)
    return list(settings.CSRF_TRUSTED_ORIGINS)


def origin_allowed(scope: dict) -> tuple[bool, str | None]:
    """Whether the handshake's Origin is allowed, and the Origin as sent."""
    sent = header(scope, b"origin")
    origin = split_origin(sent) if sent else None
    if origin is None:
        return False, sent
    if websocket_api_settings.ALLOWED_ORIGINS is None and origin == own_origin(scope):
        return True, sent
    return any(origin_matches(origin, allowed) for allowed in allowed_origins()), sent


class ExactOriginValidator:
    """Refuses handshakes whose Origin is not allowed, comparing scheme, host and port."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket":
            allowed, sent = origin_allowed(scope)
            if not allowed:
                return await refuse(receive, send, f"origin {sent!r} is not allowed", scope)
        return await self.app(scope, receive, send)


class ConnectionLimiter:
    """Caps open connections in this process per signed-in user and per anonymous address.

    Place it after authentication, which sets ``scope["user"]``.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.open: Counter[tuple[str, Any]] = Counter()

    @staticmethod
    def key_and_cap(scope: dict) -> tuple[tuple[str, Any], int]:
        user = scope.get("user")
        if user is not None and user.is_authenticated:
            return ("user", user.pk), websocket_api_settings.MAX_CONNECTIONS_PER_USER
        address = (scope.get("client") or [None])[0]
        return ("address", address), websocket_api_settings.MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        key, cap = self.key_and_cap(scope)
        if self.open[key] >= cap:
            return await refuse(
                receive, send, f"{cap} connections already open for {key[0]}", scope
            )
        self.open[key] += 1
        try:
            return await self.app(scope, receive, send)
        finally:
            self.open[key] -= 1
            if self.open[key] <= 0:
                del self.open[key]
