"""The REST API, mounted once under /api/v1/, with its OpenAPI schema and documentation page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("courses.api.urls")),
    path("", include("badges.api.urls")),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from a URL (?script) instead of inline, so the docs work
    # under the Content Security Policy (script-src 'self', no 'unsafe-inline').
    path(
        "docs",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]
