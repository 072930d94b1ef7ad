"""The module's settings: ``settings.WEBSOCKET_API``, a dict, over the defaults below.

Read a value as ``websocket_api_settings.PAGE_SIZE``; values are read again whenever the
setting changes, so ``override_settings(WEBSOCKET_API=...)`` works in tests.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS: dict[str, Any] = {
    # The largest WebSocket message, in bytes, in and out: Daphne and runserver refuse
    # larger frames (closing with 1009), the consumer refuses larger text (400) and
    # replaces a larger reply with a 413 error reply. Requests are small (a create is
    # under 1 KiB); 64 KiB, OWASP's suggestion for most APIs, still fits a list of
    # hundreds of rows.
    "MAX_MESSAGE_SIZE": 64 * 1024,
    # How deep a request may nest lists and objects, and how large its request_id may be
    # as JSON (it is echoed in every reply and push).
    "MAX_NESTING_DEPTH": 32,
    "MAX_REQUEST_ID_SIZE": 256,
    # The largest list offset accepted.
    "MAX_OFFSET": 1_000_000_000,
    # Per connection: requests waiting to be handled (past it, a request is answered 429 at
    # once), channel-layer events waiting (past it, they are dropped and logged), open
    # subscriptions (past it, subscribing is a 429), and bytes waiting to be sent to a client
    # that does not read (past it, the connection is closed with 4008).
    "MAX_QUEUED_REQUESTS": 64,
    "MAX_QUEUED_EVENTS": 256,
    "MAX_SUBSCRIPTIONS": 100,
    "MAX_UNSENT_BYTES": 1024 * 1024,
    # Seconds a channel-layer call (joining a group, say) may take before the layer counts
    # as down, and the longest wait between attempts to listen again.
    "LAYER_TIMEOUT": 2.0,
    "LAYER_RETRY_MAX_DELAY": 10.0,
    # Threads that run actions and push checks, each with its own database connection.
    # More lets more connections proceed at once; each holds a database connection.
    "DATABASE_THREADS": 8,
    # Seconds a call may keep every busy database thread before the calls waiting behind
    # it start on another thread, and a finished call's result may wait for the event loop
    # while its thread goes on. Lower lets a slow action hold up others for less; higher
    # keeps quick actions on fewer threads, which take turns on the GIL less often.
    "DATABASE_HANDOFF_AFTER": 0.002,
    # Seconds a database thread that ran out of calls waits for the next one before it
    # goes back to the pool: handing a call to a waiting thread is cheaper than starting one.
    "DATABASE_THREAD_IDLE": 0.002,
    # Rows a list returns when the request gives no limit, and the largest limit accepted.
    "PAGE_SIZE": 100,
    "MAX_PAGE_SIZE": 1000,
    # Seconds a channel-layer send from a change may take before it is given up (logged).
    "PUBLISH_TIMEOUT": 5.0,
    # Channel-layer sends a process queues while earlier ones are still going out; beyond
    # it, new ones are dropped (and logged) rather than held in memory.
    "MAX_QUEUED_PUBLISHES": 10_000,
    # Seconds after which an action or push first checks again that the connection's
    # session or token still holds (sign-out, password change, deactivation, deletion,
    # expiry, revocation). Changes made in a process that shares the channel layer take
    # effect at once; this bounds the delay for the rest.
    "CREDENTIALS_CHECK_INTERVAL": 5.0,
    # Open WebSocket connections per process: per signed-in user, and per client address
    # for anonymous ones. Handshakes beyond them are refused.
    "MAX_CONNECTIONS_PER_USER": 50,
    "MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS": 20,
    # Origins allowed to open a WebSocket, as "scheme://host[:port]" ("https://*.example.com"
    # for subdomains). None: the handshake's own origin (its Host, if ALLOWED_HOSTS has
    # it) and CSRF_TRUSTED_ORIGINS.
    "ALLOWED_ORIGINS": None,
    # The Sec-WebSocket-Protocol value that announces a DRF token in the next value, for
    # clients that cannot set an Authorization header: ["token", "<key>"].
    "TOKEN_SUBPROTOCOL": "token",
    # Objects a subscribing connection remembers having been shown, to decide which delete
    # pushes it may get; the least recently shown are forgotten first.
    "MAX_KNOWN_OBJECTS": 10_000,
    # The dotted path of a websocket_api.instrumentation.Instrumentation subclass that
    # records connections, requests and pushes (metrics, logs); None records nothing.
    "INSTRUMENTATION": None,
}


class WebsocketAPISettings:
    """Attribute access to ``settings.WEBSOCKET_API``, falling back to ``DEFAULTS``.

    Each value is read once and kept, as DRF keeps ``api_settings``, until the setting
    changes (``override_settings`` in tests, say).
    """

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown WEBSOCKET_API setting: {name}")
        value = getattr(settings, "WEBSOCKET_API", {}).get(name, DEFAULTS[name])
        self.__dict__[name] = value
        return value

    def reload(self) -> None:
        self.__dict__.clear()


websocket_api_settings = WebsocketAPISettings()


def reload_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "WEBSOCKET_API":
        websocket_api_settings.reload()


setting_changed.connect(reload_on_change)


def drf_classes(name: str) -> list[Any]:
    """One of DRF's ``DEFAULT_*_CLASSES`` settings: a list of classes once DRF imports them."""
    from rest_framework.settings import api_settings

    return list(getattr(api_settings, name))
