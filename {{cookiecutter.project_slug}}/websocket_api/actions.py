"""The actions a consumer offers: the table of the six model actions, and the decorator.

``MODEL_ACTIONS`` is the one place that says how each model action is called and answered:
its HTTP method (what permission classes see), whether it names one object, what it does
with ``data``, the ViewSet method that ``view_as_consumer`` maps it to, and its success
status. The mixins, ``view_as_consumer``, the demo page and the tests all read it.

``ActionSchema`` (with ``extend_action_schema`` or a consumer's ``action_schemas``) adds to
the AsyncAPI description of an action what cannot be read from it (``websocket_api.schema``).

This module imports nothing from Django, so tools can load it on its own.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, TypeVar, overload

DataRule = Literal["required", "optional", "none"]
ActionFunc = TypeVar("ActionFunc", bound=Callable[..., Any])

DATA_RULES: tuple[DataRule, ...] = ("required", "optional", "none")
PAGING_PARAMS = ("limit", "offset")
LIST_PARAMS = (*PAGING_PARAMS, "query")


@dataclass(frozen=True)
class ActionSpec:
    """What one action accepts and how permission classes see it."""

    name: str
    method: str = "POST"
    detail: bool = False
    data: DataRule = "optional"
    params: frozenset[str] = frozenset()
    is_async: bool = False
    description: str = ""


@dataclass(frozen=True)
class ModelAction:
    """One row of the model action table."""

    name: str
    method: str
    detail: bool
    data: DataRule
    viewset_method: str
    status: int
    params: tuple[str, ...] = ()
    summary: str = ""

    @property
    def mixin_name(self) -> str:
        return f"{self.name.capitalize()}ModelMixin"

    def spec(self) -> ActionSpec:
        return ActionSpec(
            name=self.name,
            method=self.method,
            detail=self.detail,
            data=self.data,
            params=frozenset(self.params),
        )


MODEL_ACTIONS: Mapping[str, ModelAction] = {
    row.name: row
    for row in (
        ModelAction("list", "GET", False, "none", "list", 200, LIST_PARAMS, "One page of objects."),
        ModelAction("retrieve", "GET", True, "none", "retrieve", 200, (), "One object."),
        ModelAction(
            "patch", "PATCH", True, "required", "partial_update", 200, (), "Change some fields."
        ),
        ModelAction("update", "PUT", True, "required", "update", 200, (), "Replace the fields."),
        ModelAction("create", "POST", False, "required", "create", 201, (), "A new object."),
        ModelAction("delete", "DELETE", True, "none", "destroy", 204, (), "Remove an object."),
    )
}


@overload
def action(func: ActionFunc, /) -> ActionFunc: ...


@overload
def action(
    *,
    method: str = "POST",
    detail: bool = False,
    data: DataRule = "optional",
    params: Iterable[str] = (),
    name: str | None = None,
) -> Callable[[ActionFunc], ActionFunc]: ...


def action(
    func: ActionFunc | None = None,
    /,
    *,
    method: str = "POST",
    detail: bool = False,
    data: DataRule = "optional",
    params: Iterable[str] = (),
    name: str | None = None,
) -> Any:
    """Mark a consumer method, sync or async, as an action clients can call.

    ``method`` is the HTTP method permission classes see (``"GET"`` for read-only
    actions), ``detail`` makes the lookup key (``pk`` by default) required and available
    in ``self.kwargs``, ``data`` says whether the request's ``data`` object is required,
    optional or must be empty, and ``params`` names extra top-level keys the action
    accepts (read them from ``request.message``). The action returns ``(data, status)``;
    its docstring describes it to clients.
    """
    if data not in DATA_RULES:
        raise ValueError(f"data must be one of {DATA_RULES}, not {data!r}")

    def decorate(function: ActionFunc) -> ActionFunc:
        function.action_spec = ActionSpec(  # type: ignore[attr-defined]
            name=name or function.__name__,
            method=method.upper(),
            detail=detail,
            data=data,
            params=frozenset(params),
            is_async=inspect.iscoroutinefunction(function),
            description=inspect.getdoc(function) or "",
        )
        return function

    if func is not None:
        return decorate(func)
    return decorate


def model_action(name: str) -> Callable[[ActionFunc], ActionFunc]:
    """Declare one of the table's actions with the table's method, detail, data and params."""
    row = MODEL_ACTIONS[name]
    return action(method=row.method, detail=row.detail, data=row.data, params=row.params, name=name)


def collect_actions(cls: type) -> dict[str, tuple[ActionSpec, str]]:
    """Map each action name offered by ``cls`` to its spec and the method implementing it.

    Actions come in method resolution order, so in the order the mixins are listed; a
    definition in a subclass wins over the one it overrides.
    """
    found: dict[str, tuple[ActionSpec, str]] = {}
    seen_attributes: set[str] = set()
    for klass in cls.__mro__:
        for attribute, value in vars(klass).items():
            spec = getattr(value, "action_spec", None)
            if attribute in seen_attributes or not isinstance(spec, ActionSpec):
                continue
            seen_attributes.add(attribute)
            found.setdefault(spec.name, (spec, attribute))
    return found


class Unset:
    """The value of an ``ActionSchema`` field that was not given."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = Unset()


@dataclass(frozen=True)
class ActionSchema:
    """What the AsyncAPI description says about one action, beyond what is read from it.

    Fields left unset are derived: descriptions from the docstring, ``data`` and the reply
    from the serializer, the statuses from the model action table. A schema is a JSON Schema
    dict or a serializer (class or instance); ``{"type": "null"}`` says ``data`` is null.
    ``request_example`` holds the request's keys (``request_id`` included, if you like; not
    ``action``); ``reply_example`` the reply's ``data``. ``params`` gives a schema per extra
    top-level key, ``pushes`` the changes a subscription pushes (``create``, ``update``,
    ``delete``) and ``errors`` replaces the error statuses listed.
    """

    summary: str | None = None
    description: str | None = None
    request_data: Any = UNSET
    params: Mapping[str, Any] = field(default_factory=dict)
    reply_status: int | None = None
    reply_data: Any = UNSET
    request_example: Mapping[str, Any] | None = None
    reply_example: Any = UNSET
    pushes: tuple[str, ...] = ()
    errors: tuple[int, ...] | None = None

    def extended(self, other: ActionSchema | None) -> ActionSchema:
        """This schema with every field that ``other`` sets taken from ``other``."""
        if other is None:
            return self
        blank = ActionSchema()
        given = {
            item.name: getattr(other, item.name)
            for item in fields(other)
            if getattr(other, item.name) != getattr(blank, item.name)
        }
        return replace(self, **given)


def extend_action_schema(**schema: Any) -> Callable[[ActionFunc], ActionFunc]:
    """Add to or correct an action's AsyncAPI description (see ``ActionSchema``).

    Works on consumer actions and on the methods of a viewset that ``view_as_consumer``
    serves, above or below ``@action``. A consumer's ``action_schemas`` class attribute,
    ``{"list": ActionSchema(...)}``, does the same for actions it inherits.
    """
    extension = ActionSchema(**schema)

    def decorate(function: ActionFunc) -> ActionFunc:
        current = getattr(function, "asyncapi_schema", None) or ActionSchema()
        function.asyncapi_schema = current.extended(extension)  # type: ignore[attr-defined]
        return function

    return decorate
