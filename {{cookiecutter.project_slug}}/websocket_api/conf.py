"""The module's settings: ``settings.WEBSOCKET_API``, a dict, over the defaults below.

Read a value as ``websocket_api_settings.PAGE_SIZE``; it is looked up on every access, so
``override_settings(WEBSOCKET_API=...)`` works in tests.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Rows a list returns when the request gives no limit, and the largest limit accepted.
    "PAGE_SIZE": 100,
    "MAX_PAGE_SIZE": 1000,
}


class WebsocketAPISettings:
    """Attribute access to ``settings.WEBSOCKET_API``, falling back to ``DEFAULTS``."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown WEBSOCKET_API setting: {name}")
        return getattr(settings, "WEBSOCKET_API", {}).get(name, DEFAULTS[name])


websocket_api_settings = WebsocketAPISettings()
