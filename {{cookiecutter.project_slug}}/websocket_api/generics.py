"""``GenericAsyncAPIConsumer``: querysets, serializers, lookups and paging, as GenericAPIView."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from rest_framework import exceptions
from rest_framework.serializers import BaseSerializer, ListSerializer, ModelSerializer, Serializer

from .actions import ActionSchema
from .conf import drf_classes, websocket_api_settings
from .consumers import AsyncAPIConsumer
from .exceptions import RequestError
from .requests import ActionRequest, check_paging

# A serializer whose class keeps one of these builds the same fields for every request.
STOCK_GET_FIELDS = frozenset({Serializer.get_fields, ModelSerializer.get_fields})


class GenericAsyncAPIConsumer(AsyncAPIConsumer):
    """Base for model consumers: set ``queryset`` and ``serializer_class``, add mixins."""

    queryset: ClassVar[QuerySet | None] = None
    serializer_class: ClassVar[type[BaseSerializer] | None] = None
    lookup_field: ClassVar[str] = "pk"
    lookup_url_kwarg: ClassVar[str | None] = None
    filter_backends: ClassVar[list[type]] = drf_classes("DEFAULT_FILTER_BACKENDS")
    # None: WEBSOCKET_API's PAGE_SIZE and MAX_PAGE_SIZE.
    page_size: ClassVar[int | None] = None
    max_page_size: ClassVar[int | None] = None
    # Build a serializer's fields once per connection and reuse them for replies (see
    # get_serializer); False builds them for every reply, as DRF does.
    reuse_serializer_fields: ClassVar[bool] = True
    # Additions to the AsyncAPI description of the actions, by name (websocket_api.schema).
    action_schemas: ClassVar[dict[str, ActionSchema]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built_fields: dict[type[BaseSerializer], Any] = {}

    @classmethod
    def get_lookup_kwarg(cls) -> str:
        return cls.lookup_url_kwarg or cls.lookup_field

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
        lookup = {self.lookup_field: self.kwargs[self.get_lookup_kwarg()]}
        try:
            obj = queryset.get(**lookup)
        except (
            queryset.model.DoesNotExist,
            TypeError,
            ValueError,
            OverflowError,
            DjangoValidationError,
        ):
            raise exceptions.NotFound() from None
        self.check_object_permissions(cast(ActionRequest, self.request), obj)
        return obj

    # Paging, with DRF's LimitOffsetPagination names; a limit out of range is a 400.

    def get_page_size(self) -> int:
        return self.page_size or websocket_api_settings.PAGE_SIZE

    def get_max_page_size(self) -> int:
        return self.max_page_size or websocket_api_settings.MAX_PAGE_SIZE

    def paginate_queryset(self, queryset: QuerySet) -> QuerySet:
        """Cut the queryset to the request's ``offset`` and ``limit`` (``page_size`` by default)."""
        message = self.request.message if self.request else {}
        problems = check_paging(message, self.get_max_page_size())
        if problems:
            raise RequestError(problems)
        offset = message.get("offset", 0)
        limit = message.get("limit", self.get_page_size())
        return queryset[offset : offset + limit]

    # Serializers

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.serializer_class is None:
            raise NotImplementedError(
                f"{type(self).__name__} needs a `serializer_class` or `get_serializer_class()`."
            )
        return self.serializer_class

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, "view": self, "consumer": self, "scope": self.scope}

    def get_serializer(self, *args: Any, **kwargs: Any) -> BaseSerializer:
        """A serializer for input and output, as in DRF.

        Building a serializer's fields is most of what serializing one object costs, so a
        serializer made only for output gets the fields built the first time this
        connection used its class. That holds only when the fields cannot depend on the
        request: the class keeps DRF's own ``get_fields()`` and its ``__init__`` leaves
        the fields alone. Otherwise, and for input, the fields are built anew.
        """
        serializer_class = self.get_serializer_class()
        kwargs.setdefault("context", self.get_serializer_context())
        serializer = serializer_class(*args, **kwargs)
        if self.reuse_serializer_fields and "data" not in kwargs:
            self.reuse_fields(serializer)
        return serializer

    def reuse_fields(self, serializer: BaseSerializer) -> None:
        target: Any = serializer.child if isinstance(serializer, ListSerializer) else serializer
        serializer_class = type(target)
        if "fields" in vars(target) or serializer_class.get_fields not in STOCK_GET_FIELDS:
            return
        fields = self._built_fields.get(serializer_class)
        if fields is None:
            self._built_fields[serializer_class] = target.fields
            return
        for field in fields.values():
            field.parent = target
        target.fields = fields
