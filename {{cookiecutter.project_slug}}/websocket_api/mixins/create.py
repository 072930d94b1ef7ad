from typing import Any

from rest_framework.serializers import BaseSerializer

from ..actions import action
from ..requests import ActionRequest


class CreateModelMixin:
    """Adds ``create``: validate ``data`` and save a new object."""

    @action(method="POST", data="required")
    def create(self, request: ActionRequest, **kwargs: Any) -> tuple[dict, int]:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return serializer.data, 201

    def perform_create(self, serializer: BaseSerializer) -> None:
        """Called to save a validated new object."""
        serializer.save()
