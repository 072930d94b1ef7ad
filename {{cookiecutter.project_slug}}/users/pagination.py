from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response


class BoundedListPagination(LimitOffsetPagination):
    """``?limit=&offset=`` paging that keeps the body a plain list.

    The total goes in ``X-Total-Count`` and the neighbouring pages in ``Link``, so the
    HTTP and WebSocket replies have the same shape.
    """

    default_limit = 100
    max_limit = 1000

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
