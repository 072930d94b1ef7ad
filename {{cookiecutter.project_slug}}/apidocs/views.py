"""The AsyncAPI document of the WebSocket API, and the page that shows it to people.

``settings.API_SCHEMA_ACCESS`` says who may read both: ``"public"``, ``"staff"`` or
``"off"``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.views import View
from django.views.generic import TemplateView

from websocket_api.schema import build_document, dump_json

STAFF_ONLY = "The API description is for staff users only: sign in with a staff account."


def may_read(request: HttpRequest) -> bool:
    """Whether ``API_SCHEMA_ACCESS`` lets this request's user read the description."""
    access = settings.API_SCHEMA_ACCESS
    if access == "off":
        raise Http404("The API description is turned off (API_SCHEMA_ACCESS).")
    user = request.user
    return access == "public" or (user.is_authenticated and user.is_staff)


class AsyncAPIDocumentView(View):
    """The AsyncAPI 3.0 document, the same bytes as ``manage.py asyncapi`` writes."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not may_read(request):
            return JsonResponse({"detail": STAFF_ONLY}, status=403)
        return HttpResponse(dump_json(build_document()), content_type="application/json")


class DocsPageView(TemplateView):
    """The docs page: every route, action, field, example, error reply and push."""

    template_name = "apidocs/index.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_read(request):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            return HttpResponse(STAFF_ONLY, status=403, content_type="text/plain; charset=utf-8")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            context["demo_url"] = reverse("demo")
        except NoReverseMatch:
            context["demo_url"] = None
        return context
