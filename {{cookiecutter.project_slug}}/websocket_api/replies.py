"""The reply envelope and the ``(data, status)`` result contract."""

from __future__ import annotations

from typing import Any

from .exceptions import InvalidResultError

INTERNAL_ERROR = "A server error occurred."


def envelope(
    action: Any,
    request_id: Any,
    status: int,
    data: Any = None,
    errors: list | None = None,
) -> dict[str, Any]:
    """The five keys every reply and push carries."""
    return {
        "action": action,
        "request_id": request_id,
        "response_status": status,
        "data": data,
        "errors": errors if errors is not None else [],
    }


def check_result(result: Any, action: str | None) -> tuple[Any, int]:
    """``result`` as ``(data, status)``, the one shape an action may return."""
    if (
        isinstance(result, tuple)
        and len(result) == 2
        and isinstance(result[1], int)
        and not isinstance(result[1], bool)
        and 100 <= result[1] <= 599
    ):
        return result
    raise InvalidResultError(
        f"Action {action!r} returned {type(result).__name__} {result!r:.200}; "
        "an action must return (data, status) with an HTTP status code."
    )


def error_list(detail: Any) -> list:
    """Errors as a list: a dict of field errors stays one dict, a message becomes one item."""
    if isinstance(detail, list):
        return detail
    if isinstance(detail, dict) and set(detail) != {"detail"}:
        return [detail]
    if isinstance(detail, dict):
        return [detail["detail"]]
    return [detail]
