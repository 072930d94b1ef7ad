"""ASGI entry point: HTTP goes to Django, WebSockets to the consumers in ``config.routing``.

Run it with ``daphne config.asgi:application`` (see the README).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Set up Django before importing consumers, which import models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402


def websocket_stack(urlpatterns: list) -> AllowedHostsOriginValidator:
    """What every WebSocket route goes through: the Origin check, then the session's user."""
    return AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(urlpatterns)))


http_app = ASGIStaticFilesHandler(django_asgi_app) if settings.SERVE_STATIC else django_asgi_app

application = ProtocolTypeRouter(
    {"http": http_app, "websocket": websocket_stack(websocket_urlpatterns)}
)
