"""Liveness, readiness and metrics: plain Django views, with no authentication or throttles.

They are async, so that under Daphne they run on the event loop: a stuck database thread
makes ``/readyz`` fail but leaves ``/healthz`` and ``/metrics`` answering.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from prometheus_client.exposition import choose_encoder

from .health import readiness
from .metrics import REGISTRY

SAFE_METHODS = ("GET", "HEAD")


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


async def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers HTTP. Restart it when this fails."""
    if request.method not in SAFE_METHODS:
        return HttpResponseNotAllowed(SAFE_METHODS)
    return no_store(JsonResponse({"status": "ok"}))


async def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database and the channel layer work. Send no traffic while this fails."""
    if request.method not in SAFE_METHODS:
        return HttpResponseNotAllowed(SAFE_METHODS)
    checks = await readiness()
    failed = [name for name, outcome in checks.items() if outcome != "ok"]
    if failed:
        body = {"status": "unavailable", "failed": failed, "checks": checks}
        return no_store(JsonResponse(body, status=503))
    return no_store(JsonResponse({"status": "ok", "checks": checks}))


def token_refusal(request: HttpRequest, token: str) -> HttpResponse | None:
    """401 without a bearer token, 403 with a wrong one, None with the right one."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        response = HttpResponse("A bearer token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not hmac.compare_digest(credentials.strip().encode(), token.encode()):
        return HttpResponse("Wrong token.\n", status=403)
    return None


async def metrics(request: HttpRequest) -> HttpResponse:
    """This process's metrics in Prometheus' text format, when METRICS_ENABLED is on."""
    if not getattr(settings, "METRICS_ENABLED", False):
        return HttpResponse("Not found.\n", status=404)
    if request.method not in SAFE_METHODS:
        return HttpResponseNotAllowed(SAFE_METHODS)
    token = getattr(settings, "METRICS_TOKEN", "")
    refusal = token_refusal(request, token) if token else None
    if refusal is not None:
        return no_store(refusal)
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return no_store(HttpResponse(encoder(REGISTRY), content_type=content_type))
