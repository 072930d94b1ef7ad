"""Prometheus metrics of one process, and the functions that record them.

Each Daphne process keeps its own counts in memory and serves them at ``/metrics`` on its
own port; Prometheus scrapes every process as a target of its own (``127.0.0.1:8001``,
``127.0.0.1:8002``, ...) and adds them up (``sum without (instance) (...)``). Scraping
through the proxy would reach one process chosen at random, so the proxy refuses
``/metrics``. prometheus-client's multiprocess mode is not used: it is made for worker
processes forked from one parent that share a directory of memory-mapped files, which
Daphne processes started separately by systemd are not; it would also lose the process
metrics (memory, CPU, open files) and need every gauge to say how processes combine.

The WebSocket code calls the functions below; HTTP requests are counted by
``ops.middleware.MetricsMiddleware``. Every label value is passed through a bound
(``METRICS_MAX_LABEL_VALUES`` distinct values per label, then ``"other"``), so values a
client chooses, such as an action's name, cannot grow the number of series without limit.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    gc_collector,
    platform_collector,
    process_collector,
)

DEFAULT_MAX_LABEL_VALUES = 100
OTHER = "other"

#: Everything this process exposes. Define new metrics with ``registry=REGISTRY``.
REGISTRY = CollectorRegistry()
process_collector.ProcessCollector(registry=REGISTRY)
platform_collector.PlatformCollector(registry=REGISTRY)
gc_collector.GCCollector(registry=REGISTRY)

WEBSOCKET_CONNECTIONS = Gauge(
    "websocket_connections_open",
    "WebSocket connections open in this process.",
    ["route"],
    registry=REGISTRY,
)
WEBSOCKET_MESSAGES = Counter(
    "websocket_messages",
    "WebSocket requests answered, by the status of the reply.",
    ["route", "action", "status"],
    registry=REGISTRY,
)
WEBSOCKET_ACTION_SECONDS = Histogram(
    "websocket_action_duration_seconds",
    "Seconds from a WebSocket request's arrival to its reply being sent.",
    ["route", "action"],
    registry=REGISTRY,
)
WEBSOCKET_PUSHES_SENT = Counter(
    "websocket_pushes_sent",
    "Live-update messages sent to subscribers.",
    ["route"],
    registry=REGISTRY,
)
WEBSOCKET_PUSHES_DROPPED = Counter(
    "websocket_pushes_dropped",
    "Live-update messages not sent to a subscriber, by reason.",
    ["route", "reason"],
    registry=REGISTRY,
)
WEBSOCKET_SUBSCRIPTIONS = Gauge(
    "websocket_subscriptions_open",
    "Live-update subscriptions open in this process.",
    ["route"],
    registry=REGISTRY,
)
THROTTLED = Counter(
    "api_throttled",
    "Requests refused by a throttle, by where the throttle ran.",
    ["where"],
    registry=REGISTRY,
)
CHANNEL_LAYER_ERRORS = Counter(
    "channel_layer_errors",
    "Channel-layer operations that failed or timed out, by operation.",
    ["operation"],
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "http_requests",
    "HTTP requests answered, by method, URL name and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Seconds to answer an HTTP request, by method and URL name.",
    ["method", "route"],
    registry=REGISTRY,
)


class LabelBound:
    """Remembers the values seen per label name and maps those beyond the bound to ``other``."""

    def __init__(self) -> None:
        self.seen: dict[str, set[str]] = {}
        self.lock = threading.Lock()

    def __call__(self, label: str, value: object) -> str:
        text = str(value)
        limit = getattr(settings, "METRICS_MAX_LABEL_VALUES", DEFAULT_MAX_LABEL_VALUES)
        with self.lock:
            values = self.seen.setdefault(label, set())
            if text in values:
                return text
            if len(values) >= limit:
                return OTHER
            values.add(text)
            return text


bounded = LabelBound()


def connection_opened(route: str) -> None:
    """Call when a WebSocket handshake is accepted.

    ``route`` is the route's URL pattern as written in the routing (``"ws/users/"``), never
    the requested path, which may hold ids. Pair every call with ``connection_closed``.
    """
    WEBSOCKET_CONNECTIONS.labels(bounded("route", route)).inc()


def connection_closed(route: str) -> None:
    """Call when an accepted WebSocket connection ends, whoever closed it."""
    WEBSOCKET_CONNECTIONS.labels(bounded("route", route)).dec()


# The labelled series of answered requests, by their (bounded) labels and by the values
# that are their own labels: looking a series up in prometheus-client, or bounding its
# labels, takes a lock and more work per request.
_answered_series: dict[tuple[str, str, Any], tuple[Counter, Histogram]] = {}


def message_answered(route: str, action: str, status: int, seconds: float) -> None:
    """Call once per reply to a WebSocket request, after it is sent.

    ``action`` is the request's action as received (unknown actions included: the bound
    keeps their number of series small), ``status`` the reply's ``response_status`` and
    ``seconds`` the time since the frame arrived.
    """
    series = _answered_series.get((route, action, status))
    if series is None:
        labels = (bounded("route", route), bounded("action", action), bounded("status", status))
        series = _answered_series.get(labels)
        if series is None:
            series = _answered_series[labels] = (
                WEBSOCKET_MESSAGES.labels(*labels),
                WEBSOCKET_ACTION_SECONDS.labels(*labels[:2]),
            )
        if labels == (route, action, str(status)):
            # Values within the bound are their own labels: found at once from now on.
            # (At most one more entry per series, so the bound still holds.)
            _answered_series[(route, action, status)] = series
    series[0].inc()
    series[1].observe(seconds)


def push_sent(route: str) -> None:
    """Call when a live-update message has been sent to one subscriber."""
    WEBSOCKET_PUSHES_SENT.labels(bounded("route", route)).inc()


def push_dropped(route: str, reason: str) -> None:
    """Call when a change is not sent to a subscriber who would otherwise get it.

    ``reason`` is one short word from a fixed set the caller chooses, for example
    ``"forbidden"`` (permission checks refused it), ``"error"`` (checking or serializing
    it failed) or ``"closed"`` (the connection went away first).
    """
    WEBSOCKET_PUSHES_DROPPED.labels(bounded("route", route), bounded("reason", reason)).inc()


def subscriptions_changed(route: str, delta: int) -> None:
    """Call with ``+1`` for each subscription made and ``-1`` for each one ended.

    Ending the connection ends its subscriptions: call it with minus their number then.
    """
    WEBSOCKET_SUBSCRIPTIONS.labels(bounded("route", route)).inc(delta)


def throttled(where: str) -> None:
    """Call when a throttle refuses a request; ``where`` names the place, for example
    ``"websocket"``, ``"handshake"`` or ``"sign_in"`` (HTTP 429s are counted as ``"http"``
    by the middleware)."""
    THROTTLED.labels(bounded("where", where)).inc()


def channel_layer_error(operation: str) -> None:
    """Call when a channel-layer call fails or times out; ``operation`` is the call's name
    (``"group_send"``, ``"group_add"``, ``"send"``, ``"receive"``)."""
    CHANNEL_LAYER_ERRORS.labels(bounded("operation", operation)).inc()


def http_request_answered(method: str, route: str, status: int, seconds: float) -> None:
    """Record one HTTP request; ``route`` is its URL name, ``"unmatched"`` when none."""
    method_label, route_label = bounded("http_method", method), bounded("http_route", route)
    HTTP_REQUESTS.labels(method_label, route_label, bounded("status", status)).inc()
    HTTP_REQUEST_SECONDS.labels(method_label, route_label).observe(seconds)
