"""Reads that give what the ORM gives, for less work: prepared lookups and list rows.

Building, compiling and running a ``QuerySet`` costs several times what the database takes
to answer a lookup by key. ``prepared_get`` compiles a consumer class's lookup once per
database thread and then only sends the SQL with each value; ``plain_columns`` says when a
list page can be read as rows of the serialized columns instead of model instances. Both
step aside whenever anything could make the result differ from the ORM's.
"""

from __future__ import annotations

import keyword
import threading
from typing import Any, cast

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.db.models.expressions import Col
from django.db.models.lookups import BuiltinLookup, Exact, Lookup
from django.db.models.query import MAX_GET_RESULTS, ModelIterable
from django.db.models.query_utils import DeferredAttribute
from django.db.models.sql.compiler import SQLCompiler
from rest_framework import fields as drf_fields
from rest_framework.serializers import Serializer

from .serializer_fields import drf_built

# Fields that show a model field's value as it is stored, whether they read it from an
# instance or from a row of ``values_list()``.
PLAIN_FIELDS = frozenset(
    {
        drf_fields.BooleanField,
        drf_fields.CharField,
        drf_fields.DateField,
        drf_fields.DateTimeField,
        drf_fields.DecimalField,
        drf_fields.EmailField,
        drf_fields.FloatField,
        drf_fields.IntegerField,
        drf_fields.SlugField,
        drf_fields.TimeField,
        drf_fields.URLField,
        drf_fields.UUIDField,
    }
)

_thread = threading.local()


def plain_queryset(queryset: QuerySet) -> bool:
    """Whether ``queryset`` only selects its model's rows: no joins, annotations, extra
    columns, prefetching, slicing, locking or combination to reproduce."""
    query, state = queryset.query, cast(Any, queryset)
    return (
        # A QuerySet subclass may change what get() or filter() do (hide rows, say).
        type(queryset) is QuerySet
        and queryset._iterable_class is ModelIterable
        and not state._prefetch_related_lookups
        and not state._known_related_objects
        and not query.select_related
        and not query.annotations
        and not query.extra
        and not query.combinator
        and not query.distinct
        and not query.select_for_update
        and query.deferred_loading == (frozenset(), True)
        and query.low_mark == 0
        and query.high_mark is None
        and query.can_filter()
    )


def plain_model(model: type[Model]) -> bool:
    """Whether the model builds its instances from rows as Django's ``Model`` does."""
    return (
        model.from_db.__func__ is Model.from_db.__func__  # type: ignore[attr-defined]
        and model.__init__ is Model.__init__
    )


def selected_columns(compiler: SQLCompiler) -> list[Any]:
    """The expressions a compiled query selects, in order."""
    return [expression for expression, _sql, _alias in compiler.select]


class PreparedLookup:
    """One consumer class's lookup, compiled on one database thread, and what turns its
    rows into instances as ``QuerySet.get()`` does."""

    __slots__ = (
        "attnames",
        "class_queryset",
        "compiler",
        "condition",
        "converters",
        "lhs",
        "sql",
    )

    def __init__(
        self, class_queryset: QuerySet, condition: str, sql: str | None, compiler: Any
    ) -> None:
        self.class_queryset = class_queryset
        self.condition = condition
        self.sql = sql
        self.compiler: SQLCompiler | None = compiler
        self.attnames: list[str] = []
        self.converters: dict = {}
        # The compared column's SQL and parameters, when the lookup builds its condition
        # as Django's own lookups do: the same for every value (see ``condition_of``).
        self.lhs: tuple[str, list] | None = None
        if compiler is not None:
            columns = selected_columns(compiler)
            self.attnames = [cast(Any, column).target.attname for column in columns]
            self.converters = compiler.get_converters(columns)

    @classmethod
    def compile(
        cls,
        class_queryset: QuerySet,
        queryset: QuerySet,
        field: Field,
        value: Any,
        condition: str,
        params: list,
    ) -> PreparedLookup:
        """The lookup as ``queryset.get(field=value)`` compiles it, when its SQL serves
        every value; with ``sql`` None when it does not."""
        unusable = cls(class_queryset, condition, None, None)
        if not plain_queryset(class_queryset) or not plain_model(queryset.model):
            return unusable
        template = queryset.filter(**{field.name: value}).order_by()
        template.query.set_limits(high=MAX_GET_RESULTS)
        compiler = template.query.get_compiler(queryset.db)
        try:
            sql, template_params = compiler.as_sql()
        except EmptyResultSet:  # the queryset can hold nothing (none(), pk__in=[])
            return unusable
        if list(template_params) != list(params) or condition not in sql:
            return unusable
        if not all(isinstance(column, Col) for column in selected_columns(compiler)):
            return unusable
        return cls(class_queryset, condition, sql, compiler)

    def learn_lhs(self, lookup: Lookup, condition: str, params: list) -> None:
        """Keep the column's SQL when the condition is built as Django's lookups build it."""
        lookup_class = type(lookup)
        if (
            lookup_class.process_lhs is not BuiltinLookup.process_lhs
            or lookup_class.as_sql not in (BuiltinLookup.as_sql, Exact.as_sql)
            or isinstance(lookup.rhs, bool)
        ):
            return
        compiler = cast(SQLCompiler, self.compiler)
        lhs_sql, lhs_params = lookup.process_lhs(compiler, compiler.connection)
        self.lhs = (lhs_sql, list(lhs_params))
        if self.condition_of(lookup) != (condition, params):
            self.lhs = None  # built some other way: compile each condition

    def condition_of(self, lookup: Lookup) -> tuple[str, list]:
        """The lookup's condition and parameters, as ``lookup.as_sql()`` gives them."""
        compiler = cast(SQLCompiler, self.compiler)
        connection = compiler.connection
        if self.lhs is None or isinstance(lookup.rhs, bool):
            # True and False may compile to the bare column or its negation.
            sql, params = lookup.as_sql(compiler, connection)
            return sql, list(params)
        lhs_sql, lhs_params = self.lhs
        rhs_sql, rhs_params = lookup.process_rhs(compiler, connection)
        rhs_sql = cast(BuiltinLookup, lookup).get_rhs_op(connection, rhs_sql)
        return f"{lhs_sql} {rhs_sql}", [*lhs_params, *rhs_params]

    def get(self, model: type[Model], db: str, params: list) -> Model:
        """The one object the lookup finds; DoesNotExist or MultipleObjectsReturned else."""
        compiler = cast(SQLCompiler, self.compiler)
        with compiler.connection.cursor() as cursor:
            cursor.execute(cast(str, self.sql), params)
            rows: Any = cursor.fetchall()
        if self.converters:
            rows = compiler.apply_converters(rows, self.converters)
        found = [model.from_db(db, self.attnames, row) for row in rows]
        errors: Any = model
        name = model._meta.object_name
        if not found:
            raise errors.DoesNotExist(f"{name} matching query does not exist.")
        if len(found) > 1:
            number = len(found) if len(found) < MAX_GET_RESULTS else f"more than {len(found) - 1}"
            raise errors.MultipleObjectsReturned(
                f"get() returned more than one {name} -- it returned {number}!"
            )
        return found[0]


