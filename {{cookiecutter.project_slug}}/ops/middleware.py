"""HTTP middleware: request metrics, and probes answered before the rest of the stack.

Both work in Django's sync and async modes, so under Daphne they keep the middleware
chain async and add no thread hop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase
from django.urls import resolve

from . import metrics
from .urls import urlpatterns as probe_urlpatterns

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

GetResponse = Callable[[HttpRequest], Any]


class SyncAndAsyncMiddleware:
    """A middleware that runs in the mode of the handler it wraps."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.handle_async(request)
        return self.handle(request)

    def handle(self, request: HttpRequest) -> HttpResponseBase:
        raise NotImplementedError

    async def handle_async(self, request: HttpRequest) -> HttpResponseBase:
        raise NotImplementedError


class MetricsMiddleware(SyncAndAsyncMiddleware):
    """Counts every HTTP request by method, URL name and status, and times it.

    Put it first in MIDDLEWARE so that it sees every answer, redirects and refusals from
    the other middleware included. The time ends when the response is returned, before a
    streamed body is sent. A 429 also counts as throttled, ``where="http"``.
    """

    def handle(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        record(request, response, time.perf_counter() - started)
        return response

    async def handle_async(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = await self.get_response(request)
        record(request, response, time.perf_counter() - started)
        return response


def route_name(request: HttpRequest) -> str:
    """The URL's name (``user-detail``, ``admin:index``): the same for every id in the path."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None and match.view_name else "unmatched"


def record(request: HttpRequest, response: HttpResponseBase, seconds: float) -> None:
    method = request.method if request.method in KNOWN_METHODS else None
    status = response.status_code
    metrics.http_request_answered(method or "other", route_name(request), status, seconds)
    if status == 429:
        metrics.throttled("http")


class ProbeMiddleware(SyncAndAsyncMiddleware):
    """Answers ``ops.urls`` (``/healthz``, ``/readyz``, ``/metrics``) directly.

    Probes and scrapers address one process by its IP address and port, which are not in
    ALLOWED_HOSTS; these answers hold no host name, so the host check, sessions,
    authentication and CSRF (they accept only GET and HEAD) are skipped. It also makes
    them cheap and exempt from an SSL redirect. Put it right after MetricsMiddleware;
    without it, the same views answer through the whole stack.
    """

    paths = frozenset(f"/{pattern.pattern}" for pattern in probe_urlpatterns)

    def handle(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info not in self.paths:
            return self.get_response(request)
        view = self.view_for(request)
        if iscoroutinefunction(view):
            return async_to_sync(view)(request)
        return view(request)

    async def handle_async(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info not in self.paths:
            return await self.get_response(request)
        view = self.view_for(request)
        if iscoroutinefunction(view):
            return await view(request)
        return await sync_to_async(view, thread_sensitive=True)(request)

    @staticmethod
    def view_for(request: HttpRequest) -> Callable[[HttpRequest], Any]:
        request.resolver_match = resolve(request.path_info, urlconf="ops.urls")
        return request.resolver_match.func
