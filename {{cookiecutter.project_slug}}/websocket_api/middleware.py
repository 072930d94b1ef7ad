"""The middleware every WebSocket API route goes through, in order."""

from __future__ import annotations

from typing import Any

from channels.sessions import SessionMiddlewareStack

from .auth import HandshakeAuthMiddleware
from .connection import ServerSendMiddleware
from .security import ConnectionLimiter, ExactOriginValidator


def APIMiddlewareStack(inner: Any) -> ServerSendMiddleware:  # noqa: N802 - named like Channels'
    """Exact Origin check, the session cookie, one authentication, then the connection caps."""
    return ServerSendMiddleware(
        ExactOriginValidator(
            SessionMiddlewareStack(HandshakeAuthMiddleware(ConnectionLimiter(inner)))
        )
    )
