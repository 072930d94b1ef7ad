"""WebSocket URLs, the counterpart of ``config.urls``."""

from users.routing import websocket_urlpatterns as user_websocket_urlpatterns

websocket_urlpatterns = [*user_websocket_urlpatterns]
