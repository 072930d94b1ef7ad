"""Errors that already know the reply they deserve, as DRF ``APIException`` subclasses.

Being ``APIException``s, they go through DRF's exception handler like any other, so a
custom ``EXCEPTION_HANDLER`` sees them too.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("websocket_api")

DATABASE_UNAVAILABLE = "The database is unavailable (locked, busy or down): try again shortly."


class ActionError(APIException):
    """Raised to answer the request with ``status`` and ``errors`` (a list)."""

    def __init__(self, status: int, errors: list) -> None:
        super().__init__(detail=list(errors))
        self.status_code = status


class RequestError(ActionError):
    """A message that cannot run as it stands: 400, one string per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(400, problems)


class ServiceUnavailable(APIException):
    """Something the request needs (the database, the channel layer) cannot be had: 503."""

    status_code = 503
    default_detail = "A service this request needs is unavailable: try again shortly."
    default_code = "service_unavailable"


class InvalidResultError(TypeError):
    """An action returned something other than ``(data, status)``."""


def unavailable_dependency(exc: Exception) -> Exception:
    """``exc``, or a 503 when it says the database cannot be had (locked, timed out, down)."""
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("The database is unavailable: %s", exc)
        return ServiceUnavailable(DATABASE_UNAVAILABLE)
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a database that cannot be had answered 503 instead of 500.

    Set as ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``, it serves the HTTP API and the consumers.
    """
    return drf_exception_handler(unavailable_dependency(exc), context)
