"""``GenericAsyncAPIConsumer``: querysets, serializers and lookups, as in DRF's GenericAPIView."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from rest_framework import exceptions
from rest_framework.serializers import BaseSerializer
from rest_framework.settings import api_settings

from .consumers import AsyncAPIConsumer


class GenericAsyncAPIConsumer(AsyncAPIConsumer):
    """Base for model consumers: set ``queryset`` and ``serializer_class``, add mixins."""

    queryset: ClassVar[QuerySet | None] = None
    serializer_class: ClassVar[type[BaseSerializer] | None] = None
    filter_backends: ClassVar[list[type]] = list(api_settings.DEFAULT_FILTER_BACKENDS)
    page_size: ClassVar[int] = api_settings.PAGE_SIZE or 100
    max_page_size: ClassVar[int | None] = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._output_serializers: dict[type[BaseSerializer], BaseSerializer] = {}

    def get_queryset(self) -> QuerySet:
        """The objects this consumer works on; override to narrow them per user or action."""
        if self.queryset is None:
            raise NotImplementedError(
                f"{type(self).__name__} needs a `queryset` or a `get_queryset()` method."
            )
        return self.queryset.all()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """Apply ``filter_backends`` with the request's ``query`` object as query parameters."""
        for backend in self.filter_backends:
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def get_object(self) -> Model:
        """The object named by the lookup key, after the object permission checks."""
        queryset = self.filter_queryset(self.get_queryset())
        lookup = {self.lookup_field: self.kwargs[self.lookup_kwarg]}
        try:
            obj = queryset.get(**lookup)
        except (queryset.model.DoesNotExist, TypeError, ValueError, DjangoValidationError):
            raise exceptions.NotFound() from None
        self.check_object_permissions(self.request, obj)
        return obj

    def paginate_queryset(self, queryset: QuerySet) -> QuerySet:
        """Cut the queryset to the request's ``offset`` and ``limit`` (``page_size`` by default)."""
        message = self.request.message if self.request else {}
        offset = message.get("offset", 0)
        limit = message.get("limit", self.page_size)
        return queryset[offset : offset + limit]

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.serializer_class is None:
            raise NotImplementedError(
                f"{type(self).__name__} needs a `serializer_class` or `get_serializer_class()`."
            )
        return self.serializer_class

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, "view": self, "consumer": self, "scope": self.scope}

    def get_serializer(self, *args: Any, **kwargs: Any) -> BaseSerializer:
        """A serializer for input and for output of written objects, as in DRF."""
        kwargs.setdefault("context", self.get_serializer_context())
        return self.get_serializer_class()(*args, **kwargs)

    def serialize(self, obj: Model | Iterable[Model], many: bool = False) -> Any:
        """Representation of one object or many, for read-only replies.

        The serializer's fields are built once per connection and serializer class and
        reused; building them is most of the cost of serializing one object.
        """
        serializer_class = self.get_serializer_class()
        serializer = self._output_serializers.get(serializer_class)
        if serializer is None:
            serializer = self._output_serializers[serializer_class] = self.get_serializer()
        else:
            serializer._context = self.get_serializer_context()
        if many:
            return [serializer.to_representation(item) for item in obj]
        return serializer.to_representation(obj)
