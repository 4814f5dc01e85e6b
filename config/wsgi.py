"""WSGI entry point (gunicorn config.wsgi). Cached public badge documents, and remembered per-award verdicts
(GET /api/v1/awards/<id>/verify, badges/api/fast_path.py), are answered before Django."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from badges.api.fast_path import AwardVerdictFastPath  # noqa: E402 — needs Django set up first
from issuers.public_cache import PublicDocumentFastPath  # noqa: E402 — needs Django set up first

application = PublicDocumentFastPath(AwardVerdictFastPath(django_application))
