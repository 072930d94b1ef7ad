"""The reply envelope, and how exceptions become error replies."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.utils.encoders import JSONEncoder

from .exceptions import ActionError

logger = logging.getLogger("websocket_api")

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


def encode(content: dict) -> str:
    """Encode as DRF does over HTTP: datetimes, UUIDs, decimals and lazy strings included."""
    return json.dumps(content, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))


def error_list(detail: Any) -> list:
    """Errors as a list: a dict of field errors stays one dict, a message becomes one item."""
    if isinstance(detail, list):
        return detail
    if isinstance(detail, dict) and set(detail) != {"detail"}:
        return [detail]
    if isinstance(detail, dict):
        return [detail["detail"]]
    return [detail]


def status_and_errors(exc: Exception, context: str = "") -> tuple[int, list]:
    """The status and ``errors`` list that answer ``exc``; unexpected errors are logged."""
    if isinstance(exc, ActionError):
        return exc.status_code, list(exc.errors)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, SuspiciousOperation):
        logger.warning("Refused a WebSocket request: %s", exc)
        return 400, ["Bad request."]
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, error_list(exc.detail)
    logger.exception("Unhandled error in WebSocket action %s", context or "(unknown)")
    return 500, [INTERNAL_ERROR]
