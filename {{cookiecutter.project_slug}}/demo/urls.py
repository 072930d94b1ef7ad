from django.urls import path

from .views import DemoPageView, SessionView

urlpatterns = [
    path("", DemoPageView.as_view(), name="demo"),
    path("api/session/", SessionView.as_view(), name="session"),
]
