"""ASGI entry point: HTTP goes to Django, WebSockets to the consumers in ``config.routing``.

Run it with ``daphne config.asgi:application`` (see the README).
"""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Set up Django before importing consumers, which import models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from websocket_api.middleware import APIMiddlewareStack  # noqa: E402


def websocket_stack(urlpatterns: list) -> Any:
    """What every WebSocket route goes through: the exact Origin check, one authentication
    of the handshake (token, session or the other DRF authentication classes), and the
    caps on open connections (see websocket_api.middleware)."""
    return APIMiddlewareStack(URLRouter(urlpatterns))


http_app = ASGIStaticFilesHandler(django_asgi_app) if settings.SERVE_STATIC else django_asgi_app

application = ProtocolTypeRouter(
    {"http": http_app, "websocket": websocket_stack(websocket_urlpatterns)}
)
