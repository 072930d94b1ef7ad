"""``GenericAsyncAPIConsumer``: querysets, serializers, lookups and paging, as GenericAPIView."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from rest_framework import exceptions
from rest_framework.serializers import BaseSerializer, ListSerializer, Serializer

from .actions import ActionSchema
from .conf import drf_classes, websocket_api_settings
from .consumers import AsyncAPIConsumer
from .exceptions import RequestError
from .queries import plain_columns, prepared_get
from .requests import ActionRequest, check_paging
from .serializer_fields import drf_built, drf_leaf_fields, thread_fields

_list_columns: dict[tuple[type, type], tuple[str, ...] | None] = {}


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
    # Lists fetch only the columns the serializer shows, as rows instead of model instances,
    # when it shows nothing but plain model fields (see get_list_queryset); False fetches
    # model instances, as DRF does.
    list_rows: ClassVar[bool] = True
    # Additions to the AsyncAPI description of the actions, by name (websocket_api.schema).
    action_schemas: ClassVar[dict[str, ActionSchema]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built_fields: dict[type[BaseSerializer], Any] | None = None

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
        stock = self.keeps_stock_queryset()
        # The stock get_queryset() and filter_queryset() give a copy of the class queryset.
        queryset = (
            cast(QuerySet, self.queryset) if stock else self.filter_queryset(self.get_queryset())
        )
        value = self.kwargs[self.get_lookup_kwarg()]
        try:
            obj = self.lookup_in_class_queryset(queryset, value) if stock else None
            if obj is None:
                obj = queryset.get(**{self.lookup_field: value})
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

    def get_list_queryset(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` as a list reply reads it: named rows of the serialized columns.

        Building model instances is most of what fetching a page costs. When the
        serializer shows only plain model fields (``queries.PLAIN_FIELDS`` over columns,
        DRF's own ``to_representation`` and ``get_fields``), the rows carry the same values
        and give the same reply. Otherwise, with ``list_rows = False`` or for a queryset
        already made of values or combined, ``queryset`` comes back unchanged.
        """
        if (
            not self.list_rows
            or not isinstance(queryset, QuerySet)
            or cast(Any, queryset)._fields is not None
            or queryset._iterable_class is not ModelIterable
            or queryset.query.combinator
        ):
            return queryset
        serializer_class = self.get_serializer_class()
        key = (queryset.model, serializer_class)
        if key not in _list_columns:
            probe = serializer_class(context=self.get_serializer_context())
            _list_columns[key] = (
                plain_columns(queryset.model, probe) if isinstance(probe, Serializer) else None
            )
        columns = _list_columns[key]
        if columns is None:
            return queryset
        return queryset.values_list(*columns, named=True)

    def serializes_list_rows(self, rows: QuerySet, serializer: BaseSerializer) -> bool:
        """Whether the serializer made for a page of rows shows only the columns fetched."""
        child = getattr(serializer, "child", None)
        if (
            not isinstance(child, Serializer)
            or type(serializer).to_representation is not ListSerializer.to_representation
        ):
            return False
        columns = plain_columns(rows.model, child)
        return columns is not None and set(columns) <= set(cast(Any, rows)._fields or ())

    def keeps_stock_queryset(self) -> bool:
        """Whether the objects are the class ``queryset`` as it is: the stock
        ``get_queryset()`` and ``filter_queryset()``, and no filter backends."""
        cls = type(self)
        return (
            cls.get_queryset is GenericAsyncAPIConsumer.get_queryset
            and cls.filter_queryset is GenericAsyncAPIConsumer.filter_queryset
            and not self.filter_backends
            and self.queryset is not None
        )

    def lookup_in_class_queryset(self, queryset: QuerySet, value: Any) -> Model | None:
        """``queryset.get()`` of the object, with its SQL compiled once per consumer class.

        Building and compiling the query is most of what a lookup costs. For a consumer
        that keeps the stock queryset (``keeps_stock_queryset``, which the caller checks)
        when that queryset only selects plain rows, the same SQL serves every lookup
        (``websocket_api.queries.prepared_get``). None: not this case, and the caller uses
        ``get()``.
        """
        return prepared_get(
            type(self), cast(QuerySet, self.queryset), queryset, self.lookup_field, value
        )

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
        serializer made only for output gets fields built before: by any connection on
        this database thread when all of them are DRF's own field classes, else by this
        connection. That holds only when the fields cannot depend on the request: the
        class builds them with DRF's own methods (``get_fields()``, ``get_field_names()``,
        ``build_field()`` and the like, see ``serializer_fields.FIELD_BUILDERS``) and its
        ``__init__`` leaves them alone. Otherwise, and for input, they are built anew.
        """
        serializer_class = self.get_serializer_class()
        kwargs.setdefault("context", self.get_serializer_context())
        serializer = serializer_class(*args, **kwargs)
        if self.reuse_serializer_fields and "data" not in kwargs:
            self.reuse_fields(serializer)
        return serializer

    def reuse_fields(self, serializer: BaseSerializer) -> None:
        target: Any = serializer.child if isinstance(serializer, ListSerializer) else serializer
        serializer_class: type = type(target)
        if "fields" in vars(target) or not drf_built(serializer_class):
            return
        shared = thread_fields()
        own = self._built_fields if self._built_fields is not None else {}
        fields = (shared or {}).get(serializer_class) or own.get(serializer_class)
        if fields is None:
            fields = target.fields
            if shared is not None and drf_leaf_fields(fields):
                shared[serializer_class] = fields
            else:
                self._built_fields = {**own, serializer_class: fields}
            return
        for field in fields.values():
            field.parent = target
        target.fields = fields
