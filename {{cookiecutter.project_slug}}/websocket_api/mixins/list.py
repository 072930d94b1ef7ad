from typing import TYPE_CHECKING, Any

from ..actions import MODEL_ACTIONS, model_action
from ..requests import ActionRequest

LIST = MODEL_ACTIONS["list"]

if TYPE_CHECKING:
    from ..generics import GenericAsyncAPIConsumer as ConsumerBase
else:
    ConsumerBase = object


class ListModelMixin(ConsumerBase):
    """Adds ``list``: one page of the queryset, ``limit`` and ``offset`` picking the page."""

    @model_action("list")
    def list(self, request: ActionRequest, **kwargs: Any) -> tuple[Any, int]:
        """One page of objects: `limit` (up to the maximum page size) from `offset`."""
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.get_list_queryset(queryset)
        page = self.paginate_queryset(rows)
        serializer = self.get_serializer(page, many=True)
        if rows is not queryset and not self.serializes_list_rows(rows, serializer):
            serializer = self.get_serializer(self.paginate_queryset(queryset), many=True)
        return serializer.data, LIST.status
