from typing import Any

from rest_framework.serializers import BaseSerializer

from ..actions import action
from ..requests import ActionRequest


class UpdateModelMixin:
    """Adds ``update``: replace an object's fields with ``data`` (a full update, like PUT)."""

    @action(method="PUT", detail=True, data="required")
    def update(self, request: ActionRequest, **kwargs: Any) -> tuple[dict, int]:
        serializer = self.get_serializer(self.get_object(), data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return serializer.data, 200

    def perform_update(self, serializer: BaseSerializer) -> None:
        """Called to save a validated full update."""
        serializer.save()
