from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from websocket_api.actions import PAGING_PARAMS
from websocket_api.conf import websocket_api_settings
from websocket_api.requests import check_paging


class BoundedListPagination(LimitOffsetPagination):
    """``?limit=&offset=`` paging that keeps the body a plain list, as over the WebSocket.

    The page size and its maximum are the WebSocket API's (``WEBSOCKET_API``), and a
    ``limit`` or ``offset`` out of range is a 400, not a silently different page. The total
    goes in ``X-Total-Count`` and the neighbouring pages in ``Link``.
    """

    @property
    def default_limit(self) -> int:  # type: ignore[override]
        return websocket_api_settings.PAGE_SIZE

    @property
    def max_limit(self) -> int:  # type: ignore[override]
        return websocket_api_settings.MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        values = {}
        for key in PAGING_PARAMS:
            raw = request.query_params.get(key)
            if raw is not None:
                values[key] = int(raw) if raw.strip().lstrip("-").isdigit() else raw
        problems = check_paging(values, self.max_limit)
        if problems:
            raise ValidationError(problems)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        """The body stays the list itself (the API descriptions read this)."""
        return schema

    def get_paginated_response(self, data: list) -> Response:
        headers = {"X-Total-Count": str(self.count)}
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", self.get_next_link()), ("prev", self.get_previous_link()))
            if url
        ]
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)
