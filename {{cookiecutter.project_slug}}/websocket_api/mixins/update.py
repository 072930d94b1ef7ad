from typing import Any

from ..actions import MODEL_ACTIONS, model_action
from ..requests import ActionRequest
from .updating import UpdateObjectMixin

UPDATE = MODEL_ACTIONS["update"]


class UpdateModelMixin(UpdateObjectMixin):
    """Adds ``update``: replace an object's fields with ``data`` (a full update, like PUT)."""

    @model_action("update")
    def update(self, request: ActionRequest, **kwargs: Any) -> tuple[Any, int]:
        """Replace the object's fields with `data`, which must hold every required field."""
        return self.update_object(request, partial=False), UPDATE.status
