from typing import Any

from rest_framework.serializers import BaseSerializer

from ..actions import action
from ..requests import ActionRequest


class PatchModelMixin:
    """Adds ``patch``: change only the fields present in ``data`` (like PATCH)."""

    @action(method="PATCH", detail=True, data="required")
    def patch(self, request: ActionRequest, **kwargs: Any) -> tuple[dict, int]:
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        self.perform_patch(serializer)
        return serializer.data, 200

    def perform_patch(self, serializer: BaseSerializer) -> None:
        """Called to save a validated partial update."""
        serializer.save()
