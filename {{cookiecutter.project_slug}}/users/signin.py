"""Sign-in throttling: failed attempts per username and per client address.

Every failed ``authenticate()`` (the admin, the DRF login page, ``/api/session/``,
``/api/token/``, HTTP Basic on the API and on WebSocket handshakes) counts against its
username and its address, through Django's ``user_login_failed`` signal. Once either has
had ``SIGN_IN_THROTTLE`` failures within the window, further attempts are answered 429
with the wait, even with the right password, until enough failures have aged out.
Counts live in Django's cache, so each process counts for itself unless the cache is
shared.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

CACHE_PREFIX = "sign-in-failures"


def limits() -> dict[str, int]:
    return settings.SIGN_IN_THROTTLE


def client_address(request: Any) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def keys(username: str, address: str) -> list[tuple[str, int]]:
    """The cache keys an attempt counts against, each with its limit."""
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"{CACHE_PREFIX}:user:{digest}", limits()["FAILURES_PER_USERNAME"]),
        (f"{CACHE_PREFIX}:address:{address}", limits()["FAILURES_PER_ADDRESS"]),
    ]


def recent(key: str, now: float) -> list[float]:
    window = limits()["WINDOW"]
    return [moment for moment in cache.get(key, []) if moment > now - window]


def wait_seconds(username: str, address: str) -> float | None:
    """Seconds until an attempt for ``username`` from ``address`` may be made; None: now."""
    now = time.time()
    waits = []
    for key, limit in keys(username, address):
        failures = recent(key, now)
        if len(failures) >= limit:
            waits.append(failures[-limit] + limits()["WINDOW"] - now)
    return max(waits) if waits else None


def record_failure(username: str, address: str) -> None:
    now = time.time()
    for key, limit in keys(username, address):
        failures = [*recent(key, now), now][-limit:]
        cache.set(key, failures, timeout=limits()["WINDOW"])


def on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    """Receiver of ``user_login_failed``: count the failure."""
    username = str(credentials.get("username") or credentials.get(_username_field()) or "")
    record_failure(username, client_address(request) if request is not None else "unknown")


def _username_field() -> str:
    from django.contrib.auth import get_user_model

    return get_user_model().USERNAME_FIELD


def submitted_username(request: HttpRequest) -> str:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return ""
        return str(body.get("username", "")) if isinstance(body, dict) else ""
    return str(request.POST.get("username", ""))


def throttled_response(request: HttpRequest, wait: float) -> HttpResponse:
    seconds = max(1, int(wait + 0.999))
    message = f"Too many failed sign-ins. Try again in {seconds} seconds."
    if request.content_type == "application/json" or request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"errors": [message], "detail": message}, status=429)
    else:
        response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=429)
    response["Retry-After"] = str(seconds)
    return response


def throttle_sign_in(view: Callable) -> Callable:
    """Answer a sign-in POST with 429 while its username or address is throttled."""

    def throttled_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            wait = wait_seconds(submitted_username(request), client_address(request))
            if wait is not None:
                return throttled_response(request, wait)
        return view(request, *args, **kwargs)

    throttled_view.__name__ = getattr(view, "__name__", "throttled_view")
    throttled_view.__doc__ = view.__doc__
    if hasattr(view, "csrf_exempt"):
        throttled_view.csrf_exempt = view.csrf_exempt  # type: ignore[attr-defined]
    return throttled_view
