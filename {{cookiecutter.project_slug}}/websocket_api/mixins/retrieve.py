from typing import TYPE_CHECKING, Any

from ..actions import MODEL_ACTIONS, model_action
from ..requests import ActionRequest

RETRIEVE = MODEL_ACTIONS["retrieve"]

if TYPE_CHECKING:
    from ..generics import GenericAsyncAPIConsumer as ConsumerBase
else:
    ConsumerBase = object


class RetrieveModelMixin(ConsumerBase):
    """Adds ``retrieve``: the object named by ``pk`` (or the lookup field)."""

    @model_action("retrieve")
    def retrieve(self, request: ActionRequest, **kwargs: Any) -> tuple[Any, int]:
        """The object named by the lookup key."""
        return self.get_serializer(self.get_object()).data, RETRIEVE.status
