"""HTTP URLs: the admin, the REST API and, when enabled, the demo page."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

from users.signin import throttle_sign_in

# Every sign-in form is throttled per username and address (users/signin.py).
admin.site.login = throttle_sign_in(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("users.urls")),
    path("api/token/", throttle_sign_in(obtain_auth_token), name="api-token"),
    # The AsyncAPI document and the docs page (apidocs/).
    path("api/", include("apidocs.urls")),
    path(
        "api-auth/login/",
        throttle_sign_in(LoginView.as_view(template_name="rest_framework/login.html")),
    ),
    path("api-auth/", include("rest_framework.urls")),
    path("", include("ops.urls")),
]
if settings.DEMO_ENABLED:
    urlpatterns.append(path("", include("demo.urls")))
