from typing import Any

from ..actions import MODEL_ACTIONS, model_action
from ..requests import ActionRequest
from .updating import UpdateObjectMixin

PATCH = MODEL_ACTIONS["patch"]


class PatchModelMixin(UpdateObjectMixin):
    """Adds ``patch``: change only the fields present in ``data`` (like PATCH)."""

    @model_action("patch")
    def patch(self, request: ActionRequest, **kwargs: Any) -> tuple[Any, int]:
        """Change only the fields given in `data`."""
        return self.update_object(request, partial=True), PATCH.status
