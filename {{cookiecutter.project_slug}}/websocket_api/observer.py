"""Model changes, published to the channel layer after the transaction commits.

Consumers with subscription mixins register their model here when their class is
created; import those consumer modules in your app's ``AppConfig.ready()`` so that every
process (Daphne, an HTTP worker, a management command) publishes its changes. Each change
is serialized once per observing consumer class, in the process that made it, and sent to
one group per model; each subscribed connection then checks its own permissions.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import router, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from rest_framework.utils.encoders import JSONEncoder

logger = logging.getLogger("websocket_api")

EVENT_TYPE = "websocket_api.change"
_observers: dict[type[Model], list[type]] = {}
_unbroadcastable: set[str] = set()


def model_group(model: type[Model]) -> str:
    """The channel layer group that carries ``model``'s changes."""
    return f"websocket_api.{model._meta.label_lower}"


def observer_key(consumer_class: type) -> str:
    return f"{consumer_class.__module__}.{consumer_class.__qualname__}"


def observe(model: type[Model], consumer_class: type) -> None:
    """Publish ``model``'s changes, serialized for ``consumer_class``."""
    if model not in _observers:
        _observers[model] = []
        uid = f"websocket_api.{model._meta.label_lower}"
        post_save.connect(publish_save, sender=model, weak=False, dispatch_uid=f"{uid}.save")
        post_delete.connect(publish_delete, sender=model, weak=False, dispatch_uid=f"{uid}.delete")
    classes = _observers[model]
    key = observer_key(consumer_class)
    _observers[model] = [c for c in classes if observer_key(c) != key] + [consumer_class]


def publish_save(sender: type[Model], instance: Model, created: bool, **kwargs: Any) -> None:
    schedule(instance, "create" if created else "update", kwargs.get("using"))


def publish_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    schedule(instance, "delete", kwargs.get("using"))


def schedule(instance: Model, change: str, using: str | None) -> None:
    """Build the event now, while the instance is as saved; send it once committed."""
    event = build_event(instance, change)
    database = using or router.db_for_write(type(instance), instance=instance)
    transaction.on_commit(lambda: send_event(type(instance), event), using=database)


def json_safe(value: Any) -> Any:
    """What DRF would send over HTTP, as plain JSON types the channel layer can carry."""
    return json.loads(json.dumps(value, cls=JSONEncoder))


def build_event(instance: Model, change: str) -> dict[str, Any]:
    model = type(instance)
    data = {}
    for consumer_class in _observers.get(model, ()):
        key = observer_key(consumer_class)
        try:
            data[key] = json_safe(consumer_class.broadcast_representation(instance))
        except Exception:  # noqa: BLE001 - a change must be saved whatever its push costs
            # Each subscriber then serializes the object itself, with its own request.
            if key not in _unbroadcastable:
                _unbroadcastable.add(key)
                logger.warning(
                    "%s cannot serialize a change without a request; each subscriber "
                    "will serialize it instead",
                    key,
                    exc_info=True,
                )
    return {
        "type": EVENT_TYPE,
        "model": model._meta.label_lower,
        "pk": json_safe(instance.pk),
        "change": change,
        "data": data,
        "fields": snapshot(instance),
    }


def snapshot(instance: Model) -> dict[str, str | None]:
    """The instance's concrete field values as strings, to rebuild it for permission checks."""
    values = {}
    for field in instance._meta.concrete_fields:
        value = field.value_from_object(instance)
        values[field.attname] = None if value is None else field.value_to_string(instance)
    return values


def rebuild(model: type[Model], fields: dict[str, str | None]) -> Model:
    """An unsaved copy of an instance from its ``snapshot``."""
    values = {}
    for field in model._meta.concrete_fields:
        raw = fields.get(field.attname)
        values[field.attname] = None if raw is None else field.to_python(raw)
    return model(**values)


def send_event(model: type[Model], event: dict[str, Any]) -> None:
    channel_layer = get_channel_layer()
    if channel_layer is None:
        return
    try:
        async_to_sync(channel_layer.group_send)(model_group(model), event)
    except Exception:  # noqa: BLE001 - a lost push must not fail the change that caused it
        logger.exception("Could not publish a %s change of %s", event["change"], event["model"])
