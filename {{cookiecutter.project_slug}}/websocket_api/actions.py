"""The actions a consumer offers: the table of the six model actions, and the decorator.

``MODEL_ACTIONS`` is the one place that says how each model action is called and answered:
its HTTP method (what permission classes see), whether it names one object, what it does
with ``data``, the ViewSet method that ``view_as_consumer`` maps it to, and its success
status. The mixins, ``view_as_consumer``, the demo page and the tests all read it.

This module imports nothing from Django, so tools can load it on its own.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
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
        ModelAction("list", "GET", False, "none", "list", 200, LIST_PARAMS),
        ModelAction("retrieve", "GET", True, "none", "retrieve", 200),
        ModelAction("patch", "PATCH", True, "required", "partial_update", 200),
        ModelAction("update", "PUT", True, "required", "update", 200),
        ModelAction("create", "POST", False, "required", "create", 201),
        ModelAction("delete", "DELETE", True, "none", "destroy", 204),
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
