import json

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

from config.routing import websocket_urlpatterns
from users.signin import throttle_sign_in

from .routes import describe_routes


def session_state(request: HttpRequest) -> dict:
    user = request.user
    return {
        "authenticated": user.is_authenticated,
        "username": user.get_username() if user.is_authenticated else None,
        "is_staff": user.is_staff,
    }


@method_decorator(ensure_csrf_cookie, name="dispatch")
class DemoPageView(TemplateView):
    """The page for trying the API in a browser."""

    template_name = "demo/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["routes"] = describe_routes(websocket_urlpatterns)
        context["session"] = session_state(self.request)
        # The docs page, where each action's form links to its documentation.
        off = settings.API_SCHEMA_ACCESS == "off"
        context["docs_url"] = None if off else reverse("api-docs")
        return context


@method_decorator(ensure_csrf_cookie, name="dispatch")
@method_decorator(throttle_sign_in, name="post")
class SessionView(View):
    """Sign in (POST a JSON username and password), out (DELETE) or ask who is signed in."""

    def get(self, request):
        return JsonResponse(session_state(request))

    def post(self, request):
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JsonResponse({"errors": ["Send a JSON object."]}, status=400)
        user = authenticate(
            request, username=body.get("username", ""), password=body.get("password", "")
        )
        if user is None:
            return JsonResponse({"errors": ["Wrong username or password."]}, status=400)
        login(request, user)
        return JsonResponse(session_state(request))

    def delete(self, request):
        logout(request)
        return JsonResponse(session_state(request))
