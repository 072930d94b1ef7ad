from typing import TYPE_CHECKING, Any

from rest_framework.serializers import BaseSerializer

from ..actions import MODEL_ACTIONS, model_action
from ..requests import ActionRequest

CREATE = MODEL_ACTIONS["create"]

if TYPE_CHECKING:
    from ..generics import GenericAsyncAPIConsumer as ConsumerBase
else:
    ConsumerBase = object


class CreateModelMixin(ConsumerBase):
    """Adds ``create``: validate ``data`` and save a new object."""

    @model_action("create")
    def create(self, request: ActionRequest, **kwargs: Any) -> tuple[Any, int]:
        """Create an object from `data`."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return serializer.data, CREATE.status

    def perform_create(self, serializer: BaseSerializer) -> None:
        """Called to save a validated new object."""
        serializer.save()
