"""What the WebSocket routes offer, read from the routing table at run time."""

from __future__ import annotations

from django.urls import URLPattern


def describe_routes(patterns: list[URLPattern]) -> list[dict]:
    """Each API route's path, consumer name and actions, for clients to build controls from."""
    routes = []
    for pattern in patterns:
        consumer = getattr(pattern.callback, "consumer_class", None)
        actions = getattr(consumer, "available_actions", None)
        if not actions:
            continue
        routes.append(
            {
                "path": "/" + str(pattern.pattern),
                "consumer": consumer.__name__,
                "lookup": consumer.lookup_url_kwarg or consumer.lookup_field,
                "actions": [
                    {
                        "name": spec.name,
                        "method": spec.method,
                        "detail": spec.detail,
                        "data": spec.data,
                        "params": sorted(spec.params),
                    }
                    for spec, _ in actions.values()
                ],
            }
        )
    return routes