def lookup_target(model: type[Model], lookup_field: str) -> Field | None:
    """The concrete, non-relation field a lookup compares, or None."""
    try:
        field = model._meta.get_field(lookup_field)
    except FieldDoesNotExist:
        if lookup_field != "pk":
            return None
        field = model._meta.pk
    if not isinstance(field, Field) or not field.concrete or field.is_relation:
        return None
    return field


def prepared_get(
    owner: type, class_queryset: QuerySet, queryset: QuerySet, lookup_field: str, value: Any
) -> Model | None:
    """``queryset.get(**{lookup_field: value})``, from SQL compiled once per ``owner`` class
    and database thread; None when that SQL could differ, and the caller uses ``get()``.

    ``queryset`` must be what the owner's stock ``get_queryset()`` makes of
    ``class_queryset``. Each value is prepared by the field's own ``exact`` lookup, and its
    condition must compile to the same SQL as the value the lookup was compiled with (True
    and False on a boolean field do not, for example).
    """
    db = queryset.db
    connection = connections[db]
    if (
        value is None  # filter() compares None with IS NULL, not =
        or connection.features.interprets_empty_strings_as_nulls
        or "__" in lookup_field
    ):
        return None
    model = queryset.model
    field = lookup_target(model, lookup_field)
    if field is None:
        return None
    exact = field.get_lookup("exact")
    if exact is None:
        return None
    prepared_lookups = _thread.__dict__.setdefault("lookups", {})
    prepared = prepared_lookups.get((owner, db))
    if prepared is not None and (
        prepared.class_queryset is not class_queryset
        or (prepared.compiler is not None and prepared.compiler.connection is not connection)
    ):
        prepared = None  # the class queryset or the thread's database connection changed
    if prepared is not None and prepared.sql is None:
        return None
    try:
        lookup = exact(field.get_col(model._meta.db_table), value)
        if prepared is not None:
            condition, params = prepared.condition_of(lookup)
        else:
            compiler = queryset.query.get_compiler(db)
            condition, params = lookup.as_sql(compiler, connection)
            params = list(params)
    except EmptyResultSet:
        raise cast(Any, model).DoesNotExist() from None
    if prepared is None:
        prepared = PreparedLookup.compile(class_queryset, queryset, field, value, condition, params)
        prepared_lookups[(owner, db)] = prepared
        if prepared.sql is not None:
            prepared.learn_lhs(lookup, condition, params)
    if prepared.sql is None or prepared.condition != condition:
        return None
    return prepared.get(model, db, params)


def plain_columns(model: type[Model], serializer: Serializer) -> tuple[str, ...] | None:
    """The columns a serializer shows, when each readable field is a plain one over a
    concrete model field; None when anything else could be involved."""
    serializer_class = type(serializer)
    if (
        serializer_class.to_representation is not Serializer.to_representation
        or not drf_built(serializer_class)
        or not plain_model(model)
    ):
        return None
    columns = ["pk"]
    for field in serializer._readable_fields:
        if type(field) not in PLAIN_FIELDS or len(field.source_attrs) != 1:
            return None
        name = field.source_attrs[0]
        if name == "pk":
            continue
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            return None  # not a name values_list(named=True) can give a row
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if (
            not model_field.concrete
            or model_field.is_relation
            or cast(Any, model_field).attname != name
            or type(getattr(model, name, None)) is not DeferredAttribute
        ):
            return None
        columns.append(name)
    return tuple(dict.fromkeys(columns))
