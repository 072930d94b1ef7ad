from django.urls import path

from .views import AsyncAPIDocumentView, DocsPageView

urlpatterns = [
    path("schema/asyncapi.json", AsyncAPIDocumentView.as_view(), name="api-schema"),
    path("docs/", DocsPageView.as_view(), name="api-docs"),
]
