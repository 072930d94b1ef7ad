"""The benchmark's extra WebSocket routes, beside the project's own ``/ws/users/``.

Copied into a rendered project by ``side_by_side.py``; not part of the template.

- ``/bench/dcrf/``: djangochannelsrestframework 1.3.0 with the project's ``User`` queryset,
  ``UserSerializer`` and permission classes, offering the same actions and instance
  subscriptions (``ObserverModelInstanceMixin``);
- ``/bench/channels-echo/``: Channels' stock ``JsonWebsocketConsumer`` sending each message
  back.
"""

from channels.generic.websocket import JsonWebsocketConsumer
from django.contrib.auth.models import User
from django.urls import path
from djangochannelsrestframework import mixins as dcrf_mixins
from djangochannelsrestframework.generics import GenericAsyncAPIConsumer as DCRFConsumer
from djangochannelsrestframework.observer.generics import ObserverModelInstanceMixin

from users.permissions import USER_PERMISSIONS
from users.serializers import UserSerializer

# Rows in one list reply: the project's page size (WEBSOCKET_API["PAGE_SIZE"]).
LIST_ROWS = 100


class ReferenceUserConsumer(
    ObserverModelInstanceMixin,
    dcrf_mixins.ListModelMixin,
    dcrf_mixins.CreateModelMixin,
    dcrf_mixins.PatchModelMixin,
    dcrf_mixins.DeleteModelMixin,
    DCRFConsumer,
):
    """The reference: the same users, serializer and permissions, the way DCRF serves them."""

    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    permission_classes = USER_PERMISSIONS

    def filter_queryset(self, queryset, **kwargs):
        # DCRF lists every row; give it the same page of rows as the project's list.
        queryset = super().filter_queryset(queryset, **kwargs)
        return queryset[:LIST_ROWS] if kwargs.get("action") == "list" else queryset


class EchoConsumer(JsonWebsocketConsumer):
    """Channels' JSON consumer as it comes: each message goes back as it came."""

    def receive_json(self, content, **kwargs):
        self.send_json(content)


websocket_urlpatterns = [
    path("bench/dcrf/", ReferenceUserConsumer.as_asgi()),
    path("bench/channels-echo/", EchoConsumer.as_asgi()),
]
