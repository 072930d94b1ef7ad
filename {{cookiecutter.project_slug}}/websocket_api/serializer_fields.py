"""Which built serializer fields may be reused between replies, and where they are kept.

Building a serializer's fields is most of what serializing one object costs. Fields that
cannot depend on the request (``drf_built``) may be reused by later replies of the same
connection; those made only of DRF's own field classes (``drf_leaf_fields``) keep nothing
of a request and may serve every connection of a database thread (``thread_fields``).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from typing import Any

from rest_framework.serializers import BaseSerializer

# The methods through which a serializer builds its fields; a class that keeps DRF's own
# builds the same fields for every request.
FIELD_BUILDERS = (
    "get_fields",
    "get_field_names",
    "get_default_field_names",
    "get_extra_kwargs",
    "include_extra_kwargs",
    "get_uniqueness_extra_kwargs",
    "build_field",
    "build_standard_field",
    "build_relational_field",
    "build_nested_field",
    "build_property_field",
    "build_url_field",
    "build_unknown_field",
)

_thread = threading.local()


@functools.cache
def drf_built(serializer_class: type) -> bool:
    """Whether the serializer class builds its fields with DRF's own methods only, so that
    they cannot depend on the request."""
    for name in FIELD_BUILDERS:
        owner = next((klass for klass in serializer_class.__mro__ if name in vars(klass)), None)
        if owner is not None and not owner.__module__.startswith("rest_framework."):
            return False
    return True


def drf_leaf_fields(fields: Any) -> bool:
    """Whether every field is one of DRF's own field classes, not a serializer, and so are
    the fields it holds (a ``ListField``'s child, say): such fields keep nothing of a
    request between calls."""
    pending = list(fields.values())
    while pending:
        field = pending.pop()
        if isinstance(field, BaseSerializer) or not type(field).__module__.startswith(
            "rest_framework."
        ):
            return False
        pending += [
            inner
            for inner in (getattr(field, "child", None), getattr(field, "child_relation", None))
            if inner is not None
        ]
    return True


def thread_fields() -> dict[type[BaseSerializer], Any] | None:
    """Built fields kept for the thread running this action, which runs one at a time;
    None on an event loop, where the actions of different connections interleave."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        if not hasattr(_thread, "fields"):
            _thread.fields = {}
        return _thread.fields
    return None
