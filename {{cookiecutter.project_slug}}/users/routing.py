from django.urls import path

from websocket_api.view_consumer import view_as_consumer

from .consumers import UserConsumer
from .views import UserViewSet

websocket_urlpatterns = [
    path("ws/users/", UserConsumer.as_asgi()),
    # The same viewset as /api/users/, offering the same actions as UserConsumer.
    path("ws/api/users/", view_as_consumer(UserViewSet, actions=UserConsumer.available_actions)),
]
