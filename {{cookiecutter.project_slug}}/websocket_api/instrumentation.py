"""Hooks for metrics and logs, so that the module itself depends on no monitoring library.

The consumers call ``instrumentation()`` at each step worth measuring. The default
``Instrumentation`` does nothing; set ``WEBSOCKET_API["INSTRUMENTATION"]`` to the dotted path
of a subclass to record them (this project's ``ops.instrumentation`` feeds Prometheus and
the logs). Hooks run on the event loop: keep them quick and never let them raise.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from .conf import websocket_api_settings

logger = logging.getLogger("websocket_api")


class Instrumentation:
    """What a connection reports; every hook is optional and does nothing here."""

    def connection_opened(self, scope: dict) -> None:
        """Called when a handshake is accepted."""

    def connection_closed(self, scope: dict, code: int | None, seconds: float) -> None:
        """Called when an accepted connection ends, whoever closed it."""

    def request_answered(
        self, scope: dict, action: Any, request_id: Any, status: int, seconds: float
    ) -> None:
        """Called once per request, after its reply is sent; ``seconds`` from its arrival."""

    def push_sent(self, scope: dict) -> None:
        """Called for each live-update message sent."""

    def push_dropped(self, scope: dict, reason: str) -> None:
        """Called for a change a subscriber would have got but that was not sent."""

    def subscriptions_changed(self, scope: dict, delta: int) -> None:
        """Called with +1 per subscription made and -1 per subscription ended."""

    def throttled(self, scope: dict) -> None:
        """Called when a throttle refuses a WebSocket request."""

    def channel_layer_error(self, operation: str) -> None:
        """Called when a channel-layer call fails or times out."""


class SafeInstrumentation:
    """Wraps an ``Instrumentation`` so that a failing hook is logged, never raised."""

    def __init__(self, target: Instrumentation) -> None:
        self.target = target

    def __getattr__(self, name: str) -> Any:
        hook = getattr(self.target, name)

        def call(*args: Any, **kwargs: Any) -> None:
            try:
                hook(*args, **kwargs)
            except Exception:  # noqa: BLE001 - monitoring must not break a connection
                logger.exception("The %s instrumentation hook failed", name)

        setattr(self, name, call)  # made once per hook: found directly from now on
        return call


@cache
def _load(path: str | None) -> Any:
    return SafeInstrumentation(import_string(path)() if path else Instrumentation())


def instrumentation() -> Any:
    """The configured ``Instrumentation``, made once per dotted path."""
    return _load(websocket_api_settings.INSTRUMENTATION)
