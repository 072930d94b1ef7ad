"""Structured logs: a JSON formatter, a filter that hides secrets, and the WebSocket log lines.

``DJANGO_LOG_FORMAT=json`` makes every line one JSON object: ``time``, ``level``,
``logger``, ``message``, then the record's extra fields (``logger.info(..., extra={...})``),
then ``exception`` when there is one. ``RedactingFilter`` sits on the handler, so it sees
every record: it replaces the values of extra fields whose names look secret (password,
token, secret, authorization, cookie, session id, API key), at any depth, without changing
the caller's objects.

The WebSocket code logs through ``log_connect``, ``log_disconnect`` and ``log_action``,
which emit a fixed set of fields and never a message body, a password, a token or a
cookie. The formatter and the filter use the standard library only.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

REDACTED = "[redacted]"
SECRET_NAME = re.compile(r"pass(word|wd)|token|secret|authori[sz]ation|cookie|session_?id|api_?key")
# How deep redaction looks into nested containers; anything deeper is replaced whole.
MAX_DEPTH = 8
# Longest text from a client (origin, action, request_id) that a log line keeps.
CLIENT_TEXT_LIMIT = 200

# What every LogRecord has; any other attribute came from ``extra``.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}

connection_logger = logging.getLogger("websocket_api.connections")
action_logger = logging.getLogger("websocket_api.actions")


def is_secret_name(name: object) -> bool:
    if isinstance(name, bytes):
        name = name.decode("latin1")
    return isinstance(name, str) and bool(SECRET_NAME.search(name.lower().replace("-", "_")))


def redacted(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` with the values under secret-looking keys replaced.

    Mappings are redacted by key, and so are ``(name, value)`` pairs such as ASGI headers.
    """
    if depth > MAX_DEPTH:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            key: REDACTED if is_secret_name(key) else redacted(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if len(items) == 2 and isinstance(items[0], str | bytes) and is_secret_name(items[0]):
            return [items[0], REDACTED]
        return [redacted(item, depth + 1) for item in items]
    return value


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in STANDARD_ATTRIBUTES}


class RedactingFilter(logging.Filter):
    """Replaces secret values in a record's extra fields and in mapping-style arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in extra_fields(record).items():
            setattr(record, key, REDACTED if is_secret_name(key) else redacted(value))
        if isinstance(record.args, Mapping):
            record.args = redacted(record.args)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the record's extra fields as keys of their own."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extra_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        try:
            return json.dumps(entry, default=str, ensure_ascii=False)
        except ValueError:  # a circular structure in an extra field
            return json.dumps({key: scalar_or_repr(value) for key, value in entry.items()})


def scalar_or_repr(value: Any) -> Any:
    return value if value is None or isinstance(value, str | bool | int | float) else repr(value)


def client_value(value: Any) -> Any:
    """A value a client chose, fit for a log line: scalars kept, text and structures clipped."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(redacted(value), default=str)
    return text if len(text) <= CLIENT_TEXT_LIMIT else text[:CLIENT_TEXT_LIMIT] + "..."


def log_connect(route: str, user_id: Any, origin: str | None) -> None:
    """Log an accepted WebSocket connection: ``route``, ``user_id`` (None when anonymous),
    ``origin``; at INFO on ``websocket_api.connections``."""
    fields = {"route": route, "user_id": user_id, "origin": client_value(origin)}
    connection_logger.info(
        "WebSocket connected: route=%s user_id=%s origin=%r",
        route,
        user_id,
        fields["origin"],
        extra=fields,
    )


def log_disconnect(
    route: str, user_id: Any, origin: str | None, close_code: int | None, duration: float
) -> None:
    """Log the end of a WebSocket connection: the fields of ``log_connect`` plus
    ``close_code`` and ``duration`` (seconds the connection was open); at INFO."""
    fields = {
        "route": route,
        "user_id": user_id,
        "origin": client_value(origin),
        "close_code": close_code,
        "duration": round(duration, 6),
    }
    connection_logger.info(
        "WebSocket closed: route=%s user_id=%s origin=%r close_code=%s duration=%.3fs",
        route,
        user_id,
        fields["origin"],
        close_code,
        duration,
        extra=fields,
    )


def action_log_level() -> int:
    """``ACTION_LOG_LEVEL`` from the settings (``DJANGO_ACTION_LOG_LEVEL``), DEBUG by default."""
    from django.conf import settings

    return level_named(str(getattr(settings, "ACTION_LOG_LEVEL", "DEBUG")))


@functools.cache
def level_named(name: str) -> int:
    """The level a name gives, INFO for a name ``logging`` does not know."""
    return logging.getLevelNamesMapping().get(name.upper(), logging.INFO)


def log_action(route: str, action: Any, request_id: Any, status: int, duration: float) -> None:
    """Log one answered WebSocket request: ``route``, ``action``, ``request_id``,
    ``status`` (the reply's ``response_status``) and ``duration`` (seconds from the frame's
    arrival to the reply), on ``websocket_api.actions`` at ``ACTION_LOG_LEVEL``.

    The request's data and the reply's body are never logged; ``action`` and
    ``request_id``, which the client chose, are clipped (and redacted if structured).
    """
    level = action_log_level()
    if not action_logger.isEnabledFor(level):
        return
    fields = {
        "route": route,
        "action": client_value(action),
        "request_id": client_value(request_id),
        "status": status,
        "duration": round(duration, 6),
    }
    action_logger.log(
        level,
        "WebSocket action: route=%s action=%r request_id=%r status=%s duration=%.3fs",
        route,
        fields["action"],
        fields["request_id"],
        status,
        duration,
        extra=fields,
    )
