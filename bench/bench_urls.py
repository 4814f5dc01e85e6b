"""The product URLs plus one plain Django JSON view, the load test's baseline. Used only by bench/load_bench.py."""

from django.http import JsonResponse
from django.urls import include, path


def baseline(request):
    """The cheapest useful Django answer: a small JSON document, no database."""
    return JsonResponse({"@context": "https://w3id.org/openbadges/v2", "type": "Baseline", "ok": True})


urlpatterns = [
    path("bench/baseline", baseline),
    path("", include("config.urls")),
]
