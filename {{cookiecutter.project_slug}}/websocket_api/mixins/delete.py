from typing import TYPE_CHECKING, Any

from django.db.models import Model

from ..actions import MODEL_ACTIONS, model_action
from ..requests import ActionRequest

DELETE = MODEL_ACTIONS["delete"]

if TYPE_CHECKING:
    from ..generics import GenericAsyncAPIConsumer as ConsumerBase
else:
    ConsumerBase = object


class DeleteModelMixin(ConsumerBase):
    """Adds ``delete``: remove the object named by ``pk`` (or the lookup field)."""

    @model_action("delete")
    def delete(self, request: ActionRequest, **kwargs: Any) -> tuple[None, int]:
        """Delete the object."""
        self.perform_delete(self.get_object())
        return None, DELETE.status

    def perform_delete(self, instance: Model) -> None:
        """Called to delete the object."""
        instance.delete()
