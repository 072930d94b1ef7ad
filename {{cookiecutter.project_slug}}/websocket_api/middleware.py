"""The middleware every WebSocket API route goes through, in order."""

from __future__ import annotations

from typing import Any

from channels.sessions import SessionMiddlewareStack

from .auth import HandshakeAuthMiddleware
from .security import ConnectionLimiter, ExactOriginValidator


def APIMiddlewareStack(inner: Any) -> ExactOriginValidator:  # noqa: N802 - named like Channels'
    """Exact Origin check, the session cookie, one authentication, then the connection caps."""
    return ExactOriginValidator(
        SessionMiddlewareStack(HandshakeAuthMiddleware(ConnectionLimiter(inner)))
    )
