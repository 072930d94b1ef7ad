"""Declaring the actions a consumer offers."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar, overload

DataRule = Literal["required", "optional", "none"]
ActionFunc = TypeVar("ActionFunc", bound=Callable)

DATA_RULES = ("required", "optional", "none")


@dataclass(frozen=True)
class ActionSpec:
    """What one action accepts and how permission classes see it."""

    name: str
    method: str = "POST"
    detail: bool = False
    data: DataRule = "optional"
    params: frozenset[str] = frozenset()
    is_async: bool = False


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
    func=None,
    /,
    *,
    method="POST",
    detail=False,
    data="optional",
    params=(),
    name=None,
):
    """Mark a consumer method, sync or async, as an action clients can call.

    ``method`` is the HTTP method permission classes see (``"GET"`` for read-only
    actions), ``detail`` makes the lookup key (``pk`` by default) required and available
    as ``self.kwargs``, ``data`` says whether the request's ``data`` object is required,
    optional or must be empty, and ``params`` names extra top-level keys the action
    accepts (read them from ``request.message``).
    """
    if data not in DATA_RULES:
        raise ValueError(f"data must be one of {DATA_RULES}, not {data!r}")

    def decorate(function: ActionFunc) -> ActionFunc:
        function.action_spec = ActionSpec(
            name=name or function.__name__,
            method=method.upper(),
            detail=detail,
            data=data,
            params=frozenset(params),
            is_async=inspect.iscoroutinefunction(function),
        )
        return function

    if func is not None:
        return decorate(func)
    return decorate


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
