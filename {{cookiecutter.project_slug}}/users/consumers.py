from django.contrib.auth.models import User

from websocket_api.generics import GenericAsyncAPIConsumer
from websocket_api.mixins import (
    # % if cookiecutter.include_create
    CreateModelMixin,
    # % endif
    # % if cookiecutter.include_delete
    DeleteModelMixin,
    # % endif
    # % if cookiecutter.include_subscriptions
    InstanceSubscriptionMixin,
    # % endif
    # % if cookiecutter.include_list
    ListModelMixin,
    # % endif
    # % if cookiecutter.include_subscriptions
    ListSubscriptionMixin,
    # % endif
    # % if cookiecutter.include_patch
    PatchModelMixin,
    # % endif
    # % if cookiecutter.include_retrieve
    RetrieveModelMixin,
    # % endif
    # % if cookiecutter.include_update
    UpdateModelMixin,
    # % endif
)

from .permissions import IsStaffOrReadOnly
from .serializers import UserSerializer


class UserConsumer(
    # % if cookiecutter.include_list
    ListModelMixin,
    # % endif
    # % if cookiecutter.include_retrieve
    RetrieveModelMixin,
    # % endif
    # % if cookiecutter.include_patch
    PatchModelMixin,
    # % endif
    # % if cookiecutter.include_update
    UpdateModelMixin,
    # % endif
    # % if cookiecutter.include_create
    CreateModelMixin,
    # % endif
    # % if cookiecutter.include_delete
    DeleteModelMixin,
    # % endif
    # % if cookiecutter.include_subscriptions
    InstanceSubscriptionMixin,
    ListSubscriptionMixin,
    # % endif
    GenericAsyncAPIConsumer,
):
    """The users API over a WebSocket, with the same serializer and permissions as HTTP."""

    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    permission_classes = [IsStaffOrReadOnly]
