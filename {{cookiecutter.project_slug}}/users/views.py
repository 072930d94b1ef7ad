from django.contrib.auth.models import User
from rest_framework.viewsets import ModelViewSet

from .pagination import BoundedListPagination
from .permissions import USER_PERMISSIONS
from .schema import USER_ACTION_SCHEMAS
from .serializers import UserSerializer


class UserViewSet(ModelViewSet):
    """The users API over HTTP; ``view_as_consumer`` serves it over a WebSocket too."""

    queryset = User.objects.order_by("pk")
    serializer_class = UserSerializer
    permission_classes = USER_PERMISSIONS
    pagination_class = BoundedListPagination
    # The examples of the AsyncAPI description, for /ws/api/users/.
    action_schemas = USER_ACTION_SCHEMAS
