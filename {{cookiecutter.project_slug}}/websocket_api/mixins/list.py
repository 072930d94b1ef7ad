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
        queryset = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_serializer(queryset, many=True).data, LIST.status
