"""The project's ASGI application plus routes that the live-update tests serve from Daphne."""

from channels.routing import ProtocolTypeRouter
from django.contrib.auth import get_user_model
from django.urls import path

from config.asgi import http_app, websocket_stack
from config.routing import websocket_urlpatterns
from users.consumers import UserConsumer


class VisibleUsersConsumer(UserConsumer):
    """Sees only users whose address is at visible.example, as a narrowed queryset does."""

    def get_queryset(self):
        users = get_user_model().objects
        return users.filter(email__endswith="@visible.example").order_by("pk")


application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": websocket_stack(
            [*websocket_urlpatterns, path("ws/visible-users/", VisibleUsersConsumer.as_asgi())]
        ),
    }
)
