"""Errors that already know the reply they deserve, as DRF ``APIException`` subclasses.

Being ``APIException``s, they go through DRF's exception handler like any other, so a
custom ``EXCEPTION_HANDLER`` sees them too.
"""

from __future__ import annotations

from rest_framework.exceptions import APIException


class ActionError(APIException):
    """Raised to answer the request with ``status`` and ``errors`` (a list)."""

    def __init__(self, status: int, errors: list) -> None:
        super().__init__(detail=list(errors))
        self.status_code = status


class RequestError(ActionError):
    """A message that cannot run as it stands: 400, one string per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(400, problems)


class InvalidResultError(TypeError):
    """An action returned something other than ``(data, status)``."""
