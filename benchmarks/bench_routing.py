"""WebSocket routes for the benchmark: the same retrieve on websocket_api and on DCRF.

Copied into a rendered project by ``retrieve_rate.py``; not part of the template.
"""

from django.contrib.auth.models import User
from django.urls import path
from djangochannelsrestframework import mixins as dcrf_mixins
from djangochannelsrestframework import permissions as dcrf_permissions
from djangochannelsrestframework.generics import GenericAsyncAPIConsumer as DCRFConsumer
from rest_framework.permissions import IsAuthenticated

from users.serializers import UserSerializer
from websocket_api.generics import GenericAsyncAPIConsumer
from websocket_api.mixins import RetrieveModelMixin


class OurUserConsumer(RetrieveModelMixin, GenericAsyncAPIConsumer):
    queryset = User.objects.all()
    serializer_class = UserSerializer
    permission_classes = [IsAuthenticated]


class ReferenceUserConsumer(dcrf_mixins.RetrieveModelMixin, DCRFConsumer):
    queryset = User.objects.all()
    serializer_class = UserSerializer
    permission_classes = [dcrf_permissions.IsAuthenticated]


websocket_urlpatterns = [
    path("bench/ours/", OurUserConsumer.as_asgi()),
    path("bench/reference/", ReferenceUserConsumer.as_asgi()),
]
