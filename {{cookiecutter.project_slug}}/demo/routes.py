"""What the WebSocket routes offer, read from the routing table at run time."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern
from rest_framework import serializers

from websocket_api.actions import MODEL_ACTIONS, PAGING_PARAMS, ActionSpec
from websocket_api.schema import operation_id

INPUT_TYPES: tuple[tuple[type, str], ...] = (
    (serializers.EmailField, "email"),
    (serializers.BooleanField, "checkbox"),
    (serializers.IntegerField, "number"),
    (serializers.FloatField, "number"),
    (serializers.DecimalField, "number"),
)


def serializer_class_of(consumer: type) -> type[serializers.Serializer] | None:
    """The serializer a consumer, or the view it serves, reads and writes with."""
    view_class = getattr(consumer, "view_class", None)
    return getattr(consumer, "serializer_class", None) or getattr(
        view_class, "serializer_class", None
    )


def input_type(field: serializers.Field) -> str:
    if field.style.get("input_type") == "password":
        return "password"
    for field_class, name in INPUT_TYPES:
        if isinstance(field, field_class):
            return name
    return "text"


def data_fields(serializer_class: type[serializers.Serializer] | None, spec: ActionSpec) -> list:
    """The writable fields a model action's form offers; a PATCH makes every one optional.

    Other actions get an empty list: what their ``data`` holds is theirs to say.
    """
    if serializer_class is None or spec.data == "none" or spec.name not in MODEL_ACTIONS:
        return []
    return [
        {
            "name": name,
            "type": input_type(field),
            "required": bool(field.required) and spec.method != "PATCH",
        }
        for name, field in serializer_class().fields.items()
        if not field.read_only
    ]


def describe_action(spec: ActionSpec, serializer_class: Any) -> dict:
    return {
        "name": spec.name,
        "method": spec.method,
        "detail": spec.detail,
        "data": spec.data,
        "params": sorted(spec.params),
        "paging": [name for name in PAGING_PARAMS if name in spec.params],
        "fields": data_fields(serializer_class, spec),
        "description": spec.description,
    }


def describe_routes(patterns: list[URLPattern]) -> list[dict]:
    """Each API route's path, consumer name and actions, for clients to build controls from."""
    routes = []
    for pattern in patterns:
        consumer = getattr(pattern.callback, "consumer_class", None)
        actions = getattr(consumer, "available_actions", None)
        if not actions:
            continue
        serializer_class = serializer_class_of(consumer)
        path = "/" + str(pattern.pattern)
        described = [describe_action(spec, serializer_class) for spec, _ in actions.values()]
        for action in described:
            # The anchor of the action on the docs page.
            action["operation"] = operation_id(path, action["name"])
        routes.append(
            {
                "path": path,
                "consumer": consumer.__name__,
                "lookup": consumer.get_lookup_kwarg(),
                "actions": described,
            }
        )
    return routes
