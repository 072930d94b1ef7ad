from typing import Any

from django.db.models import Model

from ..actions import action
from ..requests import ActionRequest


class DeleteModelMixin:
    """Adds ``delete``: remove the object named by ``pk`` (or the lookup field)."""

    @action(method="DELETE", detail=True, data="none")
    def delete(self, request: ActionRequest, **kwargs: Any) -> tuple[None, int]:
        self.perform_delete(self.get_object())
        return None, 204

    def perform_delete(self, instance: Model) -> None:
        """Called to delete the object."""
        instance.delete()
