from django.contrib.auth.models import User

from websocket_api import mixins
from websocket_api.generics import GenericAsyncAPIConsumer

from .permissions import USER_PERMISSIONS
from .schema import USER_ACTION_SCHEMAS
from .serializers import UserSerializer


class UserConsumer(
    # % if cookiecutter.include_list
    mixins.ListModelMixin,
    # % endif
    # % if cookiecutter.include_retrieve
    mixins.RetrieveModelMixin,
    # % endif
    # % if cookiecutter.include_patch
    mixins.PatchModelMixin,
    # % endif
    # % if cookiecutter.include_update
    mixins.UpdateModelMixin,
    # % endif
    # % if cookiecutter.include_create
    mixins.CreateModelMixin,
    # % endif
    # % if cookiecutter.include_delete
    mixins.DeleteModelMixin,
    # % endif
    # % if cookiecutter.include_subscriptions
    mixins.InstanceSubscriptionMixin,
    mixins.ListSubscriptionMixin,
    # % endif
    GenericAsyncAPIConsumer,
):
    """The users API over a WebSocket, with the same serializer and permissions as HTTP."""

    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    permission_classes = USER_PERMISSIONS
    action_schemas = USER_ACTION_SCHEMAS
