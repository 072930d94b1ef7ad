"""Checking that the services the settings point at answer; ``make services`` starts them.

The tests never install or start anything: when a service does not answer, they fail
with the command that provides it.
"""

from __future__ import annotations

import socket
from urllib.parse import urlparse

PROVIDE_SERVICES = "make services"


class ServiceUnavailableError(RuntimeError):
    """A service the settings point at does not answer."""


def answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host or "127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def missing_services(settings) -> list[str]:
    """One line per service that ``settings`` use and that does not answer."""
    missing = []
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        host, port = database.get("HOST") or "127.0.0.1", int(database.get("PORT") or 5432)
        if not answers(host, port):
            missing.append(f"PostgreSQL does not answer on {host}:{port}.")
    if getattr(settings, "REDIS_URL", ""):
        parsed = urlparse(settings.REDIS_URL)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
        if not answers(host, port):
            missing.append(f"Redis does not answer on {host}:{port}.")
    return missing


def check_services(settings) -> None:
    missing = missing_services(settings)
    if missing:
        raise ServiceUnavailableError(f"{' '.join(missing)} Run `{PROVIDE_SERVICES}`.")
