"""Model changes, published to the channel layer after the transaction commits.

Consumers with subscription mixins register their model here when their class is
created; import those consumer modules in your app's ``AppConfig.ready()`` so that every
process (Daphne, an HTTP worker, a management command) publishes its changes. Each change
is serialized once per observing consumer class, in the process that made it, and sent to
one group per model; each subscribed connection then checks its own permissions.

An event carries only what delivery needs: an id, the primary key, each observing
consumer's serialized representation (for creates and updates) and the fields the
consumers' permission checks read (``permission_fields``). A save that changes none of the
fields the representations show (a sign-in's ``last_login``, say) publishes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from typing import Any

from django.db import router, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_init, post_save
from rest_framework.utils.encoders import JSONEncoder

from .publish import group_send

logger = logging.getLogger("websocket_api")

EVENT_TYPE = "websocket_api.change"
SAFE_GROUP_PART = re.compile(r"[A-Za-z0-9_.-]{1,40}")
SEEN_ATTRIBUTE = "_websocket_api_seen"
_observers: dict[type[Model], list[Any]] = {}
_watched: dict[type[Model], frozenset[str] | None] = {}
_unbroadcastable: set[str] = set()


def model_group(model: type[Model]) -> str:
    """The channel layer group that carries all of ``model``'s changes (list subscribers)."""
    return f"websocket_api.{model._meta.label_lower}"


def instance_group(model: type[Model], pk: Any) -> str:
    """The group that carries one object's updates and deletion (instance subscribers)."""
    key = str(pk)
    if not SAFE_GROUP_PART.fullmatch(key):
        key = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{model_group(model)}.{key}"


def observer_key(consumer_class: type) -> str:
    return f"{consumer_class.__module__}.{consumer_class.__qualname__}"


def observe(model: type[Model], consumer_class: Any) -> None:
    """Publish ``model``'s changes, serialized for ``consumer_class``."""
    if model not in _observers:
        _observers[model] = []
        uid = f"websocket_api.{model._meta.label_lower}"
        post_init.connect(remember_loaded, sender=model, weak=False, dispatch_uid=f"{uid}.init")
        post_save.connect(publish_save, sender=model, weak=False, dispatch_uid=f"{uid}.save")
        post_delete.connect(publish_delete, sender=model, weak=False, dispatch_uid=f"{uid}.delete")
    classes = _observers[model]
    key = observer_key(consumer_class)
    _observers[model] = [c for c in classes if observer_key(c) != key] + [consumer_class]
    _watched.pop(model, None)


def watched_attnames(model: type[Model]) -> frozenset[str] | None:
    """The model fields the observers' representations show; None when that is unknown."""
    if model not in _watched:
        names: set[str] = set()
        for consumer_class in _observers.get(model, ()):
            shown = consumer_class.represented_attnames()
            if shown is None:
                _watched[model] = None
                return None
            names |= shown
        _watched[model] = frozenset(names)
    return _watched[model]


def field_values(instance: Model, attnames: frozenset[str]) -> dict[str, Any]:
    return {name: instance.__dict__.get(name) for name in attnames}


def remember_loaded(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    """Keep the shown fields' values of an instance as loaded, to tell later what changed."""
    attnames = watched_attnames(sender)
    if attnames is not None and instance.pk is not None:
        instance.__dict__[SEEN_ATTRIBUTE] = field_values(instance, attnames)


def shown_fields_changed(instance: Model, update_fields: Any) -> bool:
    attnames = watched_attnames(type(instance))
    if attnames is None:
        return True
    if update_fields is not None and not ({*update_fields} & attnames):
        return False
    seen = instance.__dict__.get(SEEN_ATTRIBUTE)
    return seen is None or seen != field_values(instance, attnames)


def publish_save(sender: type[Model], instance: Model, created: bool, **kwargs: Any) -> None:
    if created or shown_fields_changed(instance, kwargs.get("update_fields")):
        schedule(instance, "create" if created else "update", kwargs.get("using"))
    remember_loaded(sender, instance)


def publish_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    schedule(instance, "delete", kwargs.get("using"))


def schedule(instance: Model, change: str, using: str | None) -> None:
    """Build the event now, while the instance is as saved; send it once committed."""
    event = build_event(instance, change)
    database = using or router.db_for_write(type(instance), instance=instance)
    model = type(instance)
    transaction.on_commit(lambda: send_event(model, event), using=database)


def json_safe(value: Any) -> Any:
    """What DRF would send over HTTP, as plain JSON types the channel layer can carry."""
    return json.loads(json.dumps(value, cls=JSONEncoder))


def representations(instance: Model) -> dict[str, Any]:
    data = {}
    for consumer_class in _observers.get(type(instance), ()):
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
    return data


def build_event(instance: Model, change: str) -> dict[str, Any]:
    model = type(instance)
    event: dict[str, Any] = {
        "type": EVENT_TYPE,
        "id": uuid.uuid4().hex,
        "model": model._meta.label_lower,
        "pk": json_safe(instance.pk),
        "change": change,
        "fields": snapshot(instance, permission_fields(model)),
    }
    if change != "delete":
        event["data"] = representations(instance)
    return event


def permission_fields(model: type[Model]) -> set[str]:
    names = {model._meta.pk.name}
    for consumer_class in _observers.get(model, ()):
        names.update(getattr(consumer_class, "permission_fields", ()))
    return names


def snapshot(instance: Model, names: set[str]) -> dict[str, str | None]:
    """The named fields' values as strings, to rebuild the instance for permission checks."""
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in names or field.attname in names:
            value = field.value_from_object(instance)
            values[field.attname] = None if value is None else field.value_to_string(instance)
    return values


def rebuild(model: type[Model], fields: dict[str, str | None]) -> Model:
    """An unsaved copy of an instance from its ``snapshot``; other fields keep defaults."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.attname in fields:
            raw = fields[field.attname]
            values[field.attname] = None if raw is None else field.to_python(raw)
    return model(**values)


def send_event(model: type[Model], event: dict[str, Any]) -> None:
    """Queue the event for its groups; never blocks the change that caused it.

    List subscribers get every change; an object's own subscribers its updates and its
    deletion. A connection in both groups handles the event once (by its ``id``).
    """
    description = f"a {event['change']} of {event['model']}"
    group_send(model_group(model), event, description)
    if event["change"] != "create":
        group_send(instance_group(model, event["pk"]), event, description)
