"""HTTP URLs: the admin, the REST API and the demo page."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("users.urls")),
    path("api-auth/", include("rest_framework.urls")),
    path("", include("demo.urls")),
]
