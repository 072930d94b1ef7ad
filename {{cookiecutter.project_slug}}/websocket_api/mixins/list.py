from typing import Any

from ..actions import action
from ..requests import PAGING_KEYS, ActionRequest


class ListModelMixin:
    """Adds ``list``: one page of the queryset, ``limit`` and ``offset`` picking the page."""

    @action(method="GET", data="none", params=(*PAGING_KEYS, "query"))
    def list(self, request: ActionRequest, **kwargs: Any) -> tuple[list, int]:
        queryset = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.serialize(queryset, many=True), 200
