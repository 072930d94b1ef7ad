"""Errors that already know the reply they deserve."""


class ActionError(Exception):
    """Raised to answer the request with ``status`` and ``errors`` (a list)."""

    def __init__(self, status: int, errors: list) -> None:
        super().__init__(f"{status}: {errors!r}")
        self.status_code = status
        self.errors = errors


class RequestError(ActionError):
    """A message that cannot run as it stands: 400, one string per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(400, problems)
