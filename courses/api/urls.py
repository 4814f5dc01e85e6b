"""Completions API, mounted under /api/v1/ by config/api_urls.py."""

from django.urls import path

from .views import CompletionView

urlpatterns = [path("completions", CompletionView.as_view(), name="api-completions")]
