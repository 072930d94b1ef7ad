"""The WebSocket API's instrumentation hooks, fed to this project's metrics and logs."""

from __future__ import annotations

import time
from typing import Any

from websocket_api.instrumentation import Instrumentation

from . import logging as ops_logging
from . import metrics


def route(scope: dict) -> str:
    return str(scope.get("path", "?"))


def origin(scope: dict) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"origin":
            return value.decode("latin1")
    return None


def user_id(scope: dict) -> Any:
    user = scope.get("user")
    return user.pk if user is not None and user.is_authenticated else None


class OpsInstrumentation(Instrumentation):
    """Prometheus metrics (ops.metrics) and one log line per connection and per request."""

    def connection_opened(self, scope: dict) -> None:
        scope["ops.opened_at"] = time.monotonic()
        metrics.connection_opened(route(scope))
        ops_logging.log_connect(route(scope), user_id(scope), origin(scope))

    def connection_closed(self, scope: dict, code: int | None, seconds: float) -> None:
        metrics.connection_closed(route(scope))
        ops_logging.log_disconnect(route(scope), user_id(scope), origin(scope), code, seconds)

    def request_answered(
        self, scope: dict, action: Any, request_id: Any, status: int, seconds: float
    ) -> None:
        # A client's action name becomes a label: lone surrogates would break the scrape.
        name = action.encode("utf-8", "replace").decode() if isinstance(action, str) else "(none)"
        path = route(scope)
        metrics.message_answered(path, name, status, seconds)
        ops_logging.log_action(path, action, request_id, status, seconds)

    def push_sent(self, scope: dict) -> None:
        metrics.push_sent(route(scope))

    def push_dropped(self, scope: dict, reason: str) -> None:
        metrics.push_dropped(route(scope), reason)

    def subscriptions_changed(self, scope: dict, delta: int) -> None:
        metrics.subscriptions_changed(route(scope), delta)

    def throttled(self, scope: dict) -> None:
        metrics.throttled("websocket")

    def channel_layer_error(self, operation: str) -> None:
        metrics.channel_layer_error(operation)
