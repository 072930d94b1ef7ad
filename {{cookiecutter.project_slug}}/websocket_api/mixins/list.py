from typing import Any

from ..actions import MODEL_ACTIONS, model_action
from ..requests import ActionRequest

LIST = MODEL_ACTIONS["list"]


class ListModelMixin:
    """Adds ``list``: one page of the queryset, ``limit`` and ``offset`` picking the page."""

    @model_action("list")
    def list(self, request: ActionRequest, **kwargs: Any) -> tuple[Any, int]:
        """One page of objects: `limit` (up to the maximum page size) from `offset`."""
        queryset = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_serializer(queryset, many=True).data, LIST.status
